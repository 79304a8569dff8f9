"""The complaint register's pages: the list (due soon and overdue highlighted, filters), the register form (opened
from the desk with ?interaction_id= or ?case_id=) and one complaint with its history and actions. The same use
cases as /api/v1/complaints (services/complaints.py)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from helpline.domain.complaints import CATEGORIES, DUE_SOON_WORKING_DAYS, ROOT_CAUSES, ComplaintStatus, Outcome
from helpline.domain.deadlines import BUILT_IN_RULES
from helpline.domain.errors import Conflict, DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import Channel
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import MANY, Posted, done, page, text, typed
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, parse_form
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_
from helpline.services import complaints, reference
from helpline.services.complaint_schemas import (
    ChangeStatus,
    ComplaintView,
    ListState,
    RegisterComplaint,
    RequestDocuments,
    UpdateComplaint,
)
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[WebUser, Depends(page_user(P.READ_COMPLAINTS))]
Writer = Annotated[WebUser, Depends(page_user(P.WRITE_COMPLAINTS))]

HANDLER_IS_SUBJECT = N_("The handler may not be the agent the complaint is about.")
NAME_NEEDED = N_("Give the complainant's name (or choose a known customer).")
NO_EXTENSION = N_("This deadline rule has no extended deadline.")
OUTCOME_NEEDED = N_("Give the outcome and the response sent to the complainant.")
ABOUT_YOURSELF = N_("You may not handle a complaint about yourself.")
RECEIVED_IN_FUTURE = N_("The complaint cannot be received in the future.")
CLIENT_NEEDED = N_("Choose the client (or open the form from an interaction or a case).")
ALREADY_REQUESTED = N_("Documents have already been requested, or the complaint is no longer open.")


def _options(uow: UnitOfWork, user: WebUser) -> dict[str, Any]:
    clients: list[Any] = reference.list_items(uow, reference.CLIENTS, limit=MANY)
    return {"client_options": [(c.id, c.name) for c in clients],
            "handler_options": complaints.handlers(uow, user.actor),
            "rule_options": [(name, name) for name in sorted(complaints.deadline_rules())],
            "channel_options": [c.value for c in Channel], "categories": CATEGORIES, "root_causes": ROOT_CAUSES,
            "outcomes": [o.value for o in Outcome]}


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


@router.get("/complaints")
def complaints_page(request: Request, uow: UoW, user: Reader, state: ListState = ListState.OPEN,
                    client_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                    due_soon_days: Annotated[int, Query(ge=0, le=60)] = DUE_SOON_WORKING_DAYS) -> Response:
    found = complaints.listing(uow, user.actor, state=state, client_id=client_id, due_soon_days=due_soon_days,
                               limit=500)
    summary = complaints.counts(uow, user.actor, due_soon_days)
    clients: list[Any] = reference.list_items(uow, reference.CLIENTS, limit=MANY)
    return page(request, "complaints/list.html", complaints=found, summary=summary, state=state.value,
                states=[s.value for s in ListState], client_id=client_id, due_soon_days=due_soon_days,
                client_options=[(c.id, c.name) for c in clients])


@router.get("/complaints/new")
def new_complaint(request: Request, uow: UoW, user: Writer,
                  interaction_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
                  case_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    values: dict[str, Any] = {"received_at": uow.now().astimezone(BUILT_IN_RULES["ru-complaint"].zone).strftime(
        "%Y-%m-%dT%H:%M"), "channel": Channel.VOICE.value}
    if interaction_id is not None:
        values["interaction_id"] = interaction_id
    if case_id is not None:
        values["case_id"] = case_id
    return page(request, "complaints/form.html", values=values, **_options(uow, user))


@router.post("/complaints/new")
def register_complaint(request: Request, uow: UoW, user: Writer, form: Posted) -> Response:
    values: dict[str, Any] = {key: text(form, key) for key in (
        "client_id", "case_id", "interaction_id", "complainant_name", "complainant_contact", "representative",
        "channel", "category", "subject", "facts", "remedy_sought", "subject_agent_id", "handler_user_id", "rule",
        "received_at")}
    values = {key: value for key, value in values.items() if value}
    if other := text(form, "category_other"):
        values["category"] = other
    values["evidence"] = _lines(text(form, "evidence"))
    cmd, errors = parse_form(RegisterComplaint, values)
    if cmd is not None:
        try:
            created = complaints.register(uow, user.actor, cmd)
        except DomainError as refused:
            errors = _register_error(refused)
        else:
            return done(request, f"/complaints/{created.id}", N_("The complaint has been registered."))
    return page(request, "complaints/form.html", values=typed(form), errors=errors, **_options(uow, user))


def _register_error(error: DomainError) -> FormErrors:
    message = str(error)
    if isinstance(error, InvalidInput):
        for needle, field, shown in (("handler", "handler_user_id", HANDLER_IS_SUBJECT),
                                     ("handle complaints", "handler_user_id", None),
                                     ("name", "complainant_name", NAME_NEEDED),
                                     ("future", "received_at", RECEIVED_IN_FUTURE),
                                     ("client_id", "client_id", CLIENT_NEEDED), ("another client", "client_id", None),
                                     ("another case", "case_id", None), ("rule", "rule", None)):
            if needle in message:
                return {field: shown} if shown else domain_error(error, field)
        return domain_error(error)
    if isinstance(error, NotFound):
        field = {"interaction": "interaction_id", "case": "case_id", "client": "client_id", "customer": FORM_LEVEL,
                 "agent": "subject_agent_id", "user": "handler_user_id"}.get(error.what, FORM_LEVEL)
        return domain_error(error, field)
    return domain_error(error)


@router.get("/complaints/{complaint_id}")
def complaint_page(request: Request, complaint_id: SmallId, uow: UoW, user: Reader) -> Response:
    return _detail(request, uow, user, complaints.get(uow, user.actor, complaint_id))


def _detail(request: Request, uow: UnitOfWork, user: WebUser, complaint: ComplaintView, *,
            errors: FormErrors | None = None, failed: str = "", values: dict[str, Any] | None = None) -> Response:
    shown = {"handler_user_id": complaint.handler_user_id or "", "root_cause": complaint.root_cause,
             "outcome": complaint.outcome.value if complaint.outcome else "", "response": complaint.response}
    status = ComplaintStatus(complaint.status)
    nexts = [s.value for s in ComplaintStatus if s != status and _allowed(status, s)]
    return page(request, "complaints/detail.html", complaint=complaint, errors=errors, failed=failed,
                values=shown | (values or {}), next_statuses=nexts,
                extensible=complaint.rule in complaints.deadline_rules()
                and complaints.deadline_rules()[complaint.rule].extensible,
                can_change=user.actor.can(P.WRITE_COMPLAINTS) and status not in (
                    ComplaintStatus.CLOSED, ComplaintStatus.REJECTED)
                and not (user.actor.agent_id is not None and complaint.subject_agent_id == user.actor.agent_id),
                **_options(uow, user))


def _allowed(current: ComplaintStatus, target: ComplaintStatus) -> bool:
    from helpline.domain.complaints import TRANSITIONS

    return target in TRANSITIONS[current]


@router.post("/complaints/{complaint_id}/handler")
def assign_handler(request: Request, complaint_id: SmallId, uow: UoW, user: Writer, form: Posted) -> Response:
    complaint = complaints.get(uow, user.actor, complaint_id)
    values: dict[str, Any] = {"handler_user_id": text(form, "handler_user_id") or None,
                              "root_cause": text(form, "root_cause_other") or text(form, "root_cause"),
                              "note": text(form, "note")}
    cmd, errors = parse_form(UpdateComplaint, values)
    if cmd is not None:
        try:
            complaints.update(uow, user.actor, complaint_id, cmd)
        except DomainError as refused:
            errors = _change_error(refused, "handler_user_id")
        else:
            return done(request, f"/complaints/{complaint_id}", N_("The changes have been saved."))
    return _detail(request, uow, user, complaint, errors=errors, failed="handler", values=typed(form))


@router.post("/complaints/{complaint_id}/documents")
def documents_requested(request: Request, complaint_id: SmallId, uow: UoW, user: Writer, form: Posted) -> Response:
    complaint = complaints.get(uow, user.actor, complaint_id)
    cmd, errors = parse_form(RequestDocuments, {"note": text(form, "documents_note")})
    if cmd is not None:
        try:
            complaints.request_documents(uow, user.actor, complaint_id, cmd)
        except InvalidInput:
            errors = {"documents_note": NO_EXTENSION}
        except Conflict:
            errors = {"documents_note": ALREADY_REQUESTED}
        except DomainError as refused:
            errors = _change_error(refused, "documents_note")
        else:
            return done(request, f"/complaints/{complaint_id}",
                        N_("Documents requested: the deadline has been extended."))
    else:
        errors = {"documents_note": errors.get("note", N_("This value is not valid."))}
    return _detail(request, uow, user, complaint, errors=errors, failed="documents", values=typed(form))


@router.post("/complaints/{complaint_id}/status")
def change_status(request: Request, complaint_id: SmallId, uow: UoW, user: Writer, form: Posted) -> Response:
    complaint = complaints.get(uow, user.actor, complaint_id)
    values: dict[str, Any] = {"status": text(form, "status"), "outcome": text(form, "outcome") or None,
                              "response": text(form, "response"),
                              "root_cause": text(form, "root_cause_other") or text(form, "root_cause") or None,
                              "note": text(form, "note")}
    cmd, errors = parse_form(ChangeStatus, values)
    if cmd is not None:
        try:
            complaints.change_status(uow, user.actor, complaint_id, cmd)
        except InvalidInput as refused:
            field = "outcome" if "outcome" in str(refused) else "response"
            errors = {field: OUTCOME_NEEDED} if "outcome" in str(refused) or "response" in str(refused) else \
                domain_error(refused, "status")
        except DomainError as refused:
            errors = _change_error(refused, "status")
        else:
            return done(request, f"/complaints/{complaint_id}", N_("The status has been changed."))
    return _detail(request, uow, user, complaint, errors=errors, failed="status", values=typed(form))


def _change_error(error: DomainError, field: str) -> FormErrors:
    if isinstance(error, Forbidden):
        return {field: ABOUT_YOURSELF}
    if isinstance(error, InvalidInput) and "handler" in str(error):
        return {"handler_user_id": HANDLER_IS_SUBJECT}
    if isinstance(error, IllegalTransition | Conflict | NotFound | InvalidInput):
        return domain_error(error, field)
    raise error
