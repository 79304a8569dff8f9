"""The audit log (administrators only), newest first."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import IdQuery, Limit, Offset
from helpline.services import audit
from helpline.services.admin_schemas import AuditView

router = APIRouter(tags=["audit"])
Word = Annotated[str | None, Query(min_length=1, max_length=40, pattern=r"^[^\x00]*$")]


@router.get("/audit", response_model=list[AuditView])
def list_audit(uow: UoW, actor: Annotated[Actor, Depends(require(P.READ_AUDIT))], entity: Word = None,
               entity_id: Word = None, user_id: IdQuery = None, action: Word = None, limit: Limit = 100,
               offset: Offset = 0) -> list[AuditView]:
    return audit.list_entries(uow, entity=entity, entity_id=entity_id, user_id=user_id, action=action,
                              limit=limit, offset=offset)
