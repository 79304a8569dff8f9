"""The simulation's discrete-event loop, compiled with the engine (setup.py) so that it calls the engine's
inputs natively: `helpline.wfm._loop` draws a replication and builds the event log from what this records.

It owns time and feeds the real `RoutingEngine` every input live operation would: arrivals, accepts (after
the ring delay), talk and wrap-up ends, abandons, shift starts and ends (log-in, ready, not ready, log-out),
and `tick` when the engine's own timers are due. The engine decides every offer. Pre-drawn arrivals (in time
order) are merged with a heap of (moment, kind, index) tuples for everything else.

The engine runs lean (`_lean`): it records its offers as (interaction, agent) in `_made`/`_made_to` instead of
building an `Offer` per decision. Other decisions (overflows, expansion steps) come as usual; a simulated
input's offers are executed after them, which for everything the simulation models (overflows, expansion
steps) is the order they were made in (an interaction offered in an input is not also moved by it).
What happened is kept per interaction as columns (lists of moments, index = interaction); presence changes
and overflows, being few, as rows.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Final

from helpline.routing.decisions import Decision, ExpansionApplied, Overflowed
from helpline.routing.engine import RoutingEngine
from helpline.routing.model import AgentProfile

# interaction states in the loop
WAITING: Final = 0
OFFERED: Final = 1
TALKING: Final = 2
WRAPPING: Final = 3
DONE: Final = 4
ABANDONED: Final = 5
# heap event kinds (at one moment: work ends first, then accepts, abandons, shift changes, timers)
TALK_END: Final = 0
WRAP_END: Final = 1
ACCEPT: Final = 2
ABANDON: Final = 3
SHIFT_END: Final = 4
SHIFT_START: Final = 5
TIMER: Final = 6

INF: Final = float("inf")
NAN: Final = float("nan")

Move = tuple[str, float, int, int, int, float, str]  # (type, t, interaction, queue, agent, wait_s, reason)
PresenceRow = tuple[str, float, int, str | None]  # (type, t, agent, reason)


class DriverError(Exception):
    """The engine decided something the simulation does not model (an offer that timed out)."""


class Driver:
    """One replication. `run` takes the drawn interactions and the shift events; the columns are then read
    from the attributes (NaN: never happened; agent -1: none)."""

    def __init__(self, engine: RoutingEngine, qids: list[str], has_steps: list[bool], first_step: list[float],
                 profiles: list[AgentProfile], ring: float) -> None:
        self.engine = engine
        engine._lean = True
        self.qids = qids
        self.qindex = {q: i for i, q in enumerate(qids)}
        self.has_steps = has_steps
        self.first_step = first_step
        self.timers = any(has_steps) or ring > 0
        self.profiles = profiles
        self.aids = [p.id for p in profiles]
        self.aindex = {a: i for i, a in enumerate(self.aids)}
        self.ring = ring
        na = len(profiles)
        self.held = [0] * na
        self.on_duty = [False] * na
        self.leaving = [False] * na
        self.heap: list[tuple[float, int, int]] = []
        self.next_tick = INF
        self.moves: list[Move] = []
        self.presence: list[PresenceRow] = []
        self.inputs = 0
        self.ids: list[str] = []
        self.handle: list[float] = []
        self.st: list[int] = []
        self.queue_now: list[int] = []
        self.entered: list[float] = []
        self.offered_at: list[float] = []
        self.answered_at: list[float] = []
        self.completed_at: list[float] = []
        self.wrap_end_at: list[float] = []
        self.abandoned_at: list[float] = []
        self.agent_of: list[int] = []

    # -- executing the engine's decisions --------------------------------------------------------------
    def _apply(self, out: list[Decision], t: float) -> None:
        """The decisions of one input: the others as they come, then the offers it recorded."""
        if out:
            self._others(out, t)
        made = self.engine._made
        if not made:
            return
        to = self.engine._made_to
        i = 0
        while i < len(made):  # an accept may record more (certification boundaries): they are taken in turn
            self._offered(int(made[i].id), self.aindex[to[i].id], t)
            i += 1
        made.clear()
        to.clear()

    def _others(self, out: list[Decision], t: float) -> None:
        for d in out:
            if isinstance(d, Overflowed):
                k = int(d.interaction_id)
                old, new = self.qindex[d.from_queue], self.qindex[d.to_queue]
                self.moves.append(("exited", t, k, old, -1, t - self.entered[k], "overflow"))
                self.moves.append(("entered_queue", t, k, new, -1, NAN, ""))
                self.queue_now[k] = new
                self.entered[k] = t
            elif not isinstance(d, ExpansionApplied):
                raise DriverError(f"unexpected decision {d!r}: offers must be accepted before the alert time-out")

    def _offered(self, k: int, a: int, t: float) -> None:
        self.st[k] = OFFERED
        self.offered_at[k] = t
        self.agent_of[k] = a
        self.held[a] += 1
        if self.ring != 0.0:
            heappush(self.heap, (t + self.ring, ACCEPT, k))
            return
        more = self.engine.offer_accepted(self.ids[k], self.aids[a], t)
        self.answered_at[k] = t
        self.st[k] = TALKING
        heappush(self.heap, (t + self.handle[k], TALK_END, k))
        if more:
            self._others(more, t)

    def _want_tick(self, at: float | None) -> None:
        if at is not None and at < self.next_tick:
            self.next_tick = at
            heappush(self.heap, (at, TIMER, 0))

    def _logout(self, a: int, t: float) -> None:
        out = self.engine.agent_logged_out(self.aids[a], t)
        self.presence.append(("agent_logged_out", t, a, None))
        self.on_duty[a] = False
        self.leaving[a] = False
        self._apply(out, t)

    def _arrive(self, k: int, t: float, q: int, wait_limit: float) -> None:
        out = self.engine.interaction_arrived(self.ids[k], self.qids[q], t)
        if out or self.engine._made:
            self._apply(out, t)
        if self.st[k] == WAITING:
            if wait_limit < INF:
                heappush(self.heap, (t + wait_limit, ABANDON, k))
            if self.timers and self.has_steps[q]:
                self._want_tick(t + self.first_step[q])
        elif self.ring != 0.0 and wait_limit < self.ring:
            heappush(self.heap, (t + wait_limit, ABANDON, k))

    # -- the loop ----------------------------------------------------------------------------------------
    def run(self, arrival: list[float], start_queue: list[int], handle: list[float], wrap: list[float],
            patience: list[float], shifts: list[tuple[float, int, int]]) -> None:
        """arrival: in time order; wrap: 0 for none; patience: inf for none; shifts: (moment, SHIFT_START or
        SHIFT_END, agent index)."""
        n = len(arrival)
        engine = self.engine
        self.ids = [str(k) for k in range(n)]
        self.handle = handle
        self.st = [WAITING] * n
        self.queue_now = list(start_queue)
        self.entered = list(arrival)
        self.offered_at = [NAN] * n
        self.answered_at = [NAN] * n
        self.completed_at = [NAN] * n
        self.wrap_end_at = [NAN] * n
        self.abandoned_at = [NAN] * n
        self.agent_of = [-1] * n
        with_wrap = any(w > 0 for w in wrap)
        heap = self.heap
        for item in shifts:
            heappush(heap, item)
        ids, aids, st, held, leaving = self.ids, self.aids, self.st, self.held, self.leaving
        agent_of = self.agent_of
        nxt = 0
        while True:
            if nxt < n and (not heap or arrival[nxt] <= heap[0][0]):
                k = nxt
                nxt += 1
                self._arrive(k, arrival[k], start_queue[k], patience[k])
                continue
            if not heap:
                break
            t, kind, k = heappop(heap)
            a = -1
            if kind == TALK_END:
                a = agent_of[k]
                self.completed_at[k] = t
                if with_wrap and wrap[k] > 0:
                    st[k] = WRAPPING
                    out = engine.wrap_up_started(aids[a], ids[k], t)
                    heappush(heap, (t + wrap[k], WRAP_END, k))
                    if out or engine._made:
                        self._apply(out, t)
                    continue
                self.wrap_end_at[k] = t
                st[k] = DONE
                out = engine.interaction_finished(ids[k], aids[a], t)
            elif kind == WRAP_END:
                a = agent_of[k]
                self.wrap_end_at[k] = t
                st[k] = DONE
                out = engine.wrap_up_ended(aids[a], ids[k], t)
            elif kind == ABANDON:
                s = st[k]
                if s != WAITING and s != OFFERED:
                    continue
                out = engine.interaction_left(ids[k], t)
                st[k] = ABANDONED
                self.abandoned_at[k] = t
                if s == OFFERED:
                    a = agent_of[k]
                    held[a] -= 1
                    if leaving[a] and not held[a]:
                        self._logout(a, t)
                if out or engine._made:
                    self._apply(out, t)
                continue
            elif kind == ACCEPT:
                if st[k] == OFFERED:
                    a = agent_of[k]
                    out = engine.offer_accepted(ids[k], aids[a], t)
                    self.answered_at[k] = t
                    st[k] = TALKING
                    heappush(heap, (t + self.handle[k], TALK_END, k))
                    if out or engine._made:
                        self._apply(out, t)
                continue
            elif kind == SHIFT_START:
                a = k
                if leaving[a]:  # still finishing the last shift's work: simply ready again
                    leaving[a] = False
                    out = engine.agent_ready(aids[a], t)
                    self.presence.append(("agent_ready", t, a, None))
                else:
                    out = engine.agent_logged_in(self.profiles[a], t, ready=True)
                    self.presence.append(("agent_logged_in", t, a, None))
                    self.presence.append(("agent_ready", t, a, None))
                    self.on_duty[a] = True
                self.inputs += 1
                if out or engine._made:
                    self._apply(out, t)
                continue
            elif kind == SHIFT_END:
                a = k
                if self.on_duty[a]:
                    if held[a]:
                        leaving[a] = True
                        engine.agent_not_ready(aids[a], "shift_end", t)
                        self.inputs += 1
                        self.presence.append(("agent_not_ready", t, a, "shift_end"))
                    else:
                        self._logout(a, t)
                    if self.timers:
                        self._want_tick(engine.next_timer_at())
                continue
            else:  # TIMER
                if t >= self.next_tick:
                    self.next_tick = INF
                out = engine.tick(t)
                self.inputs += 1
                if out or engine._made:
                    self._apply(out, t)
                self._want_tick(engine.next_timer_at())
                continue
            # the work ended (talk without wrap-up, or wrap-up): the agent's slot is free
            held[a] -= 1
            if leaving[a] and not held[a]:
                self._logout(a, t)
            if out or engine._made:
                self._apply(out, t)
