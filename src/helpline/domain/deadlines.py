"""Complaint deadlines (issue 8): a rule counts working days, calendar days or weeks from the day a complaint
is received, on a `WorkingCalendar` (weekdays + a country's public holidays from `holidays` + its official
transferred working days), and ends at a time of day in the rule's time zone.

Pure (stdlib + `holidays` through `calendars`, `yaml` for rule files given as text). Conventions, for every rule:

* the receipt day is the local date of `received_at` in the rule's time zone; the day **after** it is day 1,
  whether or not the receipt day was worked (RU Civil Code art. 191, PRC Civil Code art. 201);
* `working_days`: the n-th working day after the receipt day (`WorkingCalendar.add_working_days`); a
  transferred working Saturday (Russia's, China's 调休) is a working day and counts;
* `calendar_days` / `weeks` (7 × n calendar days): the receipt day + n days; when that day is not a working
  day, `roll_forward` moves it to the next working day (RU art. 193, PRC art. 203) — otherwise it stays;
* the deadline ends at `ends_at` local time of the last day: "24:00" (the default, the whole last day — RU
  art. 194, PRC art. 203) is reported as 23:59:59; a rule may end at the close of business ("18:00");
* `extended`: `extension` "add" adds `extended_amount` to `amount` (RU: 15 + 10 working days when documents
  are requested), "replace" uses `extended_amount` instead (CN: 15 → 30 days for complex cases);
  `maximum_amount` is the furthest the deadline may ever be stretched (CN: 60 days), reported separately;
* `milestones`: named intermediate figures in the rule's unit, counted the same way (IE: acknowledge in 5
  business days, update every 20).

docs/deadlines.md gives the rules, their sources and the YAML format of configured rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from helpline.domain.calendars import WEEKDAYS, WorkingCalendar

WORKING_WEEK = WEEKDAYS[:5]
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_ENDS_AT = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$")
END_OF_DAY = "24:00"


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WEEKS = "weeks"


class Extension(StrEnum):
    ADD = "add"  # extended = amount + extended_amount
    REPLACE = "replace"  # extended = extended_amount


class DeadlineRuleError(ValueError):
    """A rule that cannot be used; the message names the rule and the field."""


@dataclass(frozen=True)
class DeadlineRule:
    """How a deadline is counted; see the module docstring for the conventions every rule shares."""

    name: str
    unit: Unit
    amount: int
    time_zone: str
    country: str | None = None  # ISO 3166-1 alpha-2: whose public holidays and transferred working days count
    subdivision: str | None = None
    extended_amount: int | None = None
    extension: Extension = Extension.ADD
    maximum_amount: int | None = None  # in `unit`; the longest the deadline may be stretched to
    roll_forward: bool = True  # calendar days / weeks: a last day off moves to the next working day
    ends_at: str = END_OF_DAY  # local "HH:MM" the last day ends at; "24:00" = the whole day
    milestones: tuple[tuple[str, int], ...] = ()  # (name, amount in `unit`), e.g. ("acknowledge", 5)
    weekdays: tuple[str, ...] = WORKING_WEEK  # the weekdays worked, less holidays
    days_off: frozenset[date] = frozenset()  # the insurer's own closed days (regional holidays)
    working_days: frozenset[date] = frozenset()  # and its own worked days
    description: str = ""
    source: str = ""
    _calendar: WorkingCalendar = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        where = f"rule {self.name!r}"
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise DeadlineRuleError(f"rule {self.name!r}: field 'name' must be 1–64 lower-case letters, digits, "
                                    "'-', '_' or '.', starting with a letter or digit")
        try:
            unit = Unit(self.unit)
        except ValueError:
            raise DeadlineRuleError(f"{where}: field 'unit' must be one of {', '.join(Unit)}, "
                                    f"got {self.unit!r}") from None
        try:
            extension = Extension(self.extension)
        except ValueError:
            raise DeadlineRuleError(f"{where}: field 'extension' must be one of {', '.join(Extension)}, "
                                    f"got {self.extension!r}") from None
        _positive(where, "amount", self.amount)
        if self.extended_amount is not None:
            _positive(where, "extended_amount", self.extended_amount)
            if extension == Extension.REPLACE and self.extended_amount <= self.amount:
                raise DeadlineRuleError(f"{where}: field 'extended_amount' ({self.extended_amount}) replaces "
                                        f"'amount' ({self.amount}) and must be larger")
        if self.maximum_amount is not None:
            _positive(where, "maximum_amount", self.maximum_amount)
            longest = self.amount if self.extended_amount is None else _extended(self.amount, self.extended_amount,
                                                                                 extension)
            if self.maximum_amount < longest:
                raise DeadlineRuleError(f"{where}: field 'maximum_amount' ({self.maximum_amount}) is shorter than "
                                        f"the {'extended ' if self.extended_amount else ''}deadline ({longest})")
        if not isinstance(self.roll_forward, bool):
            raise DeadlineRuleError(f"{where}: field 'roll_forward' must be true or false, got {self.roll_forward!r}")
        if not isinstance(self.ends_at, str) or not _ENDS_AT.match(self.ends_at):
            raise DeadlineRuleError(f"{where}: field 'ends_at' must be a time of day HH:MM (00:00–23:59, or 24:00 "
                                    f"for the whole day), got {self.ends_at!r}")
        names = [name for name, _ in self.milestones]
        for name, amount in self.milestones:
            if not isinstance(name, str) or not _NAME.match(name):
                raise DeadlineRuleError(f"{where}: field 'milestones': {name!r} is not a valid milestone name")
            _positive(where, f"milestones.{name}", amount)
        if duplicated := sorted({name for name in names if names.count(name) > 1}):
            raise DeadlineRuleError(f"{where}: field 'milestones': {', '.join(duplicated)} given twice")
        if not self.weekdays:
            raise DeadlineRuleError(f"{where}: field 'weekdays' must name at least one weekday")
        if unknown := [day for day in self.weekdays if day not in WEEKDAYS]:
            raise DeadlineRuleError(f"{where}: field 'weekdays': unknown {', '.join(map(repr, unknown))}; "
                                    f"expected {', '.join(WEEKDAYS)}")
        for name in ("country", "subdivision", "description", "source"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise DeadlineRuleError(f"{where}: field {name!r} must be text, got {value!r}")
        try:
            calendar = WorkingCalendar(self.time_zone, {day: [["00:00", "24:00"]] for day in self.weekdays},
                                       country=self.country, subdivision=self.subdivision,
                                       extra_holidays=frozenset(self.days_off),
                                       extra_working_days=frozenset(self.working_days))
        except (ValueError, TypeError) as error:
            text = str(error)
            field_name = ("time_zone" if "time zone" in text else "days_off" if "both" in text
                          else "subdivision" if "subdivision" in text else "country")
            raise DeadlineRuleError(f"{where}: field {field_name!r}: {text}") from None
        set_ = object.__setattr__
        set_(self, "unit", unit)
        set_(self, "extension", extension)
        set_(self, "weekdays", tuple(self.weekdays))
        set_(self, "days_off", frozenset(self.days_off))
        set_(self, "working_days", frozenset(self.working_days))
        set_(self, "milestones", tuple(self.milestones))
        set_(self, "_calendar", calendar)

    @property
    def calendar(self) -> WorkingCalendar:
        """The working-day calendar the rule counts on (weekdays less holidays, transferred days worked)."""
        return self._calendar

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def extensible(self) -> bool:
        return self.extended_amount is not None

    def total(self, extended: bool = False) -> int:
        """The amount counted, in `unit`: `amount`, or the extended figure."""
        if not extended:
            return self.amount
        if self.extended_amount is None:
            raise DeadlineRuleError(f"rule {self.name!r} has no extension")
        return _extended(self.amount, self.extended_amount, self.extension)

    def days(self, extended: bool = False) -> int:
        """`total()` in days of its kind: working days for `working_days`, calendar days otherwise."""
        return self.total(extended) * (7 if self.unit == Unit.WEEKS else 1)


@dataclass(frozen=True)
class Deadlines:
    """Everything one rule says about one complaint."""

    rule: DeadlineRule
    received_at: datetime  # in the rule's zone
    extended: bool
    due: datetime
    maximum_due: datetime | None
    milestones: dict[str, datetime]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form `helpline deadline --json` prints."""
        rule = self.rule
        days_key = "working_days" if rule.unit == Unit.WORKING_DAYS else "calendar_days"
        result: dict[str, Any] = {
            "due": self.due.isoformat(), "rule": rule.name, "from": self.received_at.isoformat(),
            "extended": self.extended, days_key: rule.days(self.extended), "unit": rule.unit.value,
            "time_zone": rule.time_zone, "country": rule.country}
        if rule.unit == Unit.WEEKS:
            result["weeks"] = rule.total(self.extended)
        if self.maximum_due is not None:
            result["maximum_due"] = self.maximum_due.isoformat()
        if self.milestones:
            result["milestones"] = {name: moment.isoformat() for name, moment in self.milestones.items()}
        return result


def due(rule: DeadlineRule, received_at: date | datetime, extended: bool = False,
        calendar: WorkingCalendar | None = None) -> datetime:
    """The instant the deadline ends, in the rule's time zone. `received_at` is an aware datetime or a date
    (the receipt day). `calendar` replaces the rule's own (a site's calendar with its days off), keeping the
    rule's time zone for the receipt day and the end of day."""
    return _count(rule, received_at, rule.total(extended), calendar)


def maximum_due(rule: DeadlineRule, received_at: date | datetime,
                calendar: WorkingCalendar | None = None) -> datetime | None:
    """The end of the longest deadline the rule allows (`maximum_amount`), or None when it sets none."""
    return None if rule.maximum_amount is None else _count(rule, received_at, rule.maximum_amount, calendar)


def deadlines(rule: DeadlineRule, received_at: date | datetime, extended: bool = False,
              calendar: WorkingCalendar | None = None) -> Deadlines:
    """The due date, the maximum and the milestones of one complaint."""
    return Deadlines(rule=rule, received_at=_received(rule, received_at), extended=extended,
                     due=due(rule, received_at, extended, calendar),
                     maximum_due=maximum_due(rule, received_at, calendar),
                     milestones={name: _count(rule, received_at, amount, calendar)
                                 for name, amount in rule.milestones})


def _count(rule: DeadlineRule, received_at: date | datetime, amount: int,
           calendar: WorkingCalendar | None) -> datetime:
    working = calendar or rule.calendar
    day = _received(rule, received_at).date()
    if rule.unit == Unit.WORKING_DAYS:
        last = working.add_working_days(day, amount)
    else:
        last = day + timedelta(days=amount * (7 if rule.unit == Unit.WEEKS else 1))
        if rule.roll_forward and not working.is_working_day(last):
            last = working.add_working_days(last, 1)
    return _end_of(rule, last)


def _received(rule: DeadlineRule, received_at: date | datetime) -> datetime:
    if isinstance(received_at, datetime):
        if received_at.tzinfo is None or received_at.utcoffset() is None:
            raise ValueError(f"{received_at!r} is naive: give the time zone of the receipt instant")
        return received_at.astimezone(rule.zone)
    return datetime.combine(received_at, time(), tzinfo=rule.zone)


def _end_of(rule: DeadlineRule, day: date) -> datetime:
    if rule.ends_at == END_OF_DAY:
        clock = time(23, 59, 59)
    else:
        hours, minutes = rule.ends_at.split(":")
        clock = time(int(hours), int(minutes))
    wall = datetime.combine(day, clock, tzinfo=rule.zone)
    return wall.astimezone(rule.zone)  # a wall time in a DST gap comes out as the instant after the change


def _extended(amount: int, extended_amount: int, extension: Extension) -> int:
    return amount + extended_amount if extension == Extension.ADD else extended_amount


def _positive(where: str, name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DeadlineRuleError(f"{where}: field {name!r} must be a positive whole number, got {value!r}")


# --- the built-in rules (BRIEF §5) ----------------------------------------------------------------------------

BUILT_IN_RULES: dict[str, DeadlineRule] = {rule.name: rule for rule in (
    DeadlineRule(
        name="ru-complaint", unit=Unit.WORKING_DAYS, amount=15, extended_amount=10, extension=Extension.ADD,
        country="RU", time_zone="Europe/Moscow",
        description="Russia: answer a complaint within 15 working days; +10 working days when documents are "
                    "requested",
        source="BRIEF §5 (RU: 15 working days, +10 if documents requested)"),
    DeadlineRule(
        name="cn-complaint", unit=Unit.CALENDAR_DAYS, amount=15, extended_amount=30, extension=Extension.REPLACE,
        maximum_amount=60, roll_forward=True, country="CN", time_zone="Asia/Shanghai",
        description="China: handle a complaint within 15 days; 30 for complex cases; 60 at most; a last day "
                    "off moves to the next working day",
        source="BRIEF §5 (CN: 15 days, 30 complex, 60 max)"),
    DeadlineRule(
        name="ie-complaint", unit=Unit.WORKING_DAYS, amount=40, milestones=(("acknowledge", 5), ("update", 20)),
        country="IE", time_zone="Europe/Dublin",
        description="Ireland: acknowledge within 5 business days, update within 20, resolve within 40",
        source="BRIEF §5 (IE 5/20/40 business days)"),
    DeadlineRule(
        name="uk-complaint", unit=Unit.WEEKS, amount=8, roll_forward=False, country="GB", time_zone="Europe/London",
        description="United Kingdom: final response within 8 weeks (56 calendar days), not moved off weekends "
                    "or bank holidays",
        source="BRIEF §5 (UK 8 weeks)"),
    DeadlineRule(
        name="picc-callback", unit=Unit.WORKING_DAYS, amount=7, country="CN", time_zone="Asia/Shanghai",
        description="PICC Qinghai practice: call the complainant back within 7 working days",
        source="BRIEF §1 and §5 (PICC Qinghai 95518: complaint call-back within 7 working days)"),
)}


# --- configured rules --------------------------------------------------------------------------------------------

FIELDS = ("name", "unit", "amount", "time_zone", "country", "subdivision", "extended_amount", "extension",
          "maximum_amount", "roll_forward", "ends_at", "milestones", "weekdays", "days_off", "working_days",
          "description", "source")
REQUIRED = ("name", "unit", "amount", "time_zone")


def rule_from_mapping(data: object, where: str = "rule") -> DeadlineRule:
    """One rule from its configured form (the YAML mapping of docs/deadlines.md); errors name the field."""
    if not isinstance(data, Mapping):
        raise DeadlineRuleError(f"{where}: expected a mapping of fields, got {type(data).__name__}")
    name = data.get("name")
    if name is not None:
        where = f"{where} ({name!r})"
    if unknown := [str(key) for key in data if key not in FIELDS]:
        raise DeadlineRuleError(f"{where}: unknown field {', '.join(map(repr, unknown))}; "
                                f"expected {', '.join(FIELDS)}")
    if missing := [key for key in REQUIRED if data.get(key) is None]:
        raise DeadlineRuleError(f"{where}: missing field {', '.join(map(repr, missing))}")
    values: dict[str, Any] = {key: data[key] for key in FIELDS if key in data and data[key] is not None}
    for key in ("country", "subdivision"):
        if isinstance(values.get(key), str):
            values[key] = values[key].upper()
    if "milestones" in values:
        values["milestones"] = _milestones(where, values["milestones"])
    if "weekdays" in values:
        weekdays = values["weekdays"]
        if isinstance(weekdays, str) or not isinstance(weekdays, list):
            raise DeadlineRuleError(f"{where}: field 'weekdays' must be a list such as [mon, tue, wed, thu, fri]")
        values["weekdays"] = tuple(str(day).lower() for day in weekdays)
    for key in ("days_off", "working_days"):
        if key in values:
            values[key] = frozenset(_dates(where, key, values[key]))
    if isinstance(values.get("ends_at"), int):  # YAML 1.1 reads an unquoted 18:00 as 1080 (base 60)
        minutes = values["ends_at"]
        values["ends_at"] = f"{minutes // 60:02d}:{minutes % 60:02d}"
    try:
        return DeadlineRule(**values)
    except DeadlineRuleError as error:
        raise DeadlineRuleError(str(error).replace(f"rule {values['name']!r}", where, 1)) from None
    except TypeError as error:
        raise DeadlineRuleError(f"{where}: {error}") from None


def rules_from_config(document: object, source: str = "rules") -> dict[str, DeadlineRule]:
    """Rules from a parsed rules file: `{"rules": [mapping, ...]}` or a bare list of mappings. A name given
    twice is an error; a built-in's name replaces the built-in (see `all_rules`)."""
    if isinstance(document, Mapping):
        if unknown := [str(key) for key in document if key != "rules"]:
            raise DeadlineRuleError(f"{source}: unknown top-level key {', '.join(map(repr, unknown))}; "
                                    "expected 'rules'")
        document = document.get("rules")
    if document is None:
        return {}
    if isinstance(document, str) or not isinstance(document, list):
        raise DeadlineRuleError(f"{source}: 'rules' must be a list of rules")
    rules: dict[str, DeadlineRule] = {}
    for index, item in enumerate(document):
        rule = rule_from_mapping(item, f"{source}: rules[{index}]")
        if rule.name in rules:
            raise DeadlineRuleError(f"{source}: rules[{index}]: field 'name': {rule.name!r} is given twice")
        rules[rule.name] = rule
    return rules


def rules_from_yaml(text: str, source: str = "rules") -> dict[str, DeadlineRule]:
    """`rules_from_config` of a YAML document (the text of a rules file)."""
    try:
        document: object = yaml.load(text, Loader=_LOADER)  # a SafeLoader (below)
    except yaml.YAMLError as error:
        raise DeadlineRuleError(f"{source}: not valid YAML: {error}") from None
    return rules_from_config(document, source)


# A safe loader that leaves dates as text, so that a bad one (2026-02-30) is reported with its field.
_LOADER: Any = type("_RulesLoader", (yaml.SafeLoader,), {})
_LOADER.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def all_rules(configured: Mapping[str, DeadlineRule] | None = None) -> dict[str, DeadlineRule]:
    """The built-in rules, then the configured ones (a configured rule replaces a built-in of the same name)."""
    return {**BUILT_IN_RULES, **(configured or {})}


def _milestones(where: str, value: object) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, Mapping):
        raise DeadlineRuleError(f"{where}: field 'milestones' must be a mapping of name: amount, "
                                "such as {acknowledge: 5, update: 20}")
    return tuple((str(name), amount) for name, amount in value.items())


def _dates(where: str, key: str, value: object) -> Iterable[date]:
    if isinstance(value, str) or not isinstance(value, list):
        raise DeadlineRuleError(f"{where}: field {key!r} must be a list of dates YYYY-MM-DD")
    days = []
    for item in value:
        if isinstance(item, datetime):
            item = item.date()
        if isinstance(item, date):
            days.append(item)
            continue
        try:
            days.append(date.fromisoformat(str(item)))
        except ValueError:
            raise DeadlineRuleError(f"{where}: field {key!r}: {item!r} is not a date YYYY-MM-DD") from None
    return days
