"""Receiving an interaction from any channel: idempotent, identified, attached to a case, queued."""

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from helpline.adapters.db.models import (
    Case,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Interaction,
    Policy,
    Queue,
)
from helpline.domain.case_lifecycle import OPEN_STATUSES, is_reopen
from helpline.domain.contact import is_email, normalize_email, normalize_phone
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import CaseStatus, Direction, EventType, InteractionState, Role
from helpline.services import event_log, scope
from helpline.services.schemas import InteractionView, ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork


def receive_interaction(uow: UnitOfWork, actor: Actor, cmd: ReceiveInteraction) -> tuple[InteractionView, bool]:
    """Store a new interaction and queue it; returns (interaction, created). A repeated idempotency key
    returns the first interaction; the same key with a different request is a Conflict.

    The hot path of every channel: it inserts first and looks the key up only when the insert clashes."""
    fingerprint = hashlib.sha256(cmd.model_dump_json(exclude={"idempotency_key"}).encode()).hexdigest()
    queue = _queue(uow, actor, cmd)
    if cmd.direction == Direction.INBOUND and queue is None:
        raise InvalidInput("an inbound interaction needs a queue_id")
    client_id = cmd.client_id if cmd.client_id is not None else (queue.client_id if queue else None)
    if client_id is None:
        raise InvalidInput("give a queue_id or a client_id")
    if queue is not None and queue.client_id != client_id:
        raise InvalidInput(f"queue {queue.id} belongs to another client")
    at = cmd.occurred_at or uow.now()
    policy = _policy(uow, client_id, cmd.policy_number)
    customer_id = _identify(uow, cmd, policy)
    case, case_is_new = _attach_case(uow, actor, cmd, client_id, customer_id, policy, queue, at)
    interaction = Interaction(
        client_id=client_id, channel=cmd.channel.value, direction=cmd.direction.value,
        state=(InteractionState.QUEUED if queue else InteractionState.RECEIVED).value, customer_id=customer_id,
        queue_id=queue.id if queue else None, queued_at=at if queue else None, case_id=case.id,
        external_id=cmd.external_id, idempotency_key=cmd.idempotency_key, request_fingerprint=fingerprint,
        created_by_user_id=actor.user_id, from_address=cmd.from_address, to_address=cmd.to_address,
        topic=cmd.topic, subject=cmd.subject, body=cmd.body, priority=cmd.priority, language=cmd.language,
        created_at=at)
    uow.session.add(interaction)
    try:
        uow.flush()
    except Conflict:
        if cmd.idempotency_key and (existing := _by_key(uow, cmd.idempotency_key, fingerprint)):
            return existing, False  # a retry, or a concurrent request that stored it first
        raise
    if case_is_new:
        event_log.append(uow, EventType.CASE_OPENED, at=at, actor=actor, case_id=case.id, type=case.type)
    event_log.append(uow, EventType.RECEIVED, at=at, actor=actor, interaction=interaction,
                     channel=cmd.channel.value, direction=cmd.direction.value)
    if queue is not None:
        event_log.append(uow, EventType.ENTERED_QUEUE, at=at, actor=actor, interaction=interaction,
                         priority=cmd.priority or None)
    uow.commit()
    return InteractionView.model_validate(interaction), True


def _by_key(uow: UnitOfWork, key: str, fingerprint: str) -> InteractionView | None:
    found = uow.session.scalar(select(Interaction).where(Interaction.idempotency_key == key))
    if found is None:
        return None
    if found.request_fingerprint != fingerprint:
        raise Conflict(f"idempotency key {key!r} was already used for a different request")
    return InteractionView.model_validate(found)


def _queue(uow: UnitOfWork, actor: Actor, cmd: ReceiveInteraction) -> Queue | None:
    if cmd.queue_id is None:
        return None
    queue = uow.session.get(Queue, cmd.queue_id, options=[lazyload(Queue.required_skills)])
    if queue is None:
        raise NotFound("queue", cmd.queue_id)
    if actor.role == Role.SUPERVISOR and queue.site_id is not None and queue.site_id not in actor.site_ids:
        raise NotFound("queue", cmd.queue_id)
    if not queue.is_active:
        raise InvalidInput(f"queue {queue.code} is not active")
    if queue.channel != cmd.channel.value:
        raise InvalidInput(f"queue {queue.code} takes {queue.channel} interactions, not {cmd.channel.value}")
    return queue


def _policy(uow: UnitOfWork, client_id: int, number: str | None) -> Policy | None:
    if not number:
        return None
    return uow.session.scalar(select(Policy).where(Policy.client_id == client_id, Policy.number == number.strip()))


def _identify(uow: UnitOfWork, cmd: ReceiveInteraction, policy: Policy | None) -> int | None:
    """The customer named, else the one owning the policy, else the only one with that phone or e-mail."""
    if cmd.customer_id is not None:
        if uow.session.get(Customer, cmd.customer_id) is None:
            raise NotFound("customer", cmd.customer_id)
        return cmd.customer_id
    if policy is not None:
        return policy.customer_id
    if not cmd.from_address:
        return None
    if is_email(cmd.from_address):
        query = select(CustomerEmail.customer_id).where(CustomerEmail.email == normalize_email(cmd.from_address))
    else:
        query = select(CustomerPhone.customer_id).where(CustomerPhone.phone == normalize_phone(cmd.from_address))
    matches = set(uow.session.scalars(query.limit(2)))
    return matches.pop() if len(matches) == 1 else None  # a shared number identifies no one


def _attach_case(uow: UnitOfWork, actor: Actor, cmd: ReceiveInteraction, client_id: int, customer_id: int | None,
                 policy: Policy | None, queue: Queue | None, at: datetime) -> tuple[Case, bool]:
    """The case the interaction belongs to, and whether it was opened just now."""
    if cmd.case_id is not None:
        case = uow.session.get(Case, cmd.case_id)
        if case is None or case.client_id != client_id or not _case_visible(uow, actor, case):
            raise NotFound("case", cmd.case_id)
        if is_reopen(case.status, CaseStatus.OPEN):  # a customer writing back reopens the case
            event_log.append(uow, EventType.CASE_STATUS_CHANGED, at=at, actor=actor, case_id=case.id,
                             data={"from": case.status, "to": CaseStatus.OPEN.value, "reason": "new contact"})
            case.status, case.resolved_at, case.closed_at, case.updated_at = CaseStatus.OPEN.value, None, None, at
        return case, False
    if customer_id is not None and cmd.topic:
        case = uow.session.scalar(
            select(Case).where(Case.customer_id == customer_id, Case.client_id == client_id, Case.topic == cmd.topic,
                               Case.status.in_([s.value for s in OPEN_STATUSES])).order_by(Case.id.desc()).limit(1))
        if case is not None:
            return case, False
    product_line = (queue.product_line if queue else None) or (policy.product_line if policy else None)
    case = Case(client_id=client_id, customer_id=customer_id, policy_id=policy.id if policy else None,
                site_id=queue.site_id if queue else None, type=cmd.case_type.value, status=CaseStatus.NEW.value,
                product_line=product_line, topic=cmd.topic, subject=cmd.subject or cmd.topic, created_at=at,
                updated_at=at)
    uow.session.add(case)
    uow.flush()
    return case, True


def _case_visible(uow: UnitOfWork, actor: Actor, case: Case) -> bool:
    if actor.role == Role.INTEGRATION:  # a channel threads replies into cases it cannot read
        return True
    return uow.session.scalar(select(Case.id).where(Case.id == case.id, scope.case_filter(uow, actor))) is not None
