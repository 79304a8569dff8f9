"""Opening hours of a channel: per weekday, a list of ["HH:MM", "HH:MM"] intervals in a time zone.
No entry at all means always open (24/7); a weekday missing from a non-empty table is closed all day."""

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Hours = Mapping[str, Sequence[Sequence[str]]]


def parse_time(text: str) -> time:
    """ "09:00" → 09:00; "24:00" is the end of the day."""
    if text == "24:00":
        return time.max
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes or 0))


def check_hours(hours: Hours) -> None:
    """Raises ValueError naming the first bad weekday or interval."""
    for day, intervals in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
        for interval in intervals:
            if len(interval) != 2:
                raise ValueError(f"{day}: an interval is [start, end], got {list(interval)}")
            start, end = parse_time(interval[0]), parse_time(interval[1])
            if start >= end:
                raise ValueError(f"{day}: {interval[0]} is not before {interval[1]}")


def is_open(hours: Hours, time_zone: str, at: datetime) -> bool:
    if not hours:
        return True
    local = at.astimezone(ZoneInfo(time_zone))
    now = local.time().replace(tzinfo=None)
    return any(parse_time(start) <= now < parse_time(end) for start, end in hours.get(WEEKDAYS[local.weekday()], []))
