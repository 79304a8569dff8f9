"""The satisfaction survey pages: /surveys (answers with filters and the CSAT figures), /surveys/reviews (the
reviews scores below 4 open, and the review form), /surveys/campaigns (start a call-back campaign, its
figures) and /s/{token}, the customer's answer page (no log-in: the link's token is the credential; no CSRF
token either, since there is no session to ride). The same use cases as /api/v1/surveys (services/surveys.py)."""

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from helpline.bootstrap import Container
from helpline.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, get_container
from helpline.entrypoints.web.admin_common import MANY, Posted, checked, done, page, text, typed
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, parse_form
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import LANGUAGES, N_, get_pages
from helpline.services import queues_admin, reference, surveys
from helpline.services.survey_schemas import (
    AnswerSurvey,
    CampaignSource,
    CloseReview,
    CreateCampaign,
    ReviewNote,
    ReviewResult,
    SurveyChannel,
)
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[WebUser, Depends(page_user(P.READ_SURVEYS))]
Reviewer = Annotated[WebUser, Depends(page_user(P.REVIEW_SURVEYS))]
Manager = Annotated[WebUser, Depends(page_user(P.MANAGE_SURVEYS))]
Settings = Annotated[Container, Depends(get_container)]
Token = Annotated[str, Path(min_length=10, max_length=100)]

CONTACT_CONTRADICTS = N_("A customer who was not reached cannot have been contacted.")
ALREADY_DONE = N_("This review has already been recorded; the page has been refreshed.")
OWN_SCORE = N_("You may not review a low score of your own.")
CHAT_CAMPAIGN = N_("A campaign sends by SMS, e-mail or call-back: the chats have ended.")


def _day_start(day: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time(), zone)
    except ValueError:
        return None


def _names(uow: UnitOfWork) -> dict[str, Any]:
    clients: list[Any] = reference.list_items(uow, reference.CLIENTS, limit=MANY)
    return {"clients": {c.id: c.name for c in clients}}


# --- answers and figures --------------------------------------------------------------------------


@router.get("/surveys")
def surveys_page(request: Request, uow: UoW, user: Reader, container: Settings,
                 client_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                 channel: SurveyChannel | None = None, day_from: Annotated[str, Query(alias="from")] = "",
                 day_to: Annotated[str, Query(alias="to")] = "", answered: bool | None = None,
                 max_score: Annotated[int | None, Query(ge=1, le=5)] = None) -> Response:
    zone = ZoneInfo(container.settings.time_zone)
    since = _day_start(day_from, zone)
    until = _day_start(day_to, zone)
    until = until + timedelta(days=1) if until else None
    found = surveys.listing(uow, user.actor, client_id=client_id, channel=channel, since=since, until=until,
                            answered=answered, max_score=max_score, limit=500)
    shown = surveys.figures(uow, user.actor, client_id=client_id, channel=channel, since=since, until=until)
    filters = {"client_id": client_id or "", "channel": channel.value if channel else "", "from": day_from,
               "to": day_to, "answered": "" if answered is None else str(answered).lower(),
               "max_score": max_score or ""}
    return page(request, "surveys/index.html", surveys=found, figures=shown, values=filters,
                channels=[c.value for c in SurveyChannel], **_names(uow))


# --- reviews --------------------------------------------------------------------------------------


@router.get("/surveys/reviews")
def reviews_page(request: Request, uow: UoW, user: Reviewer, state: Annotated[str, Query(
        pattern="^(open|done)$")] = "open") -> Response:
    return page(request, "surveys/reviews.html", reviews=surveys.reviews(uow, user.actor, status=state),
                state=state, **_names(uow))


@router.get("/surveys/reviews/{review_id}")
def review_page(request: Request, review_id: SmallId, uow: UoW, user: Reviewer) -> Response:
    return _review(request, uow, user, review_id)


def _review(request: Request, uow: UnitOfWork, user: WebUser, review_id: int, *, errors: FormErrors | None = None,
            failed: str = "", values: dict[str, Any] | None = None) -> Response:
    found = surveys.review(uow, user.actor, review_id)
    return page(request, "surveys/review.html", review=found, errors=errors, failed=failed, values=values or {},
                results=[r.value for r in ReviewResult], **_names(uow))


@router.post("/surveys/reviews/{review_id}/notes")
def add_note(request: Request, review_id: SmallId, uow: UoW, user: Reviewer, form: Posted) -> Response:
    cmd, errors = parse_form(ReviewNote, {"comment": text(form, "note")})
    if cmd is not None:
        surveys.add_note(uow, user.actor, review_id, cmd)
        return done(request, f"/surveys/reviews/{review_id}", N_("The note has been added."))
    return _review(request, uow, user, review_id, errors={"note": errors.get("comment", FORM_LEVEL)},
                   failed="note", values=typed(form))


@router.post("/surveys/reviews/{review_id}/close")
def close_review(request: Request, review_id: SmallId, uow: UoW, user: Reviewer, form: Posted) -> Response:
    values = {"result": text(form, "result"), "customer_contacted": checked(form, "customer_contacted"),
              "cause": text(form, "cause"), "action": text(form, "action"), "comment": text(form, "comment")}
    cmd, errors = parse_form(CloseReview, values)
    if cmd is not None:
        try:
            surveys.close(uow, user.actor, review_id, cmd)
        except InvalidInput:
            errors = {"customer_contacted": CONTACT_CONTRADICTS}
        except Conflict:
            errors = {FORM_LEVEL: ALREADY_DONE}
        except Forbidden:
            errors = {FORM_LEVEL: OWN_SCORE}
        else:
            return done(request, f"/surveys/reviews/{review_id}", N_("The review's result has been recorded."))
    return _review(request, uow, user, review_id, errors=errors, failed="close", values=typed(form))


# --- campaigns ------------------------------------------------------------------------------------


def _campaign_options(uow: UnitOfWork, user: WebUser) -> dict[str, Any]:
    clients: list[Any] = reference.list_items(uow, reference.CLIENTS, limit=MANY)
    queues = queues_admin.list_queues(uow, user.actor)
    return {"client_options": [(c.id, c.name) for c in clients],
            "queue_options": [(q.id, q.name) for q in queues],
            "channel_options": [(c.value, c.value) for c in SurveyChannel if c != SurveyChannel.CHAT],
            "sources": [s.value for s in CampaignSource]}


@router.get("/surveys/campaigns")
def campaigns_page(request: Request, uow: UoW, user: Reader) -> Response:
    today = uow.now().date()
    values = {"channel": SurveyChannel.VOICE.value, "source": CampaignSource.INTERACTIONS.value,
              "period_from": (today - timedelta(days=7)).isoformat(), "period_to": today.isoformat()}
    return _campaigns(request, uow, user, values=values)


def _campaigns(request: Request, uow: UnitOfWork, user: WebUser, *, values: dict[str, Any],
               errors: FormErrors | None = None) -> Response:
    return page(request, "surveys/campaigns.html", campaigns=surveys.campaigns(uow, user.actor), values=values,
                errors=errors, may_manage=user.actor.can(P.MANAGE_SURVEYS), **_campaign_options(uow, user),
                **_names(uow))


@router.post("/surveys/campaigns")
def start_campaign(request: Request, uow: UoW, user: Manager, form: Posted, container: Settings) -> Response:
    zone = ZoneInfo(container.settings.time_zone)
    errors: FormErrors = {}
    values: dict[str, Any] = {key: text(form, key) for key in ("name", "client_id", "queue_id", "channel", "source",
                                                                "limit") if text(form, key)}
    values["ask_nps"] = checked(form, "ask_nps")
    for field, shift in (("period_from", 0), ("period_to", 1)):
        start = _day_start(text(form, field), zone)
        if start is None:
            errors[field] = N_("Enter a date.")
        else:
            values[field] = start + timedelta(days=shift)  # the last day counts whole
    if not errors:
        cmd, errors = parse_form(CreateCampaign, values)
        if cmd is not None:
            try:
                created = surveys.create_campaign(uow, user.actor, cmd, str(request.base_url))
            except InvalidInput:
                errors = {"channel": CHAT_CAMPAIGN}
            except NotFound as missing:
                errors = domain_error(missing, "queue_id" if missing.what == "queue" else "client_id")
            except DomainError as refused:
                errors = domain_error(refused)
            else:
                return done(request, f"/surveys/campaigns#campaign-{created.id}",
                            N_("The campaign has been started."))
        if "period_from" in errors or "period_to" in errors:
            errors.setdefault("period_to", N_("The period must end after it starts."))
    return _campaigns(request, uow, user, values=typed(form), errors=errors)


# --- the customer's answer page -------------------------------------------------------------------


def _public(request: Request, uow: UnitOfWork, token: str, *, errors: FormErrors | None = None,
            values: dict[str, Any] | None = None, thanks: bool = False) -> Response:
    shown = surveys.public_view(uow, token)
    asked = request.query_params.get("lang")
    request.state.language = asked if asked in LANGUAGES else shown.language
    status_code = 422 if errors else 410 if shown.state == "expired" and not thanks else 200
    return get_pages(request).render(request, "surveys/answer.html", status_code=status_code, survey=shown,
                                     token=token, errors=errors or {}, values=values or {}, thanks=thanks,
                                     scores=range(1, 6), nps_scores=range(11))


@router.get("/s/{token}")
def answer_page(request: Request, token: Token, uow: UoW) -> Response:
    return _public(request, uow, token, thanks=request.query_params.get("thanks") == "1")


@router.post("/s/{token}")
def answer(request: Request, token: Token, uow: UoW, score: Annotated[str, Form()] = "",
           nps: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = ""
           ) -> Response:
    values = {"score": score.strip(), "nps": nps.strip(), "comment": comment.strip()}
    cmd, errors = parse_form(AnswerSurvey, {k: v for k, v in values.items() if v})
    if "score" in errors:
        errors["score"] = N_("Choose a score from 1 to 5.")
    if cmd is not None:
        try:
            surveys.answer(uow, token, cmd)
        except Conflict:  # answered meanwhile, or expired: the page says which
            return RedirectResponse(request.url.path, status_code=303)
        except InvalidInput:
            errors = {"nps": N_("This survey does not ask this question.")}
        else:
            lang = request.query_params.get("lang")
            suffix = f"&lang={lang}" if lang in LANGUAGES else ""
            return RedirectResponse(f"{request.url.path}?thanks=1{suffix}", status_code=303)
    return _public(request, uow, token, errors=errors, values=values)
