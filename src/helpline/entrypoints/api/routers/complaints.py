"""The complaint register: register complaints, list the open, due-soon and overdue ones, assign handlers,
request documents (extending the deadline), record the root cause and the outcome (docs/care/complaints.md)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from helpline.domain.complaints import DUE_SOON_WORKING_DAYS
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import NOT_FOUND, IdPath, IdQuery, Limit, Offset
from helpline.services import complaint_warnings, complaints
from helpline.services.complaint_schemas import (
    ChangeStatus,
    ComplaintView,
    ComplaintWarningView,
    ListState,
    RegisterComplaint,
    RequestDocuments,
    UpdateComplaint,
    WarnComplaints,
)

router = APIRouter(prefix="/complaints", tags=["complaints"])
Reader = Annotated[Actor, Depends(require(P.READ_COMPLAINTS))]
Writer = Annotated[Actor, Depends(require(P.WRITE_COMPLAINTS))]
Warner = Annotated[Actor, Depends(require(P.WARN_COMPLAINTS))]
CHANGE: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND, 403: {"description": "The complaint is about you"},
    409: {"description": "Not allowed in the complaint's status, or changed by someone else at the same moment"},
    422: {"description": "Invalid input (the handler is the agent complained about, an outcome is missing ...)"}}


@router.post("", response_model=ComplaintView, status_code=status.HTTP_201_CREATED, summary="Register a complaint",
             responses={**NOT_FOUND, 422: {"description": "Invalid input"}})
def register(body: RegisterComplaint, uow: UoW, actor: Writer) -> ComplaintView:
    """The deadline is computed by the rule (the one given, else the client's, else the handling site's
    country's, else ru-complaint) from `received_at`, as `helpline deadline` computes it."""
    return complaints.register(uow, actor, body)


@router.get("", response_model=list[ComplaintView], summary="List complaints")
def list_complaints(uow: UoW, actor: Reader, state: ListState = ListState.OPEN, client_id: IdQuery = None,
                    site_id: IdQuery = None, handler_user_id: IdQuery = None, subject_agent_id: IdQuery = None,
                    rule: Annotated[str | None, Query(max_length=64)] = None,
                    category: Annotated[str | None, Query(max_length=100)] = None,
                    due_soon_days: Annotated[int, Query(ge=0, le=60)] = DUE_SOON_WORKING_DAYS,
                    limit: Limit = 100, offset: Offset = 0) -> list[ComplaintView]:
    """`state`: open (default, most urgent first), due_soon (due within `due_soon_days` working days of the
    rule's calendar), overdue, answered, closed (closed or rejected), all. Supervisors see their sites'."""
    return complaints.listing(uow, actor, state=state, client_id=client_id, site_id=site_id,
                              handler_user_id=handler_user_id, subject_agent_id=subject_agent_id, rule=rule,
                              category=category, due_soon_days=due_soon_days, limit=limit, offset=offset)


@router.post("/warnings", response_model=list[ComplaintWarningView],
             summary="E-mail the deadline warnings due (for a scheduler)",
             responses={422: {"description": "No SMTP sender is configured, or invalid input"}})
def warn(request: Request, uow: UoW, actor: Warner, body: WarnComplaints | None = None) -> list[ComplaintWarningView]:
    """Every open complaint in the caller's scope due within `within_days` working days (default 2) or overdue,
    not yet warned about its current due date, is e-mailed to its handler (else its site's supervisors). Returns
    every e-mail tried; one with `sent: false` leaves its complaint unwarned, for the next call. Supervisors and
    administrators (warn_complaints)."""
    within_days = (body or WarnComplaints()).within_days
    return complaint_warnings.warn_due(uow, actor, base_url=str(request.base_url), within_days=within_days)


@router.get("/{complaint_id}", response_model=ComplaintView, summary="A complaint with its history",
            responses=NOT_FOUND)
def get_complaint(complaint_id: IdPath, uow: UoW, actor: Reader) -> ComplaintView:
    return complaints.get(uow, actor, complaint_id)


@router.patch("/{complaint_id}", response_model=ComplaintView, summary="Change a complaint (handler, root cause …)",
              responses=CHANGE)
def update(complaint_id: IdPath, body: UpdateComplaint, uow: UoW, actor: Writer) -> ComplaintView:
    return complaints.update(uow, actor, complaint_id, body)


@router.post("/{complaint_id}/documents-requested", response_model=ComplaintView,
             summary="Record that documents were requested (extends the deadline)", responses=CHANGE)
def request_documents(complaint_id: IdPath, body: RequestDocuments, uow: UoW, actor: Writer) -> ComplaintView:
    """RU: the deadline becomes 15 + 10 working days from receipt (`helpline deadline --extended`)."""
    return complaints.request_documents(uow, actor, complaint_id, body)


@router.post("/{complaint_id}/status", response_model=ComplaintView, summary="Take in hand, answer, close or reject",
             responses=CHANGE)
def change_status(complaint_id: IdPath, body: ChangeStatus, uow: UoW, actor: Writer) -> ComplaintView:
    """registered → in_progress → answered → closed, or rejected; answering needs the outcome and the
    response."""
    return complaints.change_status(uow, actor, complaint_id, body)
