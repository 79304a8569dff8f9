"""The simulation's discrete-event loop, compiled with the engine (setup.py) so that it calls the engine's
inputs natively: `helpline.wfm._loop` draws a replication and builds the event log from what this records.

It owns time and feeds the real `RoutingEngine` every input live operation would: arrivals, accepts (after
the ring delay), talk and wrap-up ends, abandons, shift starts and ends (log-in, ready, not ready, log-out),
and `tick` when the engine's own timers are due. The engine decides every offer. Pre-drawn arrivals (in time
order) are merged with a heap of (moment, kind, index) for everything else (event_heap.py).

The engine runs lean (`_lean`): it records its offers as (interaction, agent) in `_made`/`_made_to` instead of
building an `Offer` per decision. The driver keeps the engine's record of each interaction it admitted and
calls the record-level inputs (`_admit`, `_accept`, `_finished`, `_wrap_up`, `_wrap_up_ended`, `_left`, after
`_advance`) that the public inputs call after looking the id up, with one decision list it reuses; records
carry the driver's index (`ref`). Interaction ids need only be unique among the interactions the engine holds,
so the driver reuses those of finished ones. Other decisions (overflows, expansion steps) come as usual; a simulated
input's offers are executed after them, which for everything the simulation models (overflows, expansion
steps) is the order they were made in (an interaction offered in an input is not also moved by it).
What happened is kept per interaction as the few columns the rest cannot be derived from (when it was offered,
to whom, when it abandoned: `_loop.py` derives answers, talk ends and wrap-up ends from them and the drawn
times, as the loop computed them); presence changes and overflows, being few, as rows.
"""

from __future__ import annotations

from typing import Final

from librt.vecs import append, vec
from mypy_extensions import i64

from helpline.routing.decisions import Decision, ExpansionApplied, Overflowed
from helpline.routing.engine import RoutingEngine
from helpline.routing.event_heap import EventHeap
from helpline.routing.model import AgentProfile
from helpline.routing.state import GONE, Interaction, Queue

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


def filled_float(n: int, value: float) -> vec[float]:
    """n copies of `value` as an unboxed vector (appended in place: the capacity is reserved)."""
    v = vec[float](capacity=n)
    for _ in range(n):
        v = append(v, value)
    return v


def filled_i64(n: int, value: i64) -> vec[i64]:
    """n copies of `value` as an unboxed vector."""
    v = vec[i64](capacity=n)
    for _ in range(n):
        v = append(v, value)
    return v


class DriverError(Exception):
    """The engine decided something the simulation does not model (an offer that timed out)."""


class Driver:
    """One replication. `run` takes the drawn interactions and the shift events; then `offered_at`,
    `agent_of`, `abandoned_at` (NaN: never happened; agent -1: none), `moves` and `presence` tell what
    happened. Every interaction offered and not abandoned was answered `ring` seconds after its offer."""

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
        self.ring = ring
        na = len(profiles)
        self.held = [0] * na
        self.on_duty = [False] * na
        self.leaving = [False] * na
        self.heap = EventHeap()
        self.next_tick = INF
        self.moves: list[Move] = []
        self.presence: list[PresenceRow] = []
        self.inputs = 0
        self.queues: list[Queue] = [engine._queues[q] for q in qids]
        self.out: list[Decision] = []  # the decisions of the input being executed
        self.recs: list[Interaction | None] = []  # the engine's record of each interaction it holds
        self.free_ids: list[str] = []  # ids of interactions the engine no longer holds, for reuse
        self.handle: vec[float] = vec[float]()
        self.arrival: vec[float] = vec[float]()
        # per interaction, unboxed (`librt.vecs`): the loop's state, and the columns `_loop.py` reads as arrays
        self.st: vec[i64] = vec[i64]()
        self.offered_at: vec[float] = vec[float]()
        self.abandoned_at: vec[float] = vec[float]()
        self.agent_of: vec[i64] = vec[i64]()
        self.reentered: dict[int, float] = {}  # overflowed interactions: when they entered their last queue

    # -- executing the engine's decisions --------------------------------------------------------------
    def _apply(self, out: list[Decision], t: float) -> None:
        """The decisions of one input: the others as they come, then the offers it recorded."""
        if out:
            self._others(out, t)
            out.clear()
        engine = self.engine
        n = engine._n_made
        if not n:
            return
        engine._n_made = 0
        made, to = engine._made, engine._made_to
        for i in range(n):
            self._offered(made[i].ref, to[i].ref, t)

    def _others(self, out: list[Decision], t: float) -> None:
        for d in out:
            if isinstance(d, Overflowed):
                k = self.engine._inters[d.interaction_id].ref
                old, new = self.qindex[d.from_queue], self.qindex[d.to_queue]
                entered = self.reentered.get(k, self.arrival[k])
                self.moves.append(("exited", t, k, old, -1, t - entered, "overflow"))
                self.moves.append(("entered_queue", t, k, new, -1, NAN, ""))
                self.reentered[k] = t
            elif not isinstance(d, ExpansionApplied):
                raise DriverError(f"unexpected decision {d!r}: offers must be accepted before the alert time-out")

    def _offered(self, k: int, a: int, t: float) -> None:
        self.st[k] = OFFERED
        self.offered_at[k] = t
        self.agent_of[k] = a
        self.held[a] += 1
        if self.ring != 0.0:
            self.heap.push(t + self.ring, ACCEPT, k)
            return
        rec = self.recs[k]
        assert rec is not None
        self.engine._accept(rec)
        self.st[k] = TALKING
        self.heap.push(t + self.handle[k], TALK_END, k)

    def _release(self, k: int) -> None:
        """The interaction left the driver's care: its record goes, its id may serve another."""
        rec = self.recs[k]
        if rec is not None:
            self.recs[k] = None
            if rec.state == GONE:
                self.free_ids.append(rec.id)

    def _want_tick(self, at: float | None) -> None:
        if at is not None and at < self.next_tick:
            self.next_tick = at
            self.heap.push(at, TIMER, 0)

    def _logout(self, a: int, t: float) -> None:
        out = self.engine.agent_logged_out(self.aids[a], t)
        self.presence.append(("agent_logged_out", t, a, None))
        self.on_duty[a] = False
        self.leaving[a] = False
        self._apply(out, t)

    def _login(self, a: int, t: float) -> None:
        out = self.engine.agent_logged_in(self.profiles[a], t, ready=True)
        self.engine._agents[self.aids[a]].ref = a
        self.presence.append(("agent_logged_in", t, a, None))
        self.presence.append(("agent_ready", t, a, None))
        self.on_duty[a] = True
        if out or self.engine._n_made:
            self._apply(out, t)

    def _arrive(self, k: int, t: float, q: int, wait_limit: float) -> None:
        engine, out, free = self.engine, self.out, self.free_ids
        engine._advance(t, out)
        rec = engine._admit(free.pop() if free else str(k), self.queues[q], t, 0, 0, None, out)
        rec.ref = k
        self.recs[k] = rec
        if out or engine._n_made:
            self._apply(out, t)
        if self.st[k] == WAITING:
            if wait_limit < INF:
                self.heap.push(t + wait_limit, ABANDON, k)
            if self.timers and self.has_steps[q]:
                self._want_tick(t + self.first_step[q])
        elif self.ring != 0.0 and wait_limit < self.ring:
            self.heap.push(t + wait_limit, ABANDON, k)

    # -- the loop ----------------------------------------------------------------------------------------
    def run(self, arrival: vec[float], start_queue: vec[i64], handle: vec[float], wrap: vec[float],
            patience: vec[float], shifts: list[tuple[float, int, int]]) -> None:
        """arrival: in time order; wrap: 0 for none (empty: none has one); patience: inf for none (empty: none
        has it); shifts: (moment, SHIFT_START or SHIFT_END, agent index)."""
        n = len(arrival)
        engine = self.engine
        self.handle = handle
        self.arrival = arrival
        self.st = filled_i64(n, WAITING)
        self.offered_at = filled_float(n, NAN)
        self.abandoned_at = filled_float(n, NAN)
        self.agent_of = filled_i64(n, -1)
        self.recs = [None] * n
        with_wrap = len(wrap) > 0
        heap = self.heap
        for item in shifts:
            heap.push(item[0], item[1], item[2])
        aids, st, held, leaving, recs, out = self.aids, self.st, self.held, self.leaving, self.recs, self.out
        agent_of = self.agent_of
        nxt = 0
        while True:
            if nxt < n and (heap.size == 0 or arrival[nxt] <= heap.first_time()):
                k = nxt
                nxt += 1
                self._arrive(k, arrival[k], start_queue[k], patience[k] if len(patience) else INF)
                continue
            if heap.size == 0:
                break
            t, kind, k = heap.pop()
            a = -1
            if kind == TALK_END:
                a = agent_of[k]
                rec = recs[k]
                assert rec is not None
                engine._advance(t, out)
                if with_wrap and wrap[k] > 0:
                    st[k] = WRAPPING
                    engine._wrap_up(rec)
                    heap.push(t + wrap[k], WRAP_END, k)
                    if out or engine._n_made:
                        self._apply(out, t)
                    continue
                st[k] = DONE
                engine._finished(rec, t, out)
                self._release(k)
            elif kind == WRAP_END:
                a = agent_of[k]
                st[k] = DONE
                rec = recs[k]
                assert rec is not None
                engine._advance(t, out)
                engine._wrap_up_ended(rec, t, out)
                self._release(k)
            elif kind == ABANDON:
                s = st[k]
                if s != WAITING and s != OFFERED:
                    continue
                rec = recs[k]
                assert rec is not None
                engine._advance(t, out)
                engine._left(rec, t, out)
                self._release(k)
                st[k] = ABANDONED
                self.abandoned_at[k] = t
                if s == OFFERED:
                    a = agent_of[k]
                    held[a] -= 1
                    if leaving[a] and not held[a]:
                        self._logout(a, t)
                if out or engine._n_made:
                    self._apply(out, t)
                continue
            elif kind == ACCEPT:
                rec = recs[k]
                if st[k] == OFFERED and rec is not None:
                    engine._advance(t, out)
                    if rec.state == OFFERED:
                        engine._accept(rec)
                    st[k] = TALKING
                    heap.push(t + self.handle[k], TALK_END, k)
                    if out or engine._n_made:
                        self._apply(out, t)
                continue
            elif kind == SHIFT_START:
                a = k
                self.inputs += 1
                if leaving[a]:  # still finishing the last shift's work: simply ready again
                    leaving[a] = False
                    self.presence.append(("agent_ready", t, a, None))
                    self._apply(engine.agent_ready(aids[a], t), t)
                else:
                    self._login(a, t)
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
                self.inputs += 1
                self._apply(engine.tick(t), t)
                self._want_tick(engine.next_timer_at())
                continue
            # the work ended (talk without wrap-up, or wrap-up): the agent's slot is free
            held[a] -= 1
            if leaving[a] and not held[a]:
                self._logout(a, t)
            if out or engine._n_made:
                self._apply(out, t)
