"""A generic CSV export, one row per interaction, read through a YAML mapping of its columns to Helpline's
fields (docs/import-csv-example.yaml shows every key). Pure: rows → one-row records."""

import csv
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from helpline.adapters.importers.directory import queue_code
from helpline.adapters.importers.flat import ABANDONED, ANSWERED, NOT_OFFERED, FlatCall
from helpline.adapters.importers.report import ImportRefused, Problems
from helpline.domain.vocabulary import Channel

Outcome = Literal["answered", "abandoned", "timeout", "queue_empty", "key_press", "withdraw", "overflow",
                  "not_offered"]
DIRECTIONS = {"in": "in", "inbound": "in", "out": "out", "outbound": "out"}


class MappingError(ImportRefused):
    """The mapping file is unusable: the import stops before reading any row."""


class Columns(BaseModel):
    """Field → column name in the CSV header. Times are read with `time_format`; durations are seconds
    (12, 12.5) or H:MM:SS."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str  # the source's key for the interaction: importing twice adds nothing
    arrival: str  # when it arrived and entered the queue
    queue: str | None = None  # the queue's name (its code is made from it; created when missing)
    agent: str | None = None
    answer: str | None = None  # answer time; or wait_s
    wait_s: str | None = None
    end: str | None = None  # end of the conversation (or when the caller left the queue); or talk_s
    talk_s: str | None = None
    hold_s: str | None = None
    wrap_s: str | None = None
    outcome: str | None = None  # mapped by `outcomes`; without it, a row with an answer is answered
    channel: str | None = None
    direction: str | None = None
    from_address: str | None = Field(None, alias="from")


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Channel = Channel.VOICE
    direction: Literal["in", "out"] = "in"


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field("csv", pattern=r"^[A-Za-z0-9_.-]{1,40}$")  # keys are csv:<source>:<id>
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    time_zone: str = "UTC"  # for times without an offset
    time_format: str = "iso"  # iso, unix (seconds), or a strptime pattern such as "%d.%m.%Y %H:%M:%S"
    columns: Columns
    defaults: Defaults = Defaults()
    outcomes: dict[str, Outcome] = {}

    @model_validator(mode="after")
    def _usable(self) -> "Mapping":
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.time_zone!r}") from None
        c = self.columns
        if c.answer is None and c.wait_s is None:
            raise ValueError("columns: map `answer` (a time) or `wait_s` (seconds)")
        if c.end is None and c.talk_s is None:
            raise ValueError("columns: map `end` (a time) or `talk_s` (seconds)")
        if c.outcome is not None and not self.outcomes:
            raise ValueError("`outcomes` must map the values of the outcome column")
        return self


def load_mapping(path: Path) -> Mapping:
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise MappingError(f"cannot read the mapping {path}: {error}") from None
    try:
        return Mapping.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'mapping'}: {e['msg']}" for e in error.errors())
        raise MappingError(f"mapping {path}: {problems}") from None


class _Bad(ValueError):
    """A row that cannot be used; its message is the reason reported."""


def parse(lines: Iterable[str], mapping: Mapping, problems: Problems) -> Iterator[FlatCall | None]:
    """One item per data row (None for a row skipped, reported to `problems` with its line number).
    `lines`: the file opened with newline="" so that quoted fields may hold line breaks."""
    reader = csv.DictReader(lines, delimiter=mapping.delimiter)  # restval None: a short row shows as None
    header = reader.fieldnames or []
    wanted = {v for v in mapping.columns.model_dump(by_alias=True).values() if v}
    missing = sorted(wanted - set(header))
    if missing:
        raise MappingError(f"the CSV header lacks the mapped column(s) {', '.join(missing)}")
    seen: set[str] = set()
    reader_tz = ZoneInfo(mapping.time_zone)
    for row in reader:
        line_no = reader.line_num
        try:
            record = _record(line_no, row, mapping, reader_tz)
        except _Bad as reason:
            problems.add(str(reason), line_no)
            yield None
            continue
        if record.key in seen:
            problems.add("duplicate id", line_no)
            yield None
            continue
        seen.add(record.key)
        yield record


def _record(line_no: int, row: dict[str, Any], m: Mapping, tz: ZoneInfo) -> FlatCall:
    c = m.columns

    def value(column: str | None) -> str:
        return (row.get(column) or "").strip() if column else ""

    if any(v is None for v in row.values()):
        raise _Bad("truncated row")
    key = value(c.id)
    if not key:
        raise _Bad("missing id")
    arrival = _time(value(c.arrival), m, tz, "arrival")
    if arrival is None:
        raise _Bad("missing arrival time")
    answer = _time(value(c.answer), m, tz, "answer")
    end = _time(value(c.end), m, tz, "end")
    wait, talk = _seconds(value(c.wait_s), "wait_s"), _seconds(value(c.talk_s), "talk_s")
    hold, wrap = _seconds(value(c.hold_s), "hold_s") or 0.0, _seconds(value(c.wrap_s), "wrap_s") or 0.0
    outcome = _outcome(value(c.outcome), m) if c.outcome else (
        ANSWERED if answer is not None or talk else ABANDONED)
    channel = value(c.channel).lower() or m.defaults.channel.value
    if channel not in {ch.value for ch in Channel}:
        raise _Bad("unknown channel")
    direction = DIRECTIONS.get(value(c.direction).lower() or m.defaults.direction)
    if direction is None:
        raise _Bad("unknown direction")
    queue = value(c.queue)
    common: dict[str, Any] = {
        "line_no": line_no, "key": f"csv:{m.source}:{key}", "external_id": key, "received_ms": arrival,
        "channel": channel, "direction": direction, "from_address": value(c.from_address)[:254] or None,
        "agent": value(c.agent) or None}
    if outcome == NOT_OFFERED:
        return FlatCall(**common, outcome=outcome, ended_ms=end)
    if not queue:
        raise _Bad("missing queue")
    common.update(queue=queue_code(queue), queue_name=queue, entered_ms=arrival)
    if outcome == ANSWERED:
        answered = answer if answer is not None else arrival + round(wait * 1000) if wait is not None else None
        if answered is None:
            raise _Bad("answered without an answer time or wait")
        if answered < arrival:
            raise _Bad("answered before arrival")
        ended = end if end is not None else (
            answered + round((talk + hold) * 1000) if talk is not None else None)
        if ended is None:
            raise _Bad("answered without an end time or talk time")
        if ended < answered:
            raise _Bad("ended before answered")
        return FlatCall(**common, outcome=outcome, answered_ms=answered, ended_ms=ended, hold_s=hold, wrap_s=wrap)
    left = end if end is not None else arrival + round(wait * 1000) if wait is not None else None
    if left is None:
        raise _Bad(f"{outcome} without an end time or wait")
    if left < arrival:
        raise _Bad("ended before arrival")
    return FlatCall(**{**common, "agent": None}, outcome=outcome, ended_ms=left)


def _outcome(raw: str, m: Mapping) -> str:
    if raw in m.outcomes:
        return m.outcomes[raw]
    folded = {k.strip().lower(): v for k, v in m.outcomes.items()}
    if raw.lower() in folded:
        return folded[raw.lower()]
    raise _Bad(f"unmapped outcome {raw[:30]!r}")


def _time(raw: str, m: Mapping, tz: ZoneInfo, field: str) -> int | None:
    if not raw:
        return None
    try:
        if m.time_format == "unix":
            seconds = float(raw)
            if not math.isfinite(seconds):
                raise ValueError(raw)
            return round(seconds * 1000)
        moment = datetime.fromisoformat(raw) if m.time_format == "iso" else datetime.strptime(raw, m.time_format)
    except ValueError:
        raise _Bad(f"bad {field} time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return round(moment.timestamp() * 1000)


def _seconds(raw: str, field: str) -> float | None:
    if not raw:
        return None
    try:
        if ":" in raw:
            parts = [float(p) for p in raw.split(":")]
            value = sum(p * 60.0 ** i for i, p in enumerate(reversed(parts)))
        else:
            value = float(raw)
    except ValueError:
        raise _Bad(f"bad {field}") from None
    if value < 0 or not math.isfinite(value):
        raise _Bad(f"bad {field}")
    return value

