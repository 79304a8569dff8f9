"""The anonymous bank call-centre data set (Brown et al., JASA 2005: one row per call, tab-separated) →
one-row records, by the import rule of BRIEF §4. Pure.

- PHANTOM rows are dropped.
- A call was offered to the queue of its service type when its outcome is AGENT or its `q_start` is set
  (`0:00:00` means it never waited); it entered the queue at `q_start`, else when it left the IVR.
- wait = `q_time`. AGENT: answered after that wait by `server` (no agent when NO_SERVER), talk = `ser_time`.
  HANG with `q_start`: abandoned after `q_time`.
- HANG without `q_start` stayed in the IVR: an interaction that was never offered (`not_offered`).
- priority 2 (the bank's high-priority customers) → interaction priority 5.
Times are local clock times of the bank's zone (`--tz`, Asia/Jerusalem by default: the data come from an
Israeli bank); a time earlier than the one before it in the same row has passed midnight."""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from helpline.adapters.importers.flat import ABANDONED, ANSWERED, NOT_OFFERED, FlatCall
from helpline.adapters.importers.report import ImportRefused, Problems

DEFAULT_TZ = "Asia/Jerusalem"
HIGH_PRIORITY = 5
KEY_PREFIX = "bank:"
COLUMNS = ("vru+line", "call_id", "customer_id", "priority", "type", "date", "vru_entry", "vru_exit", "vru_time",
           "q_start", "q_exit", "q_time", "outcome", "ser_start", "ser_exit", "ser_time", "server")
SERVICES = {"PS": "regular activity", "PE": "regular activity in English", "IN": "internet consulting",
            "NE": "stock exchange", "NW": "potential customers", "TT": "call-back requests"}
NO_TIME = "0:00:00"


class NotBankFormat(ImportRefused):
    """The header lacks the data set's columns: the whole file is refused, nothing is half-read."""


def queue_of(service: str) -> tuple[str, str]:
    """(code, name) of the queue for a service type."""
    return f"bank_{service.lower()}", f"Bank {service}: {SERVICES.get(service, service)}"


def parse(lines: Iterable[str], tz: ZoneInfo, problems: Problems) -> Iterator[FlatCall | None]:
    """One item per data row (None for a row dropped or skipped, reported to `problems`)."""
    rows = iter(lines)
    header = next(rows, "").rstrip("\r\n").lstrip("\ufeff").split("\t")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise NotBankFormat(f"not the bank format: no column {', '.join(missing)}")
    index = {name: header.index(name) for name in COLUMNS}
    for line_no, raw in enumerate(rows, start=2):
        fields = raw.rstrip("\r\n").split("\t")
        if len(fields) < len(header):
            problems.add("truncated row", line_no)
            yield None
            continue
        row = {name: fields[i].strip() for name, i in index.items()}
        yield _record(line_no, row, tz, problems)


def _record(line_no: int, row: dict[str, str], tz: ZoneInfo, problems: Problems) -> FlatCall | None:
    outcome = row["outcome"]
    if outcome == "PHANTOM":
        problems.add("PHANTOM (dropped by the import rule)", line_no)
        return None
    if outcome not in ("AGENT", "HANG"):
        problems.add(f"unknown outcome {outcome[:20]}", line_no)
        return None
    try:
        day = _day(row["date"])
        received = _at(day, row["vru_entry"], tz, None)
        ivr_exit = _at(day, row["vru_exit"], tz, received)
        queued = row["q_start"] != NO_TIME
        entered = _at(day, row["q_start"], tz, received) if queued else ivr_exit
        wait, talk = int(row["q_time"]), int(row["ser_time"])
    except ValueError:
        problems.add("malformed date, time or duration", line_no)
        return None
    if wait < 0 or talk < 0 or not row["type"]:
        problems.add("malformed date, time or duration", line_no)
        return None
    service = row["type"]
    code, name = queue_of(service)
    common: dict[str, Any] = {"line_no": line_no, "key": f"{KEY_PREFIX}{row['vru+line']}:{row['call_id']}",
              "external_id": f"{row['vru+line']}:{row['call_id']}", "received_ms": received, "topic": service,
              "priority": HIGH_PRIORITY if row["priority"] == "2" else 0}
    if outcome == "AGENT":
        answered = entered + wait * 1000
        server = row["server"]
        return FlatCall(**common, outcome=ANSWERED, queue=code, queue_name=name, entered_ms=entered,
                        answered_ms=answered, ended_ms=answered + talk * 1000,
                        agent=None if server in ("NO_SERVER", "") else server)
    if queued:
        return FlatCall(**common, outcome=ABANDONED, queue=code, queue_name=name, entered_ms=entered,
                        ended_ms=entered + wait * 1000)
    return FlatCall(**common, outcome=NOT_OFFERED, ended_ms=ivr_exit)


def _day(text: str) -> date:
    if len(text) != 6 or not text.isdigit():
        raise ValueError(text)
    year = int(text[:2])
    return date(1900 + year if year >= 70 else 2000 + year, int(text[2:4]), int(text[4:]))


def _at(day: date, clock: str, tz: ZoneInfo, not_before: int | None) -> int:
    """Milliseconds since the epoch of a local clock time; past midnight when it would precede `not_before`."""
    hours, minutes, secs = (int(part) for part in clock.split(":"))
    moment = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=hours, minutes=minutes,
                                                                          seconds=secs)
    value = round(moment.timestamp() * 1000)
    if not_before is not None and value < not_before:
        value += 86_400_000
    return value
