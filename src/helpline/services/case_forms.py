"""Use cases of the desk's case form and identity check: the checked form goes into `cases.details`, through
the same case update the API uses (`cases.update_case`: scope, health-data audit, version check, commit)."""

from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Case, Interaction
from helpline.adapters.db.models_case_types import Provider
from helpline.domain import case_forms
from helpline.domain.case_workflows import eta_due
from helpline.domain.errors import Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import CaseType, Role
from helpline.services import cases, providers, scope
from helpline.services.schemas import CaseUpdate, CaseView
from helpline.services.unit_of_work import UnitOfWork

IDENTITY_CHECKS = ("full_name", "date_of_birth", "policy_number", "address")  # what the operator asked


@dataclass(frozen=True)
class Saved:
    case: CaseView | None
    errors: dict[str, str]


def local_today(uow: UnitOfWork, zone: tzinfo) -> date:
    return uow.now().astimezone(zone).date()


def _case_of(uow: UnitOfWork, actor: Actor, interaction_id: int) -> Case:
    """The case of an interaction the actor is working on (an agent: only their own interactions)."""
    interaction = uow.session.scalar(select(Interaction).where(Interaction.id == interaction_id,
                                                               scope.interaction_filter(uow, actor)))
    if interaction is None:
        raise NotFound("interaction", interaction_id)
    if actor.role == Role.AGENT and interaction.agent_id != actor.agent_id:
        raise Forbidden(f"interaction {interaction_id} is not assigned to you")
    if interaction.case_id is None:
        raise NotFound("case of interaction", interaction_id)
    case = uow.session.get(Case, interaction.case_id)
    if case is None:
        raise NotFound("case", interaction.case_id)
    return case


def save_case_form(uow: UnitOfWork, actor: Actor, interaction_id: int, case_type: CaseType | str,
                   raw: dict[str, str], today: date) -> Saved:
    """Check the form of `case_type` and store it as the case's details (the case takes that type; a motor
    claim's product sets the product line). Other keys already in details (the identity checks) are kept."""
    case = _case_of(uow, actor, interaction_id)
    form = case_forms.form_for(case_type)
    if form is None:
        raise InvalidInput(f"case type {case_type!r} has no form")
    values, errors = case_forms.check(form.case_type, raw, today)
    if errors:
        return Saved(None, errors)
    provider, problem = providers.chosen(uow, form.case_type, values)
    if problem:
        return Saved(None, {"provider_id": problem})
    details = {k: v for k, v in (case.details or {}).items() if k not in case_forms.ALL_FIELD_NAMES}
    details.update(values)
    if provider is not None:  # the id is what counts; the name is kept for display
        details[case_forms.PROVIDER_NAME] = provider.name
    flow = case_forms.workflow_for(form.case_type)
    if flow is not None and flow.eta:  # the ETA runs from when it is given (or changed)
        if "eta_minutes" not in values:
            details.pop("eta_due_at", None)
        elif values["eta_minutes"] != (case.details or {}).get("eta_minutes") or "eta_due_at" not in details:
            details["eta_due_at"] = eta_due(uow.now(), values["eta_minutes"]).isoformat()
    update: dict[str, Any] = {"type": form.case_type, "details": details}
    if form.product_lines and values.get("product") in form.product_lines:
        update["product_line"] = values["product"]
    return Saved(cases.update_case(uow, actor, case.id, CaseUpdate(**update)), {})


def provider_choices(uow: UnitOfWork, case_type: CaseType | str | None,
                     details: dict[str, Any]) -> list[tuple[int, str]] | None:
    """The providers the case form offers: the active ones of the type's kinds in the saved country and city
    (id, "name (kind), address"); None when the type has no provider field, [] when the country or city
    is not saved yet or nothing matches."""
    try:
        kinds = case_forms.PROVIDER_KINDS.get(CaseType(case_type)) if case_type else None
    except ValueError:
        return None
    if kinds is None:
        return None
    country, city = str(details.get("country") or "").strip().upper(), str(details.get("city") or "").strip()
    if not country or not city:
        return []
    rows = uow.session.scalars(select(Provider).where(
        Provider.active.is_(True), Provider.kind.in_(kinds), Provider.country == country,
        Provider.city_key == city.casefold()).order_by(Provider.name, Provider.id).limit(200))
    return [(p.id, f"{p.name}, {p.address}" if p.address else p.name) for p in rows]


def verify_identity(uow: UnitOfWork, actor: Actor, interaction_id: int, checks: list[str]) -> CaseView:
    """Record that the operator checked who the customer is. Customers have no date of birth or identity
    field, so the check is kept on the case: a line in its notes (for people) and an entry in
    `details.identity_checks` (for the desk: which interaction, which checks, who, when)."""
    chosen = [c for c in IDENTITY_CHECKS if c in set(checks)]
    if len(chosen) < 2:
        raise InvalidInput("tick at least two identity checks")
    case = _case_of(uow, actor, interaction_id)
    agent = uow.session.get(Agent, actor.agent_id) if actor.agent_id else None
    who = agent.display_name if agent else actor.username
    at = uow.now()
    entry = {"interaction_id": interaction_id, "checks": chosen, "agent_id": actor.agent_id,
             "user_id": actor.user_id, "at": at.isoformat()}
    details = dict(case.details or {})
    details["identity_checks"] = [*details.get("identity_checks", []), entry]
    line = f"[{at.isoformat(timespec='seconds')}] Identity verified by {who} ({', '.join(chosen)}), " \
           f"interaction {interaction_id}."
    notes = f"{case.notes}\n{line}" if case.notes else line
    return cases.update_case(uow, actor, case.id, CaseUpdate(details=details, notes=notes))


def identity_verified(details: dict[str, Any], interaction_id: int) -> list[str] | None:
    for entry in details.get("identity_checks", []) or []:
        if isinstance(entry, dict) and entry.get("interaction_id") == interaction_id:
            return list(entry.get("checks", []))
    return None
