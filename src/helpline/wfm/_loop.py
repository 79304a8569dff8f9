"""The discrete-event loop of the simulation: it owns time and feeds the real routing engine.

Pre-drawn arrivals (sorted) are merged with a heap of everything else (talk and wrap-up ends, accepts after
a ring, customers' patience running out, shift starts and ends, the engine's own timers). The engine decides
every offer; the loop executes its decisions. What happened is kept per interaction as columns (arrays of
moments), from which `events.py` builds the event log; presence changes and overflows, being few, are kept
as rows. This is the hot path: locals and plain lists, no object per event.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from heapq import heappop, heappush

import numpy as np

from helpline.routing import (
    AgentProfile,
    AgentSkill,
    ExpansionApplied,
    ExpansionStep,
    Offer,
    Overflowed,
    QueueConfig,
    RoutingEngine,
)
from helpline.wfm.scenario import Distribution, Scenario, shift_spans

# interaction states in the loop
WAITING, OFFERED, TALKING, WRAPPING, DONE, ABANDONED = range(6)
# heap event kinds (at one moment: work ends first, then accepts, abandons, shift changes, timers)
TALK_END, WRAP_END, ACCEPT, ABANDON, SHIFT_END, SHIFT_START, TIMER = range(7)
NAN = math.nan


class SimulationError(RuntimeError):
    """The engine decided something the simulation does not model (an offer that timed out)."""


@dataclass
class Outcome:
    """One replication, as columns over the interactions (index = interaction id) plus a few rows."""

    start_queue: np.ndarray  # int32: the queue it arrived in
    queue: np.ndarray  # int32: the queue it was last in
    arrival: np.ndarray  # float64 seconds from the horizon start
    entered: np.ndarray  # when it entered its last queue
    offered_at: np.ndarray  # NaN: never offered
    agent: np.ndarray  # int32, -1: none
    answered_at: np.ndarray
    completed_at: np.ndarray  # talk ended
    wrap_end_at: np.ndarray
    abandoned_at: np.ndarray
    immediate: np.ndarray  # bool: offered at the moment it arrived (did not wait)
    # (type, t, interaction, queue, agent, wait_s, reason): overflow exits and re-entries
    moves: list[tuple[str, float, int, int, int, float, str]] = field(default_factory=list)
    # (type, t, agent, reason): presence changes
    presence: list[tuple[str, float, int, str | None]] = field(default_factory=list)
    engine_inputs: int = 0


def draw(d: Distribution, n: int, rng: np.random.Generator) -> np.ndarray:
    if n == 0:
        return np.zeros(0)
    if d.kind == "exponential":
        return rng.exponential(d.mean, n)
    if d.kind == "lognormal":
        if d.sd == 0:
            return np.full(n, d.mean)
        sigma2 = math.log1p((d.sd / d.mean) ** 2)
        return rng.lognormal(math.log(d.mean) - sigma2 / 2, math.sqrt(sigma2), n)
    if d.kind == "empirical":
        return rng.choice(np.asarray(d.values, dtype=float), n)
    return np.full(n, d.mean)


def engine_queues(scenario: Scenario) -> list[QueueConfig]:
    return [QueueConfig(q.code, q.channel, q.site, q.priority, q.sl_threshold_s, q.sl_target, dict(q.skills),
                        tuple(ExpansionStep(s.after_s, s.min_proficiency, s.any_site, s.move_to_queue)
                              for s in q.expansion), q.agent_choice)  # type: ignore[arg-type]
            for q in scenario.queues]


def engine_agents(scenario: Scenario) -> list[AgentProfile]:
    return [AgentProfile(a.id, a.site, {s: AgentSkill(p, -math.inf if s not in a.uncertified else None, None,
                                                      requires_certification=s in a.uncertified)
                                        for s, p in a.skills.items()}, dict(a.capacity))
            for a in scenario.agents]


def run_replication(scenario: Scenario, seed: int) -> Outcome:
    rng = np.random.default_rng(seed)
    queues = scenario.queues
    nq = len(queues)
    # arrivals: Poisson per interval, uniform inside it; all queues merged in time order
    starts = np.arange(len(queues[0].rates)) * scenario.interval_s
    times, owners = [], []
    for i, q in enumerate(queues):
        counts = rng.poisson(np.asarray(q.rates, dtype=float))
        t = np.repeat(starts, counts) + rng.random(int(counts.sum())) * scenario.interval_s
        times.append(t)
        owners.append(np.full(len(t), i, dtype=np.int32))
    arrival_all = np.concatenate(times) if times else np.zeros(0)
    queue_all = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int32)
    order = np.argsort(arrival_all, kind="stable")
    arrival, start_queue = arrival_all[order], queue_all[order]
    n = len(arrival)
    handle = np.empty(n)
    wrap = np.zeros(n)
    patience = np.full(n, np.inf)
    for i, q in enumerate(queues):
        mine = start_queue == i
        m = int(mine.sum())
        handle[mine] = draw(q.handle_time, m, rng)
        if q.wrap_up is not None:
            wrap[mine] = draw(q.wrap_up, m, rng)
        if q.patience is not None:
            patience[mine] = draw(q.patience, m, rng)
    return _loop(scenario, arrival, start_queue, handle, wrap, patience, nq)


def _loop(scenario: Scenario, arrival: np.ndarray, start_queue: np.ndarray, handle_a: np.ndarray,
          wrap_a: np.ndarray, patience_a: np.ndarray, nq: int) -> Outcome:
    n = len(arrival)
    ring = scenario.ring_delay_s
    engine = RoutingEngine(alert_timeout_s=max(15.0, 2 * ring + 1.0))
    configs = engine_queues(scenario)
    for cfg in configs:  # first plain, so that overflow targets exist; then with their steps
        engine.configure_queue(QueueConfig(cfg.id, cfg.channel, cfg.site, cfg.priority, cfg.sl_threshold_s,
                                           cfg.sl_target, cfg.required_skills, (), cfg.agent_choice))
    for cfg in configs:
        if cfg.expansion:
            engine.configure_queue(cfg)
    has_steps = [bool(cfg.expansion) for cfg in configs]
    first_step = [cfg.expansion[0].after_s if cfg.expansion else 0.0 for cfg in configs]
    timers = any(has_steps) or ring > 0
    qids = [cfg.id for cfg in configs]
    qindex = {q: i for i, q in enumerate(qids)}
    profiles = engine_agents(scenario)
    aids = [p.id for p in profiles]
    aindex = {a: i for i, a in enumerate(aids)}
    na = len(aids)

    heap: list[tuple[float, int, int]] = []
    for a, spec in enumerate(scenario.agents):
        spans = shift_spans(spec, scenario)
        for begin, end in spans:
            heappush(heap, (begin, SHIFT_START, a))
            if not (spec.shifts[0].weekdays is None and end >= scenario.horizon_s):
                heappush(heap, (end, SHIFT_END, a))  # on duty for the whole horizon: stays until the work is done

    arr = arrival.tolist()
    sq = start_queue.tolist()
    handle = handle_a.tolist()
    wrap = wrap_a.tolist()
    with_wrap = bool((wrap_a > 0).any())
    patience = patience_a.tolist()
    with_patience = bool(np.isfinite(patience_a).any())
    ids = list(map(str, range(n)))
    st = [WAITING] * n
    queue_now = list(sq)
    entered = list(arr)
    nan_col = array("d", [NAN]) * n
    offered_at, answered_at, completed_at, wrap_end_at, abandoned_at = (array("d", nan_col) for _ in range(5))
    agent_of = [-1] * n
    held = [0] * na
    on_duty = [False] * na
    leaving = [False] * na
    moves: list[tuple[str, float, int, int, int, float, str]] = []
    presence: list[tuple[str, float, int, str | None]] = []
    inputs = 0
    next_tick = math.inf

    arrived, accepted = engine.interaction_arrived, engine.offer_accepted
    finished, left = engine.interaction_finished, engine.interaction_left
    wrap_started, wrap_ended = engine.wrap_up_started, engine.wrap_up_ended
    push, pop = heappush, heappop

    def want_tick(at: float | None) -> None:
        nonlocal next_tick
        if at is not None and at < next_tick:
            next_tick = at
            push(heap, (at, TIMER, 0))

    def apply(out: list, t: float) -> None:  # type: ignore[type-arg]
        for d in out:
            if type(d) is Offer:
                k = int(d.interaction_id)
                a = aindex[d.agent_id]
                st[k] = OFFERED
                offered_at[k] = t
                agent_of[k] = a
                held[a] += 1
                if ring:
                    push(heap, (t + ring, ACCEPT, k))
                else:
                    more = accepted(d.interaction_id, d.agent_id, t)
                    answered_at[k] = t
                    st[k] = TALKING
                    push(heap, (t + handle[k], TALK_END, k))
                    if more:
                        apply(more, t)
            elif type(d) is Overflowed:
                k = int(d.interaction_id)
                old, new = qindex[d.from_queue], qindex[d.to_queue]
                moves.append(("exited", t, k, old, -1, t - entered[k], "overflow"))
                moves.append(("entered_queue", t, k, new, -1, NAN, ""))
                queue_now[k] = new
                entered[k] = t
            elif type(d) is not ExpansionApplied:
                raise SimulationError(f"unexpected decision {d!r}: offers must be accepted before the alert time-out")

    def logout(a: int, t: float) -> None:
        out = engine.agent_logged_out(aids[a], t)
        presence.append(("agent_logged_out", t, a, None))
        on_duty[a] = leaving[a] = False
        if out:
            apply(out, t)

    nxt = 0
    while True:
        if heap:
            if nxt < n and arr[nxt] <= heap[0][0]:
                t = arr[nxt]
                k = nxt
                nxt += 1
                iid = ids[k]
                out = arrived(iid, qids[sq[k]], t)
                if out:
                    d = out[0]
                    if not ring and len(out) == 1 and type(d) is Offer and d.interaction_id is iid:
                        # the common case, inlined: offered at once and accepted at once (apply does the same)
                        aid = d.agent_id
                        a = aindex[aid]
                        st[k] = TALKING
                        offered_at[k] = answered_at[k] = t
                        agent_of[k] = a
                        held[a] += 1
                        more = accepted(iid, aid, t)
                        push(heap, (t + handle[k], TALK_END, k))
                        if more:
                            apply(more, t)
                        continue
                    apply(out, t)
                if st[k] == WAITING:
                    if with_patience:
                        p = patience[k]
                        if p < math.inf:
                            push(heap, (t + p, ABANDON, k))
                    if timers and has_steps[sq[k]]:
                        want_tick(t + first_step[sq[k]])
                elif ring and with_patience and patience[k] < ring:
                    push(heap, (t + patience[k], ABANDON, k))
                continue
            t, kind, k = pop(heap)
        elif nxt < n:
            t = arr[nxt]
            k = nxt
            nxt += 1
            out = arrived(ids[k], qids[sq[k]], t)
            if out:
                apply(out, t)
            if st[k] == WAITING:
                if with_patience and patience[k] < math.inf:
                    push(heap, (t + patience[k], ABANDON, k))
                if timers and has_steps[sq[k]]:
                    want_tick(t + first_step[sq[k]])
            continue
        else:
            break

        if kind == TALK_END:
            a = agent_of[k]
            completed_at[k] = t
            if with_wrap and wrap[k] > 0:
                st[k] = WRAPPING
                out = wrap_started(aids[a], ids[k], t)
                push(heap, (t + wrap[k], WRAP_END, k))
                if out:
                    apply(out, t)
                continue
            wrap_end_at[k] = t
            st[k] = DONE
            out = finished(ids[k], aids[a], t)
        elif kind == WRAP_END:
            a = agent_of[k]
            wrap_end_at[k] = t
            st[k] = DONE
            out = wrap_ended(aids[a], ids[k], t)
        elif kind == ABANDON:
            s = st[k]
            if s != WAITING and s != OFFERED:
                continue
            out = left(ids[k], t)
            st[k] = ABANDONED
            abandoned_at[k] = t
            if s == OFFERED:
                a = agent_of[k]
                held[a] -= 1
                if leaving[a] and not held[a]:
                    logout(a, t)
            if out:
                apply(out, t)
            continue
        elif kind == ACCEPT:
            if st[k] == OFFERED:
                a = agent_of[k]
                out = accepted(ids[k], aids[a], t)
                answered_at[k] = t
                st[k] = TALKING
                push(heap, (t + handle[k], TALK_END, k))
                if out:
                    apply(out, t)
            continue
        elif kind == SHIFT_START:
            a = k
            if leaving[a]:  # still finishing the last shift's work: simply ready again
                leaving[a] = False
                out = engine.agent_ready(aids[a], t)
                presence.append(("agent_ready", t, a, None))
            else:
                out = engine.agent_logged_in(profiles[a], t, ready=True)
                presence.append(("agent_logged_in", t, a, None))
                presence.append(("agent_ready", t, a, None))
                on_duty[a] = True
            inputs += 1
            if out:
                apply(out, t)
            continue
        elif kind == SHIFT_END:
            a = k
            if on_duty[a]:
                if held[a]:
                    leaving[a] = True
                    engine.agent_not_ready(aids[a], "shift_end", t)
                    inputs += 1
                    presence.append(("agent_not_ready", t, a, "shift_end"))
                else:
                    logout(a, t)
                if timers:
                    want_tick(engine.next_timer_at())
            continue
        else:  # TIMER
            if t >= next_tick:
                next_tick = math.inf
            out = engine.tick(t)
            inputs += 1
            if out:
                apply(out, t)
            want_tick(engine.next_timer_at())
            continue
        # the work ended (talk without wrap-up, or wrap-up): the agent's slot is free
        held[a] -= 1
        if leaving[a] and not held[a]:
            logout(a, t)
        if out:
            apply(out, t)

    def col(values: array) -> np.ndarray:  # type: ignore[type-arg]
        return np.frombuffer(values, dtype=np.float64) if len(values) else np.zeros(0)

    offered = col(offered_at)
    logouts = sum(1 for p in presence if p[0] == "agent_logged_out")
    inputs += n + len(configs) + int((~np.isnan(col(answered_at))).sum()) + int((~np.isnan(col(completed_at))).sum())
    inputs += int((wrap_a[~np.isnan(col(completed_at))] > 0).sum()) + int((~np.isnan(col(abandoned_at))).sum())
    inputs += logouts
    return Outcome(start_queue=np.asarray(start_queue, dtype=np.int32), queue=np.asarray(queue_now, dtype=np.int32),
                   arrival=np.asarray(arrival, dtype=float), entered=np.asarray(entered, dtype=float),
                   offered_at=offered, agent=np.asarray(agent_of, dtype=np.int32), answered_at=col(answered_at),
                   completed_at=col(completed_at), wrap_end_at=col(wrap_end_at), abandoned_at=col(abandoned_at),
                   immediate=offered == np.asarray(arrival, dtype=float), moves=moves, presence=presence,
                   engine_inputs=inputs)
