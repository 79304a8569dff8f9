"""The provider directory (/providers: search by kind, country, city and text; add and (de)activate partners)
and, on the desk, what follows a case's form (/desk/cases/{id}/…): the next steps, the checklist SMS, the
doctor-curator's decision, the medical review, the cost log and the providers near the case. The same use
cases as /api/v1/providers and /api/v1/cases/{id}/… (services/providers.py, services/case_workflows.py).

The desk routes sit under /desk/cases/ (not /desk/interactions/{id}/, whose last route takes any action)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from helpline.domain import case_forms
from helpline.domain import case_workflows as rules
from helpline.domain.errors import Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import CaseType
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import Posted, done, page, text, typed
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, form_values, parse_form
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.rendering import N_, get_pages
from helpline.services import case_workflows, providers
from helpline.services.providers import ProviderCreate, ProviderKind, ProviderUpdate
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[WebUser, Depends(page_user(P.READ_REFERENCE))]
Manager = Annotated[WebUser, Depends(page_user(P.MANAGE_PROVIDERS))]
Handler = Annotated[WebUser, Depends(page_user(P.HANDLE_INTERACTIONS))]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ProviderId = Annotated[int, Path(ge=1, le=2**31 - 1)]

ADDED = N_("The provider is added.")
ACTIVATED = N_("The provider is active again.")
DEACTIVATED = N_("The provider is deactivated.")
SENT = N_("The checklist is queued for sending by SMS.")
SENT_EMAIL = N_("The checklist is queued for sending by e-mail.")
NO_EMAIL = N_("The customer has no e-mail address.")
CHANNELS = (("sms", N_("SMS")), ("email", N_("E-mail")))
RECORDED = N_("Recorded.")
NO_CUSTOMER = N_("The case has no customer to send the checklist to.")
NOT_MEDICAL = N_(rules.NOT_MEDICAL)
REASON_NEEDED = N_(rules.REASON_NEEDED)
PROVIDER_KINDS = (("clinic", N_("Clinic")), ("tow", N_("Tow service")), ("assistance", N_("Assistance partner")))
DECISIONS = (("approved", N_("Approve")), ("refused", N_("Refuse")),
             ("documents_requested", N_("Request documents")))
REVIEWS = (("confirmed", N_("Confirmed")), ("corrected", N_("Corrected")))
NEARBY_KIND = {CaseType.TRAVEL_ASSISTANCE: None, CaseType.ROADSIDE_ASSISTANCE: ProviderKind.TOW,
               CaseType.DMS_GUARANTEE_LETTER: ProviderKind.CLINIC}


def _lines(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace(",", "\n").splitlines() if part.strip()]


# --- the directory --------------------------------------------------------------------------------


@router.get("/providers")
def directory(request: Request, uow: UoW, user: Reader,
              kind: Annotated[ProviderKind | None, Query()] = None,
              country: Annotated[str, Query(max_length=2)] = "", city: Annotated[str, Query(max_length=100)] = "",
              q: Annotated[str, Query(max_length=200)] = "",
              inactive: Annotated[bool, Query()] = False) -> Response:
    return _directory(request, uow, user, filters={"kind": kind.value if kind else "", "country": country,
                                                   "city": city, "q": q, "inactive": inactive})


def _directory(request: Request, uow: UnitOfWork, user: WebUser, *, filters: dict[str, Any] | None = None,
               values: dict[str, Any] | None = None, errors: FormErrors | None = None) -> Response:
    f = filters or {"kind": "", "country": "", "city": "", "q": "", "inactive": False}
    found = providers.search(uow, kind=ProviderKind(f["kind"]) if f["kind"] else None,
                             country=f["country"] if len(f["country"]) == 2 else None, city=f["city"] or None,
                             q=f["q"] or None, include_inactive=bool(f["inactive"]), limit=500)
    return page(request, "providers/list.html", errors=errors, providers=found, filters=f, values=values or {},
                kinds=PROVIDER_KINDS, can_manage=user.actor.can(P.MANAGE_PROVIDERS))


@router.post("/providers")
def add_provider(request: Request, uow: UoW, user: Manager, form: Posted) -> Response:
    values = form_values(form)
    fields = {**values, "phones": _lines(text(form, "phones")), "services": _lines(text(form, "services"))}
    cmd, errors = parse_form(ProviderCreate, fields)
    if cmd is None:
        return _directory(request, uow, user, values=typed(form), errors=errors)
    providers.create(uow, cmd)
    return done(request, "/providers", ADDED)


@router.post("/providers/{provider_id}/active")
def set_active(request: Request, provider_id: ProviderId, uow: UoW, user: Manager, form: Posted) -> Response:
    active = text(form, "active") == "yes"
    providers.update(uow, provider_id, ProviderUpdate(active=active))
    return done(request, "/providers?inactive=true", ACTIVATED if active else DEACTIVATED)


# --- the desk: what follows the case form -------------------------------------------------------------


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _work_context(uow: UnitOfWork, user: WebUser, case_id: int) -> dict[str, Any]:
    work = case_workflows.work(uow, user.actor, case_id)
    case_type = CaseType(work.type) if work.type in {t.value for t in CaseType} else None
    nearby: list[providers.ProviderView] = []
    details = work.details
    if case_type is not None and case_type in NEARBY_KIND:
        country = str(details.get("country", "")) if case_type == CaseType.TRAVEL_ASSISTANCE else None
        city = str(details.get("city", "")) if case_type == CaseType.TRAVEL_ASSISTANCE else None
        nearby = providers.search(uow, kind=NEARBY_KIND[case_type], country=country or None, city=city or None,
                                  limit=10)
    return {"work": work, "nearby": nearby, "provider_options": [(p.id, p.name) for p in nearby],
            "doctor": _is_doctor(uow, user), "decisions": DECISIONS, "channels": CHANNELS,
            "checklist_email": bool(work.sms_template) and case_workflows.has_email(uow, work),
            "reviews": REVIEWS, "kinds": dict(PROVIDER_KINDS)}


def _is_doctor(uow: UnitOfWork, user: WebUser) -> bool:
    try:
        case_workflows.medical_agent(uow, user.actor)
    except Forbidden:
        return False
    return True


def _fragment(request: Request, uow: UnitOfWork, user: WebUser, case_id: int, *, failed: str = "",
              errors: FormErrors | None = None, values: dict[str, Any] | None = None, notice: str = "") -> Response:
    context = _work_context(uow, user, case_id)
    status = 422 if errors and not _htmx(request) else 200
    return get_pages(request).render(request, "desk/case_work.html", status_code=status, failed=failed,
                                     errors=errors or {}, values=values or {}, notice=notice, **context)


def _after(request: Request, uow: UnitOfWork, user: WebUser, case_id: int, notice: str) -> Response:
    if _htmx(request):
        return _fragment(request, uow, user, case_id, notice=notice)
    return RedirectResponse("/desk", status_code=303)


@router.get("/desk/cases/{case_id}/work")
def case_work(request: Request, case_id: CaseId, uow: UoW, user: Handler) -> Response:
    return _fragment(request, uow, user, case_id)


@router.post("/desk/cases/{case_id}/checklist")
def send_checklist(request: Request, case_id: CaseId, uow: UoW, user: Handler, form: Posted) -> Response:
    values = form_values(form)
    flow = case_forms.workflow_for(case_workflows.work(uow, user.actor, case_id).type)
    wanted = flow.sms_params if flow else ()
    channel = str(values.get("channel") or "sms")
    errors: FormErrors = {name: N_("This field is required.") for name in wanted if not values.get(name)}
    if channel not in dict(CHANNELS):
        errors["channel"] = N_("Choose one of the options.")
    if not errors:
        cmd, errors = parse_form(case_workflows.ChecklistCommand, {"params": {n: values[n] for n in wanted},
                                                                   "channel": channel})
        errors = {next(iter(wanted), FORM_LEVEL): message for message in errors.values()}  # the one parameter
        if cmd is not None:
            try:
                case_workflows.send_checklist(uow, user.actor, case_id, cmd)
            except InvalidInput as error:
                uow.session.rollback()
                errors = {"channel": NO_EMAIL} if str(error) == case_workflows.NO_EMAIL else \
                    {FORM_LEVEL: NO_CUSTOMER} if "customer" in str(error) else domain_error(error)
    if errors:
        return _fragment(request, uow, user, case_id, failed="checklist", errors=errors, values=values)
    return _after(request, uow, user, case_id, SENT_EMAIL if channel == "email" else SENT)


@router.post("/desk/cases/{case_id}/decision")
def decide(request: Request, case_id: CaseId, uow: UoW, user: Handler, form: Posted) -> Response:
    values = form_values(form)
    cmd, errors = parse_form(case_workflows.MedicalDecision, {"decision": values.get("curator_decision", ""),
                                                              "reason": values.get("reason", "")})
    errors = {("curator_decision" if k == "decision" else k): v for k, v in errors.items()}
    if cmd is not None:
        if rules.needs_reason(cmd.decision, cmd.reason):
            errors = {"reason": REASON_NEEDED}
        else:
            case_workflows.decide(uow, user.actor, case_id, cmd)  # Forbidden (not a doctor): the 403 page
    if errors:
        return _fragment(request, uow, user, case_id, failed="decision", errors=errors, values=values)
    return _after(request, uow, user, case_id, RECORDED)


@router.post("/desk/cases/{case_id}/review")
def review(request: Request, case_id: CaseId, uow: UoW, user: Handler, form: Posted) -> Response:
    values = form_values(form)
    cmd, errors = parse_form(case_workflows.MedicalReview, {"review": values.get("review", ""),
                                                            "comment": values.get("comment", "")})
    if cmd is not None:
        case_workflows.review(uow, user.actor, case_id, cmd)
    if errors:
        return _fragment(request, uow, user, case_id, failed="review", errors=errors, values=values)
    return _after(request, uow, user, case_id, RECORDED)


@router.post("/desk/cases/{case_id}/costs")
def add_cost(request: Request, case_id: CaseId, uow: UoW, user: Handler, form: Posted) -> Response:
    values = form_values(form)
    fields = {k: values.get(k) for k in ("incurred_on", "description", "currency", "provider_id")
              if values.get(k)}
    if values.get("amount"):
        fields["amount"] = str(values["amount"]).replace(",", ".").replace(" ", "")
    cmd, errors = parse_form(case_workflows.CostCreate, fields)
    if cmd is not None:
        try:
            case_workflows.add_cost(uow, user.actor, case_id, cmd)
        except (InvalidInput, NotFound) as error:
            if isinstance(error, NotFound) and cmd.provider_id is None:
                raise
            uow.session.rollback()
            errors = domain_error(error, "provider_id" if isinstance(error, NotFound) else FORM_LEVEL)
    if errors:
        return _fragment(request, uow, user, case_id, failed="cost", errors=errors, values=values)
    return _after(request, uow, user, case_id, RECORDED)

