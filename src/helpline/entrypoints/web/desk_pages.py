"""The agent desk (issue 6): presence, the offer ringing now, the interactions in hand with their customer
card, case form, wrap-up and transfer, and the chats side by side. Views stay thin: read models come from
services/desk.py, every change is an existing use case. htmx requests get fragments; the same forms work
without scripts (a redirect back to /desk)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from helpline.domain import case_forms as forms_domain
from helpline.domain.errors import DomainError, Forbidden, NotFound
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import CaseType, Channel, PresenceState
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, domain_error, form_values
from helpline.entrypoints.web.identity import WebUser, check_csrf, page_user
from helpline.entrypoints.web.rendering import N_, get_pages
from helpline.services import case_forms, desk, lifecycle, presence
from helpline.services.chat import conversation
from helpline.services.schemas import ActionCommand, CompleteCommand, PresenceChange, TransferCommand

router = APIRouter(route_class=WebRoute, include_in_schema=False)
InteractionId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Handler = Annotated[WebUser, Depends(page_user(P.HANDLE_INTERACTIONS))]
PresenceChanger = Annotated[WebUser, Depends(page_user(P.CHANGE_PRESENCE))]
Csrf = Annotated[str, Form()]


async def _posted(request: Request) -> FormData:
    """The posted form, read before the (synchronous) view runs in the thread pool."""
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]
REFRESH = {"HX-Trigger": "desk:refresh"}  # fragments listening for it reload (templates/desk/*.html)

ACTIONS = {"accept": lifecycle.accept, "reject": lifecycle.reject, "hold": lifecycle.hold,
           "resume": lifecycle.resume, "end": lifecycle.end}
NOTICES = {
    "presence": N_("Your status could not be changed: finish or transfer your interactions first."),
    "wrap_up_code": N_("Choose a wrap-up code."),
    "target": N_("Choose a queue or a colleague."),
    "identity": N_("Tick at least two checks."),
    "reply": N_("Write a message."),
    "chat": N_("The chat is not connected."),
}


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _alert_timeout_s(request: Request) -> float:
    return float(request.app.state.container.settings.routing_alert_timeout_s)


def _zone(request: Request):  # type: ignore[no-untyped-def]
    return get_pages(request).time_zone


def _focus(d: desk.Desk, wanted: int | None) -> desk.Work | None:
    if wanted is not None:
        found = next((w for w in d.work if w.interaction_id == wanted), None)
        if found is not None:
            return found
    return next((w for w in d.work if w.channel != Channel.CHAT), d.work[0] if d.work else None)


def _work_context(uow: UoW, user: WebUser, request: Request, d: desk.Desk, focus_id: int | None,
                  *, case_values: dict[str, Any] | None = None) -> dict[str, Any]:
    focus = _focus(d, focus_id)
    choices = desk.choices(uow)
    context: dict[str, Any] = {"d": d, "focus": focus, "choices": choices, "reasons": dict(choices.not_ready_reasons),
                               "chat_status": desk.chat_status(uow, [w.interaction_id for w in d.chats]),
                               "chats": {w.interaction_id: conversation.view(uow, user.actor, w.interaction_id)
                                         for w in d.chats}}
    if focus is not None:
        context.update(_focus_context(uow, user, focus.interaction_id, case_values))
    return context


def _focus_context(uow: UoW, user: WebUser, interaction_id: int,
                   case_values: dict[str, Any] | None = None) -> dict[str, Any]:
    card = desk.customer_card(uow, user.actor, interaction_id)
    interaction = desk.own_interaction(uow, user.actor, interaction_id)
    case_type = card.case["type"] if card.case else None
    context = {"card": card, "targets": desk.transfer_targets(uow, user.actor, interaction),
               "case_form": forms_domain.form_for(case_type) if case_type else None,
               "case_values": case_values if case_values is not None else (card.case or {}).get("details", {}),
               "case_types": forms_domain.FORM_TYPES, "identity_checks": case_forms.IDENTITY_CHECKS}
    return _with_providers(uow, context)


def _with_providers(uow: UoW, context: dict[str, Any]) -> dict[str, Any]:
    """The provider choices of the case form shown (from the case's saved country and city)."""
    form, card = context.get("case_form"), context.get("card")
    details = ((card.case or {}).get("details") or {}) if card is not None else {}
    context["provider_options"] = case_forms.provider_choices(uow, form.case_type if form else None, details)
    return context


def _render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return get_pages(request).render(request, template, status_code=status_code, **context)


def _done(request: Request) -> Response:
    if _htmx(request):
        return Response("", headers=REFRESH)
    return RedirectResponse("/desk", status_code=303)


def _refused(request: Request, message: str) -> Response:
    """A refused action: htmx shows the message in the desk's notice area; a plain form gets it as a page."""
    if _htmx(request):
        response = _render(request, "desk/notice.html", message=message)
        response.headers.update({"HX-Retarget": "#desk-notice", "HX-Reswap": "innerHTML", **REFRESH})
        return response
    return _render(request, "desk/notice_page.html", status_code=409, message=message)


# --- pages and fragments ------------------------------------------------------------------------


@router.get("/desk")
def desk_page(request: Request, uow: UoW, user: Handler,
              focus: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None) -> Response:
    d = desk.desk(uow, user.actor, _alert_timeout_s(request))
    return _render(request, "desk/page.html", live=True, **_work_context(uow, user, request, d, focus))


@router.get("/desk/status")
def desk_status(request: Request, uow: UoW, user: Handler) -> Response:
    d = desk.desk(uow, user.actor, _alert_timeout_s(request))
    return _render(request, "desk/status.html", d=d, reasons=dict(desk.choices(uow).not_ready_reasons))


@router.get("/desk/work")
def desk_work(request: Request, uow: UoW, user: Handler,
              focus: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None) -> Response:
    d = desk.desk(uow, user.actor, _alert_timeout_s(request))
    return _render(request, "desk/work.html", **_work_context(uow, user, request, d, focus))


@router.get("/desk/interactions/{interaction_id}/head")
def interaction_head(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler) -> Response:
    try:
        item = desk.work_item(uow, user.actor, interaction_id)
    except (NotFound, Forbidden):  # it left the desk: the fragment goes (the work area reloads anyway)
        return HTMLResponse("")
    return _render(request, "desk/head.html", w=item, focused=request.query_params.get("focused") == "1")


@router.get("/desk/interactions/{interaction_id}/chat")
def chat_log(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler) -> Response:
    desk.own_interaction(uow, user.actor, interaction_id)
    return _render(request, "desk/chat_log.html", interaction_id=interaction_id,
                   chat=conversation.view(uow, user.actor, interaction_id))


@router.get("/desk/interactions/{interaction_id}/case-form")
def case_form(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler,
              case_type: Annotated[CaseType | None, Query()] = None) -> Response:
    context = _focus_context(uow, user, interaction_id)
    if case_type is not None:
        context["case_form"] = forms_domain.form_for(case_type)
        _with_providers(uow, context)
    return _render(request, "desk/case_form.html", w=desk.work_item(uow, user.actor, interaction_id), **context)


# --- actions ------------------------------------------------------------------------------------


@router.post("/desk/presence")
def change_presence(request: Request, uow: UoW, user: PresenceChanger, csrf: Csrf = "",
                    state: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    agent_id = desk.require_agent(user.actor)
    try:
        wanted = PresenceState(state)
    except ValueError:
        raise NotFound("presence state", state) from None
    if wanted == PresenceState.NOT_READY and not reason:
        return _refused(request, N_("Choose a reason for not ready."))
    try:
        presence.change_presence(uow, user.actor, agent_id,
                                 PresenceChange(state=wanted, reason=reason if wanted == PresenceState.NOT_READY
                                                else None))
    except DomainError:
        uow.session.rollback()
        return _refused(request, NOTICES["presence"])
    return _done(request)


@router.post("/desk/interactions/{interaction_id}/wrap-up")
def wrap_up(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler, form: Posted) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    values = form_values(form)
    item = desk.work_item(uow, user.actor, interaction_id)
    errors: dict[str, str] = {}
    if not values.get("wrap_up_code"):
        errors["wrap_up_code"] = NOTICES["wrap_up_code"]
    else:
        try:
            lifecycle.complete(uow, user.actor, interaction_id,
                               CompleteCommand(wrap_up_code=values["wrap_up_code"], notes=values.get("notes", "")))
        except DomainError as error:
            uow.session.rollback()
            errors = domain_error(error, "wrap_up_code")
    if not errors:
        return _done(request)
    return _render(request, "desk/wrap_up.html", status_code=200 if _htmx(request) else 422, w=item,
                   values=values, errors=errors, choices=desk.choices(uow), focused=True)


@router.post("/desk/interactions/{interaction_id}/transfer")
def transfer(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler, form: Posted) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    values = form_values(form)
    desk.own_interaction(uow, user.actor, interaction_id)
    kind, _, raw_id = str(values.get("target", "")).partition(":")
    if kind not in ("queue", "agent") or not raw_id.isdigit():
        return _refused(request, NOTICES["target"])
    target = {"queue_id" if kind == "queue" else "agent_id": int(raw_id)}
    try:
        lifecycle.transfer(uow, user.actor, interaction_id,
                           TransferCommand(**target, note=str(values.get("note", ""))[:300]))
    except DomainError as error:
        uow.session.rollback()
        return _refused(request, domain_error(error)[FORM_LEVEL])
    return _done(request)


@router.post("/desk/interactions/{interaction_id}/case-form")
def save_case_form(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler, form: Posted) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    values = {k: v for k, v in form_values(form).items() if isinstance(v, str)}
    case_type = values.pop("case_type", "")
    if forms_domain.form_for(case_type) is None:
        raise NotFound("case form", case_type)
    desk.require_agent(user.actor)
    today = case_forms.local_today(uow, _zone(request))
    saved = case_forms.save_case_form(uow, user.actor, interaction_id, case_type, values, today)
    context = _focus_context(uow, user, interaction_id, case_values=values if saved.errors else None)
    context["case_form"] = forms_domain.form_for(case_type)
    _with_providers(uow, context)
    status = 422 if saved.errors and not _htmx(request) else 200
    return _render(request, "desk/case_form.html", status_code=status, w=desk.work_item(uow, user.actor,
                   interaction_id), errors=saved.errors, saved=not saved.errors, **context)


@router.post("/desk/interactions/{interaction_id}/identity")
def verify_identity(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler, form: Posted) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    checks = [str(v) for v in form.getlist("checks")]
    desk.require_agent(user.actor)
    errors: dict[str, str] = {}
    try:
        case_forms.verify_identity(uow, user.actor, interaction_id, checks)
    except (NotFound, Forbidden):
        raise
    except DomainError:
        uow.session.rollback()
        errors = {"identity": NOTICES["identity"]}
    context = _focus_context(uow, user, interaction_id)
    return _render(request, "desk/identity.html", status_code=422 if errors and not _htmx(request) else 200,
                   errors=errors, checked=checks, **context)


@router.post("/desk/interactions/{interaction_id}/reply")
def reply(request: Request, interaction_id: InteractionId, uow: UoW, user: Handler, form: Posted) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    text = str(form.get("text", "")).strip()
    desk.own_interaction(uow, user.actor, interaction_id)
    error = None
    if not text:
        error = NOTICES["reply"]
    elif len(text) > 4000:
        error = N_("This is too long.")
    else:
        try:
            conversation.agent_message(uow, user.actor, interaction_id, text, str(form.get("client_msg_id", ""))
                                       or None)
        except DomainError:
            uow.session.rollback()
            error = NOTICES["chat"]
    if not _htmx(request):
        return RedirectResponse(f"/desk?focus={interaction_id}", status_code=303) if error is None else \
            _refused(request, error)
    return _render(request, "desk/chat_log.html", interaction_id=interaction_id, error=error,
                   chat=conversation.view(uow, user.actor, interaction_id))


# last: the other POST paths under /desk/interactions/{id}/ must match first
@router.post("/desk/interactions/{interaction_id}/{action}")
def act(request: Request, interaction_id: InteractionId, action: str, uow: UoW, user: Handler,
        csrf: Csrf = "") -> Response:
    check_csrf(request, csrf)
    if action not in ACTIONS:
        raise NotFound("action", action)
    desk.require_agent(user.actor)
    interaction = desk.own_interaction(uow, user.actor, interaction_id)
    try:
        if action == "end" and interaction.channel == Channel.CHAT:
            conversation.end_by_agent(uow, user.actor, interaction_id)  # the visitor sees the chat end
        else:
            ACTIONS[action](uow, user.actor, interaction_id, ActionCommand())
    except DomainError as error:
        uow.session.rollback()
        return _refused(request, domain_error(error)[FORM_LEVEL])
    return _done(request)
