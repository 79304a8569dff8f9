"""Shift scheduling with CP-SAT: which shifts (template, day, start, length, break times, skill set) cover a
requirement of agents per skill group and interval with the fewest paid hours.

The model (docs/wfm/schedule.md explains it with an example):

- Time is a grid of `interval_min` slots over whole days, in the sites' wall-clock time. A shift of a
  template starts on one of the template's days, between `earliest_start` and `latest_start` every
  `step_min`, lasts one of `lengths_min`, and may cross midnight if the site is open; every slot of it lies
  inside the site's opening hours and inside the horizon.
- A break has a length, is paid or unpaid, and starts between `earliest_min` and `latest_min` after the
  shift start. Breaks are *implicit*: a variable counts the shifts of each kind, and one more per break and
  start offset counts how many of those shifts take that break then (they sum to the shift count). Any
  integer split is a real assignment of break times to shifts, so the model is exact and small. Break
  windows of one template must not overlap, so the breaks of one shift never do.
- Skills: the requirement is per group (site, skill). Every shift carries a skill set (its agents' skills,
  or the template's). In each slot a working agent is allocated to exactly one group of its site whose
  skill it holds (integer allocation variables), so a multi-skilled agent can cover either group,
  interval by interval, as skills-based routing would; an agent never counts twice. Coverage of a group is
  what is allocated to it. This is conservative: a blended agent serving both queues in one slot is worth
  at most one agent here.
- Headcount: with agents given, shifts of one skill profile (site + skill set) start at most `count`
  times a day, overlap at most `count` at any slot, and total at most the agents' `max_shifts`. Without
  agents, shifts are anonymous slots, limited only by the site.
- Sites: no shift outside opening hours; at most `max_agents` working in any slot (hard); at least
  `min_agents` while open (soft, penalised like under-staffing).
- Objective: paid minutes of all shifts (length minus unpaid breaks) + `under_penalty` per missing agent
  per slot. The default penalty is ten times the longest shift's paid minutes, so whenever one more shift
  can close a gap the solver adds it; demand that cannot be covered still yields a schedule, with the
  gap reported as under-staffing.
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

import numpy as np
from ortools.sat.python import cp_model

from helpline.domain.opening_hours import WEEKDAYS, check_hours, parse_time

DEFAULT_SITE = "main"
DAY_MIN = 24 * 60
Progress = Callable[[float, float, float], None]  # objective, best bound, seconds


@dataclass(frozen=True)
class Break:
    minutes: int
    earliest_min: int  # earliest start, minutes after the shift starts
    latest_min: int  # latest start, minutes after the shift starts
    paid: bool = False


@dataclass(frozen=True)
class ShiftTemplate:
    name: str
    earliest_start: int  # minutes after midnight
    latest_start: int
    lengths_min: tuple[int, ...]
    step_min: int | None = None  # None: every interval
    breaks: tuple[Break, ...] = ()
    days: tuple[str, ...] = WEEKDAYS
    site: str | None = None  # None: any site
    skills: frozenset[str] | None = None  # None: every skill (anonymous) / any agent (with agents)


@dataclass(frozen=True)
class Site:
    name: str
    hours: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)  # empty: 24/7
    min_agents: int = 0
    max_agents: int | None = None


@dataclass(frozen=True)
class Agent:
    name: str
    skills: frozenset[str]
    site: str = DEFAULT_SITE
    max_shifts: int | None = None  # over the horizon; None: one a day


@dataclass(frozen=True)
class Requirement:
    """Agents needed per group (site, skill) and slot; slot i of day d is column d * per_day + i."""

    days: tuple[date, ...]
    interval_min: int
    groups: tuple[tuple[str, str], ...]
    required: np.ndarray  # int, shape (len(groups), len(days) * per_day)
    tz: tzinfo | None = None

    @property
    def per_day(self) -> int:
        return DAY_MIN // self.interval_min

    def slot_start(self, index: int) -> datetime:
        day, slot = divmod(index, self.per_day)
        return datetime.combine(self.days[day], time(), self.tz) + timedelta(minutes=slot * self.interval_min)


@dataclass(frozen=True)
class Shift:
    template: str
    site: str
    start: datetime
    end: datetime
    breaks: tuple[tuple[datetime, datetime, bool], ...]  # start, end, paid
    skills: frozenset[str]
    paid_minutes: int
    agent: str | None = None  # None: an anonymous slot to fill


@dataclass
class Schedule:
    status: str  # OPTIMAL or FEASIBLE
    shifts: list[Shift]
    requirement: Requirement
    scheduled: np.ndarray  # agents allocated per group and slot (same shape as requirement.required)
    working: dict[str, np.ndarray]  # agents working (not on break) per site and slot
    below_minimum: dict[str, np.ndarray]  # agents missing under the site's min_agents per slot
    seconds: float
    objective: float
    bound: float
    unassigned: int = 0  # shifts of named agents' profiles that no free agent could take

    @property
    def under(self) -> np.ndarray:
        return np.asarray(np.maximum(self.requirement.required - self.scheduled, 0))

    @property
    def over(self) -> np.ndarray:
        return np.asarray(np.maximum(self.scheduled - self.requirement.required, 0))

    @property
    def paid_hours(self) -> float:
        return sum(s.paid_minutes for s in self.shifts) / 60


class ScheduleError(ValueError):
    """The templates, sites or agents do not fit the requirement (the message says which and why)."""


@dataclass(frozen=True)
class _Profile:
    site: str
    skills: frozenset[str]
    count: int | None  # agents; None: unlimited (anonymous)
    max_shifts: int | None
    agents: tuple[Agent, ...] = ()
    templates: frozenset[str] = frozenset()  # anonymous: the templates whose shifts carry these skills


@dataclass(frozen=True)
class _Kind:
    template: ShiftTemplate
    profile: int
    first: int  # first slot
    slots: int
    day: int
    break_options: tuple[tuple[int, ...], ...]  # per break: possible offsets (slots after the start)
    paid_min: int


def solve(requirement: Requirement, templates: Sequence[ShiftTemplate], sites: Sequence[Site] = (),
          agents: Sequence[Agent] | None = None, *, time_limit_s: float = 10.0, workers: int = 0,
          under_penalty: int | None = None, progress: Progress | None = None) -> Schedule:
    """The cheapest schedule found within the time limit; raises ScheduleError on inconsistent input."""
    started = clock.monotonic()
    site_by_name = _sites(requirement, templates, sites, agents)
    profiles = _profiles(requirement, templates, site_by_name, agents)
    kinds = _kinds(requirement, templates, site_by_name, profiles)
    horizon = requirement.required.shape[1]
    longest = max((k.paid_min for k in kinds), default=1)
    penalty = under_penalty if under_penalty is not None else 10 * longest

    model = cp_model.CpModel()
    site_peak = {s: _site_peak(requirement, s) for s in site_by_name}
    x: list[cp_model.IntVar] = []
    working: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    most: dict[tuple[int, int], int] = defaultdict(int)  # upper bound of the agents working
    on_shift: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    breaks: list[list[dict[int, cp_model.IntVar]]] = []
    for index, kind in enumerate(kinds):
        profile = profiles[kind.profile]
        # anonymous: a kind never needs more shifts than (2 + breaks) x the site's peak (staggered breaks
        # may need some spare shifts, never that many)
        bound = profile.count if profile.count is not None else (
            (2 + len(kind.template.breaks)) * max(site_peak[profile.site], site_by_name[profile.site].min_agents))
        var = model.new_int_var(0, bound, f"x{index}")
        x.append(var)
        for t in range(kind.first, kind.first + kind.slots):
            working[kind.profile, t].append((1, var))
            most[kind.profile, t] += bound
            on_shift[kind.profile, t].append(var)
        per_break: list[dict[int, cp_model.IntVar]] = []
        for j, options in enumerate(kind.break_options):
            length = _slots(kind.template.breaks[j].minutes, requirement.interval_min)
            taken = {o: (var if len(options) == 1 else model.new_int_var(0, bound, f"b{index}_{j}_{o}"))
                     for o in options}
            if len(options) > 1:
                model.add(cp_model.LinearExpr.sum(list(taken.values())) == var)
            for o, b in taken.items():
                for t in range(kind.first + o, kind.first + o + length):
                    working[kind.profile, t].append((-1, b))
            per_break.append(taken)
        breaks.append(per_break)

    groups = requirement.groups
    eligible = {p: [g for g, (site, skill) in enumerate(groups) if site == prof.site and skill in prof.skills]
                for p, prof in enumerate(profiles)}
    total = cp_model.LinearExpr.sum
    allocated: dict[tuple[int, int], list[cp_model.LinearExpr]] = defaultdict(list)
    allocation: dict[tuple[int, int, int], cp_model.LinearExpr] = {}
    work_expr: dict[tuple[int, int], cp_model.LinearExpr] = {}
    for (p, t), terms in working.items():
        expr = cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])
        work_expr[p, t] = expr
        targets = eligible[p]
        if len(targets) == 1:
            allocation[p, targets[0], t] = expr
            allocated[targets[0], t].append(expr)
        elif targets:
            parts = [model.new_int_var(0, most[p, t], f"a{p}_{g}_{t}") for g in targets]
            model.add(total(parts) == expr)
            for g, part in zip(targets, parts, strict=True):
                allocation[p, g, t] = part
                allocated[g, t].append(part)

    under_terms: list[cp_model.IntVar] = []
    for g in range(len(groups)):
        for t in np.flatnonzero(requirement.required[g] > 0).tolist():
            need = int(requirement.required[g, t])
            gap = model.new_int_var(0, need, f"u{g}_{t}")
            model.add(total([*allocated[g, t], gap]) >= need)
            under_terms.append(gap)

    short: dict[tuple[str, int], cp_model.IntVar] = {}
    for name, site in site_by_name.items():
        members = [p for p, prof in enumerate(profiles) if prof.site == name]
        is_open = _open_slots(requirement, site)
        for t in range(horizon):
            present = [work_expr[p, t] for p in members if (p, t) in work_expr]
            if site.max_agents is not None and present:
                model.add(total(present) <= site.max_agents)
            if site.min_agents and is_open[t]:
                gap = model.new_int_var(0, site.min_agents, f"m{name}_{t}")
                model.add(total([*present, gap]) >= site.min_agents)
                short[name, t] = gap

    for p, prof in enumerate(profiles):
        if prof.count is None:
            continue
        mine = [i for i, k in enumerate(kinds) if k.profile == p]
        for day in range(len(requirement.days)):
            starts = [x[i] for i in mine if kinds[i].day == day]
            if len(starts) > prof.count:
                model.add(total(starts) <= prof.count)
        for t in range(horizon):
            if len(on_shift[p, t]) > prof.count:
                model.add(total(on_shift[p, t]) <= prof.count)
        if prof.max_shifts is not None:
            model.add(total([x[i] for i in mine]) <= prof.max_shifts)

    model.minimize(cp_model.LinearExpr.weighted_sum(x, [k.paid_min for k in kinds])
                   + penalty * cp_model.LinearExpr.sum([*under_terms, *short.values()]))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 7
    callback = _Reporter(progress, started) if progress is not None else None
    status = solver.solve(model, callback)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScheduleError(f"the solver found no schedule ({solver.status_name(status)}); "
                            "allow a longer --time-limit")

    shifts = _shifts(requirement, kinds, profiles, solver, x, breaks)
    shifts, unassigned = _name_agents(shifts, profiles)
    scheduled = np.zeros_like(requirement.required)
    for (_, g, t), expr in allocation.items():
        scheduled[g, t] += solver.value(expr)
    works = {name: np.zeros(horizon, dtype=np.int64) for name in site_by_name}
    for (p, t), expr in work_expr.items():
        works[profiles[p].site][t] += solver.value(expr)
    below = {name: np.zeros(horizon, dtype=np.int64) for name in site_by_name}
    for (name, t), gap in short.items():
        below[name][t] = solver.value(gap)
    return Schedule(status=solver.status_name(status), shifts=shifts, requirement=requirement, scheduled=scheduled,
                    working=works, below_minimum=below, seconds=clock.monotonic() - started,
                    objective=solver.objective_value, bound=solver.best_objective_bound, unassigned=unassigned)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress, started: float) -> None:
        super().__init__()
        self._progress = progress
        self._started = started

    def on_solution_callback(self) -> None:
        self._progress(self.objective_value, self.best_objective_bound, clock.monotonic() - self._started)


# --- building the model ---------------------------------------------------------------------------


def _slots(minutes: int, interval_min: int) -> int:
    return -(-minutes // interval_min)


def _site_peak(requirement: Requirement, site: str) -> int:
    rows = [g for g, (s, _) in enumerate(requirement.groups) if s == site]
    need = int(requirement.required[rows].sum(axis=0).max()) if rows else 0
    return max(need, 1)


def _sites(requirement: Requirement, templates: Sequence[ShiftTemplate], sites: Sequence[Site],
           agents: Sequence[Agent] | None) -> dict[str, Site]:
    by_name: dict[str, Site] = {}
    for site in sites:
        try:
            check_hours(site.hours)
        except ValueError as error:
            raise ScheduleError(f"site {site.name}: {error}") from None
        by_name[site.name] = site
    named = {s for s, _ in requirement.groups} | {t.site for t in templates if t.site} | {
        a.site for a in agents or ()}
    for name in sorted(named - by_name.keys()):
        by_name[name] = Site(name)  # not configured: open 24/7, no limits
    return by_name


def _profiles(requirement: Requirement, templates: Sequence[ShiftTemplate], sites: Mapping[str, Site],
              agents: Sequence[Agent] | None) -> list[_Profile]:
    if agents is None:
        skills_at: dict[str, set[str]] = defaultdict(set)
        for site, skill in requirement.groups:
            skills_at[site].add(skill)
        seen: dict[tuple[str, frozenset[str]], set[str]] = defaultdict(set)
        for template in templates:
            for site in ([template.site] if template.site else sorted(sites)):
                skills = template.skills if template.skills is not None else frozenset(skills_at[site])
                seen[site, skills].add(template.name)
        return [_Profile(site, skills, None, None, templates=frozenset(names))
                for (site, skills), names in seen.items()]
    pools: dict[tuple[str, frozenset[str]], list[Agent]] = defaultdict(list)
    for agent in agents:
        pools[agent.site, agent.skills].append(agent)
    days = len(requirement.days)
    return [_Profile(site, skills, len(members),
                     sum(a.max_shifts if a.max_shifts is not None else days for a in members), tuple(members))
            for (site, skills), members in pools.items()]


def _open_slots(requirement: Requirement, site: Site) -> np.ndarray:
    per_day, step = requirement.per_day, requirement.interval_min
    is_open = np.zeros(len(requirement.days) * per_day, dtype=bool)
    for d, day in enumerate(requirement.days):
        if not site.hours:
            is_open[d * per_day:(d + 1) * per_day] = True
            continue
        for start, end in site.hours.get(WEEKDAYS[day.weekday()], []):
            first, last = _minutes(parse_time(start)), _minutes(parse_time(end))
            is_open[d * per_day + -(-first // step):d * per_day + last // step] = True
    return is_open


def _minutes(moment: time) -> int:
    return DAY_MIN if moment == time.max else moment.hour * 60 + moment.minute


def _check_template(template: ShiftTemplate, interval_min: int) -> None:
    where = f"template {template.name}"
    values = [template.earliest_start, template.latest_start, template.step_min or interval_min,
              *template.lengths_min]
    values += [v for b in template.breaks for v in (b.minutes, b.earliest_min, b.latest_min)]
    if any(v % interval_min for v in values):
        raise ScheduleError(f"{where}: every time and length must be a multiple of the {interval_min}-minute "
                            "interval")
    if not 0 <= template.earliest_start <= template.latest_start < DAY_MIN:
        raise ScheduleError(f"{where}: starts must satisfy 00:00 <= earliest <= latest < 24:00")
    if (template.step_min or interval_min) <= 0 or not template.lengths_min or min(template.lengths_min) <= 0:
        raise ScheduleError(f"{where}: the step and the lengths must be positive")
    if unknown := set(template.days) - set(WEEKDAYS):
        raise ScheduleError(f"{where}: unknown days {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
    previous_end = 0
    for b in template.breaks:
        if b.minutes <= 0 or b.earliest_min > b.latest_min or b.earliest_min < previous_end:
            raise ScheduleError(f"{where}: each break needs a positive length and a window "
                                "(earliest <= latest) that starts after the previous break's window ends")
        previous_end = b.latest_min + b.minutes
        if b.latest_min + b.minutes > min(template.lengths_min):
            raise ScheduleError(f"{where}: a break window must end inside the shortest shift")


def _kinds(requirement: Requirement, templates: Sequence[ShiftTemplate], sites: Mapping[str, Site],
           profiles: Sequence[_Profile]) -> list[_Kind]:
    step = requirement.interval_min
    horizon = len(requirement.days) * requirement.per_day
    open_by_site = {name: _open_slots(requirement, site) for name, site in sites.items()}
    kinds: list[_Kind] = []
    for template in templates:
        _check_template(template, step)
        options = tuple(tuple(range(b.earliest_min // step, b.latest_min // step + 1)) for b in template.breaks)
        unpaid = sum(b.minutes for b in template.breaks if not b.paid)
        for p, profile in enumerate(profiles):
            if template.site not in (None, profile.site):
                continue
            if profile.count is None and template.name not in profile.templates:
                continue
            if profile.count is not None and template.skills is not None and not template.skills <= profile.skills:
                continue
            is_open = open_by_site[profile.site]
            for d, day in enumerate(requirement.days):
                if WEEKDAYS[day.weekday()] not in template.days:
                    continue
                for start in range(template.earliest_start, template.latest_start + 1, template.step_min or step):
                    for length in template.lengths_min:
                        first, slots = d * requirement.per_day + start // step, length // step
                        if first + slots > horizon or not is_open[first:first + slots].all():
                            continue
                        kinds.append(_Kind(template, p, first, slots, d, options, length - unpaid))
    return kinds


# --- reading the solution -------------------------------------------------------------------------


def _shifts(requirement: Requirement, kinds: Sequence[_Kind], profiles: Sequence[_Profile],
            solver: cp_model.CpSolver, x: Sequence[cp_model.IntVar],
            breaks: Sequence[Sequence[Mapping[int, cp_model.IntVar]]]) -> list[Shift]:
    step = requirement.interval_min
    shifts: list[Shift] = []
    for kind, var, taken in zip(kinds, x, breaks, strict=True):
        count = solver.value(var)
        if not count:
            continue
        # each break's offsets, one per shift: any split of the counts is a valid set of shifts
        offsets = [[o for o, b in sorted(per.items()) for _ in range(solver.value(b))] for per in taken]
        start = requirement.slot_start(kind.first)
        for i in range(count):
            marks = tuple((start + timedelta(minutes=offs[i] * step),
                           start + timedelta(minutes=offs[i] * step + brk.minutes), brk.paid)
                          for offs, brk in zip(offsets, kind.template.breaks, strict=True))
            shifts.append(Shift(kind.template.name, profiles[kind.profile].site, start,
                                start + timedelta(minutes=kind.slots * step), marks,
                                profiles[kind.profile].skills, kind.paid_min))
    shifts.sort(key=lambda s: (s.start, s.site, s.template, sorted(s.skills), s.end))
    return shifts


def _name_agents(shifts: list[Shift], profiles: Sequence[_Profile]) -> tuple[list[Shift], int]:
    """Gives each shift of a named profile an agent who is free then, has not worked that day and has shifts
    left, preferring the one with the most shifts left; a shift nobody can take stays anonymous."""
    named: list[Shift] = []
    unassigned = 0
    busy: dict[str, list[Shift]] = defaultdict(list)
    left: dict[str, float] = {}
    for profile in profiles:
        for agent in profile.agents:
            left[agent.name] = agent.max_shifts if agent.max_shifts is not None else float("inf")
    pools = {(p.site, p.skills): p.agents for p in profiles if p.agents}
    for shift in shifts:
        pool = pools.get((shift.site, shift.skills), ())
        free = [a for a in pool if left[a.name] > 0 and all(
            s.end <= shift.start or shift.end <= s.start for s in busy[a.name]) and all(
            s.start.date() != shift.start.date() for s in busy[a.name])]
        if not pool:
            named.append(shift)
            continue
        if not free:
            unassigned += 1
            named.append(shift)
            continue
        agent = max(free, key=lambda a: (left[a.name], -len(busy[a.name])))
        left[agent.name] -= 1
        busy[agent.name].append(shift)
        named.append(Shift(shift.template, shift.site, shift.start, shift.end, shift.breaks, shift.skills,
                           shift.paid_minutes, agent.name))
    return named, unassigned
