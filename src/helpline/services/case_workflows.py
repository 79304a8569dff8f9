"""What follows a case type's form (domain/case_forms.py WORKFLOWS): the next steps and the checklist SMS, the
doctor-curator's decision on a guarantee letter and the medical review of an assistance case (only agents with
a valid medical certification: domain/case_workflows.py), the cost log, and the roadside ETA.

Doctors see beyond the agent scope: a certified medical agent may decide on or review any case of a type that
needs a doctor, as a medical department does. Every read or change of these (health) cases is audited."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from sqlalchemy import or_, select

from helpline.adapters.db.models import Agent, Case, Client, Customer
from helpline.adapters.db.models_case_types import CaseCost, CaseMedicalRecord, Provider
from helpline.domain import case_forms
from helpline.domain import case_workflows as rules
from helpline.domain.errors import Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.training import is_valid
from helpline.domain.vocabulary import CaseStatus
from helpline.services import cases, notifications, scope
from helpline.services.admin_schemas import NoNul
from helpline.services.channels import outbox, templates
from helpline.services.schemas import Command, View
from helpline.services.unit_of_work import UnitOfWork

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), NoNul]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Param = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]


class MedicalDecision(Command):
    decision: rules.Decision
    reason: Reason = Field("", description="Required for a refusal or a request for documents")


class MedicalReview(Command):
    review: rules.Review
    comment: Reason = ""


class CostCreate(Command):
    incurred_on: date
    provider_id: int | None = Field(None, ge=1, le=2**31 - 1)
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul]
    amount: Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2)]
    currency: Currency


EMAIL_TEMPLATE = "case_checklist"  # the e-mail around the type's checklist text (messages/case_checklist.*.txt)
NO_EMAIL = "the customer has no e-mail address for the checklist"


class ChecklistCommand(Command):
    params: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")], Param] = Field(
        default_factory=dict, max_length=10, description="The workflow's sms_params (upload_url, hotline)")
    channel: Literal["sms", "email"] = Field("sms", description="email: to the customer's first e-mail address")


class MedicalRecordView(View):
    id: int
    kind: str
    outcome: str
    reason: str
    agent_id: int
    at: datetime


class CostView(View):
    id: int
    incurred_on: date
    provider_id: int | None
    description: str
    amount: Decimal
    currency: str
    created_at: datetime


class CaseWork(View):
    case_id: int
    type: str
    status: str
    details: dict[str, Any]
    next_steps: list[str]
    sms_template: str | None
    sms_params: list[str]
    medical_decision: bool
    medical_review: bool
    decisions: list[MedicalRecordView]
    reviews: list[MedicalRecordView]
    cost_log: bool
    costs: list[CostView]
    totals: dict[str, Decimal]
    eta_due_at: datetime | None
    late: bool


def work(uow: UnitOfWork, actor: Actor, case_id: int, *, case: Case | None = None) -> CaseWork:
    """A case's workflow state (audited for health cases; commits the audit)."""
    case = case or _visible(uow, actor, case_id)
    cases.audit_health_reads(uow, actor, [case], action="read")
    view = _work_view(uow, case)
    uow.commit()
    return view


def _work_view(uow: UnitOfWork, case: Case) -> CaseWork:
    flow = case_forms.workflow_for(case.type) or case_forms.Workflow(())
    records = list(uow.session.scalars(select(CaseMedicalRecord).where(CaseMedicalRecord.case_id == case.id)
                                       .order_by(CaseMedicalRecord.at, CaseMedicalRecord.id)))
    costs = list(uow.session.scalars(select(CaseCost).where(CaseCost.case_id == case.id)
                                     .order_by(CaseCost.incurred_on, CaseCost.id)))
    due = _eta_due(case.details or {})
    return CaseWork(
        case_id=case.id, type=case.type, status=case.status, details=dict(case.details or {}),
        next_steps=list(flow.next_steps),
        sms_template=flow.sms_template, sms_params=list(flow.sms_params), medical_decision=flow.medical_decision,
        medical_review=flow.medical_review,
        decisions=[MedicalRecordView.model_validate(r) for r in records if r.kind == "decision"],
        reviews=[MedicalRecordView.model_validate(r) for r in records if r.kind == "review"],
        cost_log=flow.cost_log, costs=[CostView.model_validate(c) for c in costs],
        totals=rules.totals(rules.CostLine(Decimal(c.amount), c.currency) for c in costs),
        eta_due_at=due, late=flow.eta and rules.is_late(due, uow.now(), arrived=case.status in (
            CaseStatus.RESOLVED, CaseStatus.CLOSED)))


def _eta_due(details: dict[str, Any]) -> datetime | None:
    raw = details.get("eta_due_at")
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


# --- the doctors ---------------------------------------------------------------------------------


def medical_agent(uow: UnitOfWork, actor: Actor) -> Agent:
    """The actor's agent record if it holds a medical skill with a certification valid now; else Forbidden."""
    agent = uow.session.get(Agent, actor.agent_id) if actor.agent_id else None
    if agent is None:
        raise Forbidden(rules.NOT_MEDICAL)
    now = uow.now()
    held = {s.skill.code for s in agent.skills}
    valid = {c.skill.code for c in agent.certifications
             if c.skill.code in held and is_valid(c.passed_at, c.expires_at, c.suspended_at, now)}
    if not rules.is_medical(valid):
        raise Forbidden(rules.NOT_MEDICAL)
    return agent


def decide(uow: UnitOfWork, actor: Actor, case_id: int, cmd: MedicalDecision) -> CaseWork:
    """The doctor-curator's decision on a guarantee letter (the latest one counts; kept in the case's details
    too, for the desk and the API's case view)."""
    agent = medical_agent(uow, actor)
    case = _for_doctor(uow, actor, case_id, "medical_decision")
    if rules.needs_reason(cmd.decision, cmd.reason):
        raise InvalidInput(rules.REASON_NEEDED)
    _record(uow, actor, agent, case, "decision", cmd.decision.value, cmd.reason)
    case.details = {**(case.details or {}), rules.DECISION_KEY: cmd.decision.value,
                    rules.DECISION_REASON_KEY: cmd.reason}
    return work(uow, actor, case.id, case=case)


def review(uow: UnitOfWork, actor: Actor, case_id: int, cmd: MedicalReview) -> CaseWork:
    """The medical review of an assistance case; without one the case cannot be resolved or closed."""
    agent = medical_agent(uow, actor)
    case = _for_doctor(uow, actor, case_id, "medical_review")
    _record(uow, actor, agent, case, "review", cmd.review.value, cmd.comment)
    return work(uow, actor, case.id, case=case)


def _record(uow: UnitOfWork, actor: Actor, agent: Agent, case: Case, kind: str, outcome: str, reason: str) -> None:
    now = uow.now()
    uow.session.add(CaseMedicalRecord(case_id=case.id, kind=kind, outcome=outcome, reason=reason, agent_id=agent.id,
                                      user_id=actor.user_id, at=now))
    case.updated_at = now
    cases.audit_health_reads(uow, actor, [case], action=f"medical_{kind}")


def _for_doctor(uow: UnitOfWork, actor: Actor, case_id: int, needs: str) -> Case:
    seen = [t.value for t, f in case_forms.WORKFLOWS.items() if f.medical_decision or f.medical_review]
    case = uow.session.scalar(select(Case).where(Case.id == case_id, or_(scope.case_filter(uow, actor),
                                                                         Case.type.in_(seen))))
    if case is None:
        raise NotFound("case", case_id)
    if case.type not in [t.value for t, f in case_forms.WORKFLOWS.items() if getattr(f, needs)]:
        raise InvalidInput(f"a {case.type} case takes no {needs.replace('_', ' ')}")
    return case


# --- costs, checklist ------------------------------------------------------------------------------


def add_cost(uow: UnitOfWork, actor: Actor, case_id: int, cmd: CostCreate) -> CaseWork:
    case = _visible(uow, actor, case_id)
    flow = case_forms.workflow_for(case.type)
    if flow is None or not flow.cost_log:
        raise InvalidInput(f"a {case.type} case keeps no cost log")
    if cmd.provider_id is not None and uow.session.get(Provider, cmd.provider_id) is None:
        raise NotFound("provider", cmd.provider_id)
    now = uow.now()
    uow.session.add(CaseCost(case_id=case.id, incurred_on=cmd.incurred_on, provider_id=cmd.provider_id,
                             description=cmd.description, amount=cmd.amount, currency=cmd.currency,
                             created_by_user_id=actor.user_id, created_at=now))
    case.updated_at = now
    uow.flush()
    return work(uow, actor, case.id, case=case)


def send_checklist(uow: UnitOfWork, actor: Actor, case_id: int,
                   cmd: ChecklistCommand) -> notifications.NotificationView:
    """The case type's document checklist to the customer, through the outbox (consent applies): by SMS (the
    type's SMS template) or by e-mail (`case_checklist`, carrying the same checklist text in the customer's
    language, to their first address; InvalidInput without one)."""
    case = _visible(uow, actor, case_id)
    flow = case_forms.workflow_for(case.type)
    if flow is None or flow.sms_template is None:
        raise InvalidInput(f"a {case.type} case has no checklist message")
    missing = [p for p in flow.sms_params if not cmd.params.get(p)]
    if missing:
        raise InvalidInput(f"give {', '.join(missing)}")
    if case.customer_id is None:
        raise InvalidInput("the case has no customer to send the checklist to")
    client = uow.session.get(Client, case.client_id)
    params: dict[str, str | int | float] = {p: cmd.params[p] for p in flow.sms_params}
    params["case_ref"] = case_reference(case, client)
    details = case.details or {}
    params.update({key: details.get(key) or "" for key in flow.case_params})
    if cmd.channel == "email":
        return _email_checklist(uow, case, client, flow.sms_template, params)
    return notifications.notify(uow, actor, notifications.SmsNotification(
        customer_id=case.customer_id, case_id=case.id, template=flow.sms_template, params=params))


def has_email(uow: UnitOfWork, case: Case | CaseWork) -> bool:
    customer_id = case.customer_id if isinstance(case, Case) else uow.session.scalar(
        select(Case.customer_id).where(Case.id == case.case_id))
    customer = uow.session.get(Customer, customer_id) if customer_id is not None else None
    return bool(customer and customer.emails)


def _email_checklist(uow: UnitOfWork, case: Case, client: Client | None, sms_template: str,
                     params: dict[str, str | int | float]) -> notifications.NotificationView:
    customer = uow.session.get(Customer, case.customer_id) if case.customer_id is not None else None
    if customer is None or not customer.emails:
        raise InvalidInput(NO_EMAIL)
    checklist = templates.render(sms_template, customer.language, params)  # the same text as the SMS
    message = outbox.enqueue(uow, outbox.OutboundRequest(
        channel="email", to_address=customer.emails[0].email, template=EMAIL_TEMPLATE,
        params={**params, "checklist": checklist.body.strip(), "customer_name": customer.full_name,
                "insurer": client.name if client else ""},
        language=checklist.language, client_id=case.client_id, customer_id=customer.id, case_id=case.id))
    uow.commit()
    return notifications.view(message)


def case_reference(case: Case, client: Client | None) -> str:
    return f"{client.code.upper() if client else 'CASE'}-{case.id}"


def _visible(uow: UnitOfWork, actor: Actor, case_id: int) -> Case:
    case = uow.session.scalar(select(Case).where(Case.id == case_id, scope.case_filter(uow, actor)))
    if case is None:
        raise NotFound("case", case_id)
    return case
