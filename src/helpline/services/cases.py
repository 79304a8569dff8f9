"""Case use cases: read (health data reads are audited), update, change status (a resolve sends the satisfaction
survey the case's client asks for: services/surveys.py `send_after_resolve`)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import AuditEntry, Case, Interaction, Policy
from helpline.adapters.db.models_case_types import CaseMedicalRecord
from helpline.domain.case_forms import PROVIDER_NAME, workflow_for
from helpline.domain.case_lifecycle import check_transition, is_reopen
from helpline.domain.case_workflows import DECISION_MIRROR, REVIEW_FIRST
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import CaseStatus, EventType, is_health_related
from helpline.services import event_log, providers, scope, surveys
from helpline.services.schemas import CaseStatusChange, CaseUpdate, CaseView
from helpline.services.unit_of_work import UnitOfWork


def get_case(uow: UnitOfWork, actor: Actor, case_id: int) -> CaseView:
    case = _load(uow, actor, case_id)
    audit_health_reads(uow, actor, [case], action="read")
    uow.commit()
    return CaseView.model_validate(case)


def _awaits_medical_review(uow: UnitOfWork, case: Case) -> bool:
    """A case type whose workflow needs a medical review (travel assistance) cannot end before it has one."""
    flow = workflow_for(case.type)
    return flow is not None and flow.medical_review and uow.session.scalar(
        select(CaseMedicalRecord.id).where(CaseMedicalRecord.case_id == case.id,
                                           CaseMedicalRecord.kind == "review").limit(1)) is None


def list_cases(uow: UnitOfWork, actor: Actor, *, status: CaseStatus | None = None, customer_id: int | None = None,
               limit: int = 100, offset: int = 0) -> list[CaseView]:
    query = select(Case).where(scope.case_filter(uow, actor))
    if status is not None:
        query = query.where(Case.status == status.value)
    if customer_id is not None:
        query = query.where(Case.customer_id == customer_id)
    cases = list(uow.session.scalars(query.order_by(Case.id.desc()).limit(limit).offset(offset)))
    audit_health_reads(uow, actor, cases, action="list")
    uow.commit()
    return [CaseView.model_validate(c) for c in cases]


def update_case(uow: UnitOfWork, actor: Actor, case_id: int, cmd: CaseUpdate) -> CaseView:
    case = _load(uow, actor, case_id)
    changes = cmd.model_dump(exclude_unset=True)
    if "policy_id" in changes and changes["policy_id"] is not None:
        policy = uow.session.get(Policy, changes["policy_id"])
        if policy is None or policy.client_id != case.client_id:
            raise NotFound("policy", changes["policy_id"])
    if changes.get("details") is not None:
        kind = changes.get("type") or case.type
        changes["details"] = _checked_details(uow, case, getattr(kind, "value", kind), changes["details"])
    for field, value in changes.items():
        setattr(case, field, value.value if hasattr(value, "value") else value)
    case.updated_at = uow.now()
    audit_health_reads(uow, actor, [case], action="update")
    uow.commit()
    return CaseView.model_validate(case)


def _checked_details(uow: UnitOfWork, case: Case, case_type: str, details: dict[str, Any]) -> dict[str, Any]:
    """New details, by the desk form's rules where they apply to the whole record: the provider chosen is an
    active one of the type's kind in the details' country and city (its name kept beside its id), and the
    mirror of the medical decision is written by the decision alone (POST /cases/{id}/medical-decision): kept
    when left out, refused when changed."""
    old = case.details or {}
    for key in DECISION_MIRROR:
        if key in details and details[key] != old.get(key):
            raise InvalidInput(f"details.{key} is recorded by the medical decision: "
                               f"POST /cases/{case.id}/medical-decision")
    details = {**details, **{key: old[key] for key in DECISION_MIRROR if key in old}}
    if details.get("provider_id") is None:
        return details
    provider, problem = providers.chosen(uow, case_type, details)
    if problem or provider is None:
        raise InvalidInput(f"details.provider_id: {problem}")
    return {**details, PROVIDER_NAME: provider.name}


def change_status(uow: UnitOfWork, actor: Actor, case_id: int, cmd: CaseStatusChange) -> CaseView:
    """Move a case to another status (commits). Resolving it then sends the survey its client asks for, once per
    case, in a transaction of its own: no contact or a failure there never refuses or undoes the resolve."""
    case = _load(uow, actor, case_id)
    if cmd.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and _awaits_medical_review(uow, case):
        raise Conflict(REVIEW_FIRST)  # said first: whatever the status, the review is what the case waits for
    target = check_transition(case.status, cmd.status)
    at = uow.now()
    event_log.append(uow, EventType.CASE_STATUS_CHANGED, at=at, actor=actor, case_id=case.id,
                     note=cmd.note or None, data={"from": case.status, "to": target.value})
    if is_reopen(case.status, target):
        case.resolved_at = case.closed_at = None
    if target == CaseStatus.RESOLVED:
        case.resolved_at = at
    if target == CaseStatus.CLOSED:
        case.closed_at = at
    case.status, case.updated_at = target.value, at
    uow.commit()
    view = CaseView.model_validate(case)
    if target == CaseStatus.RESOLVED:
        surveys.send_after_resolve(uow, actor, case.id)
    return view


def case_interactions(uow: UnitOfWork, actor: Actor, case_id: int) -> list[Interaction]:
    _load(uow, actor, case_id)
    return list(uow.session.scalars(select(Interaction).where(Interaction.case_id == case_id).order_by(Interaction.id)))


def audit_health_reads(uow: UnitOfWork, actor: Actor, cases: Sequence[Case], *, action: str) -> None:
    """Health data is a special category (152-FZ, PIPL, GDPR): every read of it is logged."""
    at = uow.now()
    for case in cases:
        if is_health_related(case.type, case.product_line):
            uow.session.add(AuditEntry(at=at, user_id=actor.user_id, action=action, entity="case",
                                       entity_id=str(case.id), detail={"type": case.type, "role": actor.role.value}))


def _load(uow: UnitOfWork, actor: Actor, case_id: int) -> Case:
    case = uow.session.scalar(select(Case).where(Case.id == case_id, scope.case_filter(uow, actor)))
    if case is None:
        raise NotFound("case", case_id)
    return case
