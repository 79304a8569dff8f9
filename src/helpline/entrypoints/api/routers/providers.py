"""The provider network (search from a case, kept by MANAGE_PROVIDERS) and the case types' work after the form:
next steps and the checklist SMS, the doctor-curator's decision, the medical review, the cost log
(docs/care/case_types.md). One router for both: the case routes live under /cases/{id}/… beside cases.py's."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import NOT_FOUND, IdPath, Limit, Offset, SearchText
from helpline.services import case_workflows, providers
from helpline.services.notifications import NotificationView
from helpline.services.providers import ProviderCreate, ProviderKind, ProviderUpdate, ProviderView

router = APIRouter()
Reader = Annotated[Actor, Depends(require(P.READ_REFERENCE))]
Manager = Annotated[Actor, Depends(require(P.MANAGE_PROVIDERS))]
CaseReader = Annotated[Actor, Depends(require(P.READ_CASES))]
CaseWriter = Annotated[Actor, Depends(require(P.WRITE_CASES))]
DOCTOR: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND, 403: {"description": "You hold no valid certification for the medical skill"},
    422: {"description": "Invalid input (a refusal without a reason, a case type that needs no doctor)"}}


@router.get("/providers", response_model=list[ProviderView], tags=["providers"], summary="Search the network")
def search_providers(uow: UoW, actor: Reader, kind: ProviderKind | None = None,
                     country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
                     city: SearchText = None, q: SearchText = None,
                     service: Annotated[str | None, Query(pattern=r"^[a-z0-9_]{1,40}$")] = None,
                     include_inactive: bool = False, limit: Limit = 100, offset: Offset = 0) -> list[ProviderView]:
    """Active providers by kind, country (ISO code), city (exact, any case), a word of the name or address
    (`q`) and a service offered, ordered by country, city and name."""
    return providers.search(uow, kind=kind, country=country, city=city, q=q, service=service,
                            include_inactive=include_inactive, limit=limit, offset=offset)


@router.post("/providers", response_model=ProviderView, status_code=status.HTTP_201_CREATED, tags=["providers"],
             summary="Add a provider")
def create_provider(body: ProviderCreate, uow: UoW, actor: Manager) -> ProviderView:
    return providers.create(uow, body)


@router.get("/providers/{provider_id}", response_model=ProviderView, tags=["providers"], responses=NOT_FOUND)
def get_provider(provider_id: IdPath, uow: UoW, actor: Reader) -> ProviderView:
    return providers.get(uow, provider_id)


@router.patch("/providers/{provider_id}", response_model=ProviderView, tags=["providers"], responses=NOT_FOUND,
              summary="Change a provider (or deactivate it: active=false)")
def update_provider(provider_id: IdPath, body: ProviderUpdate, uow: UoW, actor: Manager) -> ProviderView:
    return providers.update(uow, provider_id, body)


# --- the case types' work ---------------------------------------------------------------------------


@router.get("/cases/{case_id}/work", response_model=case_workflows.CaseWork, tags=["cases"], responses=NOT_FOUND,
            summary="Next steps, decisions, reviews, costs and ETA of a case")
def case_work(case_id: IdPath, uow: UoW, actor: CaseReader) -> case_workflows.CaseWork:
    """Reads of health-related cases are audited."""
    return case_workflows.work(uow, actor, case_id)


@router.post("/cases/{case_id}/medical-decision", response_model=case_workflows.CaseWork, tags=["cases"],
             responses=DOCTOR, summary="The doctor-curator's decision on a guarantee letter")
def medical_decision(case_id: IdPath, body: case_workflows.MedicalDecision, uow: UoW,
                     actor: CaseWriter) -> case_workflows.CaseWork:
    return case_workflows.decide(uow, actor, case_id, body)


@router.post("/cases/{case_id}/medical-review", response_model=case_workflows.CaseWork, tags=["cases"],
             responses=DOCTOR, summary="The medical review of an assistance case")
def medical_review(case_id: IdPath, body: case_workflows.MedicalReview, uow: UoW,
                   actor: CaseWriter) -> case_workflows.CaseWork:
    """Without a review a travel-assistance case cannot be resolved or closed (409)."""
    return case_workflows.review(uow, actor, case_id, body)


@router.post("/cases/{case_id}/costs", response_model=case_workflows.CaseWork, tags=["cases"],
             status_code=status.HTTP_201_CREATED, responses={**NOT_FOUND, 422: {"description": "Invalid input"}},
             summary="Add a line to an assistance case's cost log")
def add_cost(case_id: IdPath, body: case_workflows.CostCreate, uow: UoW,
             actor: CaseWriter) -> case_workflows.CaseWork:
    return case_workflows.add_cost(uow, actor, case_id, body)


@router.post("/cases/{case_id}/checklist", response_model=NotificationView, tags=["cases"],
             status_code=status.HTTP_201_CREATED, responses={**NOT_FOUND, 422: {"description": "Invalid input"}},
             summary="Send the case type's checklist SMS to the customer")
def send_checklist(case_id: IdPath, body: case_workflows.ChecklistCommand, uow: UoW,
                   actor: CaseWriter) -> NotificationView:
    return case_workflows.send_checklist(uow, actor, case_id, body)
