"""Scheduling from files: read a forecast (with queue parameters) or a requirement, and shift templates;
build the staffing plan and the schedule; write the schedule, the coverage and the plan as CSV.
File formats: docs/wfm/schedule.md. Every problem with a file raises InvalidInput naming the file and where."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from helpline.domain.errors import InvalidInput
from helpline.domain.opening_hours import WEEKDAYS, check_hours
from helpline.wfm import schedule as sched
from helpline.wfm.staffing import QueueParams, StaffingPlan, plan


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _duration(value: Any) -> int:
    """Minutes from 90, "90" or "1:30"."""
    if isinstance(value, int):
        return value
    text = str(value)
    if ":" in text:
        hours, _, minutes = text.partition(":")
        return int(hours) * 60 + int(minutes)
    return int(text)


Minutes = Any  # an int of minutes or "H:MM"


class BreakSpec(_Strict):
    minutes: Minutes
    paid: bool = False
    earliest_after: Minutes = Field(description="earliest start, after the shift starts")
    latest_after: Minutes


class TemplateSpec(_Strict):
    name: str
    site: str | None = None
    earliest_start: str = Field(description="HH:MM")
    latest_start: str
    step: Minutes | None = None  # default: the interval
    lengths: list[Minutes]
    breaks: list[BreakSpec] = []
    days: list[str] = list(WEEKDAYS)
    skills: list[str] | None = None


class SiteSpec(_Strict):
    hours: dict[str, list[list[str]]] = {}
    min_agents: int = Field(0, ge=0)
    max_agents: int | None = Field(None, ge=0)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        check_hours(value)
        return value


class AgentSpec(_Strict):
    name: str
    skills: list[str]
    site: str = sched.DEFAULT_SITE
    count: int = Field(1, ge=1, description="several agents alike: named <name>-1, <name>-2, …")
    max_shifts: int | None = Field(None, ge=0)


class ShiftsFile(_Strict):
    sites: dict[str, SiteSpec] = {}
    templates: list[TemplateSpec] = Field(min_length=1)
    agents: list[AgentSpec] | None = None


class QueueSpec(_Strict):
    aht_s: float = Field(gt=0)
    channel: str = "voice"
    model: str | None = None  # default: a when patience_s is set, else c
    patience_s: float | None = Field(None, gt=0)
    service_level: float | None = Field(0.8, gt=0, lt=1)
    answer_within_s: float | None = Field(None, gt=0)  # default: 20 s for voice, 60 s for chat, 4 h for e-mail
    max_asa_s: float | None = Field(None, gt=0)
    max_abandon: float | None = Field(None, gt=0, lt=1)
    max_occupancy: float | None = Field(None, gt=0, le=1)
    concurrency: int = Field(1, ge=1)
    skill: str | None = None
    site: str = sched.DEFAULT_SITE
    hours: dict[str, list[list[str]]] = {}

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        check_hours(value)
        return value


class QueuesFile(_Strict):
    shrinkage: float = Field(0.0, ge=0, lt=1)
    interval_minutes: int | None = Field(None, gt=0)
    queues: dict[str, QueueSpec] = Field(min_length=1)


DEFAULT_TARGET_S = {"voice": 20.0, "chat": 60.0, "email": 4 * 3600.0}


@dataclass(frozen=True)
class Inputs:
    requirement: sched.Requirement
    staffing: StaffingPlan | None
    templates: list[sched.ShiftTemplate]
    sites: list[sched.Site]
    agents: list[sched.Agent] | None


# --- reading ----------------------------------------------------------------------------------------


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"{path.name}: cannot read it as YAML ({error})") from None


def _validated(model: type[_Strict], path: Path) -> Any:
    try:
        return model.model_validate(_yaml(path) or {})
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(map(str, problem["loc"])) or "the file"
        raise InvalidInput(f"{path.name}: {where}: {problem['msg']}") from None


def load_shifts(path: Path) -> tuple[list[sched.ShiftTemplate], list[sched.Site], list[sched.Agent] | None]:
    spec: ShiftsFile = _validated(ShiftsFile, path)
    try:
        templates = [sched.ShiftTemplate(
            name=t.name, site=t.site, earliest_start=_duration(t.earliest_start),
            latest_start=_duration(t.latest_start), step_min=_duration(t.step) if t.step is not None else None,
            lengths_min=tuple(_duration(v) for v in t.lengths), days=tuple(t.days),
            skills=frozenset(t.skills) if t.skills is not None else None,
            breaks=tuple(sched.Break(_duration(b.minutes), _duration(b.earliest_after), _duration(b.latest_after),
                                     b.paid) for b in t.breaks)) for t in spec.templates]
    except ValueError as error:
        raise InvalidInput(f"{path.name}: templates: a time is not H:MM or minutes ({error})") from None
    sites = [sched.Site(name, s.hours, s.min_agents, s.max_agents) for name, s in spec.sites.items()]
    agents = None
    if spec.agents is not None:
        agents = [sched.Agent(a.name if a.count == 1 else f"{a.name}-{i + 1}", frozenset(a.skills), a.site,
                              a.max_shifts) for a in spec.agents for i in range(a.count)]
    return templates, sites, agents


def _rows(path: Path, needed: Sequence[str]) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path.name}: cannot read it ({error})") from None
    reader = csv.DictReader(io.StringIO(text))
    if missing := [c for c in needed if c not in (reader.fieldnames or [])]:
        raise InvalidInput(f"{path.name}: missing column(s) {', '.join(missing)}; it has "
                           f"{', '.join(reader.fieldnames or []) or 'none'}")
    rows = list(reader)
    if not rows:
        raise InvalidInput(f"{path.name}: no rows")
    return rows


def _moment(path: Path, line: int, text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"{path.name}, line {line}: interval_start {text!r} is not an ISO date-time") from None


def _number(path: Path, line: int, column: str, text: str, *, clip: bool = False) -> float:
    """A finite number >= 0; with clip, a negative one (a forecast model's small undershoot) counts 0."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InvalidInput(f"{path.name}, line {line}: {column} {text!r} is not a number") from None
    if clip and np.isfinite(value):
        value = max(value, 0.0)
    if not np.isfinite(value) or value < 0:
        raise InvalidInput(f"{path.name}, line {line}: {column} must be a finite number >= 0, got {text}")
    return value


def _grid(path: Path, moments: Sequence[datetime], interval_min: int | None) -> tuple[int, tuple[date, ...]]:
    local = sorted({m.replace(tzinfo=None) for m in moments})
    if interval_min is None:
        gaps = [int((b - a).total_seconds() // 60) for a, b in itertools.pairwise(local)]
        interval_min = min(gaps) if gaps else 60
    if interval_min <= 0 or sched.DAY_MIN % interval_min:
        raise InvalidInput(f"{path.name}: the interval ({interval_min} min) must divide a day")
    if off := [m for m in local if (m.hour * 60 + m.minute) % interval_min or m.second]:
        raise InvalidInput(f"{path.name}: {off[0].isoformat()} is not on the {interval_min}-minute grid")
    first, last = local[0].date(), local[-1].date()
    return interval_min, tuple(first + timedelta(days=d) for d in range((last - first).days + 1))


def _index(moment: datetime, days: tuple[date, ...], interval_min: int) -> int:
    local = moment.replace(tzinfo=None)
    per_day = sched.DAY_MIN // interval_min
    return (local.date() - days[0]).days * per_day + (local.hour * 60 + local.minute) // interval_min


def load_requirement(path: Path, interval_min: int | None = None) -> sched.Requirement:
    """CSV: interval_start, required[, site][, skill] (a staffing plan written by --plan reads back: its rows
    with an empty `required`, the per-queue detail, are skipped)."""
    numbered = [(n + 2, r) for n, r in enumerate(_rows(path, ["interval_start", "required"]))
                if (r["required"] or "").strip()]
    if not numbered:
        raise InvalidInput(f"{path.name}: no row has a value in `required`")
    lines, rows = [n for n, _ in numbered], [r for _, r in numbered]
    moments = [_moment(path, n, r["interval_start"]) for n, r in numbered]
    step, days = _grid(path, moments, interval_min)
    keys = [((r.get("site") or sched.DEFAULT_SITE).strip(), (r.get("skill") or "all").strip()) for r in rows]
    groups = tuple(sorted(set(keys)))
    required = np.zeros((len(groups), len(days) * (sched.DAY_MIN // step)), dtype=np.int64)
    for line, row, moment, key in zip(lines, rows, moments, keys, strict=True):
        value = _number(path, line, "required", row["required"])
        required[groups.index(key), _index(moment, days, step)] += int(np.ceil(value - 1e-9))
    return sched.Requirement(days, step, groups, required, _zone(moments))


def _zone(moments: Sequence[datetime]) -> tzinfo | None:
    return moments[0].tzinfo


def load_forecast(forecast_path: Path, queues_path: Path, interval_min: int | None = None
                  ) -> tuple[sched.Requirement, StaffingPlan]:
    """The forecast CSV of `helpline forecast --output` (interval_start, queue, forecast, …) and the queues'
    parameters (YAML) → the staffing plan and the requirement it puts on the scheduler."""
    spec: QueuesFile = _validated(QueuesFile, queues_path)
    rows = _rows(forecast_path, ["interval_start", "queue", "forecast"])
    moments = [_moment(forecast_path, n + 2, r["interval_start"]) for n, r in enumerate(rows)]
    step, days = _grid(forecast_path, moments, interval_min or spec.interval_minutes)
    per_day = sched.DAY_MIN // step
    starts = [datetime.combine(days[0], datetime.min.time()) + timedelta(minutes=i * step)
              for i in range(len(days) * per_day)]
    calls: dict[str, np.ndarray] = {}
    for n, (row, moment) in enumerate(zip(rows, moments, strict=True)):
        queue = row["queue"].strip()
        if queue not in spec.queues:
            raise InvalidInput(f"{forecast_path.name}, line {n + 2}: queue {queue!r} is not in {queues_path.name}")
        series = calls.setdefault(queue, np.zeros(len(starts)))
        series[_index(moment, days, step)] += _number(forecast_path, n + 2, "forecast", row["forecast"] or "0",
                                                           clip=True)
    params = {}
    for name, q in spec.queues.items():
        try:
            params[name] = QueueParams(
                queue=name, aht_s=q.aht_s, channel=q.channel, model=q.model or ("a" if q.patience_s else "c"),
                patience_s=q.patience_s, service_level=q.service_level,
                answer_within_s=q.answer_within_s or DEFAULT_TARGET_S.get(q.channel, 20.0), max_asa_s=q.max_asa_s,
                max_abandon=q.max_abandon, max_occupancy=q.max_occupancy, concurrency=q.concurrency, skill=q.skill,
                site=q.site, hours=q.hours)
        except ValueError as error:
            raise InvalidInput(f"{queues_path.name}: {error}") from None
    try:
        staffing = plan(calls, params, starts, step * 60, spec.shrinkage)
    except ValueError as error:
        raise InvalidInput(f"{queues_path.name}: {error}") from None
    requirement = sched.Requirement(days, step, staffing.groups, staffing.required, _zone(moments))
    return requirement, staffing


def load_inputs(templates: Path, *, requirement: Path | None = None, forecast: Path | None = None,
                queues: Path | None = None, interval_min: int | None = None) -> Inputs:
    if (requirement is None) == (forecast is None):
        raise InvalidInput("give either --requirement, or --forecast with --queues")
    staffing = None
    if forecast is not None:
        if queues is None:
            raise InvalidInput("--forecast needs --queues (the queues' parameters)")
        need, staffing = load_forecast(forecast, queues, interval_min)
    else:
        assert requirement is not None
        need = load_requirement(requirement, interval_min)
    shift_templates, sites, agents = load_shifts(templates)
    return Inputs(need, staffing, shift_templates, sites, agents)


def make_schedule(inputs: Inputs, *, time_limit_s: float = 10.0, workers: int = 0,
                  progress: sched.Progress | None = None) -> sched.Schedule:
    try:
        return sched.solve(inputs.requirement, inputs.templates, inputs.sites, inputs.agents,
                           time_limit_s=time_limit_s, workers=workers, progress=progress)
    except sched.ScheduleError as error:
        raise InvalidInput(str(error)) from None


# --- writing ----------------------------------------------------------------------------------------

SCHEDULE_COLUMNS = ("shift", "agent", "site", "template", "date", "start", "end", "paid_hours", "breaks", "skills")
COVERAGE_COLUMNS = ("interval_start", "site", "skill", "required", "scheduled", "under", "over")
PLAN_COLUMNS = ("interval_start", "site", "skill", "queue", "calls", "agents", "required")


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def schedule_csv(result: sched.Schedule) -> str:
    rows = [(n + 1, s.agent or "", s.site, s.template, s.start.date().isoformat(), s.start.isoformat(),
             s.end.isoformat(), f"{s.paid_minutes / 60:g}",
             "; ".join(f"{_clock(a)}-{_clock(b)} {'paid' if paid else 'unpaid'}" for a, b, paid in s.breaks),
             "+".join(sorted(s.skills))) for n, s in enumerate(result.shifts)]
    return _csv(SCHEDULE_COLUMNS, rows)


def coverage_csv(result: sched.Schedule) -> str:
    need = result.requirement
    under, over = result.under, result.over
    rows = [(need.slot_start(t).isoformat(), site, skill, int(need.required[g, t]), int(result.scheduled[g, t]),
             int(under[g, t]), int(over[g, t]))
            for t in range(need.required.shape[1]) for g, (site, skill) in enumerate(need.groups)]
    return _csv(COVERAGE_COLUMNS, rows)


def plan_csv(staffing: StaffingPlan, requirement: sched.Requirement) -> str:
    """One row per queue and interval (calls, agents needed) and one per group (queue empty: required, the
    agents to schedule after shrinkage); `--requirement` reads the group rows back (queue rows give 0)."""
    rows: list[tuple[Any, ...]] = []
    for t in range(len(staffing.interval_starts)):
        moment = requirement.slot_start(t).isoformat()
        for g, (site, skill) in enumerate(staffing.groups):
            rows.append((moment, site, skill, "", "", int(staffing.group_agents[g, t]), int(staffing.required[g, t])))
        for q, queue in enumerate(staffing.queues):
            rows.append((moment, "", "", queue, f"{staffing.calls[q, t]:g}", int(staffing.agents[q, t]), ""))
    return _csv(PLAN_COLUMNS, rows)


def summary(result: sched.Schedule) -> dict[str, Any]:
    """The JSON printed by `helpline schedule --json` (keys documented in docs/wfm/schedule.md)."""
    need = result.requirement
    hours = need.interval_min / 60
    under, over = result.under, result.over
    groups = [{"site": site, "skill": skill,
               "required_agent_hours": float(need.required[g].sum() * hours),
               "scheduled_agent_hours": float(result.scheduled[g].sum() * hours),
               "under_staffed_intervals": int((under[g] > 0).sum()),
               "over_staffed_intervals": int((over[g] > 0).sum()),
               "under_agent_hours": float(under[g].sum() * hours)}
              for g, (site, skill) in enumerate(need.groups)]
    return {"status": result.status, "solve_seconds": round(result.seconds, 3),
            "objective": result.objective, "bound": result.bound,
            "paid_hours": result.paid_hours, "shifts": len(result.shifts),
            "unassigned_shifts": result.unassigned,
            "interval_minutes": need.interval_min, "intervals": int(need.required.shape[1]),
            "first_day": need.days[0].isoformat(), "last_day": need.days[-1].isoformat(),
            "under_staffed_intervals": int((under.sum(axis=0) > 0).sum()),
            "over_staffed_intervals": int((over.sum(axis=0) > 0).sum()),
            "under_agent_hours": float(under.sum() * hours), "over_agent_hours": float(over.sum() * hours),
            "below_site_minimum_intervals": int(sum((v > 0).sum() for v in result.below_minimum.values())),
            "groups": groups}
