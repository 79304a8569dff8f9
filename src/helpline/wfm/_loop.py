"""One replication of the simulation: draw it, run it through the real routing engine, keep its columns.

`run_replication` draws the arrivals (Poisson per interval, uniform inside it), handle times, wrap-ups and
patience with numpy, then hands them to `helpline.routing.driver.Driver`: the discrete-event loop that owns
time and feeds the engine every input (compiled with the engine when the package is built with mypyc, so its
calls into the engine are native). The engine decides every offer; the driver executes its decisions and
keeps what happened per interaction as columns (moments), from which `_events.py` builds the event log;
presence changes and overflows, being few, are kept as rows.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass, field

import numpy as np
from librt.vecs import vec
from mypy_extensions import i64

from helpline.routing import AgentProfile, AgentSkill, ExpansionStep, QueueConfig, RoutingEngine
from helpline.routing.driver import SHIFT_END, SHIFT_START, Driver, DriverError
from helpline.wfm.scenario import Distribution, Scenario, shift_spans


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


@dataclass
class Draw:
    """The random part of one replication, in arrival order."""

    arrival: np.ndarray  # float64 seconds from the horizon start
    start_queue: np.ndarray  # int32
    handle: np.ndarray
    wrap: np.ndarray  # 0: none
    patience: np.ndarray  # inf: none


def run_replication(scenario: Scenario, seed: int) -> Outcome:
    d = draw_replication(scenario, seed)
    return _loop(scenario, d)


def draw_replication(scenario: Scenario, seed: int) -> Draw:
    rng = np.random.default_rng(seed)
    queues = scenario.queues
    # arrivals: Poisson per interval, uniform inside it; all queues merged in time order
    starts = np.arange(len(queues[0].rates)) * scenario.interval_s
    times, owners = [], []
    for i, q in enumerate(queues):
        counts = rng.poisson(np.asarray(q.rates, dtype=float))
        # sorted per queue first (equal moments of one queue are interchangeable: nothing is drawn for them
        # yet), so that the stable merge below runs over a few long sorted runs instead of short ones
        t = np.sort(np.repeat(starts, counts) + rng.random(int(counts.sum())) * scenario.interval_s)
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
    return Draw(arrival, start_queue, handle, wrap, patience)


def floats(values: np.ndarray) -> vec[float]:
    """An array as the driver's unboxed vector, copied through the buffer protocol (no Python float each)."""
    return vec[float](np.ascontiguousarray(values, dtype=np.float64).data)


def make_engine(scenario: Scenario) -> RoutingEngine:
    """The engine with the scenario's queues: first plain, so that overflow targets exist; then with their steps."""
    engine = RoutingEngine(alert_timeout_s=max(15.0, 2 * scenario.ring_delay_s + 1.0))
    configs = engine_queues(scenario)
    for cfg in configs:
        engine.configure_queue(QueueConfig(cfg.id, cfg.channel, cfg.site, cfg.priority, cfg.sl_threshold_s,
                                           cfg.sl_target, cfg.required_skills, (), cfg.agent_choice))
    for cfg in configs:
        if cfg.expansion:
            engine.configure_queue(cfg)
    return engine


def shift_events(scenario: Scenario) -> list[tuple[float, int, int]]:
    """(moment, SHIFT_START or SHIFT_END, agent index) of every shift in the horizon."""
    shifts: list[tuple[float, int, int]] = []
    for a, spec in enumerate(scenario.agents):
        for begin, end in shift_spans(spec, scenario):
            shifts.append((begin, SHIFT_START, a))
            if not (spec.shifts[0].weekdays is None and end >= scenario.horizon_s):
                shifts.append((end, SHIFT_END, a))  # on duty for the whole horizon: stays until the work is done
    return shifts


def _loop(scenario: Scenario, d: Draw) -> Outcome:
    arrival, start_queue, handle_a, wrap_a, patience_a = d.arrival, d.start_queue, d.handle, d.wrap, d.patience
    n = len(arrival)
    ring = scenario.ring_delay_s
    engine = make_engine(scenario)
    configs = engine_queues(scenario)
    driver = Driver(engine, [cfg.id for cfg in configs], [bool(cfg.expansion) for cfg in configs],
                    [cfg.expansion[0].after_s if cfg.expansion else 0.0 for cfg in configs],
                    engine_agents(scenario), float(ring))
    shifts = shift_events(scenario)
    # The run makes millions of short-lived tuples and no cyclic garbage to speak of (a few records per log-out):
    # the cyclic collector would only rescan the input lists, 5-10 % of the run. It is off until they are freed.
    collecting = gc.isenabled()
    gc.disable()
    try:
        wraps = floats(wrap_a) if wrap_a.any() else vec[float]()  # empty: none has any (not read then)
        patiences = floats(patience_a) if np.isfinite(patience_a).any() else vec[float]()
        driver.run(floats(arrival), vec[i64](np.ascontiguousarray(start_queue, dtype=np.int64).data),
                   floats(handle_a), wraps, patiences, shifts)
        # the driver's columns are unboxed vectors: numpy copies them through the buffer protocol
        offered = np.frombuffer(memoryview(driver.offered_at), np.float64, n).copy()
        abandoned = np.frombuffer(memoryview(driver.abandoned_at), np.float64, n).copy()
        agent = np.frombuffer(memoryview(driver.agent_of), np.int64, n).astype(np.int32)
        driver.recs = []  # freed before the collector is back
    except DriverError as error:
        raise SimulationError(str(error)) from error
    finally:
        if collecting:
            gc.enable()

    # Derived as the loop computed them: answered `ring` after the offer unless abandoned while it rang; the
    # talk ends after the handle time, the wrap-up after its own (0 for none).
    answered = np.where(np.isnan(abandoned), offered + float(ring), np.nan)
    completed = answered + handle_a
    queue, entered = np.asarray(start_queue, dtype=np.int32).copy(), np.asarray(arrival, dtype=float).copy()
    for kind, t, k, q, _, _, _ in driver.moves:
        if kind == "entered_queue":
            queue[k], entered[k] = q, t
    logouts = sum(1 for p in driver.presence if p[0] == "agent_logged_out")
    inputs = driver.inputs + n + len(configs) + int((~np.isnan(answered)).sum()) + int((~np.isnan(completed)).sum())
    inputs += int((wrap_a[~np.isnan(completed)] > 0).sum()) + int((~np.isnan(abandoned)).sum())
    inputs += logouts
    return Outcome(start_queue=np.asarray(start_queue, dtype=np.int32), queue=queue,
                   arrival=np.asarray(arrival, dtype=float), entered=entered, offered_at=offered,
                   agent=agent, answered_at=answered, completed_at=completed,
                   wrap_end_at=completed + wrap_a, abandoned_at=abandoned,
                   immediate=offered == np.asarray(arrival, dtype=float),
                   moves=driver.moves, presence=driver.presence, engine_inputs=inputs)
