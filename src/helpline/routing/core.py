"""The hot path: matching waiting interactions and available agents.

Invariant kept after every input: no interaction waits in a slot while an agent is available for it
(logged in, ready, eligible for the slot, free capacity on its channel), except its last rejecter during
the hold-off. So a change needs only local work: a newly waiting interaction looks at the head of its
slot's agent heap (`_place`), an agent who gains room or eligibility looks at the heads of his slots'
waiting heaps (`_serve`) and then makes sure every slot he may serve holds an entry for him (`_advertise`).
Waiting heaps are keyed (-priority, arrival, seq) with lazy deletion: an entry is live while its
interaction still holds the entry's ticket. Both kinds of heap are in slot_heaps.py.
"""

from __future__ import annotations

from helpline.routing.decisions import Decision, offer
from helpline.routing.heaps import _AgentHeaps
from helpline.routing.slot_heaps import WaitHeap
from helpline.routing.state import IDLE, LEAST, OFFERED, ROUND_ROBIN, WAITING, Agent, Interaction, Slot


class _Core(_AgentHeaps):
    def _offer(self, rec: Interaction, a: Agent, at: float, out: list[Decision]) -> None:
        rec.state = OFFERED
        self._occupy(rec, a, at)
        self._seq += 1
        seq = self._seq
        if rec.slot.mode == ROUND_ROBIN:  # remember when this agent last got one from this queue
            rec.queue.rr[a.id] = seq
        rec.alert_due = at + self.alert_timeout_s
        rec.alert_seq = seq
        self._pending[rec] = None
        if self._lean:
            n = self._n_made
            if n < len(self._made):
                self._made[n] = rec
                self._made_to[n] = a
            else:
                self._made.append(rec)
                self._made_to.append(a)
            self._n_made = n + 1
        else:
            out.append(offer(rec.id, a.id, at))

    def _occupy(self, rec: Interaction, a: Agent, at: float) -> None:
        """The interaction takes one of the agent's slots on its channel (an offer, or work given outside)."""
        ch = rec.channel
        rec.agent = a
        radix = rec.radix = a.radix[ch]
        a.ukey += radix
        a.total += 1
        a.items.append(rec)
        a.idle_since = at
        room = a.room_cache.get(a.ukey)
        a.room = room if room is not None else self._room_for(a)

    def _place(self, rec: Interaction, at: float, out: list[Decision]) -> None:
        """Offer a newly waiting interaction to the best available agent of its slot, or queue it."""
        slot = rec.slot
        h = slot.agents
        ch = slot.channel
        mode = slot.mode
        while h.size:
            rank, since, epoch, a = h.head()
            if epoch != a.epoch:
                h.pop()
                continue
            if not a.ready or ch not in a.room:
                h.pop()
                self._dropped(a, slot)
                continue
            if mode <= IDLE:
                if since != a.idle_since:
                    h.rekey_head(rank, a.idle_since)
                    continue
            elif mode == LEAST:
                if rank != a.total or since != a.idle_since:
                    if rank < a.total or (rank == a.total and since < a.idle_since):
                        h.rekey_head(a.total, a.idle_since)
                    else:
                        h.pop()  # a fresher entry was pushed when his load went down
                    continue
            else:
                stamp = slot.queue.rr.get(a.id, -1)
                if rank != stamp:
                    h.rekey_head(stamp, 0.0)
                    continue
            if a is rec.rejecter:
                found = self._agent_excluding(rec, slot)
                if found is None:
                    break
                a = found
            self._offer(rec, a, at, out)  # his entry stays: it is re-keyed or dropped when next reached
            return
        self._enqueue(rec, slot)

    def _enqueue(self, rec: Interaction, slot: Slot) -> None:
        self._tickets += 1
        ticket = self._tickets
        rec.ticket = ticket
        rec.state = WAITING
        slot.live += 1
        h = slot.waiting
        h.push(rec, ticket)
        if rec.step_timer != rec.tier:
            self._schedule_step(rec)
        if h.size > slot.wait_limit:
            h.keep_live()
            slot.wait_limit = 2 * h.size + 64

    def _schedule_step(self, rec: Interaction) -> None:
        raise NotImplementedError  # flow.py

    def _serve(self, a: Agent, at: float, out: list[Decision]) -> None:
        """A ready agent gained room or eligibility: take the best waiting heads, then advertise himself."""
        wslots = a.wslots
        sl_first = a.sl_first
        while a.room:
            # the first to serve of the slots' heads: the smallest (-priority, arrival, seq), or with
            # sl_first the smallest (-priority, moment it misses its threshold, arrival, seq)
            best: Interaction | None = None
            best_slot: Slot | None = None
            best_due = 0.0
            for ch in a.room:
                for slot in wslots[ch]:
                    h = slot.waiting
                    if not slot.live:
                        if h.size:
                            h.clear()  # only dead entries left
                        continue
                    top = h.live_head()
                    if top is None:
                        continue
                    if top.rejecter is a:
                        top = self._head_excluding(h, a)
                        if top is None:
                            continue
                    due = top.arrival + slot.thr if sl_first else 0.0
                    if best is None or _first(top, due, best, best_due):
                        best, best_slot, best_due = top, slot, due
            if best is None or best_slot is None:
                break
            best.ticket = 0
            best_slot.live -= 1
            self._offer(best, a, at, out)
        if a.room:
            self._advertise(a)

    @staticmethod
    def _head_excluding(h: WaitHeap, a: Agent) -> Interaction | None:
        """The first live interaction the agent did not just reject (those above it are put back)."""
        aside: list[Interaction] = []
        found = None
        while (rec := h.live_head()) is not None:
            if rec.rejecter is not a:
                found = rec
                break
            aside.append(rec)
            h.pop()
        for rec in aside:
            h.push(rec, rec.ticket)
        return found


def _first(rec: Interaction, due: float, other: Interaction, other_due: float) -> bool:
    """Whether `rec` comes before `other` (both heads of waiting heaps): by (-priority, due, arrival, seq), where
    due is 0 for both unless the agent serves the one closest to missing its service level first."""
    if rec.neg_prio != other.neg_prio:
        return rec.neg_prio < other.neg_prio
    if due != other_due:
        return due < other_due
    if rec.arrival != other.arrival:
        return rec.arrival < other.arrival
    return rec.seq < other.seq
