"""Working calendars: weekly opening hours + a country's public holidays, in one IANA time zone.

Pure (stdlib + `holidays`). The figures contact-centre SLAs and complaint deadlines are counted in:
business seconds between two instants, the n-th working day after a date, the instant a business-time
budget runs out.

Which day is worked, and on which hours, by precedence (first match wins):

1. `weekly_hours` empty: open 24/7, every day, country holidays ignored (explicit `extra_holidays` still close);
2. `extra_holidays`: closed;
3. `extra_working_days`: worked on the *default day*'s hours (Monday's; if Monday is closed, the first open
   weekday's), since the weekday a transferred working day stands in for is not known;
4. with `country_working_days`, the weekend days the country's official calendar declares working (Russia's
   transferred Saturdays, as published in `holidays`): worked as in 3;
5. the country's public holidays (`holidays.country_holidays(country, subdiv=subdivision)`): closed;
6. otherwise the weekday's spans in `weekly_hours`; a missing weekday is closed.

Spans are local wall-clock times ("HH:MM", "24:00" allowed as an end). They are turned into instants in the
calendar's zone, so durations are real elapsed time across DST changes: a wall time that does not exist (the
spring-forward gap) stands for the transition instant, an ambiguous one (the fall-back fold) for its first
occurrence. A 00:00–24:00 span thus lasts 23 h or 25 h on change days.

A site's calendar (`site_calendar`) is its business hours + its country's public holidays + the dates an
administrator added: a `day_off` (a regional holiday, the insurer's own closed day) is an extra holiday, a
`working_day` (a transferred working Saturday) an extra working day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_OFF, WORKING_DAY = "day_off", "working_day"
CALENDAR_DAY_KINDS = (DAY_OFF, WORKING_DAY)  # the kinds of date a site's calendar adds to its country's
OFFICE_HOURS = {day: [["09:00", "18:00"]] for day in WEEKDAYS[:5]}  # a new site's business hours
DAY_S = 86_400
_CLOCK = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")
_MAX_IDLE_DAYS = 3_660  # give up looking for working time after ten years without any

Span = tuple[int, int]  # seconds since local midnight, start < end


def parse_weekly_hours(weekly_hours: Mapping[str, Sequence[Sequence[str]]]) -> tuple[tuple[Span, ...], ...]:
    """`{"mon": [["09:00", "18:00"]], ...}` → seven tuples (Monday first) of sorted (start_s, end_s) spans.

    Raises ValueError on an unknown weekday, a malformed time, a span that does not end after it starts,
    or overlapping spans (spans that only touch are fine)."""
    week: list[tuple[Span, ...]] = [() for _ in WEEKDAYS]
    for day, spans in weekly_hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r} in working hours; expected one of {', '.join(WEEKDAYS)}")
        if isinstance(spans, str):
            raise ValueError(f"{day}: expected a list of [start, end] pairs, got {spans!r}")
        parsed: list[Span] = []
        for span in spans:
            if isinstance(span, str) or len(span) != 2:
                raise ValueError(f"{day}: each span must be a [start, end] pair of HH:MM times, got {span!r}")
            start, end = (_clock_seconds(day, text) for text in span)
            if start >= end:
                raise ValueError(f"{day}: span {span[0]}–{span[1]} must end after it starts")
            parsed.append((start, end))
        parsed.sort()
        for earlier, later in pairwise(parsed):
            if later[0] < earlier[1]:
                raise ValueError(f"{day}: spans {_clock(earlier)} and {_clock(later)} overlap")
        week[WEEKDAYS.index(day)] = tuple(parsed)
    return tuple(week)


def _clock_seconds(day: str, text: object) -> int:
    match = _CLOCK.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{day}: {text!r} is not a time of day in HH:MM (00:00–23:59, or 24:00)")
    hours, minutes = (int(group) for group in match.groups() if group is not None)
    return hours * 3_600 + minutes * 60


def _clock(span: Span) -> str:
    return "–".join(f"{s // 3_600:02d}:{s % 3_600 // 60:02d}" for s in span)


@dataclass(frozen=True)
class WorkingCalendar:
    """Opening hours in `time_zone` + the public holidays of `country` (ISO 3166-1 alpha-2) and `subdivision`.

    `weekly_hours` has the format Helpline stores on queues: `{"mon": [["09:00", "18:00"]], ...}`; a missing
    weekday is closed; an empty mapping means open 24/7 (see the module docstring for the precedence rules)."""

    time_zone: str
    weekly_hours: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict, hash=False)
    country: str | None = None
    subdivision: str | None = None
    extra_holidays: AbstractSet[date] = frozenset()
    extra_working_days: AbstractSet[date] = frozenset()
    country_working_days: bool = True
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _week: tuple[tuple[Span, ...], ...] = field(init=False, repr=False, compare=False, hash=False)
    _default_day: tuple[Span, ...] = field(init=False, repr=False, compare=False, hash=False)
    _country: holidays.HolidayBase | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        week = parse_weekly_hours(self.weekly_hours)
        extra_holidays = frozenset(self.extra_holidays)
        extra_working = frozenset(self.extra_working_days)
        if both := sorted(extra_holidays & extra_working):
            raise ValueError(f"dates both extra holidays and extra working days: {', '.join(map(str, both))}")
        if self.subdivision is not None and self.country is None:
            raise ValueError("a subdivision needs a country")
        country: holidays.HolidayBase | None = None
        if self.country is not None:
            try:
                country = holidays.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError as exc:
                raise ValueError(f"no holiday calendar for country {self.country!r}"
                                 f"{f' subdivision {self.subdivision!r}' if self.subdivision else ''}") from exc
        set_ = object.__setattr__
        set_(self, "extra_holidays", extra_holidays)
        set_(self, "extra_working_days", extra_working)
        set_(self, "_zone", zone)
        set_(self, "_week", week)
        set_(self, "_default_day", next((spans for spans in week if spans), ()))
        set_(self, "_country", country)

    @property
    def zone(self) -> tzinfo:
        return self._zone

    @property
    def always_open(self) -> bool:
        return not self.weekly_hours

    # --- days --------------------------------------------------------------------------------------

    def working_spans(self, day: date) -> tuple[Span, ...]:
        """The day's working spans in local seconds since midnight (see the precedence in the module docstring)."""
        if day in self.extra_holidays:
            return ()
        if self.always_open:
            return ((0, DAY_S),)
        if day in self.extra_working_days:
            return self._default_day
        if self._country is not None:
            is_holiday = day in self._country  # also populates the year, weekend_workdays included
            if self.country_working_days and day in self._country.weekend_workdays:
                return self._default_day
            if is_holiday:
                return ()
        return self._week[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        """Whether the day has any working hours."""
        return bool(self.working_spans(day))

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working spans as UTC instants, in order, without empty ones (DST-correct)."""
        intervals = []
        for start, end in self.working_spans(day):
            begins, ends = self._instant(day, start), self._instant(day, end)
            if ends > begins:
                intervals.append((begins, ends))
        return intervals

    def local_date(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self._zone).date()

    def _instant(self, day: date, second: int) -> datetime:
        """The UTC instant of a local wall time (`second` since the day's midnight, up to 24 h)."""
        wall = datetime.combine(day, time(), tzinfo=self._zone) + timedelta(seconds=second)  # wall-clock arithmetic
        instant = wall.astimezone(UTC)
        naive = wall.replace(tzinfo=None)
        if instant.astimezone(self._zone).replace(tzinfo=None) == naive:
            return instant  # exists (fold=0: the first occurrence when ambiguous)
        # In the spring-forward gap: the transition, i.e. the first instant whose wall time is at least `wall`.
        low, high = sorted((instant, wall.replace(fold=1).astimezone(UTC)))
        lo, hi = 0, int((high - low).total_seconds())
        while lo < hi:
            mid = (lo + hi) // 2
            if (low + timedelta(seconds=mid)).astimezone(self._zone).replace(tzinfo=None) >= naive:
                hi = mid
            else:
                lo = mid + 1
        return low + timedelta(seconds=lo)

    # --- durations ---------------------------------------------------------------------------------

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of working time between two aware instants; negative when `end` is before `start`."""
        start, end = _aware(start), _aware(end)
        if end < start:
            return -self.business_seconds(end, start)
        total = timedelta()
        day, last = self.local_date(start), self.local_date(end)
        while day <= last:
            for begins, ends in self.working_intervals(day):
                overlap = min(ends, end) - max(begins, start)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return _microseconds(total) / 1_000_000

    def add_working_days(self, start: date | datetime, n: int) -> date:
        """The n-th working day after `start`'s (local) date, counting from the next day: a contact received on
        a Friday with a 1-working-day deadline is due on Monday (if it works). n == 0 returns the date itself."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = self.local_date(start) if isinstance(start, datetime) else start
        idle = 0
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
                idle = 0
            else:
                idle = self._idle(idle)
        return day

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant at which `seconds` of working time have elapsed since `start` (in `start`'s
        zone): Friday 17:00 + 1 h of a 09:00–18:00 calendar is Friday 18:00, + 1 h 1 s is Monday 09:00:01."""
        start = _aware(start)
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        remaining = timedelta(seconds=seconds)
        if not remaining:
            return start
        day, idle = self.local_date(start), 0
        while True:
            intervals = [(max(begins, start), ends) for begins, ends in self.working_intervals(day) if ends > start]
            for begins, ends in intervals:
                if remaining <= ends - begins:
                    return (begins + remaining).astimezone(start.tzinfo)
                remaining -= ends - begins
            idle = 0 if intervals else self._idle(idle)
            day += timedelta(days=1)

    def _idle(self, idle: int) -> int:
        if idle >= _MAX_IDLE_DAYS:
            raise ValueError(f"no working time in {_MAX_IDLE_DAYS} consecutive days: the calendar never opens")
        return idle + 1


def site_calendar(time_zone: str, weekly_hours: Mapping[str, Sequence[Sequence[str]]], country: str | None,
                  days: Iterable[tuple[date, str]] = ()) -> WorkingCalendar:
    """A site's working calendar: its hours and country, its `day_off` dates closed, its `working_day` dates
    worked (on the default day's hours) whatever the weekday or the country's calendar says."""
    off: set[date] = set()
    worked: set[date] = set()
    for day, kind in days:
        if kind not in CALENDAR_DAY_KINDS:
            raise ValueError(f"unknown calendar day kind {kind!r}; expected one of {', '.join(CALENDAR_DAY_KINDS)}")
        (off if kind == DAY_OFF else worked).add(day)
    return WorkingCalendar(time_zone, weekly_hours, country=country, extra_holidays=frozenset(off),
                           extra_working_days=frozenset(worked))


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is naive: business time needs timezone-aware datetimes")
    return moment


def _microseconds(delta: timedelta) -> int:
    return (delta.days * DAY_S + delta.seconds) * 1_000_000 + delta.microseconds
