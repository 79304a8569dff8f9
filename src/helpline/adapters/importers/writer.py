"""The database side of an import: which keys are stored, the stored state of calls a grown queue_log
continues, and bulk writing of the new rows (COPY on PostgreSQL, executemany on SQLite) through the demo's
`Writer`. Everything happens in the caller's transaction: an import is stored whole or not at all."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text
from sqlalchemy.orm import Session

from helpline.adapters.db.models import Event, ImportedLine, Interaction
from helpline.adapters.importers.records import Call, EventDraft
from helpline.demo.bulk import Writer

CHUNK = 500  # keys per IN (…) look-up
Progress = Callable[[str, int, int], None]
EVENT_COLUMNS = ("type", "occurred_at", "recorded_at", "interaction_id", "agent_id", "queue_id", "data")
INTERACTION_COLUMNS = (
    "id", "client_id", "channel", "direction", "state", "queue_id", "agent_id", "idempotency_key", "external_id",
    "from_address", "topic", "subject", "body", "priority", "exit_reason", "notes", "created_at", "queued_at",
    "answered_at", "ended_at", "completed_at", "version", "routed_elsewhere")
Signature = tuple[str, int, int | None]  # (event type, ms, agent for offer_not_answered): one queue_log line


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def stored_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """The idempotency keys among `keys` that interactions already carry."""
    found: set[str] = set()
    for chunk in chunks(keys):
        found.update(key for key in session.scalars(select(Interaction.idempotency_key).where(
            Interaction.idempotency_key.in_(chunk))) if key is not None)
    return found


def ms(moment: datetime | None) -> int | None:
    return None if moment is None else round(moment.timestamp() * 1000)


def stored_calls(session: Session, keys: Sequence[str]) -> dict[str, tuple[Call, set[Signature]]]:
    """Calls already stored under `keys`, in their current state, with the signature of each event they
    have, so that a line imported before is recognised and a new one continues the call."""
    calls: dict[int, tuple[Call, set[Signature]]] = {}
    i = Interaction
    for chunk in chunks(keys):
        for row in session.execute(select(
                i.id, i.idempotency_key, i.external_id, i.client_id, i.created_at, i.channel, i.direction, i.state,
                i.queue_id, i.agent_id, i.priority, i.from_address, i.topic, i.exit_reason, i.queued_at,
                i.answered_at, i.ended_at, i.completed_at).where(i.idempotency_key.in_(chunk))):
            call = Call(key=row.idempotency_key, external_id=row.external_id or "", client_id=row.client_id,
                        received_ms=ms(row.created_at) or 0, id=row.id, stored=True, channel=row.channel,
                        direction=row.direction, state=row.state, queue_id=row.queue_id, agent_id=row.agent_id,
                        priority=row.priority, from_address=row.from_address, topic=row.topic,
                        exit_reason=row.exit_reason, queued_ms=ms(row.queued_at), answered_ms=ms(row.answered_at),
                        ended_ms=ms(row.ended_at), completed_ms=ms(row.completed_at))
            calls[row.id] = (call, set())
    ids = list(calls)
    for chunk in chunks(ids):
        for iid, type_, at, agent_id in session.execute(select(
                Event.interaction_id, Event.type, Event.occurred_at, Event.agent_id).where(
                Event.interaction_id.in_(chunk))):
            if iid is not None:
                calls[iid][1].add(signature(type_, ms(at) or 0, agent_id))
    return {call.key: (call, signatures) for call, signatures in calls.values()}


def signature(type_: str, at_ms: int, agent_id: int | None) -> Signature:
    return (type_, at_ms, agent_id if type_ == "offer_not_answered" else None)


def allocate_ids(session: Session, count: int) -> list[int]:
    """Ids for new interactions. PostgreSQL hands them out from the table's own sequence, so live intake
    running beside the import never collides; SQLite has one writer at a time."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('interactions', 'id')) FROM generate_series(1, :n)"),
            {"n": count}))
    first = int(session.scalar(text("SELECT COALESCE(MAX(id), 0) + 1 FROM interactions")) or 1)
    return list(range(first, first + count))


def write(session: Session, calls: Iterable[Call], presence: Sequence[EventDraft],
          progress: Progress | None = None) -> tuple[int, int, int]:
    """Insert the new calls, update the stored ones that gained events, and insert every event in the order
    it happened. Returns (interactions created, interactions continued, events written)."""
    new = [c for c in calls if not c.stored]
    continued = [c for c in calls if c.stored and c.events]
    for call, iid in zip(new, allocate_ids(session, len(new)), strict=True):
        call.id = iid
    events = [e for c in new + continued for e in c.events] + list(presence)
    writer = Writer(session, progress, "writing", len(new) + len(events))
    writer.roomy_cache(True)
    writer.insert(Interaction, INTERACTION_COLUMNS, _interaction_rows(writer, new))
    _update(session, continued)
    # sorted by when they happened (stable: an interaction's events keep their order within an instant),
    # so the log's seq follows time as it does in live operation
    events.sort(key=lambda e: e.ms)
    writer.insert(Event, EVENT_COLUMNS, _event_rows(writer, events))
    writer.roomy_cache(False)
    return len(new), len(continued), len(events)


def _interaction_rows(w: Writer, calls: list[Call]) -> Iterator[tuple[Any, ...]]:
    for c in calls:
        yield (c.id, c.client_id, c.channel, c.direction, c.state, c.queue_id, c.agent_id, c.key, c.external_id,
               c.from_address, c.topic, "", "", c.priority, c.exit_reason, "", w.ms(c.received_ms),
               w.ms(c.queued_ms), w.ms(c.answered_ms), w.ms(c.ended_ms), w.ms(c.completed_ms), 1,
               True)  # the PBX that wrote the queue_log (or the source system) routed it, not Helpline


def _event_rows(w: Writer, events: list[EventDraft]) -> Iterator[tuple[Any, ...]]:
    for e in events:
        at = w.ms(e.ms)
        yield (e.type.value, at, at, e.call.id if e.call else None, e.agent_id, e.queue_id, w.json(e.data))


def _update(session: Session, calls: list[Call]) -> None:
    if not calls:
        return
    table = Interaction.__table__
    assert isinstance(table, Table)
    statement = table.update().where(table.c.id == bindparam("b_id")).values(
        state=bindparam("b_state"), queue_id=bindparam("b_queue"), agent_id=bindparam("b_agent"),
        exit_reason=bindparam("b_exit"), queued_at=bindparam("b_queued"), answered_at=bindparam("b_answered"),
        ended_at=bindparam("b_ended"), completed_at=bindparam("b_completed"), version=table.c.version + 1)
    session.connection().execute(statement, [
        {"b_id": c.id, "b_state": c.state, "b_queue": c.queue_id, "b_agent": c.agent_id, "b_exit": c.exit_reason,
         "b_queued": _dt(c.queued_ms), "b_answered": _dt(c.answered_ms), "b_ended": _dt(c.ended_ms),
         "b_completed": _dt(c.completed_ms)} for c in calls])


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


# --- lines that leave no interaction behind (queue_log agent events) --------------------------------


def known_lines(session: Session, source: str, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(keys):
        found.update(session.scalars(select(ImportedLine.key).where(
            ImportedLine.source == source, ImportedLine.key.in_(chunk))).all())
    return found


def remember_lines(session: Session, source: str, keys: Iterable[str], at: datetime) -> None:
    writer = Writer(session)
    moment = writer.convert(at)
    writer.insert(ImportedLine, ("source", "key", "imported_at"), ((source, k, moment) for k in keys))


def last_presence(session: Session, agent_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Each agent's last stored presence event (type, reason): where a grown queue_log carries on from."""
    kinds = ("agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out")
    found: dict[int, tuple[str, str | None]] = {}
    for chunk in chunks(agent_ids):
        last = select(func.max(Event.seq)).where(Event.agent_id.in_(chunk), Event.type.in_(kinds)).group_by(
            Event.agent_id)
        for agent_id, type_, data in session.execute(select(Event.agent_id, Event.type, Event.data).where(
                Event.seq.in_(last))):
            found[agent_id] = (type_, (data or {}).get("reason"))
    return found
