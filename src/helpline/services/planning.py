"""Workforce planning from the web pages (issue 7): run a queue's forecast, its staffing plan and schedule, and
what-if simulations of the live centre, each stored as a `PlanningRun`; and the reads the planning pages need.

Every run is bounded so it can run inside a request (timings in docs/web/planning.md):

- forecast: 30-minute intervals, at most 8 weeks of history, one back-test window, a 7–14-day horizon;
- staffing + schedule: Erlang C per interval from the latest stored forecast, then CP-SAT with the built-in
  shift templates (`TEMPLATES`) and a solver time limit of a few seconds;
- what-if: one day of the live centre, the unchanged and the changed configuration with the same seeds
  (common random numbers), at most `MAX_REPLICATIONS` replications each.

The use cases own their transaction (they commit the run they store)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import select

from helpline.adapters.db.models import PlanningRun, Queue, Site
from helpline.domain.errors import Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor, Permission
from helpline.domain.vocabulary import Role
from helpline.services.forecasting import READER, queue_history
from helpline.services.reports import ReportRequest, run_report
from helpline.services.unit_of_work import UnitOfWork
from helpline.wfm import schedule as sched
from helpline.wfm.forecast import BASELINE, DAY_S, ForecastError, ForecastOptions, forecast
from helpline.wfm.staffing import DEFAULT_SITE, QueueParams, plan

INTERVAL_S = 1_800
INTERVAL_MIN = INTERVAL_S // 60
HISTORY_WEEKS = 8  # the forecast's history, back from yesterday
ACTUAL_DAYS = 14  # the actuals the forecast page shows before (and during) the forecast
HORIZONS = (7, 14)  # days
DEFAULT_AHT_S = 300.0  # a queue without handled contacts in its history
DEFAULT_SHRINKAGE = 0.3
SCHEDULE_TIME_LIMIT_S = 5.0
SCHEDULE_WORKERS = 2  # the solver's threads: a request must not take every core
MAX_REPLICATIONS = 20
MAX_CHANGE = 50
SIMULATION_SEED = 1
SIMULATION_FIGURES = ("service_level", "asa_s", "p_abandon", "occupancy", "offered")
KINDS = ("forecast", "schedule", "simulation")

# The built-in shift templates (documented in docs/web/planning.md): times in minutes after midnight.
TEMPLATES = (
    sched.ShiftTemplate("day-8h", earliest_start=6 * 60, latest_start=13 * 60, lengths_min=(9 * 60,),
                        step_min=30, breaks=(sched.Break(60, 3 * 60, 5 * 60, paid=False),)),
    sched.ShiftTemplate("evening-6h", earliest_start=14 * 60, latest_start=18 * 60, lengths_min=(6 * 60,),
                        step_min=30, breaks=(sched.Break(30, 2 * 60, 4 * 60, paid=True),)),
    sched.ShiftTemplate("part-4h", earliest_start=6 * 60, latest_start=20 * 60, lengths_min=(4 * 60,),
                        step_min=30),
    sched.ShiftTemplate("night-9h", earliest_start=20 * 60, latest_start=23 * 60, lengths_min=(9 * 60,),
                        step_min=60, breaks=(sched.Break(60, 3 * 60, 6 * 60, paid=False),)),
)


@dataclass(frozen=True)
class QueueChoice:
    code: str
    name: str
    time_zone: str

    @property
    def label(self) -> str:
        return self.name if self.name == self.code else f"{self.name} ({self.code})"


@dataclass(frozen=True)
class ForecastPage:
    run: PlanningRun | None
    actual_starts: list[str]  # ISO local interval starts of the recent actuals
    actual: list[float]


def _allow(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(f"the {actor.role.value} role may not {permission.value.replace('_', ' ')}")


# --- reads ------------------------------------------------------------------------------------------

def planning_queues(uow: UnitOfWork, actor: Actor, default_time_zone: str) -> list[QueueChoice]:
    """The active queues the actor may plan or read: all of them, or a supervisor's sites' queues."""
    _allow(actor, Permission.READ_REPORTS)
    query = (select(Queue.code, Queue.name, Site.time_zone).outerjoin(Site, Site.id == Queue.site_id)
             .where(Queue.is_active.is_(True)).order_by(Queue.name))
    if actor.role == Role.SUPERVISOR:
        query = query.where(Queue.site_id.in_(list(actor.site_ids)))
    return [QueueChoice(code, name, zone or default_time_zone) for code, name, zone in uow.session.execute(query)]


def _queue(uow: UnitOfWork, actor: Actor, code: str) -> Queue:
    queue = uow.session.scalars(select(Queue).where(Queue.code == code)).first()
    if queue is None or (actor.role == Role.SUPERVISOR and queue.site_id not in actor.site_ids):
        raise NotFound("queue", code)
    return queue


def latest_run(uow: UnitOfWork, actor: Actor, kind: str, code: str) -> PlanningRun | None:
    _allow(actor, Permission.READ_REPORTS)
    _queue(uow, actor, code)
    return uow.session.scalars(select(PlanningRun).where(PlanningRun.kind == kind, PlanningRun.scope == code)
                               .order_by(PlanningRun.created_at.desc(), PlanningRun.id.desc()).limit(1)).first()


def forecast_page(uow: UnitOfWork, actor: Actor, code: str, default_time_zone: str) -> ForecastPage:
    """The latest forecast of the queue and the offered counts of the last ACTUAL_DAYS days (to the end of the
    forecast's period where it has begun)."""
    run = latest_run(uow, actor, "forecast", code)
    try:
        history = queue_history(uow, code, INTERVAL_S, default_time_zone, history_s=ACTUAL_DAYS * DAY_S,
                                actor=READER)
    except ForecastError:  # no contact yet: nothing to show
        return ForecastPage(run, [], [])
    series = history.series
    if run is not None and run.result.get("starts"):  # the actuals of a forecast period that has begun
        first = pd.Timestamp(run.result["starts"][0])
        series = series[series.index >= min(first - pd.Timedelta(days=ACTUAL_DAYS), series.index[-1])]
    return ForecastPage(run, [t.isoformat() for t in series.index], [float(v) for v in series.to_numpy()])


# --- forecast ---------------------------------------------------------------------------------------

def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


def run_forecast(uow: UnitOfWork, actor: Actor, code: str, default_time_zone: str, *,
                 horizon_days: int = 7) -> PlanningRun:
    """Forecast the queue's offered contacts per 30 minutes for `horizon_days` from its last HISTORY_WEEKS weeks,
    the model chosen by a one-window back-test against the seasonal-naive baseline; stored as a run."""
    _allow(actor, Permission.PLAN_WORKFORCE)
    queue = _queue(uow, actor, code)
    if horizon_days not in HORIZONS:
        raise InvalidInput(f"the horizon is one of {HORIZONS} days")
    started = time.monotonic()
    try:
        history = queue_history(uow, queue.code, INTERVAL_S, default_time_zone,
                                history_s=HISTORY_WEEKS * 7 * DAY_S, actor=READER)
        options = ForecastOptions(interval_s=INTERVAL_S, horizon_s=horizon_days * DAY_S, country=history.country,
                                  windows=1)
        result = forecast(history.series, options)
    except ForecastError as error:
        raise InvalidInput(str(error)) from error
    baseline = result.baseline.wape if result.baseline is not None else None
    backtest = [{"model": s.model, "wape": _number(s.wape), "mae": _number(s.mae),
                 "vs_baseline": _number(s.wape / baseline - 1) if s.wape is not None and baseline else None}
                for s in result.backtest]
    values = result.values
    run = PlanningRun(
        kind="forecast", scope=queue.code, created_at=uow.now(), created_by_user_id=actor.user_id,
        parameters={"horizon_days": horizon_days, "interval_s": INTERVAL_S, "history_weeks": HISTORY_WEEKS,
                    "windows": 1},
        result={"model": result.model, "baseline": BASELINE, "interval_s": INTERVAL_S,
                "time_zone": history.time_zone, "growth": result.growth,
                "holidays": [d.isoformat() for d in result.holidays],
                "history": {"first": history.series.index[0].isoformat(),
                            "last": history.series.index[-1].isoformat(),
                            "offered": float(history.series.sum())},
                "backtest": backtest,
                "starts": [t.isoformat() for t in values.index],
                "forecast": [_number(v) for v in values["forecast"]],
                "lo": [_number(v) for v in values["lo"]], "hi": [_number(v) for v in values["hi"]],
                "seconds": round(time.monotonic() - started, 2)})
    uow.session.add(run)
    uow.commit()
    return run


# --- staffing and schedule --------------------------------------------------------------------------

def history_aht(uow: UnitOfWork, queue: Queue, default_time_zone: str) -> float | None:
    """The queue's average handle time over the last HISTORY_WEEKS weeks (the KPI `aht_s`), None without one."""
    zone = ZoneInfo(default_time_zone)
    today = uow.now().astimezone(zone).date()
    result = run_report(uow, READER, ReportRequest(from_date=today - timedelta(weeks=HISTORY_WEEKS), to_date=today,
                                                   by="queue", metrics="aht_s"),
                        default_time_zone, only_queues=[queue.id])
    values = [float(row["aht_s"]) for row in result.rows if row.get("aht_s")]
    return values[0] if values else None


def _grid(starts: Sequence[datetime]) -> tuple[tuple[date, ...], list[int]]:
    days = tuple(sorted({s.date() for s in starts}))
    per_day = DAY_S // INTERVAL_S
    index = [(s.date() - days[0]).days * per_day + (s.hour * 60 + s.minute) // INTERVAL_MIN for s in starts]
    return days, index


def run_schedule(uow: UnitOfWork, actor: Actor, code: str, default_time_zone: str, *, aht_s: float | None = None,
                 shrinkage: float = DEFAULT_SHRINKAGE, time_limit_s: float = SCHEDULE_TIME_LIMIT_S) -> PlanningRun:
    """Agents needed per interval (Erlang C at the queue's SL target and threshold, the AHT given or from the
    history) from the latest forecast, after shrinkage; then the cheapest schedule of the built-in templates
    inside the queue's opening hours that CP-SAT finds within `time_limit_s`. Stored as a run."""
    _allow(actor, Permission.PLAN_WORKFORCE)
    queue = _queue(uow, actor, code)
    if not 0 <= shrinkage < 1:
        raise InvalidInput("shrinkage must be in [0, 1)")
    source = latest_run(uow, actor, "forecast", queue.code)
    if source is None:
        raise InvalidInput(f"queue {queue.code} has no forecast yet: run one first")
    started = time.monotonic()
    aht_source = "form"
    if aht_s is None:
        aht_s, aht_source = history_aht(uow, queue, default_time_zone), "history"
        if aht_s is None:
            aht_s, aht_source = DEFAULT_AHT_S, "default"
    zone = ZoneInfo(source.result["time_zone"])
    starts = [datetime.fromisoformat(s).astimezone(zone) for s in source.result["starts"]]
    days, index = _grid(starts)
    per_day = DAY_S // INTERVAL_S
    calls = np.zeros(len(days) * per_day)
    calls[index] = [v or 0.0 for v in source.result["forecast"]]
    grid = [datetime.combine(days[0], clock_time(), zone) + timedelta(seconds=i * INTERVAL_S)
            for i in range(len(calls))]
    params = QueueParams(queue=queue.code, aht_s=aht_s, channel=queue.channel, model="c",
                         service_level=queue.sl_target, answer_within_s=float(queue.sl_threshold_s),
                         hours=queue.business_hours or {})
    staffing = plan({queue.code: calls}, {queue.code: params}, grid, INTERVAL_S, shrinkage)
    requirement = sched.Requirement(days, INTERVAL_MIN, staffing.groups, staffing.required, zone)
    try:
        result = sched.solve(requirement, TEMPLATES, [sched.Site(DEFAULT_SITE, queue.business_hours or {})],
                             time_limit_s=time_limit_s, workers=SCHEDULE_WORKERS)
    except sched.ScheduleError as error:
        raise InvalidInput(str(error)) from error
    shifts = [{"name": f"{n + 1}", "agent": s.agent, "template": s.template, "start": s.start.isoformat(),
               "end": s.end.isoformat(), "paid_minutes": s.paid_minutes,
               "breaks": [{"start": a.isoformat(), "end": b.isoformat(), "paid": paid} for a, b, paid in s.breaks]}
              for n, s in enumerate(result.shifts)]
    run = PlanningRun(
        kind="schedule", scope=queue.code, created_at=uow.now(), created_by_user_id=actor.user_id,
        parameters={"aht_s": aht_s if aht_source == "form" else None, "shrinkage": shrinkage,
                    "time_limit_s": time_limit_s, "forecast_run_id": source.id},
        result={"time_zone": str(zone), "interval_min": INTERVAL_MIN, "aht_s": round(aht_s, 1),
                "aht_source": aht_source, "shrinkage": shrinkage, "service_level": queue.sl_target,
                "answer_within_s": queue.sl_threshold_s, "forecast_model": source.result["model"],
                "starts": [g.isoformat() for g in grid], "calls": [round(float(c), 3) for c in calls],
                "agents": [int(v) for v in staffing.agents[0]], "required": [int(v) for v in staffing.required[0]],
                "scheduled": [int(v) for v in result.scheduled[0]], "status": result.status,
                "paid_hours": round(result.paid_hours, 1), "shifts": shifts,
                "solve_seconds": round(result.seconds, 2), "seconds": round(time.monotonic() - started, 2)})
    uow.session.add(run)
    uow.commit()
    return run


# --- what-if simulation -----------------------------------------------------------------------------

@dataclass(frozen=True)
class WhatIf:
    queue: str
    change: int  # agents added (negative: removed) on the queue
    day: date | None = None  # None: tomorrow
    replications: int = 5


def run_what_if(uow: UnitOfWork, actor: Actor, request: WhatIf, default_time_zone: str) -> PlanningRun:
    """The live centre on one day, unchanged and with `change` agents more (or fewer) able to serve the queue,
    simulated with the same seeds; the queue's predicted figures with their 95 % confidence intervals. Stored."""
    from helpline.services.simulation_scenarios import LiveScenarioRequest, live_scenario
    from helpline.wfm.scenario import able
    from helpline.wfm.simulation import ScenarioError, SimulationError, simulate

    _allow(actor, Permission.PLAN_WORKFORCE)
    queue = _queue(uow, actor, request.queue)
    if not 1 <= request.replications <= MAX_REPLICATIONS or abs(request.change) > MAX_CHANGE:
        raise InvalidInput("replications or change out of range")
    started = time.monotonic()
    figures: dict[str, dict[str, dict[str, float | None]]] = {}
    agents: dict[str, int] = {}
    day = request.day
    try:
        for name, change in (("baseline", 0), ("changed", request.change)):
            scenario = live_scenario(uow, LiveScenarioRequest(
                day=day, add_agents={queue.code: change} if change else {}, replications=request.replications,
                seed=SIMULATION_SEED), default_time_zone)
            day = scenario.start.date()
            spec = scenario.queue(queue.code)
            agents[name] = sum(1 for a in scenario.agents if able(a, spec))
            outcome = simulate(scenario, request.replications, SIMULATION_SEED)
            figures[name] = {f: {k: _number(v) for k, v in outcome.queues[queue.code][f].as_dict().items()}
                             for f in SIMULATION_FIGURES}
    except (ScenarioError, SimulationError) as error:
        raise InvalidInput(str(error)) from error
    run = PlanningRun(
        kind="simulation", scope=queue.code, created_at=uow.now(), created_by_user_id=actor.user_id,
        parameters={"queue": queue.code, "change": request.change, "day": day.isoformat() if day else None,
                    "replications": request.replications, "seed": SIMULATION_SEED},
        result={"day": day.isoformat() if day else None, "sl_target": queue.sl_target,
                "sl_threshold_s": queue.sl_threshold_s, "agents": agents, "figures": figures,
                "seconds": round(time.monotonic() - started, 2)})
    uow.session.add(run)
    uow.commit()
    return run


def run_by_id(uow: UnitOfWork, actor: Actor, run_id: int, kind: str) -> PlanningRun:
    _allow(actor, Permission.READ_REPORTS)
    run = uow.session.get(PlanningRun, run_id)
    if run is None or run.kind != kind:
        raise NotFound("planning run", run_id)
    _queue(uow, actor, run.scope)
    return run
