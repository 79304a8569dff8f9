"""A slow reference for the simulation's driver: the same discrete-event loop, written plainly against the
engine's public inputs only (string ids, `Offer` decisions in the order made, a fresh decision list per
input, every moment stored as it happens). `helpline.routing.driver.Driver` takes short cuts for speed (the
record-level inputs, ids reused, offers recorded lean, answers and ends derived afterwards); the tests check
that it gives exactly what this gives."""

from __future__ import annotations

import math
from heapq import heappop, heappush

import numpy as np

from helpline.routing import ExpansionApplied, Offer, Overflowed, RoutingEngine
from helpline.routing.driver import SHIFT_END, SHIFT_START
from helpline.wfm._loop import Draw, engine_agents, make_engine, shift_events
from helpline.wfm.scenario import Scenario

TALK_END, WRAP_END, ACCEPT, ABANDON, TIMER = 0, 1, 2, 3, 6  # the driver's event kinds and their order at one moment
WAITING, OFFERED, TALKING, DONE, ABANDONED = "waiting", "offered", "talking", "done", "abandoned"


class ReferenceLoop:
    def __init__(self, scenario: Scenario, draw: Draw) -> None:
        self.engine: RoutingEngine = make_engine(scenario)
        self.ring = float(scenario.ring_delay_s)
        self.profiles = engine_agents(scenario)
        self.aids = [p.id for p in self.profiles]
        self.aindex = {a: i for i, a in enumerate(self.aids)}
        self.qids = [q.code for q in scenario.queues]
        self.steps = {q.code: q.expansion for q in scenario.queues}
        self.qindex = {q: i for i, q in enumerate(self.qids)}
        self.d = draw
        self.shifts = shift_events(scenario)
        n = len(draw.arrival)
        nan = [math.nan] * n
        self.columns = {name: list(nan) for name in ("offered_at", "answered_at", "completed_at", "wrap_end_at",
                                                       "abandoned_at")}
        self.entered = draw.arrival.tolist()
        self.queue = draw.start_queue.tolist()
        self.agent = [-1] * n
        self.state = [WAITING] * n
        self.held = [0] * len(self.profiles)
        self.on_duty = [False] * len(self.profiles)
        self.leaving = [False] * len(self.profiles)
        self.heap: list[tuple[float, int, int]] = []
        self.next_tick = math.inf
        self.moves: list[tuple[str, float, int, int, int, float, str]] = []
        self.presence: list[tuple[str, float, int, str | None]] = []

    def execute(self, decisions: list, t: float) -> None:
        for d in decisions:
            if isinstance(d, Offer):
                self.offered(int(d.interaction_id), self.aindex[d.agent_id], t)
            elif isinstance(d, Overflowed):
                k = int(d.interaction_id)
                old, new = self.qindex[d.from_queue], self.qindex[d.to_queue]
                self.moves.append(("exited", t, k, old, -1, t - self.entered[k], "overflow"))
                self.moves.append(("entered_queue", t, k, new, -1, math.nan, ""))
                self.queue[k], self.entered[k] = new, t
            else:
                assert isinstance(d, ExpansionApplied), d

    def offered(self, k: int, a: int, t: float) -> None:
        self.state[k], self.columns["offered_at"][k], self.agent[k] = OFFERED, t, a
        self.held[a] += 1
        if self.ring:
            heappush(self.heap, (t + self.ring, ACCEPT, k))
        else:
            self.accept(k, t)

    def accept(self, k: int, t: float) -> None:
        self.execute(self.engine.offer_accepted(str(k), self.aids[self.agent[k]], t), t)
        self.columns["answered_at"][k] = t
        self.state[k] = TALKING
        heappush(self.heap, (t + float(self.d.handle[k]), TALK_END, k))

    def want_tick(self, at: float | None) -> None:
        if at is not None and at < self.next_tick:
            self.next_tick = at
            heappush(self.heap, (at, TIMER, 0))

    def logout(self, a: int, t: float) -> None:
        decisions = self.engine.agent_logged_out(self.aids[a], t)
        self.presence.append(("agent_logged_out", t, a, None))
        self.on_duty[a] = self.leaving[a] = False
        self.execute(decisions, t)

    def work_ended(self, k: int, t: float, decisions: list) -> None:
        a = self.agent[k]
        self.held[a] -= 1
        if self.leaving[a] and not self.held[a]:
            self.logout(a, t)
        self.execute(decisions, t)

    def run(self) -> dict[str, np.ndarray]:
        engine, d, heap = self.engine, self.d, self.heap
        steps = self.steps
        for item in self.shifts:
            heappush(heap, item)
        nxt, n = 0, len(d.arrival)
        while nxt < n or heap:
            if nxt < n and (not heap or d.arrival[nxt] <= heap[0][0]):
                k, t = nxt, float(d.arrival[nxt])
                nxt += 1
                q = int(d.start_queue[k])
                self.execute(engine.interaction_arrived(str(k), self.qids[q], t), t)
                if self.state[k] == WAITING:
                    if math.isfinite(d.patience[k]):
                        heappush(heap, (t + float(d.patience[k]), ABANDON, k))
                    if steps[self.qids[q]]:
                        self.want_tick(t + steps[self.qids[q]][0].after_s)
                elif self.ring and d.patience[k] < self.ring:
                    heappush(heap, (t + float(d.patience[k]), ABANDON, k))
                continue
            t, kind, k = heappop(heap)
            if kind == TALK_END:
                self.columns["completed_at"][k] = t
                if d.wrap[k] > 0:
                    self.execute(engine.wrap_up_started(self.aids[self.agent[k]], str(k), t), t)
                    heappush(heap, (t + float(d.wrap[k]), WRAP_END, k))
                    continue
                self.columns["wrap_end_at"][k], self.state[k] = t, DONE
                self.work_ended(k, t, engine.interaction_finished(str(k), self.aids[self.agent[k]], t))
            elif kind == WRAP_END:
                self.columns["wrap_end_at"][k], self.state[k] = t, DONE
                self.work_ended(k, t, engine.wrap_up_ended(self.aids[self.agent[k]], str(k), t))
            elif kind == ABANDON:
                was = self.state[k]
                if was not in (WAITING, OFFERED):
                    continue
                decisions = engine.interaction_left(str(k), t)
                self.state[k], self.columns["abandoned_at"][k] = ABANDONED, t
                if was == OFFERED:
                    self.work_ended(k, t, decisions)
                else:
                    self.execute(decisions, t)
            elif kind == ACCEPT:
                if self.state[k] == OFFERED:
                    self.accept(k, t)
            elif kind == SHIFT_START:
                if self.leaving[k]:
                    self.leaving[k] = False
                    decisions = engine.agent_ready(self.aids[k], t)
                    self.presence.append(("agent_ready", t, k, None))
                else:
                    decisions = engine.agent_logged_in(self.profiles[k], t, ready=True)
                    self.presence += [("agent_logged_in", t, k, None), ("agent_ready", t, k, None)]
                    self.on_duty[k] = True
                self.execute(decisions, t)
            elif kind == SHIFT_END:
                if self.on_duty[k]:
                    if self.held[k]:
                        self.leaving[k] = True
                        engine.agent_not_ready(self.aids[k], "shift_end", t)
                        self.presence.append(("agent_not_ready", t, k, "shift_end"))
                    else:
                        self.logout(k, t)
                    self.want_tick(engine.next_timer_at())
            else:
                if t >= self.next_tick:
                    self.next_tick = math.inf
                self.execute(engine.tick(t), t)
                self.want_tick(engine.next_timer_at())
        columns = {name: np.array(values) for name, values in self.columns.items()}
        columns.update(entered=np.array(self.entered), queue=np.array(self.queue), agent=np.array(self.agent))
        return columns
