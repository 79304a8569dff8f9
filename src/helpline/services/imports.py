"""Import use cases: historical data becomes interactions and events in the shape live operation writes
them, so that every KPI is computed from the events alone. Each import is one transaction (stored whole
or not at all), idempotent (importing the same data again adds nothing) and never stopped by a broken
line: those are counted with their reasons in the report."""

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from time import perf_counter
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from helpline.adapters.importers import bank, csv_mapping, presence, queue_log, writer
from helpline.adapters.importers.calls import KEY_PREFIX, CallBook
from helpline.adapters.importers.directory import DEFAULT_CLIENT, DEFAULT_SITE, Directory, queue_code
from helpline.adapters.importers.flat import ANSWERED, NOT_OFFERED, FlatCall, build
from helpline.adapters.importers.queue_log import NOBODY, QueueLogLine
from helpline.adapters.importers.records import EventDraft
from helpline.adapters.importers.report import ImportRefused, ImportReport
from helpline.services.unit_of_work import UnitOfWork

Progress = Callable[[str, int, int], None]
Item = TypeVar("Item")
LEDGER = "queue_log"


def import_queue_log(uow: UnitOfWork, path: Path, *, site: str = DEFAULT_SITE, client: str = DEFAULT_CLIENT,
                     tz: str = "UTC", progress: Progress | None = None) -> ImportReport:
    """An Asterisk queue_log. `tz` reads date-time stamps (realtime exports); Unix stamps are UTC anyway."""
    started, report = perf_counter(), ImportReport("queue_log")
    directory = apply_queue_log_lines(uow, _lines(path), report, site=site, client=client, tz=tz, progress=progress)
    return _done(uow, report, directory, started)


def apply_queue_log_lines(uow: UnitOfWork, lines: Sequence[str], report: ImportReport, *, site: str = DEFAULT_SITE,
                          client: str = DEFAULT_CLIENT, tz: str = "UTC", first_line_no: int = 1,
                          progress: Progress | None = None) -> Directory:
    """queue_log lines → interactions, events and presence, in the caller's transaction (not committed):
    the batch import above and the live tail (adapters/telephony) share it. Calls stored by an earlier
    pass are continued, and a line applied before adds nothing."""
    zone = _zone(tz)
    report.read += len(lines)
    parsed = queue_log.parse(_counted(lines, progress), zone, report.skipped, first_line_no)
    records, late = queue_log.in_time_order(parsed)
    if late:
        report.notes["lines out of time order (sorted by time)"] = late
    session = uow.session
    directory = Directory(session, site=site, client=client, time_zone=tz)
    call_lines = [r for r in records if r.is_call]
    queue_ids = directory.queues({queue_code(r.queue): r.queue for r in call_lines})
    agent_ids = directory.agents({r.agent for r in records if r.agent not in NOBODY})
    stored = writer.stored_calls(session, sorted({KEY_PREFIX + r.callid for r in call_lines}))
    book = CallBook(directory.client_id, queue_ids, agent_ids, stored, report)
    for line in call_lines:
        book.apply(line, queue_ids[queue_code(line.queue)])
    changes = _presence(uow, [r for r in records if not r.is_call], agent_ids, report)
    report.interactions, report.continued, report.events = writer.write(session, book.calls, changes, progress)
    report.queues_created, report.agents_created = directory.queues_created, directory.agents_created
    return directory


def import_bank(uow: UnitOfWork, path: Path, *, site: str = DEFAULT_SITE, client: str = "bank",
                tz: str = bank.DEFAULT_TZ, progress: Progress | None = None) -> ImportReport:
    """The anonymous bank data set (BRIEF §4), by the rule in `adapters/importers/bank.py`."""
    started, report, zone = perf_counter(), ImportReport("bank"), _zone(tz)
    lines = _lines(path)
    report.read = max(len(lines) - 1, 0)  # the header is not a call
    records = [r for r in bank.parse(_counted(lines, progress), zone, report.skipped) if r is not None]
    directory = Directory(uow.session, site=site, client=client, time_zone=tz)
    return _write_flat(uow, report, records, directory, started, progress)


def import_csv(uow: UnitOfWork, path: Path, mapping_path: Path, *, site: str = DEFAULT_SITE,
               client: str = DEFAULT_CLIENT, progress: Progress | None = None) -> ImportReport:
    """A CSV of one row per interaction, read through a YAML mapping (docs/import-csv-example.yaml)."""
    started, report = perf_counter(), ImportReport("csv")
    mapping = csv_mapping.load_mapping(mapping_path)
    try:
        with path.open(encoding=mapping.encoding, errors="replace", newline="") as file:
            items = list(csv_mapping.parse(_counted(file, progress), mapping, report.skipped))
    except LookupError:
        raise ImportRefused(f"unknown encoding {mapping.encoding!r}") from None
    report.read = len(items)
    directory = Directory(uow.session, site=site, client=client, time_zone=mapping.time_zone)
    records = [r for r in items if r is not None]
    return _write_flat(uow, report, records, directory, started, progress)


# --- shared steps ---------------------------------------------------------------------------------


def _write_flat(uow: UnitOfWork, report: ImportReport, records: list[FlatCall], directory: Directory,
                started: float, progress: Progress | None) -> ImportReport:
    """One-row-per-interaction sources: a row whose key is stored already adds nothing."""
    session = uow.session
    stored = writer.stored_keys(session, [r.key for r in records])
    fresh = [r for r in records if r.key not in stored]
    report.already = len(records) - len(fresh)
    queue_ids: dict[str, int] = {}
    for channel in sorted({r.channel for r in fresh if r.queue}):
        queue_ids.update(directory.queues({r.queue: r.queue_name or r.queue for r in fresh
                                           if r.queue and r.channel == channel}, channel))
    agent_ids = directory.agents({r.agent for r in fresh if r.agent and r.outcome == ANSWERED})
    client_id = directory.client_id
    calls = [build(r, client_id, queue_ids, agent_ids) for r in fresh]
    report.extra = _totals(records)
    report.interactions, _, report.events = writer.write(session, calls, [], progress)
    return _done(uow, report, directory, started)


def _totals(records: Sequence[FlatCall]) -> dict[str, int]:
    """What the file holds, by the KPI conventions (BRIEF §3), whether or not imported before."""
    offered = [r for r in records if r.outcome != NOT_OFFERED and r.queue is not None]
    return {"offered": len(offered), "answered": sum(r.outcome == ANSWERED for r in offered),
            "abandoned": sum(r.outcome == "abandoned" for r in offered),
            "other exits": sum(r.outcome not in (ANSWERED, "abandoned") for r in offered),
            "not offered": len(records) - len(offered)}


def _presence(uow: UnitOfWork, lines: list[QueueLogLine], agent_ids: dict[str, int],
              report: ImportReport) -> list[EventDraft]:
    """Agent lines → presence events; their digests are kept (imported_lines) so none is applied twice."""
    session = uow.session
    keys = [hashlib.blake2b(line.text.encode(), digest_size=16).hexdigest() for line in lines]
    known = writer.known_lines(session, LEDGER, sorted(set(keys)))
    last = writer.last_presence(session, sorted({agent_ids[line.agent] for line in lines}))
    states: dict[int, presence.AgentState] = {}
    events: list[EventDraft] = []
    new: dict[str, None] = {}  # an ordered set
    seen: set[str] = set()
    for line, key in zip(lines, keys, strict=True):
        if key in seen:
            report.skipped.add("duplicate line", line.line_no)
            continue
        seen.add(key)
        if key in known:
            report.already += 1
            continue
        new[key] = None
        agent_id = agent_ids[line.agent]
        if agent_id not in states:
            states[agent_id] = presence.AgentState.after(*last.get(agent_id, (None, None)))
        events.extend(presence.apply(states[agent_id], line, agent_id))
    writer.remember_lines(session, LEDGER, list(new), uow.now())
    return events


def _done(uow: UnitOfWork, report: ImportReport, directory: Directory, started: float) -> ImportReport:
    report.queues_created, report.agents_created = directory.queues_created, directory.agents_created
    uow.commit()
    report.seconds = perf_counter() - started
    return report


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportRefused(f"unknown time zone {name!r}") from None


def _lines(path: Path) -> list[str]:
    """The file's lines; bytes that are not UTF-8 become U+FFFD rather than stopping the import."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        raise ImportRefused(f"cannot read {path}: {error.strerror or error}") from None


def _counted(items: Iterable[Item], progress: Progress | None, total: int = 0) -> Iterator[Item]:
    """Reports reading progress every 5,000 items."""
    if total == 0 and isinstance(items, Sequence):
        total = len(items)
    done = 0
    for item in items:
        yield item
        done += 1
        if progress is not None and done % 5000 == 0:
            progress("reading", done, max(total, done))
    if progress is not None:
        progress("reading", done, max(total, done))
