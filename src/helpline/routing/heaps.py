"""The engine's state and its agent heaps.

Agent heaps (one per slot) are keyed by the queue's agent-choice rule. Those keys only grow (idle-since
moves forward, a round-robin stamp only increases), so an entry is left where it is when its agent changes:
the head is re-keyed when it is reached (`rekey_head`), and an agent who is not available when reached is
dropped from that heap and remembered as missing there. Only "least occupied" keys can shrink (a finished
interaction): then a fresher entry is pushed, and an entry above its agent's current key is dropped when
reached. A heap holds about one entry per eligible agent; `_compact_agents` bounds the rest.
"""

from __future__ import annotations

from collections import deque

from mypy_extensions import i64

from helpline.domain.capacity import has_room
from helpline.routing.state import BEST, IDLE, LEAST, Agent, Interaction, Queue, Slot, Timer


class _AgentHeaps:
    def __init__(self, *, alert_timeout_s: float = 15.0, vip_boost: int = 10, reject_holdoff_s: float = 10.0,
                 sl_first: bool | frozenset[str] = False) -> None:
        self.alert_timeout_s = float(alert_timeout_s)
        self.vip_boost = vip_boost
        self.reject_holdoff_s = float(reject_holdoff_s)
        self._sl_first = sl_first
        self._queues: dict[str, Queue] = {}
        self._agents: dict[str, Agent] = {}
        self._inters: dict[str, Interaction] = {}
        self._timers: list[Timer] = []  # expansion steps, a heap
        # offers in flight, in due order (one fixed alert time, so insertion order is due order); each one's due
        # moment and sequence number are on the record (`alert_due`, `alert_seq`): no tuple per offer
        self._pending: dict[Interaction, None] = {}
        self._holdoffs: deque[Timer] = deque()  # rejection hold-offs: one fixed duration, due in the order made
        self._certs: list[tuple[float, int, Agent]] = []  # certification starts and expiries
        self._seq = 0
        self._tickets = 0  # numbers the waiting entries (core.py)
        self._now = float("-inf")
        # Set by the simulation's driver (driver.py) only: offers are then recorded here, the interaction in
        # `_made` and its agent in `_made_to`, instead of as `Offer` objects among the input's decisions. The
        # first `_n_made` entries are this input's: the lists are overwritten, never cleared (no buffer freed
        # and allocated anew per input).
        self._lean = False
        self._made: list[Interaction] = []
        self._made_to: list[Agent] = []
        self._n_made = 0

    @staticmethod
    def _room_for(a: Agent) -> list[str]:
        room = a.room_cache.get(a.ukey)
        if room is None:
            used, cap = a.used(), a.cap
            room = a.room_cache[a.ukey] = [ch for ch in a.channels if has_room(ch, used, cap)]
        return room

    def _free_slot(self, a: Agent, rec: Interaction, idle_from: float | None) -> None:
        a.ukey -= rec.radix
        a.total -= 1
        a.lighter = True
        a.items.remove(rec)
        if idle_from is not None:
            a.idle_since = idle_from
        room = a.room_cache.get(a.ukey)
        a.room = room if room is not None else self._room_for(a)

    # -- offers -------------------------------------------------------------------------------------------
    def _agent_excluding(self, rec: Interaction, slot: Slot) -> Agent | None:
        """The rare path: the best agent is the last rejecter; look past him (and put him back)."""
        h = slot.agents
        aside: list[tuple[i64, float, i64, Agent]] = []
        found = None
        while h.size:
            rank, since, epoch, a = h.head()
            if a is rec.rejecter:
                aside.append((rank, since, epoch, a))
                h.pop()
            elif epoch != a.epoch:
                h.pop()
            elif not a.ready or slot.channel not in a.room:
                h.pop()
                self._dropped(a, slot)
            else:
                now_rank, now_since = self._key(a, slot, rank)
                if rank == now_rank and since == now_since:
                    found = a
                    break
                if rank < now_rank or (rank == now_rank and since < now_since):
                    h.rekey_head(now_rank, now_since)
                else:
                    h.pop()
        for rank, since, epoch, a in aside:
            h.push(rank, since, a.aseq, epoch, a)
        return found

    @staticmethod
    def _key(a: Agent, slot: Slot, static_key: i64) -> tuple[i64, float]:
        """The agent's (rank, since) in the slot's agent heap now, by its agent-choice rule."""
        mode = slot.mode
        if mode == BEST:
            return static_key, a.idle_since
        if mode == IDLE:
            return 0, a.idle_since
        if mode == LEAST:
            return a.total, a.idle_since
        return slot.queue.rr.get(a.id, -1), 0.0

    @staticmethod
    def _dropped(a: Agent, slot: Slot) -> None:
        inheap = a.inheap
        held = len(inheap)
        inheap.discard(slot)
        if len(inheap) != held:
            a.missing[slot.channel].append(a.target_of[slot])

    def _advertise(self, a: Agent) -> None:
        """Make sure each slot the available agent may serve now holds an entry for him (a fresh one in
        "least occupied" slots when his load went down since he was last advertised)."""
        inheap, missing = a.inheap, a.missing
        if a.lighter:
            a.lighter = False
            if a.has_least:
                for ch in a.room:
                    for slot, _, static_key in a.least[ch]:
                        self._push_agent(slot, a, static_key)
                        inheap.add(slot)  # if it was missing too, the loop below skips it
        for ch in a.room:
            absent = missing[ch]
            if absent:
                for slot, _, static_key in absent:
                    if slot not in inheap:
                        self._push_agent(slot, a, static_key)
                        inheap.add(slot)
                absent.clear()

    def _push_agent(self, slot: Slot, a: Agent, static_key: i64) -> None:
        h = slot.agents
        rank, since = self._key(a, slot, static_key)
        h.push(rank, since, a.aseq, a.epoch, a)
        if h.size > slot.agent_limit:
            self._compact_agents(slot)

    def _compact_agents(self, slot: Slot) -> None:
        h = slot.agents
        keep: dict[Agent, tuple[i64, float]] = {}
        for i in range(h.size):
            rank, _, epoch, a = h.entry(i)
            if epoch == a.epoch and a not in keep:
                if a.ready and slot.channel in a.room:
                    keep[a] = self._key(a, slot, rank)
                    a.inheap.add(slot)  # a stale "missing" mark is skipped when advertised
                else:
                    self._dropped(a, slot)
        h.clear()
        for a, (rank, since) in keep.items():
            h.push(rank, since, a.aseq, a.epoch, a)
        slot.agent_limit = 2 * max(len(keep), slot.n_eligible) + 64
