"""The scenario of a simulation: plain dataclasses, read from YAML (pyyaml) and checked by hand.

No framework here (tests/test_domain.py): a bad field raises `ScenarioError` naming its path, e.g.
`queues[1].handle_time.sd: must be a number >= 0`. docs/wfm/simulate.md describes every field.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from helpline.domain.vocabulary import Channel

DAY_S = 86_400.0
AGENT_CHOICES = ("best_proficiency", "longest_idle", "least_occupied", "round_robin")


class ScenarioError(ValueError):
    """A scenario that cannot be simulated; the message starts with the field's path."""


@dataclass(frozen=True)
class Distribution:
    """A random duration in seconds: lognormal (mean, sd), exponential (mean), fixed (mean) or empirical."""

    kind: str
    mean: float = 0.0
    sd: float = 0.0
    values: tuple[float, ...] = ()


@dataclass(frozen=True)
class Step:
    after_s: float
    min_proficiency: Mapping[str, int] | None = None
    any_site: bool = False
    move_to_queue: str | None = None


@dataclass(frozen=True)
class QueueSpec:
    code: str
    channel: str
    rates: tuple[float, ...]  # expected arrivals per interval, over the whole horizon
    handle_time: Distribution
    wrap_up: Distribution | None = None
    patience: Distribution | None = None  # None: nobody abandons
    skills: Mapping[str, int] = field(default_factory=dict)
    sl_target: float = 0.8
    sl_threshold_s: float = 20.0
    priority: int = 0
    site: str | None = None
    expansion: tuple[Step, ...] = ()
    agent_choice: str = "best_proficiency"


@dataclass(frozen=True)
class Shift:
    """Daily clock times (seconds after local midnight) on the given weekdays (0 = Monday); with weekdays
    None, one span in seconds from the horizon start."""

    start_s: float
    end_s: float
    weekdays: frozenset[int] | None = None


@dataclass(frozen=True)
class AgentSpec:
    id: str
    skills: Mapping[str, int]
    shifts: tuple[Shift, ...]
    capacity: Mapping[str, int] = field(default_factory=dict)
    site: str | None = None
    uncertified: frozenset[str] = frozenset()  # skills held but not (yet) certified: never routed on


@dataclass(frozen=True)
class Scenario:
    start: datetime  # aware
    days: float
    interval_s: float
    queues: tuple[QueueSpec, ...]
    agents: tuple[AgentSpec, ...]
    replications: int = 10
    seed: int = 1
    ring_delay_s: float = 0.0
    warmup_s: float = 0.0  # figures count interactions entering the queue after start + warmup
    short_abandon_s: float = 5.0
    time_zone: str = "Europe/Moscow"

    @property
    def horizon_s(self) -> float:
        return self.days * DAY_S

    def queue(self, code: str) -> QueueSpec:
        for q in self.queues:
            if q.code == code:
                return q
        raise ScenarioError(f"unknown queue {code}")

    def with_agents(self, agents: Sequence[AgentSpec]) -> Scenario:
        return replace(self, agents=tuple(agents))


# -- reading ---------------------------------------------------------------------------------------------
def load_scenario(path: Path) -> Scenario:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from None
    return parse_scenario(raw, base=path.parent)


def parse_scenario(raw: Any, base: Path = Path()) -> Scenario:
    r = _Reader(_mapping(raw, "scenario"), "")
    horizon = _Reader(r.mapping("horizon"), "horizon")
    zone = horizon.text("time_zone", "Europe/Moscow")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError(f"horizon.time_zone: unknown time zone {zone!r}") from None
    start = horizon.moment("start", tz)
    days = horizon.number("days", minimum=0.0, exclusive=True)
    interval_s = horizon.number("interval_minutes", 30.0, minimum=0.0, exclusive=True) * 60.0
    n_intervals = math.ceil(days * DAY_S / interval_s - 1e-9)
    queues_raw = r.sequence("queues")
    if not queues_raw:
        raise ScenarioError("queues: at least one queue is needed")
    queues = tuple(_queue(_Reader(_mapping(q, f"queues[{i}]"), f"queues[{i}]"), start, interval_s, n_intervals,
                          base) for i, q in enumerate(queues_raw))
    codes = [q.code for q in queues]
    for i, q in enumerate(queues):
        if codes.count(q.code) > 1:
            raise ScenarioError(f"queues[{i}].code: {q.code!r} is used twice")
        for k, step in enumerate(q.expansion):
            if step.move_to_queue is not None and step.move_to_queue not in codes:
                raise ScenarioError(f"queues[{i}].expansion[{k}].move_to_queue: unknown queue {step.move_to_queue!r}")
    agents: list[AgentSpec] = []
    for i, a in enumerate(r.sequence("agents")):
        agents += _agents(_Reader(_mapping(a, f"agents[{i}]"), f"agents[{i}]"), i, days)
    ids = [a.id for a in agents]
    if len(set(ids)) != len(ids):
        raise ScenarioError(f"agents: agent id {next(x for x in ids if ids.count(x) > 1)!r} is used twice")
    scenario = Scenario(start=start, days=days, interval_s=interval_s, queues=queues, agents=tuple(agents),
                        replications=int(r.number("replications", 10, minimum=1, integer=True)),
                        seed=int(r.number("seed", 1, minimum=0, integer=True)),
                        ring_delay_s=r.number("ring_delay_s", 0.0, minimum=0.0),
                        warmup_s=r.number("warmup_hours", 0.0, minimum=0.0) * 3600.0,
                        short_abandon_s=r.number("short_abandon_s", 5.0, minimum=0.0), time_zone=zone)
    horizon.done()
    r.done()
    if scenario.warmup_s >= scenario.horizon_s:
        raise ScenarioError("warmup_hours: must be shorter than the horizon")
    return scenario


def _queue(r: _Reader, start: datetime, interval_s: float, n: int, base: Path) -> QueueSpec:
    code = r.text("code")
    channel = r.text("channel", "voice")
    if channel not in {c.value for c in Channel}:
        known = ", ".join(c.value for c in Channel)
        raise ScenarioError(f"{r.path}.channel: unknown channel {channel!r}; known: {known}")
    sl = _Reader(r.mapping("service_level", {}), f"{r.path}.service_level")
    target = sl.number("target", 0.8, minimum=0.0, maximum=1.0)
    threshold = sl.number("within_s", 20.0, minimum=0.0, exclusive=True)
    sl.done()
    steps = []
    for k, raw in enumerate(r.sequence("expansion", [])):
        s = _Reader(_mapping(raw, f"{r.path}.expansion[{k}]"), f"{r.path}.expansion[{k}]")
        step = Step(s.number("after_s", minimum=0.0, exclusive=True), _levels(s, "min_proficiency", optional=True),
                    s.flag("any_site", False), s.text("move_to_queue", None))
        if (step.move_to_queue is None) == (step.min_proficiency is None and not step.any_site):
            raise ScenarioError(f"{s.path}: a step either moves the interaction (move_to_queue) or relaxes the "
                                "rule (min_proficiency / any_site), one of them")
        s.done()
        steps.append(step)
    if [s.after_s for s in steps] != sorted({s.after_s for s in steps}):
        raise ScenarioError(f"{r.path}.expansion: steps must come in strictly increasing after_s")
    choice = r.text("agent_choice", "best_proficiency")
    if choice not in AGENT_CHOICES:
        raise ScenarioError(f"{r.path}.agent_choice: unknown {choice!r}; known: {', '.join(AGENT_CHOICES)}")
    skills = _levels(r, "skills", optional=True) or {}
    for step in steps:
        unknown = set(step.min_proficiency or ()) - set(skills)
        if unknown:
            raise ScenarioError(f"{r.path}.expansion: relaxes skills the queue does not require: {sorted(unknown)}")
    rates = _arrivals(_Reader(r.mapping("arrivals"), f"{r.path}.arrivals"), code, start, interval_s, n, base)
    handle = _distribution(r.mapping("handle_time"), f"{r.path}.handle_time", ("lognormal", "exponential", "fixed",
                                                                                "empirical"))
    wrap_raw = r.get("wrap_up_s")
    wrap = None if wrap_raw is None else (
        Distribution("fixed", _number(wrap_raw, f"{r.path}.wrap_up_s", 0.0)) if not isinstance(wrap_raw, dict)
        else _distribution(wrap_raw, f"{r.path}.wrap_up_s", ("lognormal", "exponential", "fixed", "empirical")))
    patience_raw = r.get("patience")
    patience = None if patience_raw is None else _distribution(
        _mapping(patience_raw, f"{r.path}.patience"), f"{r.path}.patience", ("exponential", "empirical", "fixed"))
    spec = QueueSpec(code=code, channel=channel, rates=rates, handle_time=handle, wrap_up=wrap, patience=patience,
                     skills=skills, sl_target=target, sl_threshold_s=threshold,
                     priority=int(r.number("priority", 0, integer=True)), site=r.text("site", None),
                     expansion=tuple(steps), agent_choice=choice)
    r.done()
    return spec


def _arrivals(r: _Reader, code: str, start: datetime, interval_s: float, n: int, base: Path) -> tuple[float, ...]:
    given = [k for k in ("per_hour", "profile", "forecast") if r.get(k) is not None]
    if len(given) != 1:
        raise ScenarioError(f"{r.path}: give exactly one of per_hour, profile, forecast")
    kind = given[0]
    if kind == "per_hour":
        rate = r.number("per_hour", minimum=0.0) * interval_s / 3600.0
        rates = [rate] * n
    elif kind == "profile":
        values = r.sequence("profile")
        profile = [_number(v, f"{r.path}.profile[{i}]", 0.0) for i, v in enumerate(values)]
        per_day = DAY_S / interval_s
        if len(profile) not in (round(per_day), round(7 * per_day)) or not per_day.is_integer():
            raise ScenarioError(f"{r.path}.profile: needs one value per interval of a day ({per_day:g}) or of a "
                                f"week ({7 * per_day:g}, Monday first), got {len(profile)}")
        scale = r.number("scale", 1.0, minimum=0.0)
        weekly = len(profile) > per_day
        local = start.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = (start - local).total_seconds() / interval_s
        if weekly:
            offset += start.weekday() * per_day
        rates = [scale * profile[int(offset + i) % len(profile)] for i in range(n)]
    else:
        rates = _forecast(base / r.text("forecast"), f"{r.path}.forecast", code, start, interval_s, n)
    r.done()
    return tuple(rates)


def _forecast(path: Path, where: str, code: str, start: datetime, interval_s: float, n: int) -> list[float]:
    """A CSV as `helpline forecast --output` writes it: interval_start, queue, forecast."""
    rates = [0.0] * n
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ScenarioError(f"{where}: cannot read {path}: {error.strerror or error}") from None
    for line, row in enumerate(rows, start=2):
        if row.get("queue") != code:
            continue
        try:
            moment = datetime.fromisoformat(row["interval_start"])
            value = float(row["forecast"])
        except (KeyError, TypeError, ValueError):
            raise ScenarioError(f"{where}: {path.name} line {line}: needs interval_start (ISO 8601) and forecast "
                                "(a number)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=start.tzinfo)
        k = (moment - start).total_seconds() / interval_s
        if 0 <= k < n:
            rates[int(k)] += max(value, 0.0)
    return rates


def _distribution(raw: dict[str, Any], where: str, kinds: tuple[str, ...]) -> Distribution:
    r = _Reader(raw, where)
    kind = r.text("distribution", kinds[0] if "values" not in raw else "empirical")
    if kind not in kinds:
        raise ScenarioError(f"{where}.distribution: unknown {kind!r}; known: {', '.join(kinds)}")
    if kind == "empirical":
        values = tuple(_number(v, f"{where}.values[{i}]", 0.0) for i, v in enumerate(r.sequence("values")))
        if not values:
            raise ScenarioError(f"{where}.values: at least one value is needed")
        d = Distribution(kind, sum(values) / len(values), 0.0, values)
    elif kind == "lognormal":
        d = Distribution(kind, r.number("mean_s", minimum=0.0, exclusive=True), r.number("sd_s", minimum=0.0))
    else:
        d = Distribution(kind, r.number("mean_s", minimum=0.0, exclusive=kind == "exponential"))
    r.done()
    return d


def _agents(r: _Reader, index: int, days: float) -> list[AgentSpec]:
    skills = _levels(r, "skills", optional=True) or {}
    capacity = {}
    for ch, value in r.mapping("capacity", {}).items():
        if ch not in {c.value for c in Channel}:
            raise ScenarioError(f"{r.path}.capacity: unknown channel {ch!r}")
        capacity[str(ch)] = int(_number(value, f"{r.path}.capacity.{ch}", 0.0, integer=True))
    uncertified = frozenset(str(s) for s in r.sequence("uncertified", []))
    if not uncertified <= set(skills):
        raise ScenarioError(f"{r.path}.uncertified: names skills the agent does not hold: "
                            f"{sorted(uncertified - set(skills))}")
    shifts = _shifts(r, days)
    names = r.get("names")
    if names is not None:
        ids = [str(x) for x in (names if isinstance(names, list) else [names])]
        if r.get("count") is not None and int(r.number("count", integer=True)) != len(ids):
            raise ScenarioError(f"{r.path}.count: differs from the number of names")
    else:
        count = int(r.number("count", 1, minimum=0, integer=True))
        prefix = r.text("name", f"group{index}")
        ids = [f"{prefix}-{k + 1}" for k in range(count)]
    site = r.text("site", None)
    r.done()
    return [AgentSpec(i, skills, shifts, capacity, site, uncertified) for i in ids]


def _shifts(r: _Reader, days: float) -> tuple[Shift, ...]:
    """`shifts: [{start: "08:00", end: "20:00", days: [mon, ...]}]` repeated daily (by default every day);
    no shifts: on duty for the whole horizon."""
    raw = r.sequence("shifts", [])
    if not raw:
        return (Shift(0.0, days * DAY_S),)
    out: list[Shift] = []
    weekdays = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for k, item in enumerate(raw):
        s = _Reader(_mapping(item, f"{r.path}.shifts[{k}]"), f"{r.path}.shifts[{k}]")
        begin, end = s.clock("start"), s.clock("end")
        if end <= begin:
            end += DAY_S  # a night shift ends the next day
        on = [str(d).lower()[:3] for d in s.sequence("days", list(weekdays))]
        bad = [d for d in on if d not in weekdays]
        if bad:
            raise ScenarioError(f"{s.path}.days: unknown day {bad[0]!r}; use mon..sun")
        s.done()
        out.append(Shift(begin, end, frozenset(weekdays.index(d) for d in on)))
    return tuple(out)


def shift_spans(agent: AgentSpec, scenario: Scenario) -> list[tuple[float, float]]:
    """The agent's on-duty spans in seconds from the horizon start, merged and clipped to the horizon."""
    horizon = scenario.horizon_s
    local = scenario.start
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    lead = (local - midnight).total_seconds()
    spans: list[tuple[float, float]] = []
    for shift in agent.shifts:
        if shift.weekdays is None:
            spans.append((max(shift.start_s, 0.0), min(shift.end_s, horizon)))
            continue
        for day in range(-1, math.ceil(scenario.days) + 1):
            weekday = (midnight + timedelta(days=day)).weekday()
            if weekday not in shift.weekdays:
                continue
            begin = day * DAY_S + shift.start_s - lead
            end = day * DAY_S + shift.end_s - lead
            if end > 0 and begin < horizon:
                spans.append((max(begin, 0.0), min(end, horizon)))
    spans.sort()
    merged: list[tuple[float, float]] = []
    for begin, end in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > begin:
            merged.append((begin, end))
    return merged


# -- small readers that name the field in every error -----------------------------------------------------
def _mapping(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where or 'scenario'}: must be a mapping (key: value)")
    return raw


def _number(raw: Any, where: str, minimum: float | None = None, *, exclusive: bool = False,
            maximum: float | None = None, integer: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ScenarioError(f"{where}: must be {'an integer' if integer else 'a number'}")
    if integer and raw != int(raw):
        raise ScenarioError(f"{where}: must be an integer")
    if minimum is not None and (raw < minimum or (exclusive and raw == minimum)):
        raise ScenarioError(f"{where}: must be {'>' if exclusive else '>='} {minimum:g}")
    if maximum is not None and raw > maximum:
        raise ScenarioError(f"{where}: must be <= {maximum:g}")
    return float(raw)


_MISSING = object()


class _Reader:
    def __init__(self, raw: dict[str, Any], path: str) -> None:
        self.raw, self.path, self.seen = raw, path, set[str]()

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str) -> Any:
        self.seen.add(key)
        return self.raw.get(key)

    def _value(self, key: str, default: Any) -> Any:
        value = self.get(key)
        if value is None:
            if default is _MISSING:
                raise ScenarioError(f"{self._where(key)}: is required")
            return default
        return value

    def number(self, key: str, default: Any = _MISSING, *, minimum: float | None = None, exclusive: bool = False,
               maximum: float | None = None, integer: bool = False) -> float:
        value = self._value(key, default)
        return _number(value, self._where(key), minimum, exclusive=exclusive, maximum=maximum, integer=integer)

    def text(self, key: str, default: Any = _MISSING) -> Any:
        value = self._value(key, default)
        if value is not None and not isinstance(value, str | int):
            raise ScenarioError(f"{self._where(key)}: must be text")
        return None if value is None else str(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self._value(key, default)
        if not isinstance(value, bool):
            raise ScenarioError(f"{self._where(key)}: must be true or false")
        return value

    def mapping(self, key: str, default: Any = _MISSING) -> dict[str, Any]:
        return _mapping(self._value(key, default), self._where(key))

    def sequence(self, key: str, default: Any = _MISSING) -> list[Any]:
        value = self._value(key, default)
        if not isinstance(value, list):
            raise ScenarioError(f"{self._where(key)}: must be a list")
        return value

    def moment(self, key: str, tz: ZoneInfo) -> datetime:
        value = self._value(key, _MISSING)
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            raise ScenarioError(f"{self._where(key)}: must be a date or date-time (ISO 8601)") from None
        if not isinstance(moment, datetime):  # a bare YAML date
            moment = datetime.combine(moment, time())
        return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(UTC).astimezone(tz)

    def clock(self, key: str) -> float:
        value = self._value(key, _MISSING)
        if isinstance(value, int) and not isinstance(value, bool):  # YAML reads 08:00 as a sexagesimal 480
            return float(value) * 60.0
        try:
            t = time.fromisoformat(str(value))
        except ValueError:
            raise ScenarioError(f"{self._where(key)}: must be a time of day HH:MM") from None
        return t.hour * 3600.0 + t.minute * 60.0 + t.second

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.seen)
        if unknown:
            raise ScenarioError(f"{self._where(unknown[0])}: unknown field")


def _levels(r: _Reader, key: str, optional: bool = False) -> dict[str, int] | None:
    """A mapping skill -> proficiency 0..10 (or a list of skill names: proficiency 1)."""
    raw = r.get(key)
    if raw is None:
        if optional:
            return None
        raise ScenarioError(f"{r._where(key)}: is required")
    if isinstance(raw, list):
        raw = dict.fromkeys((str(x) for x in raw), 1)
    levels = _mapping(raw, r._where(key))
    return {str(k): int(_number(v, f"{r._where(key)}.{k}", 0.0, maximum=10.0, integer=True))
            for k, v in levels.items()}


# -- changes ("what if") -----------------------------------------------------------------------------------
def able(agent: AgentSpec, queue: QueueSpec) -> bool:
    """Whether the agent may serve the queue's first tier: skills at the minimum, certified, right site."""
    return (all(agent.skills.get(s, 0) >= m and s not in agent.uncertified for s, m in queue.skills.items())
            and (queue.site is None or agent.site == queue.site))


def add_agents(scenario: Scenario, queue_code: str, count: int) -> Scenario:
    """`count` more agents able to serve the queue (copies of the first such agent: skills, capacity, site and
    shifts; else made from the queue's own requirements, on duty all the horizon); a negative count removes
    the last agents able to serve it."""
    queue = scenario.queue(queue_code)
    agents = list(scenario.agents)
    mine = [a for a in agents if able(a, queue)]
    if count < 0:
        if -count > len(mine):
            raise ScenarioError(f"--add-agents {queue_code}={count}: only {len(mine)} agents serve that queue")
        gone = {a.id for a in mine[len(mine) + count:]}
        return scenario.with_agents([a for a in agents if a.id not in gone])
    template = mine[0] if mine else AgentSpec("", {s: max(m, 1) for s, m in queue.skills.items()},
                                              (Shift(0.0, scenario.horizon_s),), {}, queue.site)
    taken = {a.id for a in agents}
    made = 0
    k = 0
    while made < count:
        k += 1
        name = f"+{queue_code}-{k}"
        if name not in taken:
            agents.append(replace(template, id=name))
            made += 1
    return scenario.with_agents(agents)
