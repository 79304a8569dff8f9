"""The live queue_log feed: lines a running Asterisk appends to its queue_log become interactions, events
and presence as they arrive, through the batch import's own parser and idempotent writer.

The file position is stored in the transaction that stores the lines' events: a pass is kept whole or
not at all, so a restart neither re-reads nor skips a line (and a line applied twice would add nothing
anyway: the writer recognises it).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from helpline.adapters.db.models import Agent, Event, QueueLogPosition
from helpline.adapters.importers import queue_log
from helpline.adapters.importers.report import ImportReport, Problems
from helpline.adapters.telephony.file_follower import Chunk, Position
from helpline.domain.vocabulary import Channel
from helpline.services import imports
from helpline.services.channels import health
from helpline.services.unit_of_work import UnitOfWork

# skipped lines that are no fault of the file: known lines without effect, a line seen before
NOT_ERRORS = ("no effect", "duplicate line", "empty line")


@dataclass(frozen=True)
class Feed:
    name: str  # the channel configuration's name: also its health indicator and position key
    path: str
    site: str
    client: str
    time_zone: str = "UTC"


@dataclass(frozen=True)
class FeedPass:
    lines: int
    parse_errors: int
    interactions: int
    continued: int
    events: int
    restarted: str | None


def position(uow: UnitOfWork, name: str) -> Position | None:
    row = uow.session.get(QueueLogPosition, name)
    return None if row is None else Position(row.device, row.inode, row.offset)


def apply(uow: UnitOfWork, feed: Feed, chunk: Chunk) -> FeedPass:
    """Store what `chunk` says and the position after it; commits, then records the feed's health."""
    row = uow.session.get(QueueLogPosition, feed.name)
    if row is None:
        row = QueueLogPosition(name=feed.name, path=feed.path, device=0, inode=0, offset=0, lines_seen=0,
                               parse_errors=0, updated_at=uow.now())
        uow.session.add(row)
    report = ImportReport("queue_log")
    if chunk.lines:
        last_seq = uow.session.scalar(select(func.max(Event.seq))) or 0
        imports.apply_queue_log_lines(uow, chunk.lines, report, site=feed.site, client=feed.client,
                                      tz=feed.time_zone, first_line_no=row.lines_seen + 1)
        _live_presence(uow, last_seq)
    errors = sum(n for reason, n in report.skipped.counts.items() if not reason.startswith(NOT_ERRORS))
    row.path, row.device, row.inode, row.offset = (
        feed.path, chunk.position.device, chunk.position.inode, chunk.position.offset)
    row.lines_seen += len(chunk.lines)
    row.parse_errors += errors
    row.last_line_at = _last_moment(chunk.lines, feed.time_zone) or row.last_line_at
    row.updated_at = uow.now()
    uow.commit()
    detail = {"lines_seen": row.lines_seen, "parse_errors": row.parse_errors, "path": feed.path,
              "last_line_at": row.last_line_at.isoformat() if row.last_line_at else None}
    if chunk.restarted:
        detail["last_restart"] = chunk.restarted
    health.record_ok(uow, feed.name, Channel.VOICE.value, **detail)
    if chunk.lines:
        health.record_activity(uow, feed.name, Channel.VOICE.value)
    return FeedPass(len(chunk.lines), errors, report.interactions, report.continued, report.events, chunk.restarted)


PRESENCE = {"agent_logged_in": "ready", "agent_ready": "ready", "agent_not_ready": "not_ready",
            "agent_logged_out": "logged_out"}


def _live_presence(uow: UnitOfWork, after_seq: int) -> None:
    """An import writes presence history only; a live feed also sets each agent's current presence (what
    the wallboard shows) from the last presence event this pass wrote for them."""
    rows = uow.session.execute(select(Event.agent_id, Event.type, Event.occurred_at, Event.data).where(
        Event.seq > after_seq, Event.type.in_(list(PRESENCE)), Event.agent_id.is_not(None)).order_by(Event.seq))
    last = {agent_id: (type_, at, data) for agent_id, type_, at, data in rows}
    for agent_id, (type_, at, data) in last.items():
        agent = uow.session.get(Agent, agent_id)
        if agent is not None:
            agent.presence, agent.presence_since = PRESENCE[type_], at
            agent.presence_reason = (data or {}).get("reason") if type_ == "agent_not_ready" else None


def _last_moment(lines: list[str], time_zone: str) -> datetime | None:
    """When the last usable line happened (the wallboard shows how fresh the feed is)."""
    scratch, zone = Problems(), ZoneInfo(time_zone)
    for raw in reversed(lines):
        record = queue_log.parse_line(0, raw, zone, scratch)
        if record is not None:
            return datetime.fromtimestamp(record.ms / 1000, UTC)
    return None
