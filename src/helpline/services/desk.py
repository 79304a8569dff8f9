"""Read models of the agent desk: the agent's presence, the offers ringing for them, the interactions they
are working on, the customer card of one of them, and the lists the desk's forms choose from.

Everything is read for the acting agent only (`actor.agent_id`); the desk's actions are the ordinary use
cases (presence, lifecycle, chat, case forms)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from helpline.adapters.db.models import (
    Agent,
    Case,
    ChatSession,
    Customer,
    Event,
    Interaction,
    NotReadyReason,
    Queue,
    WrapUpCode,
)
from helpline.domain.capacity import DEFAULT_CAPACITY
from helpline.domain.errors import Forbidden, NotFound
from helpline.domain.interaction_lifecycle import ACTIVE_STATES
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import CaseStatus, Channel, EventType, InteractionState, PresenceState
from helpline.services import cases, customers, scope
from helpline.services.case_forms import identity_verified
from helpline.services.customer_schemas import CustomerDetail
from helpline.services.unit_of_work import UnitOfWork

WORKING_STATES = tuple(s.value for s in ACTIVE_STATES if s != InteractionState.OFFERED)
PREVIOUS_LIMIT = 10


@dataclass(frozen=True)
class Presence:
    agent_id: int
    name: str
    state: str
    reason: str | None
    since: datetime | None


@dataclass(frozen=True)
class Offer:
    interaction_id: int
    channel: str
    queue_name: str
    customer_name: str
    from_address: str | None
    subject: str
    queued_at: datetime | None
    offered_at: datetime
    expires_at: datetime

    def wait_s(self, now: datetime) -> float | None:
        return (now - self.queued_at).total_seconds() if self.queued_at else None


@dataclass(frozen=True)
class Work:
    """An interaction the agent is connected to, holding, or wrapping up."""

    interaction_id: int
    channel: str
    state: str
    queue_id: int | None
    queue_name: str
    customer_id: int | None
    customer_name: str
    from_address: str | None
    subject: str
    case_id: int | None
    answered_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class Desk:
    presence: Presence
    offers: list[Offer]
    work: list[Work]
    chat_capacity: int
    now: datetime

    @property
    def chats(self) -> list[Work]:
        return [w for w in self.work if w.channel == Channel.CHAT]

    @property
    def signature(self) -> str:
        """Changes when an interaction joins or leaves the desk (not when one changes state): the page then
        reloads its work area, and only then, so nothing being typed is lost to a live refresh."""
        return ",".join(str(w.interaction_id) for w in self.work)


@dataclass(frozen=True)
class CaseSummary:
    id: int
    type: str
    status: str
    subject: str
    created_at: datetime


@dataclass(frozen=True)
class PastInteraction:
    id: int
    channel: str
    direction: str
    state: str
    queue_name: str
    created_at: datetime
    wrap_up_code: str | None
    case_id: int | None


@dataclass(frozen=True)
class CustomerCard:
    interaction_id: int
    customer: CustomerDetail | None
    from_address: str | None
    case: dict[str, Any] | None  # the current case (CaseView fields); None without one
    identity_checks: list[str] | None  # what was checked in this interaction, None while unverified
    open_cases: list[CaseSummary] = field(default_factory=list)
    previous: list[PastInteraction] = field(default_factory=list)


def require_agent(actor: Actor) -> int:
    if actor.agent_id is None:
        raise Forbidden("the desk is for people with an agent record")
    return actor.agent_id


def desk(uow: UnitOfWork, actor: Actor, alert_timeout_s: float) -> Desk:
    agent_id = require_agent(actor)
    agent = uow.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("agent", agent_id)
    now = uow.now()
    presence = Presence(agent.id, agent.display_name, agent.presence, agent.presence_reason, agent.presence_since)
    rows = list(uow.session.execute(
        select(Interaction, Queue.name).outerjoin(Queue, Queue.id == Interaction.queue_id)
        .where(Interaction.agent_id == agent_id,
               Interaction.state.in_([InteractionState.OFFERED.value, *WORKING_STATES]))
        .order_by(Interaction.id)))
    names = _customer_names(uow, [i.customer_id for i, _q in rows])
    visitors = _visitor_names(uow, [i.id for i, _q in rows if i.channel == Channel.CHAT])
    offered_ids = [i.id for i, _q in rows if i.state == InteractionState.OFFERED.value]
    offered_at: dict[int, datetime] = {iid: at for iid, at in uow.session.execute(
        select(Event.interaction_id, func.max(Event.occurred_at))
        .where(Event.interaction_id.in_(offered_ids), Event.type == EventType.OFFERED,
               Event.agent_id == agent_id).group_by(Event.interaction_id)) if iid is not None} if offered_ids else {}
    offers, work = [], []
    for interaction, queue_name in rows:
        customer = (names.get(interaction.customer_id, "") if interaction.customer_id else "") \
            or visitors.get(interaction.id, "")
        if interaction.state == InteractionState.OFFERED.value:
            at = offered_at.get(interaction.id) or now
            offers.append(Offer(interaction.id, interaction.channel, queue_name or "", customer,
                                interaction.from_address, interaction.subject, interaction.queued_at, at,
                                at + timedelta(seconds=alert_timeout_s)))
        else:
            work.append(Work(interaction.id, interaction.channel, interaction.state, interaction.queue_id,
                             queue_name or "", interaction.customer_id, customer, interaction.from_address,
                             interaction.subject, interaction.case_id, interaction.answered_at,
                             interaction.ended_at))
    capacity = {c.channel: c.capacity for c in agent.capacities}
    return Desk(presence, offers, work, capacity.get(Channel.CHAT, DEFAULT_CAPACITY[Channel.CHAT]), now)


def own_interaction(uow: UnitOfWork, actor: Actor, interaction_id: int) -> Interaction:
    """One of the agent's own interactions; another agent's is refused."""
    agent_id = require_agent(actor)
    interaction = uow.session.scalar(select(Interaction).where(Interaction.id == interaction_id,
                                                               scope.interaction_filter(uow, actor)))
    if interaction is None:
        raise NotFound("interaction", interaction_id)
    if interaction.agent_id != agent_id:
        raise Forbidden(f"interaction {interaction_id} is not yours")
    return interaction


def work_item(uow: UnitOfWork, actor: Actor, interaction_id: int) -> Work:
    interaction = own_interaction(uow, actor, interaction_id)
    queue = uow.session.get(Queue, interaction.queue_id) if interaction.queue_id else None
    names = _customer_names(uow, [interaction.customer_id])
    customer = (names.get(interaction.customer_id, "") if interaction.customer_id else "") \
        or _visitor_names(uow, [interaction.id]).get(interaction.id, "")
    return Work(interaction.id, interaction.channel, interaction.state, interaction.queue_id,
                queue.name if queue else "", interaction.customer_id, customer,
                interaction.from_address, interaction.subject, interaction.case_id, interaction.answered_at,
                interaction.ended_at)


def customer_card(uow: UnitOfWork, actor: Actor, interaction_id: int) -> CustomerCard:
    """The customer of one of the agent's interactions: who they are, policies, their open cases and their
    earlier interactions on every channel. Reading a case with health data is audited (cases.get_case and
    cases.audit_health_reads)."""
    interaction = own_interaction(uow, actor, interaction_id)
    case = cases.get_case(uow, actor, interaction.case_id).model_dump(mode="python") if interaction.case_id else None
    if interaction.customer_id is None:
        return CustomerCard(interaction.id, None, interaction.from_address, case,
                            identity_verified(case["details"], interaction.id) if case else None)
    customer = customers.get_customer(uow, interaction.customer_id)
    open_rows = list(uow.session.scalars(
        select(Case).where(Case.customer_id == interaction.customer_id, Case.client_id == interaction.client_id,
                           Case.status.in_([CaseStatus.NEW.value, CaseStatus.OPEN.value, CaseStatus.PENDING.value]))
        .order_by(Case.id.desc()).limit(20)))
    cases.audit_health_reads(uow, actor, open_rows, action="list")
    previous_rows = list(uow.session.execute(
        select(Interaction, Queue.name).outerjoin(Queue, Queue.id == Interaction.queue_id)
        .where(Interaction.customer_id == interaction.customer_id, Interaction.id != interaction.id,
               Interaction.client_id == interaction.client_id)
        .order_by(Interaction.created_at.desc(), Interaction.id.desc()).limit(PREVIOUS_LIMIT)))
    uow.commit()  # the audit entries
    return CustomerCard(
        interaction.id, customer, interaction.from_address, case,
        identity_verified(case["details"], interaction.id) if case else None,
        [CaseSummary(c.id, c.type, c.status, c.subject, c.created_at) for c in open_rows],
        [PastInteraction(i.id, i.channel, i.direction, i.state, name or "", i.created_at, i.wrap_up_code, i.case_id)
         for i, name in previous_rows])


def chat_status(uow: UnitOfWork, interaction_ids: list[int]) -> dict[int, str]:
    if not interaction_ids:
        return {}
    return {iid: status for iid, status in uow.session.execute(
        select(ChatSession.interaction_id, ChatSession.status).where(ChatSession.interaction_id.in_(interaction_ids)))
        if iid is not None}


@dataclass(frozen=True)
class Choices:
    not_ready_reasons: list[tuple[str, str]]
    wrap_up_codes: list[tuple[str, str]]


def choices(uow: UnitOfWork) -> Choices:
    reasons = [(code, name) for code, name in uow.session.execute(
        select(NotReadyReason.code, NotReadyReason.name).order_by(NotReadyReason.name))]
    codes = [(code, name) for code, name in uow.session.execute(
        select(WrapUpCode.code, WrapUpCode.name).order_by(WrapUpCode.name))]
    return Choices(reasons, codes)


@dataclass(frozen=True)
class TransferTargets:
    queues: list[tuple[int, str]]
    agents: list[tuple[int, str]]


def transfer_targets(uow: UnitOfWork, actor: Actor, interaction: Interaction) -> TransferTargets:
    """Queues of the same client and channel, and colleagues who are ready now (the transfer use case
    checks their skills and capacity again)."""
    queues = [(qid, name) for qid, name in uow.session.execute(
        select(Queue.id, Queue.name).where(Queue.client_id == interaction.client_id,
                                           Queue.channel == interaction.channel, Queue.is_active.is_(True))
        .order_by(Queue.name))]
    busy = Counter(uow.session.scalars(select(Interaction.agent_id).where(
        Interaction.state.in_([s.value for s in ACTIVE_STATES]), Interaction.agent_id.is_not(None))))
    agents = [(aid, name) for aid, name in uow.session.execute(
        select(Agent.id, Agent.display_name).where(Agent.presence == PresenceState.READY.value,
                                                   Agent.id != actor.agent_id).order_by(Agent.display_name))
              if interaction.channel == Channel.CHAT or not busy.get(aid)]
    return TransferTargets(queues, agents)


def _customer_names(uow: UnitOfWork, ids: list[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {cid: name for cid, name in uow.session.execute(
        select(Customer.id, Customer.full_name).where(Customer.id.in_(wanted)))}


def _visitor_names(uow: UnitOfWork, interaction_ids: list[int]) -> dict[int, str]:
    """The name a chat visitor gave, for a chat whose customer is not identified."""
    if not interaction_ids:
        return {}
    return {iid: name for iid, name in uow.session.execute(
        select(ChatSession.interaction_id, ChatSession.customer_name)
        .where(ChatSession.interaction_id.in_(interaction_ids))) if iid is not None and name}
