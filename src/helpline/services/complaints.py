"""The complaint register (issue 8): register a complaint, assign its handler, request documents (which extends
the deadline), record the root cause, answer, close or reject it; list the open, due-soon and overdue ones.

Deadlines come from the rule engine (domain/deadlines.py): the built-in rules plus those of the YAML file named
by HELPLINE_DEADLINE_RULES, as `helpline deadline` reads them. Every change is kept in the complaint's history
(who, when, what), and the register writes `complaint_registered` and `complaint_closed` to the event log, with
the interaction, case, queue and agent ids, so the KPI engine counts complaints per queue, agent, site and
channel.

Who sees what: administrators and QA everything; a supervisor the complaints of their sites (and those of no
site); an agent the complaints they registered or handle. Nobody handles a complaint about themselves.
The warnings before a deadline are services/complaint_warnings.py."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from helpline.adapters.db.models import (
    Agent,
    Attachment,
    Case,
    Client,
    Customer,
    Interaction,
    Queue,
    Site,
    User,
)
from helpline.adapters.db.models_complaints import Complaint, ComplaintChange
from helpline.domain import complaints as rules_of
from helpline.domain.complaints import FINAL_STATUSES, OPEN_STATUSES, ComplaintStatus
from helpline.domain.deadlines import DeadlineRule, DeadlineRuleError, all_rules, rules_from_yaml
from helpline.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor, Permission, role_allows
from helpline.domain.vocabulary import EventType, Role
from helpline.services import event_log, scope
from helpline.services.complaint_schemas import (
    ChangeStatus,
    ComplaintChangeView,
    ComplaintView,
    ListState,
    RegisterComplaint,
    RequestDocuments,
    UpdateComplaint,
)
from helpline.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

RULES_ENV = "HELPLINE_DEADLINE_RULES"
EDITABLE = ("handler_user_id", "subject_agent_id", "complainant_contact", "representative", "category", "subject",
            "facts", "remedy_sought", "evidence", "attachment_ids", "root_cause")


# --- the deadline rules --------------------------------------------------------------------------------------


def deadline_rules() -> dict[str, DeadlineRule]:
    """The built-in rules and those of the file HELPLINE_DEADLINE_RULES names (read again when it changes)."""
    path = os.environ.get(RULES_ENV, "").strip()
    if not path:
        return all_rules()
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError as error:
        raise InvalidInput(f"cannot read the deadline rules file {path!r}: {error.strerror or error}") from None
    return _configured_rules(path, stamp)


@lru_cache(maxsize=4)
def _configured_rules(path: str, stamp: int) -> dict[str, DeadlineRule]:
    try:
        return all_rules(rules_from_yaml(Path(path).read_text(encoding="utf-8"), path))
    except (OSError, DeadlineRuleError) as error:
        raise InvalidInput(str(error)) from None


def rule_named(rules: Mapping[str, DeadlineRule], name: str) -> DeadlineRule:
    """A stored complaint's rule; one no longer configured counts as the default (its due date stays stored)."""
    return rules.get(name) or rules[rules_of.DEFAULT_RULE]


# --- scope ---------------------------------------------------------------------------------------------------


def visible(actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.role == Role.SUPERVISOR:
        return or_(Complaint.site_id.in_(actor.site_ids), Complaint.site_id.is_(None))
    if actor.role == Role.AGENT and actor.user_id is not None:
        return or_(Complaint.created_by_user_id == actor.user_id, Complaint.handler_user_id == actor.user_id)
    return false()


def _get(uow: UnitOfWork, actor: Actor, complaint_id: int) -> Complaint:
    found = uow.session.scalar(select(Complaint).where(Complaint.id == complaint_id, visible(actor)))
    if found is None:
        raise NotFound("complaint", complaint_id)
    return found


def _changeable(uow: UnitOfWork, actor: Actor, complaint_id: int) -> Complaint:
    complaint = _get(uow, actor, complaint_id)
    if actor.agent_id is not None and complaint.subject_agent_id == actor.agent_id:
        raise Forbidden("nobody handles a complaint about themselves")
    if complaint.status in FINAL_STATUSES:
        raise Conflict(f"complaint {complaint_id} is {complaint.status}")
    return complaint


# --- registering ---------------------------------------------------------------------------------------------


def register(uow: UnitOfWork, actor: Actor, cmd: RegisterComplaint) -> ComplaintView:
    """Register a complaint: its client, case and interaction (as far as the actor may see them), its deadline
    from the rule, the `complaint_registered` event and the first line of its history."""
    session = uow.session
    interaction = _visible_interaction(uow, actor, cmd.interaction_id)
    case_id = cmd.case_id if cmd.case_id is not None else (interaction.case_id if interaction else None)
    case = _visible_case(uow, actor, case_id)
    if interaction is not None and case is not None and interaction.case_id not in (None, case.id):
        raise InvalidInput(f"interaction {interaction.id} belongs to another case")
    client_id = cmd.client_id or (case.client_id if case else None) or (interaction.client_id if interaction else None)
    if client_id is None:
        raise InvalidInput("give a client_id, a case_id or an interaction_id")
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    for source in (case, interaction):
        if source is not None and source.client_id != client_id:
            raise InvalidInput(f"the {type(source).__name__.lower()} belongs to another client")
    customer_id = cmd.customer_id or (case.customer_id if case else None) or (
        interaction.customer_id if interaction else None)
    customer = session.get(Customer, customer_id) if customer_id is not None else None
    if customer_id is not None and customer is None:
        raise NotFound("customer", customer_id)
    name = cmd.complainant_name or (customer.full_name if customer else "")
    if not name:
        raise InvalidInput("give the complainant's name")
    subject_agent = _agent(uow, cmd.subject_agent_id)
    queue = session.get(Queue, interaction.queue_id) if interaction and interaction.queue_id else None
    site_id = _site_of(uow, actor, case, queue, subject_agent)
    site = session.get(Site, site_id) if site_id is not None else None
    rules = deadline_rules()
    rule = rules_of.pick_rule(rules, rules_of.rule_name_for(cmd.rule, client.complaint_rule,
                                                            site.holiday_country if site else None))
    now = uow.now()
    received_at = _received(cmd.received_at or now, rule)
    if received_at > now:
        raise InvalidInput("received_at is in the future")
    handler = _handler(uow, cmd.handler_user_id, cmd.subject_agent_id)
    _check_attachments(uow, cmd.attachment_ids)
    due_at, maximum = rules_of.due_dates(rule, received_at, documents_requested=False)
    complaint = Complaint(
        client_id=client_id, site_id=site_id, case_id=case.id if case else None,
        interaction_id=interaction.id if interaction else None, queue_id=queue.id if queue else None,
        customer_id=customer_id, complainant_name=name, complainant_contact=cmd.complainant_contact,
        representative=cmd.representative, channel=cmd.channel.value, category=cmd.category, subject=cmd.subject,
        facts=cmd.facts, remedy_sought=cmd.remedy_sought, evidence=list(cmd.evidence),
        attachment_ids=list(cmd.attachment_ids), subject_agent_id=cmd.subject_agent_id,
        handler_user_id=handler.id if handler else None, rule=rule.name, received_at=received_at, due_at=due_at,
        maximum_due_at=maximum, documents_requested=False, status=ComplaintStatus.REGISTERED.value, root_cause="",
        response="", created_at=now, created_by_user_id=actor.user_id, updated_at=now)
    session.add(complaint)
    uow.flush()
    record_change(uow, actor, complaint, "registered", {"rule": [None, rule.name], "due_at": [None, due_at.isoformat()],
                                                   "handler_user_id": [None, complaint.handler_user_id]})
    event_log.append_rows(uow, [event_log.row(
        EventType.COMPLAINT_REGISTERED, at=received_at, actor=actor, interaction_id=complaint.interaction_id,
        case_id=complaint.case_id, agent_id=complaint.subject_agent_id, queue_id=complaint.queue_id,
        complaint_id=complaint.id, client_id=client_id, site_id=site_id, channel=complaint.channel, rule=rule.name,
        category=complaint.category)])
    uow.commit()
    return _view(uow, complaint, rules)


def _visible_interaction(uow: UnitOfWork, actor: Actor, interaction_id: int | None) -> Interaction | None:
    if interaction_id is None:
        return None
    found = uow.session.scalar(select(Interaction).where(Interaction.id == interaction_id,
                                                         scope.interaction_filter(uow, actor)))
    if found is None:
        raise NotFound("interaction", interaction_id)
    return found


def _visible_case(uow: UnitOfWork, actor: Actor, case_id: int | None) -> Case | None:
    if case_id is None:
        return None
    found = uow.session.scalar(select(Case).where(Case.id == case_id, scope.case_filter(uow, actor)))
    if found is None:
        raise NotFound("case", case_id)
    return found


def _agent(uow: UnitOfWork, agent_id: int | None) -> Agent | None:
    if agent_id is None:
        return None
    agent = uow.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("agent", agent_id)
    return agent


def _site_of(uow: UnitOfWork, actor: Actor, case: Case | None, queue: Queue | None,
             subject_agent: Agent | None) -> int | None:
    """The site that answers for the complaint: the case's, the queue's, the agent complained about's, the
    registering agent's, or a one-site supervisor's."""
    for site_id in (case.site_id if case else None, queue.site_id if queue else None,
                    subject_agent.site_id if subject_agent else None):
        if site_id is not None:
            return site_id
    if actor.agent_id is not None:
        own = uow.session.get(Agent, actor.agent_id)
        if own is not None:
            return own.site_id
    if actor.role == Role.SUPERVISOR and len(actor.site_ids) == 1:
        return next(iter(actor.site_ids))
    return None


def _received(moment: datetime, rule: DeadlineRule) -> datetime:
    """A received time without an offset is read in the rule's time zone (as `helpline deadline --from`)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=rule.zone)
    return moment


def _handler(uow: UnitOfWork, user_id: int | None, subject_agent_id: int | None) -> User | None:
    """An active user whose role handles complaints, never the agent complained about."""
    if user_id is None:
        return None
    user = uow.session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("user", user_id)
    if not role_allows(user.role, Permission.WRITE_COMPLAINTS) or user.role == Role.INTEGRATION:
        raise InvalidInput(f"user {user_id} ({user.role}) may not handle complaints")
    handler_agent = uow.session.scalar(select(Agent.id).where(Agent.user_id == user_id))
    rules_of.check_handler(handler_agent, subject_agent_id)
    return user


def _check_attachments(uow: UnitOfWork, attachment_ids: Iterable[int]) -> None:
    wanted = set(attachment_ids)
    if wanted:
        found = set(uow.session.scalars(select(Attachment.id).where(Attachment.id.in_(wanted))))
        if missing := sorted(wanted - found):
            raise NotFound("attachment", ", ".join(map(str, missing)))


# --- handling ------------------------------------------------------------------------------------------------


def update(uow: UnitOfWork, actor: Actor, complaint_id: int, cmd: UpdateComplaint) -> ComplaintView:
    """Change the fields sent (assign the handler, set the root cause, correct the facts ...)."""
    complaint = _changeable(uow, actor, complaint_id)
    sent = cmd.model_fields_set & set(EDITABLE)
    values: dict[str, Any] = {name: getattr(cmd, name) for name in sent}
    for name in ("complainant_contact", "representative", "category", "subject", "facts", "remedy_sought",
                 "evidence", "attachment_ids", "root_cause"):
        if name in values and values[name] is None:
            raise InvalidInput(f"{name} cannot be null")
    subject_agent_id = values.get("subject_agent_id", complaint.subject_agent_id)
    if "subject_agent_id" in values:
        _agent(uow, subject_agent_id)
    handler_id = values.get("handler_user_id", complaint.handler_user_id)
    if "handler_user_id" in values or "subject_agent_id" in values:
        _handler(uow, handler_id, subject_agent_id)
    if "attachment_ids" in values:
        _check_attachments(uow, values["attachment_ids"])
    changes = {}
    for name, value in values.items():
        before = getattr(complaint, name)
        if before != value:
            changes[name] = [before, value]
            setattr(complaint, name, value)
    if not changes and not cmd.note:
        return _view(uow, complaint, deadline_rules())
    complaint.updated_at = uow.now()
    action = "handler_assigned" if set(changes) == {"handler_user_id"} else "updated"
    record_change(uow, actor, complaint, action, changes, cmd.note)
    uow.commit()
    return _view(uow, complaint, deadline_rules())


def request_documents(uow: UnitOfWork, actor: Actor, complaint_id: int, cmd: RequestDocuments) -> ComplaintView:
    """Documents were asked of the complainant: the deadline becomes the rule's extended one (RU: 15 + 10
    working days from receipt), once."""
    complaint = _changeable(uow, actor, complaint_id)
    if ComplaintStatus(complaint.status) not in OPEN_STATUSES:
        raise Conflict(f"complaint {complaint_id} is {complaint.status}: its deadline no longer runs")
    if complaint.documents_requested:
        raise Conflict(f"documents were already requested for complaint {complaint_id}")
    rules = deadline_rules()
    rule = rules.get(complaint.rule)
    if rule is None or not rule.extensible:
        raise InvalidInput(f"the rule {complaint.rule!r} has no extended deadline")
    before = complaint.due_at
    complaint.due_at, _ = rules_of.due_dates(rule, complaint.received_at, documents_requested=True)
    now = uow.now()
    complaint.documents_requested, complaint.documents_requested_at, complaint.updated_at = True, now, now
    record_change(uow, actor, complaint, "documents_requested",
             {"due_at": [before.isoformat(), complaint.due_at.isoformat()]}, cmd.note)
    uow.commit()
    return _view(uow, complaint, rules)


def change_status(uow: UnitOfWork, actor: Actor, complaint_id: int, cmd: ChangeStatus) -> ComplaintView:
    """Take it in hand, answer it (outcome and response), close or reject it. Closing or rejecting writes
    `complaint_closed` to the event log."""
    complaint = _changeable(uow, actor, complaint_id)
    current = ComplaintStatus(complaint.status)
    rules_of.check_transition(current, cmd.status)
    rules_of.check_outcome(current, cmd.status, cmd.outcome, cmd.response)
    now = uow.now()
    changes: dict[str, list[Any]] = {"status": [current.value, cmd.status.value]}

    def put(name: str, value: Any) -> None:
        before = getattr(complaint, name)
        if before != value:
            changes[name] = [before.isoformat() if isinstance(before, datetime) else before,
                             value.isoformat() if isinstance(value, datetime) else value]
            setattr(complaint, name, value)

    if cmd.outcome is not None:
        put("outcome", cmd.outcome.value)
    if cmd.response:
        put("response", cmd.response)
    if cmd.root_cause is not None:
        put("root_cause", cmd.root_cause)
    if cmd.status == ComplaintStatus.IN_PROGRESS and complaint.handler_user_id is None and actor.user_id:
        handler = _handler(uow, actor.user_id, complaint.subject_agent_id)
        put("handler_user_id", handler.id if handler else None)
    if cmd.status in (ComplaintStatus.ANSWERED, ComplaintStatus.REJECTED) or (
            cmd.status == ComplaintStatus.CLOSED and complaint.answered_at is None):
        put("answered_at", now)
    if cmd.status in FINAL_STATUSES:
        put("closed_at", now)
    complaint.status, complaint.updated_at = cmd.status.value, now
    record_change(uow, actor, complaint, "status_changed", changes, cmd.note)
    if cmd.status in FINAL_STATUSES:
        event_log.append_rows(uow, [event_log.row(
            EventType.COMPLAINT_CLOSED, at=now, actor=actor, interaction_id=complaint.interaction_id,
            case_id=complaint.case_id, agent_id=complaint.subject_agent_id, queue_id=complaint.queue_id,
            complaint_id=complaint.id, client_id=complaint.client_id, site_id=complaint.site_id,
            status=complaint.status, outcome=complaint.outcome, root_cause=complaint.root_cause or None,
            on_time=_on_time(complaint))])
    uow.commit()
    return _view(uow, complaint, deadline_rules())


def _on_time(complaint: Complaint) -> bool | None:
    return None if complaint.answered_at is None else complaint.answered_at <= complaint.due_at


def record_change(uow: UnitOfWork, actor: Actor, complaint: Complaint, action: str, changes: dict[str, Any],
             note: str = "") -> None:
    uow.session.add(ComplaintChange(complaint_id=complaint.id, at=uow.now(), user_id=actor.user_id, action=action,
                                    changes=changes, note=note))


# --- reading -------------------------------------------------------------------------------------------------


def get(uow: UnitOfWork, actor: Actor, complaint_id: int) -> ComplaintView:
    """One complaint with its history."""
    complaint = _get(uow, actor, complaint_id)
    view = _view(uow, complaint, deadline_rules())
    rows = uow.session.execute(select(ComplaintChange, User.username).outerjoin(
        User, User.id == ComplaintChange.user_id).where(ComplaintChange.complaint_id == complaint_id).order_by(
        ComplaintChange.at, ComplaintChange.id))
    view.history = [ComplaintChangeView.model_validate(change).model_copy(update={"username": username})
                    for change, username in rows]
    return view


def listing(uow: UnitOfWork, actor: Actor, *, state: ListState = ListState.OPEN, client_id: int | None = None,
            site_id: int | None = None, handler_user_id: int | None = None, subject_agent_id: int | None = None,
            rule: str | None = None, category: str | None = None,
            due_soon_days: int = rules_of.DUE_SOON_WORKING_DAYS, limit: int = 100, offset: int = 0
            ) -> list[ComplaintView]:
    """The complaints the actor may see in `state`: open ones most urgent first, the others latest first.
    Due soon: due by the end of the `due_soon_days`-th working day from today on the complaint's rule's
    calendar, and not yet overdue."""
    rules = deadline_rules()
    now = uow.now()
    query = select(Complaint).where(visible(actor))
    open_ = Complaint.status.in_([s.value for s in OPEN_STATUSES])
    if state == ListState.OPEN:
        query = query.where(open_)
    elif state == ListState.OVERDUE:
        query = query.where(open_, Complaint.due_at < now)
    elif state == ListState.DUE_SOON:
        query = query.where(open_, Complaint.due_at >= now, due_soon_filter(uow, rules, now, due_soon_days))
    elif state == ListState.ANSWERED:
        query = query.where(Complaint.status == ComplaintStatus.ANSWERED.value)
    elif state == ListState.CLOSED:
        query = query.where(Complaint.status.in_([s.value for s in FINAL_STATUSES]))
    for column, value in ((Complaint.client_id, client_id), (Complaint.site_id, site_id),
                          (Complaint.handler_user_id, handler_user_id),
                          (Complaint.subject_agent_id, subject_agent_id), (Complaint.rule, rule),
                          (Complaint.category, category)):
        if value is not None:
            query = query.where(column == value)
    if state in (ListState.OPEN, ListState.OVERDUE, ListState.DUE_SOON):
        query = query.order_by(Complaint.due_at, Complaint.id)
    else:
        query = query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
    found = list(uow.session.scalars(query.limit(limit).offset(offset)))
    return _views(uow, found, rules, due_soon_days)


def due_soon_filter(uow: UnitOfWork, rules: Mapping[str, DeadlineRule], now: datetime,
                    days: int) -> ColumnElement[bool]:
    """Due by the end of the `days`-th working day: each rule counts its own, one condition per rule in use."""
    used = set(uow.session.scalars(select(Complaint.rule).distinct()))
    conditions = [and_(Complaint.rule == name,
                       Complaint.due_at <= rules_of.soon_limit(rule_named(rules, name), now, days))
                  for name in sorted(used)]
    return or_(false(), *conditions)


def counts(uow: UnitOfWork, actor: Actor, due_soon_days: int = rules_of.DUE_SOON_WORKING_DAYS) -> dict[str, int]:
    """How many open complaints the actor sees, and how many of them are due soon and overdue (in SQL)."""
    now = uow.now()
    open_ = and_(visible(actor), Complaint.status.in_([s.value for s in OPEN_STATUSES]))
    soon = due_soon_filter(uow, deadline_rules(), now, due_soon_days)
    row = uow.session.execute(select(
        func.count(), func.count().filter(Complaint.due_at < now),
        func.count().filter(Complaint.due_at >= now, soon)).where(open_)).one()
    return {"open": row[0], "overdue": row[1], "due_soon": row[2]}


def _view(uow: UnitOfWork, complaint: Complaint, rules: Mapping[str, DeadlineRule]) -> ComplaintView:
    return _views(uow, [complaint], rules)[0]


def _views(uow: UnitOfWork, found: list[Complaint], rules: Mapping[str, DeadlineRule],
           due_soon_days: int = rules_of.DUE_SOON_WORKING_DAYS) -> list[ComplaintView]:
    if not found:
        return []
    session, now = uow.session, uow.now()

    def names(id_column: Any, name_column: Any, ids: Iterable[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        return {key: name for key, name in session.execute(select(id_column, name_column).where(
            id_column.in_(wanted)))}

    clients = names(Client.id, Client.name, (c.client_id for c in found))
    users = {user.id: user.full_name or user.username for user in session.scalars(
        select(User).where(User.id.in_({c.handler_user_id for c in found if c.handler_user_id})))}
    agents = names(Agent.id, Agent.display_name, (c.subject_agent_id for c in found))
    views = []
    for complaint in found:
        rule = rule_named(rules, complaint.rule)
        views.append(ComplaintView.model_validate(complaint).model_copy(update={
            "due_local": complaint.due_at.astimezone(rule.zone).isoformat(),
            "warned_due_local": complaint.warned_due_at.astimezone(rule.zone).isoformat()
            if complaint.warned_due_at else "",
            "warned": complaint.warned_due_at is not None and complaint.warned_due_at == complaint.due_at,
            "deadline_state": rules_of.deadline_state(rule, complaint.status, complaint.due_at, now, due_soon_days),
            "answered_on_time": _on_time(complaint),
            "client_name": clients.get(complaint.client_id, ""),
            "handler_name": users.get(complaint.handler_user_id, "") if complaint.handler_user_id else "",
            "subject_agent_name": agents.get(complaint.subject_agent_id, "") if complaint.subject_agent_id else ""}))
    return views


def handlers(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """The users who may handle complaints (for the form's select): supervisors, agents and administrators."""
    roles = [role.value for role in Role if role != Role.INTEGRATION and role_allows(role, Permission.WRITE_COMPLAINTS)]
    rows = uow.session.scalars(select(User).where(User.is_active.is_(True), User.role.in_(roles)).order_by(
        User.full_name, User.username))
    return [(user.id, user.full_name or user.username) for user in rows]
