"""Reading the event log in `seq` order, each event once, as other processes commit it.

On PostgreSQL, `seq` is taken when a row is inserted but becomes visible when its transaction commits, so a
later number can appear first. A number missing below the highest one read is a *gap*: a transaction still
in flight, or one rolled back. The feed asks for its gaps again on every read, and gives a gap up after
`gap_timeout_s` (longer than any transaction lasts). SQLite commits one writer at a time and has no gaps.
An event that fills a gap cannot concern an interaction the feed has already seen change after it: a
transaction cannot touch a row another has not yet committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from helpline.adapters.db.models import Customer, Event, Interaction

MAX_GAPS = 10_000  # beyond this the oldest gaps are given up early (a runaway rollback storm)


@dataclass(frozen=True, slots=True)
class FedEvent:
    """An event with what routing needs to know of its interaction."""

    seq: int
    type: str
    occurred_at: datetime
    interaction_id: int | None
    agent_id: int | None
    queue_id: int | None
    data: dict[str, Any]
    priority: int
    vip_tier: int
    language: str | None
    channel: str | None
    imported: bool  # history from another system, or a PBX's queue_log: that system routed it


# Events whose payload routing reads (a not-ready reason, a transfer's target, an exit's reason), and those
# whose interaction it needs to know (its priority, VIP tier, language and channel).
_WITH_DATA = ("agent_not_ready", "transferred", "exited")
_WITH_INTERACTION = ("entered_queue", "offered", "answered")
_COLUMNS = (Event.seq, Event.type, Event.occurred_at, Event.interaction_id, Event.agent_id, Event.queue_id,
            case((Event.type.in_(_WITH_DATA), Event.data), else_=None))
_INTERACTION = (Interaction.id, func.coalesce(Interaction.priority, 0), func.coalesce(Customer.vip_tier, 0),
                Interaction.language, Interaction.channel, Interaction.routed_elsewhere)


_UNKNOWN = (0, 0, None, None, False)


class EventFeed:
    def __init__(self, after_seq: int, gaps: Iterable[int] = (), *, gap_timeout_s: float = 60.0,
                 batch: int = 5000, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.high = after_seq  # the highest seq read
        self._monotonic = monotonic
        now = monotonic()
        self._gaps: dict[int, float] = dict.fromkeys(sorted(gaps), now)  # seq -> when first missed
        self.gap_timeout_s = gap_timeout_s
        self.batch = batch

    @classmethod
    def at_log_end(cls, session: Session, *, window: int = 10_000, **options: Any) -> EventFeed:
        """A feed starting after the last visible event, still waiting for the invisible ones of the last
        `window` numbers (transactions in flight when the caller took its snapshot in the same transaction)."""
        high = session.scalar(select(func.max(Event.seq))) or 0
        low = max(high - window, 0)
        seen = set(session.scalars(select(Event.seq).where(Event.seq > low)))
        return cls(high, (s for s in range(low + 1, high + 1) if s not in seen), **options)

    @property
    def gaps(self) -> list[int]:
        return sorted(self._gaps)

    def read(self, session: Session) -> list[FedEvent]:
        """The events not read before, gap fillers first, then new ones in `seq` order (at most `batch`)."""
        self._expire_gaps()
        wanted = Event.seq > self.high
        if self._gaps:
            wanted = or_(wanted, Event.seq.in_(list(self._gaps)))
        # Two plain reads instead of one join: most events (received, case events, wrap-ups) need nothing
        # of their interaction, and the join was most of the router's cost on the database.
        rows = session.execute(select(*_COLUMNS).where(wanted).order_by(Event.seq).limit(self.batch)).all()
        ids = {r.interaction_id for r in rows if r.type in _WITH_INTERACTION and r.interaction_id is not None}
        details = {d[0]: d[1:] for d in session.execute(
            select(*_INTERACTION).outerjoin(Customer, Customer.id == Interaction.customer_id)
            .where(Interaction.id.in_(ids)))} if ids else {}
        events = [FedEvent(seq, kind, at, iid, aid, qid, data or {}, *details.get(iid, _UNKNOWN))
                  for seq, kind, at, iid, aid, qid, data in rows]
        now = self._monotonic()
        for e in events:
            if e.seq > self.high:
                self._gaps.update(dict.fromkeys(range(self.high + 1, e.seq), now))
                self.high = e.seq
            else:
                self._gaps.pop(e.seq, None)
        return events

    def _expire_gaps(self) -> None:
        limit = self._monotonic() - self.gap_timeout_s
        expired = [seq for seq, since in self._gaps.items() if since <= limit]
        for seq in expired:
            del self._gaps[seq]
        for seq in sorted(self._gaps)[:max(len(self._gaps) - MAX_GAPS, 0)]:
            del self._gaps[seq]
