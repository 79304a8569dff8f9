"""The audit log: who read or changed sensitive records, newest first."""

from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import AuditEntry
from helpline.domain.permissions import Actor
from helpline.services.admin_schemas import AuditView
from helpline.services.unit_of_work import UnitOfWork


def record(uow: UnitOfWork, actor: Actor, action: str, entity: str, entity_id: object, **detail: Any) -> None:
    """Add an entry to the caller's transaction (the caller's use case commits)."""
    uow.session.add(AuditEntry(at=uow.now(), user_id=actor.user_id, action=action, entity=entity,
                               entity_id=str(entity_id), detail=detail))


def list_entries(uow: UnitOfWork, *, entity: str | None = None, entity_id: str | None = None,
                 user_id: int | None = None, action: str | None = None, limit: int = 100,
                 offset: int = 0) -> list[AuditView]:
    query = select(AuditEntry)
    for column, value in ((AuditEntry.entity, entity), (AuditEntry.entity_id, entity_id),
                          (AuditEntry.user_id, user_id), (AuditEntry.action, action)):
        if value is not None:
            query = query.where(column == value)
    rows = uow.session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset))
    return [AuditView.model_validate(row) for row in rows]
