"""Cases: the customer's matter that interactions belong to."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import CaseStatus
from helpline.entrypoints.api.deps import UoW, require
from helpline.services import cases
from helpline.services.schemas import CaseStatusChange, CaseUpdate, CaseView, InteractionView

router = APIRouter(prefix="/cases", tags=["cases"])
Reader = Annotated[Actor, Depends(require(P.READ_CASES))]
Writer = Annotated[Actor, Depends(require(P.WRITE_CASES))]


@router.get("", response_model=list[CaseView])
def list_cases(uow: UoW, actor: Reader, status: CaseStatus | None = None, customer_id: int | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0)] = 0) -> list[CaseView]:
    return cases.list_cases(uow, actor, status=status, customer_id=customer_id, limit=limit, offset=offset)


@router.get("/{case_id}", response_model=CaseView, description="Reads of health-related cases are audited.")
def get_case(case_id: int, uow: UoW, actor: Reader) -> CaseView:
    return cases.get_case(uow, actor, case_id)


@router.patch("/{case_id}", response_model=CaseView)
def update_case(case_id: int, body: CaseUpdate, uow: UoW, actor: Writer) -> CaseView:
    return cases.update_case(uow, actor, case_id, body)


@router.post("/{case_id}/status", response_model=CaseView,
             responses={409: {"description": "The status cannot change that way (or the case awaits its "
                                             "medical review)"}})
def change_status(case_id: int, body: CaseStatusChange, uow: UoW, actor: Writer) -> CaseView:
    return cases.change_status(uow, actor, case_id, body)


@router.get("/{case_id}/interactions", response_model=list[InteractionView])
def case_interactions(case_id: int, uow: UoW, actor: Reader) -> list[InteractionView]:
    return [InteractionView.model_validate(i) for i in cases.case_interactions(uow, actor, case_id)]
