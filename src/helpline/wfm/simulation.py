"""The digital twin: a scenario's centre simulated through the real routing engine, reported by the KPI engine.

`simulate(scenario)` runs independent replications (numpy Generator seeded `seed + replication`), each
through `_loop.run_replication` (a discrete-event loop feeding `helpline.routing.RoutingEngine`), turns each
into the event log (`_events.event_frame`, the same event types and columns as live operation) and has the
same KPI code as the reports compute the figures from it (`helpline.kpi.report`, `kpi.agent_time`). Across
replications: the mean and a Student-t 95 % confidence interval of each figure.

Figures per queue (interactions counted when they entered the queue, after the warm-up):
  service_level          KPI default: answered within T ÷ (offered − short abandons)
  service_level_erlang   the Erlang convention: answered within T ÷ offered
  p_wait                 share of arrivals not offered an agent the moment they arrived
  asa_s                  KPI: mean wait of answered
  p_abandon              KPI abandon rate: abandoned ÷ offered
  occupancy              KPI agent time (busy_weighted_s ÷ available_s) over the agents able to serve the queue
  offered, answered, abandoned   KPI counts
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from helpline.kpi import ReportSpec, report
from helpline.kpi.agent_time import agent_time
from helpline.wfm._events import (
    KPI_TYPES,
    agent_frame,
    agent_time_events,
    capacity_frame,
    event_frame,
    queue_frame,
)
from helpline.wfm._loop import Outcome, SimulationError, run_replication
from helpline.wfm.scenario import Scenario, ScenarioError, able, add_agents, load_scenario, parse_scenario

__all__ = ["FIGURES", "Estimate", "Replication", "Scenario", "ScenarioError", "SimulationError", "SimulationResult",
           "add_agents", "confidence", "event_frame", "kpi_figures", "load_scenario", "own_counts", "parse_scenario",
           "replicate", "simulate"]

FIGURES = ("service_level", "service_level_erlang", "p_wait", "asa_s", "p_abandon", "occupancy", "offered",
           "answered", "abandoned")
_KPI_METRICS = ("offered", "answered", "abandoned", "short_abandoned", "other_exits", "answered_within_t",
                "service_level", "asa_s", "abandon_rate")


@dataclass(frozen=True)
class Estimate:
    mean: float | None
    lo: float | None  # None with one replication (no interval)
    hi: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"mean": self.mean, "lo": self.lo, "hi": self.hi}


@dataclass
class Replication:
    index: int
    seed: int
    outcome: Outcome
    figures: dict[str, dict[str, float | None]]  # queue code -> figure -> value


@dataclass
class SimulationResult:
    scenario: Scenario
    seed: int
    replications: list[Replication]
    queues: dict[str, dict[str, Estimate]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"replications": len(self.replications), "seed": self.seed,
                "queues": {code: {name: e.as_dict() for name, e in figures.items()}
                           for code, figures in self.queues.items()}}


def confidence(values: list[float | None], level: float = 0.95) -> Estimate:
    """Mean and Student-t interval over the replications (the values that exist)."""
    xs = [v for v in values if v is not None and not math.isnan(v)]
    if not xs:
        return Estimate(None, None, None)
    mean = float(np.mean(xs))
    if len(xs) < 2:
        return Estimate(mean, None, None)
    from scipy import stats  # here, not at the top: scipy.stats takes a second to import

    half = float(stats.t.ppf(0.5 + level / 2, len(xs) - 1) * np.std(xs, ddof=1) / math.sqrt(len(xs)))
    return Estimate(mean, mean - half, mean + half)


def simulate(scenario: Scenario, replications: int | None = None, seed: int | None = None, *,
             occupancy: bool = True, keep_outcomes: bool = False,
             progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Runs the replications (default: the scenario's) with seeds seed, seed + 1, ... (default: the scenario's)."""
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise ScenarioError("replications: must be >= 1")
    base = scenario.seed if seed is None else seed
    done: list[Replication] = []
    for r in range(count):
        rep = replicate(scenario, r, base + r, occupancy=occupancy)
        if not keep_outcomes and r < count - 1:
            rep.outcome = _empty(rep.outcome)  # the last one is kept for --events
        done.append(rep)
        if progress is not None:
            progress(r + 1, count)
    result = SimulationResult(scenario, base, done)
    for q in scenario.queues:
        result.queues[q.code] = {name: confidence([rep.figures[q.code].get(name) for rep in done])
                                 for name in FIGURES}
    return result


def replicate(scenario: Scenario, index: int, seed: int, *, occupancy: bool = True) -> Replication:
    outcome = run_replication(scenario, seed)
    return Replication(index, seed, outcome, kpi_figures(outcome, scenario, occupancy=occupancy))


def kpi_figures(outcome: Outcome, scenario: Scenario, *, occupancy: bool = True) -> dict[str, dict[str, float | None]]:
    """The figures per queue, computed by the KPI engine from the replication's events."""
    start = scenario.start + timedelta(seconds=scenario.warmup_s)
    end = scenario.start + timedelta(seconds=scenario.horizon_s)
    events = event_frame(outcome, scenario, KPI_TYPES + (("agent_logged_in", "agent_ready", "agent_not_ready",
                                                          "agent_logged_out") if occupancy else ()))
    spec = ReportSpec(start=start, end=end, by=("queue",), metrics=_KPI_METRICS,
                      short_abandon_s=scenario.short_abandon_s, time_zone=scenario.time_zone)
    rows = {row["queue"]: row for row in report(events.filter(pl.col("type").is_in(list(KPI_TYPES))),
                                                queue_frame(scenario), agent_frame(scenario), spec).to_dicts()}
    waited = _p_wait(outcome, scenario)
    busy = _occupancy(events, scenario, start, end) if occupancy else {}
    figures: dict[str, dict[str, float | None]] = {}
    for i, q in enumerate(scenario.queues):
        row = rows.get(q.code, {})
        offered = row.get("offered") or 0
        within = row.get("answered_within_t") or 0
        figures[q.code] = {
            "service_level": row.get("service_level"),
            "service_level_erlang": within / offered if offered else None,
            "p_wait": waited.get(i), "asa_s": row.get("asa_s"), "p_abandon": row.get("abandon_rate"),
            "occupancy": busy.get(q.code), "offered": float(offered), "answered": float(row.get("answered") or 0),
            "abandoned": float(row.get("abandoned") or 0), "short_abandoned": float(row.get("short_abandoned") or 0),
            "other_exits": float(row.get("other_exits") or 0), "answered_within_t": float(within),
        }
    return figures


def own_counts(outcome: Outcome, scenario: Scenario) -> dict[str, dict[str, float]]:
    """The simulator's own counts per queue, straight from its columns (what the KPI engine must agree with)."""
    lo, hi = scenario.warmup_s, scenario.horizon_s

    def inside(t: np.ndarray) -> np.ndarray:
        return (t >= lo) & (t < hi)

    answered = ~np.isnan(outcome.answered_at)
    abandoned = ~np.isnan(outcome.abandoned_at)
    wait = np.where(answered, outcome.answered_at - outcome.entered, np.nan)
    moved_in = [(m[3], m[1]) for m in outcome.moves if m[0] == "entered_queue"]
    out: dict[str, dict[str, float]] = {}
    for i, q in enumerate(scenario.queues):
        mine = (outcome.queue == i) & inside(outcome.entered)
        offered = int(((outcome.start_queue == i) & inside(outcome.arrival)).sum())
        offered += sum(1 for qi, t in moved_in if qi == i and lo <= t < hi)
        ok = mine & answered
        out[q.code] = {"offered": float(offered), "answered": float(ok.sum()),
                       "abandoned": float((mine & abandoned).sum()),
                       "answered_within_t": float((ok & (wait <= q.sl_threshold_s)).sum()),
                       "wait_answered_s": float(np.nansum(np.where(ok, wait, np.nan)))}
    return out


def _p_wait(outcome: Outcome, scenario: Scenario) -> dict[int, float | None]:
    inside = (outcome.arrival >= scenario.warmup_s) & (outcome.arrival < scenario.horizon_s)
    out: dict[int, float | None] = {}
    for i in range(len(scenario.queues)):
        mine = inside & (outcome.start_queue == i)
        total = int(mine.sum())
        out[i] = float((mine & ~outcome.immediate).sum() / total) if total else None
    return out


def _occupancy(events: pl.DataFrame, scenario: Scenario, start: Any, end: Any) -> dict[str, float | None]:
    """KPI occupancy (busy_weighted_s ÷ available_s) summed over the agents able to serve each queue."""
    seconds = agent_time(agent_time_events(events, scenario), capacity_frame(scenario), start, end)
    if not seconds.height:
        return {}
    per_agent = seconds.group_by("agent_id").agg(pl.col("busy_weighted_s").sum(), pl.col("available_s").sum())
    busy = dict(zip(per_agent["agent_id"].to_list(), per_agent["busy_weighted_s"].to_list(), strict=True))
    available = dict(zip(per_agent["agent_id"].to_list(), per_agent["available_s"].to_list(), strict=True))
    out: dict[str, float | None] = {}
    for q in scenario.queues:
        serving = [j + 1 for j, a in enumerate(scenario.agents) if able(a, q)]
        b = sum(busy.get(j, 0.0) for j in serving)
        v = sum(available.get(j, 0.0) for j in serving)
        out[q.code] = b / v if v > 0 else None
    return out


def _empty(o: Outcome) -> Outcome:
    z, zi = np.zeros(0), np.zeros(0, dtype=np.int32)
    return Outcome(zi, zi, z, z, z, zi, z, z, z, z, np.zeros(0, dtype=bool), [], [], o.engine_inputs)
