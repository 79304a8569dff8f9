"""A simulation scenario derived from the live configuration and its history ("what if two more KASKO agents
tomorrow"): queues, skills and agents from the database; arrivals per interval from the offered counts of the
last N weeks (through the reports service, the same KPI code); handle times and patience from the history.
Then a change (`add_agents`) is applied. Read-only: nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import yaml
from sqlalchemy import select

from helpline.adapters.db.models import Agent, Queue, Site
from helpline.adapters.reporting import frames
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services.reports import ReportRequest, run_report
from helpline.services.scope import held_skills
from helpline.services.unit_of_work import UnitOfWork
from helpline.wfm.scenario import (
    AgentSpec,
    Distribution,
    QueueSpec,
    Scenario,
    ScenarioError,
    Shift,
    Step,
    add_agents,
)

PLANNER = Actor(user_id=None, username="simulation", role=Role.ADMIN)
MAX_EMPIRICAL = 2000  # handle times kept per queue (a random sample of the history when there are more)
DEFAULT_HANDLE_S = 180.0  # for a queue with no handled interaction in the history


@dataclass(frozen=True)
class LiveScenarioRequest:
    day: date | None = None  # the day simulated; None: tomorrow in the centre's time zone
    weeks: int = 4  # history: the same weekday in each of the last `weeks` weeks before `day`
    shift: str = "08:00-20:00"  # every agent's shift that day
    add_agents: Mapping[str, int] = field(default_factory=dict)  # queue code -> more (or fewer) agents
    interval_minutes: int = 30
    replications: int = 10
    seed: int = 1


def live_scenario(uow: UnitOfWork, request: LiveScenarioRequest, time_zone: str) -> Scenario:
    zone = ZoneInfo(time_zone)
    day = request.day or (uow.now().astimezone(zone).date() + timedelta(days=1))
    interval_s = request.interval_minutes * 60.0
    per_day = round(86_400 / interval_s)
    session = uow.session
    queues = [q for q in session.scalars(select(Queue).order_by(Queue.id)) if q.is_active]
    if not queues:
        raise ScenarioError("the live configuration has no active queue")
    sites = {s.id: s.name for s in session.scalars(select(Site))}
    first = day - timedelta(weeks=request.weeks)
    offered = _offered_profiles(uow, first, day, day.weekday(), request.weeks, interval_s, per_day, time_zone)
    start_utc = datetime.combine(first, time(), zone)
    end_utc = datetime.combine(day, time(), zone)
    history = frames.load_events(session, start_utc, end_utc, exact_end=True)
    rng = np.random.default_rng(request.seed)
    codes = {q.id: q.code for q in queues}
    specs = []
    for q in queues:
        mine = history.filter(pl.col("queue_id") == q.id)
        handled = mine.filter((pl.col("type") == "wrap_up_ended") & pl.col("talk_s").is_not_null())
        talk = handled["talk_s"].to_numpy()
        wrap = handled["wrap_s"].fill_null(0.0).to_numpy()
        specs.append(QueueSpec(
            code=q.code, channel=q.channel, rates=tuple(offered.get(q.id, [0.0] * per_day)),
            handle_time=_empirical(talk, rng) or Distribution("lognormal", DEFAULT_HANDLE_S, DEFAULT_HANDLE_S),
            wrap_up=_empirical(wrap, rng) if wrap.size and wrap.max() > 0 else None,
            patience=_patience(mine), skills={r.skill.code: r.min_proficiency for r in q.required_skills},
            sl_target=q.sl_target, sl_threshold_s=float(q.sl_threshold_s), priority=q.priority,
            site=sites.get(q.site_id) if q.site_id is not None else None,
            expansion=tuple(Step(float(s["after_s"]), s.get("min_proficiency"), bool(s.get("any_site", False)),
                                 s.get("move_to_queue")) for s in q.expansion
                            if "move_to_queue" not in s or s["move_to_queue"] in codes.values()),
            agent_choice=q.agent_choice))
    begin, end = _shift(request.shift)
    moment = datetime.combine(day, time(12), zone)
    agents = []
    for a in session.scalars(select(Agent).order_by(Agent.id)):
        held = held_skills(a, moment)
        uncertified = frozenset(code for code, h in held.items() if h.requires_certification and not (
            h.certified_at is not None and h.certified_at <= moment
            and (h.certification_expires_at is None or moment < h.certification_expires_at)))
        agents.append(AgentSpec(id=a.employee_no, skills={code: h.proficiency for code, h in held.items()},
                                shifts=(Shift(begin, end, frozenset(range(7))),),
                                capacity={c.channel: c.capacity for c in a.capacities}, site=sites.get(a.site_id),
                                uncertified=uncertified))
    scenario = Scenario(start=datetime.combine(day, time(), zone), days=1.0, interval_s=interval_s,
                        queues=tuple(specs), agents=tuple(agents), replications=request.replications,
                        seed=request.seed, time_zone=time_zone)
    for code, count in request.add_agents.items():
        scenario = add_agents(scenario, code, count)
    return scenario


def _offered_profiles(uow: UnitOfWork, first: date, day: date, weekday: int, weeks: int, interval_s: float,
                      per_day: int, time_zone: str) -> dict[int, list[float]]:
    """Mean offered per interval of the day, over the same weekday of the last weeks (a missing interval is 0)."""
    minutes = int(interval_s // 60)
    interval = {15: "15m", 30: "30m", 60: "1h"}.get(minutes)
    if interval is None:
        raise ScenarioError("interval_minutes: the history is read in 15, 30 or 60 minute intervals")
    result = run_report(uow, PLANNER, ReportRequest(from_date=first, to_date=day, by=f"queue,interval={interval}",
                                                    metrics="offered"), time_zone)
    ids = {q.code: q.id for q in uow.session.scalars(select(Queue))}
    profiles: dict[int, list[float]] = {}
    for row in result.rows:
        at = datetime.fromisoformat(row["interval"])
        if at.weekday() != weekday or row["queue"] not in ids:
            continue
        slot = int((at.hour * 3600 + at.minute * 60) // interval_s)
        profile = profiles.setdefault(ids[row["queue"]], [0.0] * per_day)
        profile[slot] += (row["offered"] or 0) / weeks
    return profiles


def _empirical(values: np.ndarray, rng: np.random.Generator) -> Distribution | None:
    values = values[np.isfinite(values) & (values >= 0)]
    if not values.size:
        return None
    if values.size > MAX_EMPIRICAL:
        values = rng.choice(values, MAX_EMPIRICAL, replace=False)
    kept = tuple(round(float(v), 1) for v in values)
    return Distribution("empirical", sum(kept) / len(kept), 0.0, kept)


def _patience(events: pl.DataFrame) -> Distribution | None:
    """Exponential patience by maximum likelihood with the answered waits as censored: total time waited
    (answered and abandoned) ÷ abandons. None (nobody abandons) when the history has no abandon."""
    abandoned = events.filter(pl.col("type") == "abandoned")
    if not abandoned.height:
        return None
    waited = events.filter(pl.col("type").is_in(["abandoned", "answered"]))["wait_s"].fill_null(0.0).sum()
    return Distribution("exponential", max(float(waited) / abandoned.height, 1.0))


def _shift(text: str) -> tuple[float, float]:
    try:
        begin, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ScenarioError(f"--shift: {text!r} must be HH:MM-HH:MM") from None
    b = begin.hour * 3600.0 + begin.minute * 60.0
    e = end.hour * 3600.0 + end.minute * 60.0
    return b, e if e > b else e + 86_400.0


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML `helpline simulate` reads back (one day: arrivals as a daily profile)."""
    def dist(d: Distribution) -> dict[str, Any]:
        if d.kind == "empirical":
            return {"distribution": "empirical", "values": list(d.values)}
        if d.kind == "lognormal":
            return {"distribution": "lognormal", "mean_s": d.mean, "sd_s": d.sd}
        return {"distribution": d.kind, "mean_s": d.mean}

    weekdays = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

    def clock(s: float) -> str:
        s = s % 86_400
        return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}"

    queues = []
    for q in scenario.queues:
        item: dict[str, Any] = {"code": q.code, "channel": q.channel, "skills": dict(q.skills),
                                "service_level": {"target": q.sl_target, "within_s": q.sl_threshold_s},
                                "priority": q.priority, "agent_choice": q.agent_choice,
                                "arrivals": {"profile": [round(r, 3) for r in q.rates]},
                                "handle_time": dist(q.handle_time)}
        if q.site:
            item["site"] = q.site
        if q.wrap_up is not None:
            item["wrap_up_s"] = dist(q.wrap_up)
        if q.patience is not None:
            item["patience"] = dist(q.patience)
        if q.expansion:
            item["expansion"] = [{k: v for k, v in (("after_s", s.after_s), ("min_proficiency", s.min_proficiency),
                                                    ("any_site", s.any_site or None),
                                                    ("move_to_queue", s.move_to_queue)) if v is not None}
                                 for s in q.expansion]
        queues.append(item)
    agents = []
    for a in scenario.agents:
        item = {"names": [a.id], "skills": dict(a.skills)}
        if a.capacity:
            item["capacity"] = dict(a.capacity)
        if a.site:
            item["site"] = a.site
        if a.uncertified:
            item["uncertified"] = sorted(a.uncertified)
        item["shifts"] = [{"start": clock(s.start_s), "end": clock(s.end_s),
                           "days": [weekdays[d] for d in sorted(s.weekdays)]} for s in a.shifts
                          if s.weekdays is not None]
        agents.append(item)
    document = {"horizon": {"start": scenario.start.date().isoformat(), "days": scenario.days,
                            "interval_minutes": scenario.interval_s / 60, "time_zone": scenario.time_zone},
                "replications": scenario.replications, "seed": scenario.seed, "queues": queues, "agents": agents}
    text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return text
