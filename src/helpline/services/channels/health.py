"""Channel health: each connector (a mailbox, an SMS gateway, the PBX feed) records its successes, failures
and traffic; the wallboard and `helpline channels status` show one indicator per connector.

Each record commits on its own, so a use case calls it after its own commit: health never holds up or rolls
back the work it describes.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import ChannelHealth
from helpline.services.unit_of_work import UnitOfWork

OK, FAILING, IDLE, UNKNOWN = "ok", "failing", "idle", "unknown"
IDLE_AFTER = timedelta(hours=1)  # a feed with no traffic for this long is shown as idle, not failing


@dataclass(frozen=True)
class HealthView:
    name: str
    channel: str
    status: str
    last_ok_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    last_activity_at: datetime | None
    detail: dict[str, Any]


def _row(uow: UnitOfWork, name: str, channel: str) -> ChannelHealth:
    row = uow.session.get(ChannelHealth, name)
    if row is None:
        row = ChannelHealth(name=name, channel=channel, last_error="", detail={}, failing=False)
        uow.session.add(row)
    return row


def _save(uow: UnitOfWork) -> None:
    try:
        uow.commit()
    except Exception:  # two connectors reporting at once: the other's report stands
        uow.session.rollback()


def record_ok(uow: UnitOfWork, name: str, channel: str, **detail: Any) -> None:
    """The connector reached its server (a mailbox login, a gateway answer)."""
    row = _row(uow, name, channel)
    row.last_ok_at, row.failing = uow.now(), False
    if detail:
        row.detail = {**row.detail, **detail}
    _save(uow)


def recovered(uow: UnitOfWork, name: str) -> None:
    """Work through the connector succeeded again: clear a failing status (writes only when failing)."""
    row = uow.session.get(ChannelHealth, name)
    if row is not None and row.failing:
        row.failing, row.last_ok_at = False, uow.now()
        _save(uow)


def record_error(uow: UnitOfWork, name: str, channel: str, error: str) -> None:
    row = _row(uow, name, channel)
    row.last_error_at, row.last_error, row.failing = uow.now(), error[:2000], True
    _save(uow)


def record_activity(uow: UnitOfWork, name: str, channel: str) -> None:
    """A message came in or went out through the connector: it works."""
    row = _row(uow, name, channel)
    row.last_activity_at = row.last_ok_at = uow.now()
    row.failing = False
    _save(uow)


def status_of(row: ChannelHealth, now: datetime) -> str:
    if row.failing:
        return FAILING
    if row.last_ok_at is None:
        return UNKNOWN
    if now - row.last_ok_at > IDLE_AFTER:
        return IDLE
    return OK


def statuses(uow: UnitOfWork) -> list[HealthView]:
    now = uow.now()
    rows = uow.session.scalars(select(ChannelHealth).order_by(ChannelHealth.channel, ChannelHealth.name))
    return [HealthView(name=r.name, channel=r.channel, status=status_of(r, now), last_ok_at=r.last_ok_at,
                       last_error_at=r.last_error_at, last_error=r.last_error, last_activity_at=r.last_activity_at,
                       detail=dict(r.detail)) for r in rows]
