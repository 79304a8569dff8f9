"""The hot path: matching waiting interactions and available agents.

Invariant kept after every input: no interaction waits in a slot while an agent is available for it
(logged in, ready, eligible for the slot, free capacity on its channel), except its last rejecter during
the hold-off. So a change needs only local work: a newly waiting interaction looks at the head of its
slot's agent heap (`_place`), an agent who gains room or eligibility looks at the heads of his slots'
waiting heaps (`_serve`) and then makes sure every slot he may serve holds an entry for him (`_advertise`).
Waiting heaps are keyed (-priority, arrival, seq) with lazy deletion: an entry is live while its
interaction still holds the entry's ticket. (A ticket rather than the identity of the entry tuple: when
compiled with mypyc, a tuple read into a typed local is unboxed, so `is` between tuples never holds.)
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush, heapreplace

from helpline.routing.decisions import Decision, offer
from helpline.routing.heaps import _AgentHeaps
from helpline.routing.state import IDLE, LEAST, OFFERED, ROUND_ROBIN, WAITING, Agent, Interaction, Slot, WaitEntry


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
            self._made.append(rec)
            self._made_to.append(a)
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
        while h:
            e = h[0]
            a = e[4]
            if e[3] != a.epoch:
                heappop(h)
                continue
            if not a.ready or ch not in a.room:
                heappop(h)
                self._dropped(a, slot)
                continue
            if mode <= IDLE:
                if e[1] != a.idle_since:
                    heapreplace(h, (e[0], a.idle_since, e[2], e[3], a))
                    continue
            elif mode == LEAST:
                if e[0] != a.total or e[1] != a.idle_since:
                    if (e[0], e[1]) < (a.total, a.idle_since):
                        heapreplace(h, (a.total, a.idle_since, e[2], e[3], a))
                    else:
                        heappop(h)  # a fresher entry was pushed when his load went down
                    continue
            else:
                stamp = slot.queue.rr.get(a.id, -1)
                if e[0] != stamp:
                    heapreplace(h, (stamp, 0.0, e[2], e[3], a))
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
        entry = (rec.neg_prio, rec.arrival, rec.seq, rec, ticket)
        rec.ticket = ticket
        rec.state = WAITING
        slot.live += 1
        h = slot.waiting
        heappush(h, entry)
        if rec.step_timer != rec.tier:
            self._schedule_step(rec)
        if len(h) > slot.wait_limit:
            h[:] = [e for e in h if e[3].ticket == e[4]]
            heapify(h)
            slot.wait_limit = 2 * len(h) + 64

    def _schedule_step(self, rec: Interaction) -> None:
        raise NotImplementedError  # flow.py

    def _serve(self, a: Agent, at: float, out: list[Decision]) -> None:
        """A ready agent gained room or eligibility: take the best waiting heads, then advertise himself."""
        wslots = a.wslots
        sl_first = a.sl_first
        while a.room:
            best: WaitEntry | None = None
            best_key: tuple[float, float, float, int] | None = None
            best_slot: Slot | None = None
            for ch in a.room:
                for slot in wslots[ch]:
                    h = slot.waiting
                    if not slot.live:
                        if h:
                            h.clear()  # only dead entries left
                        continue
                    while h:
                        top = h[0]
                        if top[3].ticket == top[4]:
                            break
                        heappop(h)
                    else:
                        continue
                    if top[3].rejecter is a:
                        found = self._head_excluding(h, a)
                        if found is None:
                            continue
                        top = found
                    if sl_first:
                        key = (top[0], top[1] + slot.thr, top[1], top[2])
                        if best_key is None or key < best_key:
                            best, best_key, best_slot = top, key, slot
                    elif best is None or top < best:
                        best, best_slot = top, slot
            if best is None or best_slot is None:
                break
            rec = best[3]
            rec.ticket = 0
            best_slot.live -= 1
            self._offer(rec, a, at, out)
        if a.room:
            self._advertise(a)

    @staticmethod
    def _head_excluding(h: list[WaitEntry], a: Agent) -> WaitEntry | None:
        aside: list[WaitEntry] = []
        found = None
        while h:
            top = h[0]
            rec = top[3]
            if rec.ticket != top[4]:
                heappop(h)
            elif rec.rejecter is a:
                aside.append(heappop(h))
            else:
                found = top
                break
        for e in aside:
            heappush(h, e)
        return found
