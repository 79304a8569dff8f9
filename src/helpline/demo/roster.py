"""Who works when: shifts, breaks and lunches for each operator, as presence events and as the windows
in which an operator is ready to take work. Times are integer milliseconds since the Unix epoch."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helpline.demo.staff import AgentSpec
from helpline.domain.vocabulary import EventType

H, MIN = 3_600_000, 60_000
MOSCOW_TZ = ZoneInfo("Europe/Moscow")
# hours after local midnight; the last general shift stays a little past closing to finish its calls
SHIFT_HOURS = {"early": (8, 17), "mid": (11, 20), "late": (12, 21.25), "day": (7, 19), "night": (19, 31),
               "evening": (12, 23)}
# days off by crew (Monday = 0), so that staffing follows the weekly volume (Monday highest, Sunday lowest)
DAYS_OFF = ((5, 6), (5, 6), (5, 6), (5, 6), (6, 4), (6, 3), (4, 3), (4, 2), (3, 0), (2, 1))


@dataclass
class Duty:
    windows: list[tuple[int, int]] = field(default_factory=list)  # ready from, until
    # (at, event type, reason)
    presence: list[tuple[int, EventType, str | None]] = field(default_factory=list)


def local_midnight_ms(day: date) -> int:
    return int(datetime.combine(day, time(), MOSCOW_TZ).timestamp() * 1000)


def works_on(spec: AgentSpec, day: date) -> bool:
    if spec.shift in ("day", "night"):  # the medical desk's 12-hour shifts: two days on, two days off
        return (day.toordinal() // 2) % 2 == spec.crew
    return day.weekday() not in DAYS_OFF[spec.crew]


def plan_duty(spec: AgentSpec, first_day: date, days: int, history_end: int, rng: random.Random) -> Duty:
    """Shifts starting on first_day - 1 .. first_day + days - 1, cut short at history_end."""
    duty, k = Duty(), int(spec.employee_no[-3:])
    for offset in range(-1, days):
        day = first_day + timedelta(days=offset)
        if (offset < 0 and spec.shift != "night") or not works_on(spec, day):
            continue
        start_h, end_h = SHIFT_HOURS[spec.shift]
        midnight = local_midnight_ms(day)
        login = midnight + int(start_h * H) - rng.randint(0, 300_000)
        logout = min(midnight + int(end_h * H) + rng.randint(0, 300_000), history_end - MIN)
        if logout - login < 2 * H:
            continue
        pauses = _pauses(k, end_h - start_h, rng)
        duty.presence.append((login, EventType.AGENT_LOGGED_IN, None))
        ready = login + rng.randint(20_000, 90_000)
        for after_h, minutes, reason in pauses:
            at = login + int(after_h * H) + rng.randint(-5 * MIN, 5 * MIN)
            back = at + minutes * MIN + rng.randint(-60_000, 120_000)
            if at <= ready or back >= logout:
                continue
            duty.windows.append((ready, at))
            duty.presence += [(ready, EventType.AGENT_READY, None), (at, EventType.AGENT_NOT_READY, reason)]
            ready = back
        duty.windows.append((ready, logout))
        duty.presence += [(ready, EventType.AGENT_READY, None), (logout, EventType.AGENT_LOGGED_OUT, None)]
    return duty


def _pauses(k: int, hours: float, rng: random.Random) -> list[tuple[float, int, str]]:
    """(hours after log-in, minutes, reason): staggered so that an eighth of a shift lunches at a time."""
    first = ("training", 45) if rng.random() < 0.06 else ("meeting", 30) if rng.random() < 0.04 else ("break", 15)
    if hours <= 9.5:
        return [(1.5 + (k % 4) / 4, first[1], first[0]), (3 + (k % 8) / 2, 60, "lunch"),
                (7 + (k % 4) / 4, 15, "break")]
    return [(1.5 + (k % 4) / 4, first[1], first[0]), (4 + (k % 8) / 2, 60, "lunch"),
            (8.5 + (k % 4) / 4, 15, "break"), (10.5 + (k % 3) / 4, 15, "break")]
