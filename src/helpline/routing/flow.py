"""Interactions on the move: back from an offer, into a queue, one expansion step further; and the timers
(expansion steps, offer alerts, rejection hold-offs) that `tick` runs in (due, sequence) order."""

from __future__ import annotations

from heapq import heappop, heappush

from helpline.routing.core import _Core
from helpline.routing.decisions import AgentSetNotReady, Decision, OfferTimedOut, Overflowed, expansion_applied
from helpline.routing.state import ALERT, GONE, OFFERED, STEP, WAITING, Interaction, Queue, Slot, Timer


class _Flow(_Core):
    # -- returning, moving, timers ------------------------------------------------------------------------
    def _return(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        """An offer came back: the interaction goes back to its original place (same key), or on if due."""
        self._take_back(rec, at, out)
        self._place(rec, at, out)

    def _take_back(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        """An offer came back: the interaction waits again (not yet placed), one step further if its next
        expansion step fell due while it was offered."""
        self._pending.pop(rec, None)
        rec.agent = None
        rec.state = WAITING
        if rec.step_pending:
            rec.step_pending = False
            self._step(rec, at, out)

    def _enter(self, rec: Interaction, q: Queue, at: float) -> None:
        rec.queue = q
        rec.channel = q.channel
        rec.tier = 0
        rec.slot = self._slots(q, rec.lang)[0]
        rec.neg_prio = -(q.priority + rec.priority + self.vip_boost * rec.vip)
        rec.entered_at = at
        self._seq += 1
        rec.q_token = self._seq
        rec.step_timer = -1

    def _schedule_step(self, rec: Interaction) -> None:
        """Called when the interaction starts waiting in a tier: its next step counts from queue entry."""
        k = rec.tier
        rec.step_timer = k
        steps = rec.queue.steps
        if k < len(steps):
            self._seq += 1
            heappush(self._timers, (rec.entered_at + steps[k].after_s, self._seq, STEP, rec, rec.q_token))

    def _apply_step(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        self._step(rec, at, out)
        self._place(rec, at, out)

    def _step(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        """The interaction's next expansion step: another tier of its queue, or another queue."""
        q, k = rec.queue, rec.tier
        if rec.ticket:
            rec.ticket = 0
            rec.slot.live -= 1
        step = q.steps[k]
        if step.move_to_queue is not None:
            to = self._queues[step.move_to_queue]
            out.append(Overflowed(rec.id, q.id, to.id, at))
            self._enter(rec, to, at)
        else:
            out.append(expansion_applied(rec.id, k, at))
            rec.tier = k + 1
            rec.slot = q.lang_slots[rec.lang][k + 1]

    def _next_timer(self, at: float) -> Timer | None:
        """Pop the earliest due timer of the three sources, in (due, sequence) order."""
        steps, pending, holds = self._timers, self._pending, self._holdoffs
        best = steps[0] if steps and steps[0][0] <= at else None
        alert = False  # a flag, not the tuple: compiled code boxes a tuple anew, so `is` would not hold
        if pending:
            rec = next(iter(pending))
            due, seq = rec.alert_due, rec.alert_seq
            if due <= at and (best is None or due < best[0] or (due == best[0] and seq < best[1])):
                best = (due, seq, ALERT, rec, seq)
                alert = True
        if holds:
            first = holds[0]
            if first[0] <= at and (best is None or first[0] < best[0] or (first[0] == best[0] and first[1] < best[1])):
                return holds.popleft()
        if best is None:
            return None
        if alert:
            del pending[best[3]]
        else:
            heappop(steps)
        return best

    def _run_timers(self, at: float, out: list[Decision]) -> None:
        while (timer := self._next_timer(at)) is not None:
            _, _, kind, rec, token = timer
            state = rec.state
            if kind == STEP:
                if rec.q_token != token or state > OFFERED:
                    continue
                if state == OFFERED:
                    rec.step_pending = True
                else:
                    self._apply_step(rec, at, out)
            elif kind == ALERT:
                if rec.agent is not None:
                    a = rec.agent
                    out.append(OfferTimedOut(rec.id, a.id, at))
                    out.append(AgentSetNotReady(a.id, "no_answer", at))
                    a.ready = False
                    a.reason = "no_answer"
                    self._free_slot(a, rec, None)
                    self._return(rec, at, out)
            elif rec.reject_token == token and rec.rejecter is not None:  # HOLDOFF
                rec.rejecter = None
                if state == WAITING and rec.ticket:
                    rec.ticket = 0
                    rec.slot.live -= 1
                    self._place(rec, at, out)

    def _forget(self, rec: Interaction) -> None:
        if rec.ticket:
            rec.ticket = 0
            rec.slot.live -= 1
        elif rec.state == OFFERED:
            del self._pending[rec]
        rec.state = GONE
        rec.agent = None
        del self._inters[rec.id]

    def _slots(self, q: Queue, lang: str | None) -> list[Slot]:
        raise NotImplementedError  # eligibility.py
