"""Receiving interactions from any channel: idempotent, identified, attached to a case, queued.

This is every channel's hot path. Requests that arrive together are received together
(`receive_interactions`): one unit of work, set-based statements (queues, customers, open cases, new cases,
interactions, events: one statement each) and one durable commit for the whole batch. A request's
answer is sent only after that commit. An error in one request (unknown queue, wrong channel, ...) is that
request's answer alone; a clash with a concurrent writer makes the batch fall back to one request at a time.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, tuple_
from sqlalchemy.exc import IntegrityError

from helpline.adapters.db import bulk
from helpline.adapters.db.models import Base, Case, Customer, CustomerEmail, CustomerPhone, Interaction, Policy
from helpline.domain.case_lifecycle import OPEN_STATUSES, is_reopen
from helpline.domain.contact import is_email, normalize_email, normalize_phone
from helpline.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import CaseStatus, Direction, EventType, InteractionState, Role
from helpline.services import event_log, scope
from helpline.services.schemas import InteractionView, ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork

Received = tuple[InteractionView, bool]  # the interaction, and whether this request created it
Outcome = Received | DomainError

# Built once: a statement object caches its compiled form, so the hot path skips SQL generation.
_INTERACTIONS, _CASES, _QUEUES = (Base.metadata.tables[name] for name in ("interactions", "cases", "queues"))
_SELECT_QUEUES = select(_QUEUES.c.id, _QUEUES.c.code, _QUEUES.c.client_id, _QUEUES.c.site_id, _QUEUES.c.channel,
                        _QUEUES.c.product_line, _QUEUES.c.is_active).where(
    _QUEUES.c.id.in_(bindparam("ids", expanding=True)))
_SELECT_KEYS = select(_INTERACTIONS.c.id).where(_INTERACTIONS.c.idempotency_key.in_(bindparam("keys", expanding=True)))
_SELECT_EMAIL_OWNERS = select(CustomerEmail.customer_id, CustomerEmail.email).where(
    CustomerEmail.email.in_(bindparam("values", expanding=True)))
_SELECT_PHONE_OWNERS = select(CustomerPhone.customer_id, CustomerPhone.phone).where(
    CustomerPhone.phone.in_(bindparam("values", expanding=True)))


@dataclass
class _Item:
    """One request on its way through a batch."""

    index: int
    actor: Actor
    cmd: ReceiveInteraction
    fingerprint: str
    at: datetime
    queue: Any
    client_id: int
    policy: Policy | None
    customer_id: int | None = None
    case_id: int | None = None
    new_case_of: "_Item | None" = None  # the item (maybe itself) whose new case this one joins
    interaction_id: int | None = None


def receive_interaction(uow: UnitOfWork, actor: Actor, cmd: ReceiveInteraction) -> Received:
    """Store one interaction and queue it. A repeated idempotency key returns the first interaction;
    the same key with a different request is a Conflict."""
    outcome = receive_interactions(uow, [(actor, cmd)])[0]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def receive_interactions(uow: UnitOfWork, requests: Sequence[tuple[Actor, ReceiveInteraction]]) -> list[Outcome]:
    """Receive several interactions in one unit of work; one outcome per request, in order."""
    try:
        outcomes = _receive_batch(uow, requests)
        uow.commit()
        return outcomes
    except IntegrityError:
        uow.session.rollback()
    if len(requests) > 1:  # a concurrent writer took a key first: settle each request on its own
        return [receive_interactions(uow, [request])[0] for request in requests]
    cmd = requests[0][1]
    existing = _by_keys(uow, [cmd.idempotency_key] if cmd.idempotency_key else [])
    if cmd.idempotency_key in existing:
        return [_repeat(existing[cmd.idempotency_key], _fingerprint(cmd))]
    return [Conflict("the interaction clashes with a stored record")]


def _receive_batch(uow: UnitOfWork, requests: Sequence[tuple[Actor, ReceiveInteraction]]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(requests)
    known = _by_keys(uow, [cmd.idempotency_key for _, cmd in requests if cmd.idempotency_key])
    queues = _queues(uow, {cmd.queue_id for _, cmd in requests if cmd.queue_id is not None})
    items: list[_Item] = []
    first_with_key: dict[str, _Item] = {}
    repeats: list[tuple[int, _Item, str]] = []
    for index, (actor, cmd) in enumerate(requests):
        fingerprint = _fingerprint(cmd)
        key = cmd.idempotency_key
        if key and key in known:
            outcomes[index] = _repeat(known[key], fingerprint)
        elif key and key in first_with_key:  # the same request twice in one batch
            repeats.append((index, first_with_key[key], fingerprint))
        else:
            try:
                item = _prepare(uow, index, actor, cmd, fingerprint, queues)
            except DomainError as error:
                outcomes[index] = error
                continue
            items.append(item)
            if key:
                first_with_key[key] = item
    _identify(uow, items)
    _attach_cases(uow, items)
    _insert(uow, items)
    for item in items:
        outcomes[item.index] = (_view(item), True)
    for index, first, fingerprint in repeats:
        same = fingerprint == first.fingerprint
        outcomes[index] = (_view(first), False) if same else Conflict(
            f"idempotency key {first.cmd.idempotency_key!r} was already used for a different request")
    return [outcome for outcome in outcomes if outcome is not None]


def _fingerprint(cmd: ReceiveInteraction) -> str:
    return hashlib.sha256(cmd.model_dump_json(exclude={"idempotency_key"}).encode()).hexdigest()


def _by_keys(uow: UnitOfWork, keys: list[str]) -> dict[str, Interaction]:
    """The stored interactions with these idempotency keys (usually none: one cheap query)."""
    if not keys:
        return {}
    ids = uow.session.connection().execute(_SELECT_KEYS, {"keys": keys}).scalars().all()
    if not ids:
        return {}
    found = uow.session.scalars(select(Interaction).where(Interaction.id.in_(ids)))
    return {i.idempotency_key: i for i in found if i.idempotency_key}


def _repeat(found: Interaction, fingerprint: str) -> Outcome:
    if found.request_fingerprint != fingerprint:
        return Conflict(f"idempotency key {found.idempotency_key!r} was already used for a different request")
    return InteractionView.model_validate(found), False


def _queues(uow: UnitOfWork, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {q.id: q for q in uow.session.connection().execute(_SELECT_QUEUES, {"ids": sorted(ids)})}


def _prepare(uow: UnitOfWork, index: int, actor: Actor, cmd: ReceiveInteraction, fingerprint: str,
             queues: dict[int, Any]) -> _Item:
    """Validate one request against its queue and client; raises the DomainError that answers it."""
    queue = _checked_queue(actor, cmd, queues)
    if cmd.direction == Direction.INBOUND and queue is None:
        raise InvalidInput("an inbound interaction needs a queue_id")
    client_id = cmd.client_id if cmd.client_id is not None else (queue.client_id if queue else None)
    if client_id is None:
        raise InvalidInput("give a queue_id or a client_id")
    if queue is not None and queue.client_id != client_id:
        raise InvalidInput(f"queue {queue.id} belongs to another client")
    if cmd.customer_id is not None and uow.session.get(Customer, cmd.customer_id) is None:
        raise NotFound("customer", cmd.customer_id)
    policy = _policy(uow, client_id, cmd.policy_number)
    item = _Item(index, actor, cmd, fingerprint, cmd.occurred_at or uow.now(), queue, client_id, policy,
                 customer_id=cmd.customer_id if cmd.customer_id is not None else (
                     policy.customer_id if policy else None))
    if cmd.case_id is not None:  # a reply threaded into a known case (rare: done one by one)
        item.case_id = _explicit_case(uow, item)
    return item


def _checked_queue(actor: Actor, cmd: ReceiveInteraction, queues: dict[int, Any]) -> Any:
    if cmd.queue_id is None:
        return None
    queue = queues.get(cmd.queue_id)
    if queue is None or (actor.role == Role.SUPERVISOR and queue.site_id is not None
                         and queue.site_id not in actor.site_ids):
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


def _identify(uow: UnitOfWork, items: list[_Item]) -> None:
    """Customers by phone or e-mail, for the items not identified by id or policy: one query per kind.
    A phone or address shared by several customers identifies no one."""
    unknown = [i for i in items if i.customer_id is None and i.cmd.from_address]
    emails = {i.index: normalize_email(i.cmd.from_address or "") for i in unknown if is_email(i.cmd.from_address or "")}
    phones = {i.index: normalize_phone(i.cmd.from_address or "") for i in unknown if i.index not in emails}
    owners: dict[str, set[int]] = {}
    for statement, values in ((_SELECT_EMAIL_OWNERS, emails), (_SELECT_PHONE_OWNERS, phones)):
        if values:
            distinct = list(set(values.values()))
            for customer_id, value in uow.session.connection().execute(statement, {"values": distinct}):
                owners.setdefault(value, set()).add(customer_id)
    for item in unknown:
        matches = owners.get(emails.get(item.index) or phones.get(item.index, ""), set())
        item.customer_id = next(iter(matches)) if len(matches) == 1 else None


def _attach_cases(uow: UnitOfWork, items: list[_Item]) -> None:
    """Each item joins its customer's open case on the same topic, or a new case (shared by items of the
    same customer and topic in this batch)."""
    pending = [i for i in items if i.case_id is None]
    pairs = {(i.client_id, i.customer_id, i.cmd.topic) for i in pending if i.customer_id is not None and i.cmd.topic}
    open_cases: dict[tuple[int, int | None, str], int] = {}
    if pairs:
        for case_id, client_id, customer_id, topic in uow.session.execute(
                select(Case.id, Case.client_id, Case.customer_id, Case.topic)
                .where(tuple_(Case.client_id, Case.customer_id, Case.topic).in_(list(pairs)),
                       Case.status.in_([s.value for s in OPEN_STATUSES])).order_by(Case.id)):
            open_cases[(client_id, customer_id, topic)] = case_id  # the newest wins
    openers: dict[tuple[int, int | None, str], _Item] = {}
    for item in pending:
        pair = (item.client_id, item.customer_id, item.cmd.topic)
        shareable = item.customer_id is not None and bool(item.cmd.topic)
        if shareable and pair in open_cases:
            item.case_id = open_cases[pair]
        elif shareable and pair in openers:
            item.new_case_of = openers[pair]
        else:
            item.new_case_of = item
            if shareable:
                openers[pair] = item


def _insert(uow: UnitOfWork, items: list[_Item]) -> None:
    """New cases, then interactions, then every event: one statement each."""
    connection = uow.session.connection()
    openers = [i for i in items if i.new_case_of is i]
    ids = bulk.insert_rows(connection, _CASES, [_case_row(i) for i in openers], returning=_CASES.c.id)
    for item, case_id in zip(openers, ids, strict=True):
        item.case_id = case_id
    for item in items:
        if item.new_case_of is not None:
            item.case_id = item.new_case_of.case_id
    if not items:
        return
    ids = bulk.insert_rows(connection, _INTERACTIONS, [_interaction_row(i) for i in items],
                           returning=_INTERACTIONS.c.id)
    events = []
    for item, interaction_id in zip(items, ids, strict=True):
        item.interaction_id = interaction_id
        events += _events(item)
    event_log.append_rows(uow, events)


def _events(item: _Item) -> list[dict[str, Any]]:
    at, actor, cmd = item.at, item.actor, item.cmd
    queue_id = item.queue.id if item.queue else None
    common = {"interaction_id": item.interaction_id, "case_id": item.case_id, "queue_id": queue_id}
    rows = [event_log.row(EventType.CASE_OPENED, at=at, actor=actor, case_id=item.case_id,
                          type=cmd.case_type.value)] if item.new_case_of is item else []
    rows.append(event_log.row(EventType.RECEIVED, at=at, actor=actor, **common, channel=cmd.channel.value,
                              direction=cmd.direction.value))
    if queue_id is not None:
        rows.append(event_log.row(EventType.ENTERED_QUEUE, at=at, actor=actor, **common,
                                  priority=cmd.priority or None))
    return rows


def _case_row(item: _Item) -> dict[str, Any]:
    cmd, queue, policy = item.cmd, item.queue, item.policy
    product_line = (queue.product_line if queue else None) or (policy.product_line if policy else None)
    # The columns a new case never sets (assigned agent, first response, resolved, closed) are left out: NULL.
    return {"client_id": item.client_id, "customer_id": item.customer_id, "policy_id": policy.id if policy else None,
            "site_id": queue.site_id if queue else None, "type": cmd.case_type.value,
            "status": CaseStatus.NEW.value, "priority": "normal", "product_line": product_line, "topic": cmd.topic,
            "subject": cmd.subject or cmd.topic, "notes": "", "details": {}, "created_at": item.at,
            "updated_at": item.at, "version": 1}


def _view_fields(item: _Item) -> dict[str, Any]:
    """What a new interaction holds, shown and stored alike."""
    cmd, queue = item.cmd, item.queue
    return {
        "client_id": item.client_id, "channel": cmd.channel.value, "direction": cmd.direction.value,
        "state": (InteractionState.QUEUED if queue else InteractionState.RECEIVED).value,
        "customer_id": item.customer_id, "queue_id": queue.id if queue else None, "case_id": item.case_id,
        "external_id": cmd.external_id, "idempotency_key": cmd.idempotency_key, "from_address": cmd.from_address,
        "topic": cmd.topic, "subject": cmd.subject, "priority": cmd.priority, "notes": "", "created_at": item.at,
        "queued_at": item.at if queue else None,
    }


# What a new interaction has not got yet. These columns are left out of the INSERT (so NULL).
_NOT_YET = {"agent_id": None, "exit_reason": None, "wrap_up_code": None, "answered_at": None, "ended_at": None,
            "completed_at": None}


def _interaction_row(item: _Item) -> dict[str, Any]:
    cmd = item.cmd
    return {**_view_fields(item), "to_address": cmd.to_address, "body": cmd.body, "language": cmd.language,
            "request_fingerprint": item.fingerprint, "created_by_user_id": item.actor.user_id, "version": 1}


def _view(item: _Item) -> InteractionView:
    return InteractionView(id=item.interaction_id, **_view_fields(item), **_NOT_YET)


def _explicit_case(uow: UnitOfWork, item: _Item) -> int:
    case = uow.session.get(Case, item.cmd.case_id)
    if case is None or case.client_id != item.client_id or not _case_visible(uow, item.actor, case):
        raise NotFound("case", item.cmd.case_id)
    if is_reopen(case.status, CaseStatus.OPEN):  # a customer writing back reopens the case
        event_log.append(uow, EventType.CASE_STATUS_CHANGED, at=item.at, actor=item.actor, case_id=case.id,
                         data={"from": case.status, "to": CaseStatus.OPEN.value, "reason": "new contact"})
        case.status, case.resolved_at, case.closed_at, case.updated_at = CaseStatus.OPEN.value, None, None, item.at
    return case.id


def _case_visible(uow: UnitOfWork, actor: Actor, case: Case) -> bool:
    if actor.role == Role.INTEGRATION:  # a channel threads replies into cases it cannot read
        return True
    return uow.session.scalar(select(Case.id).where(Case.id == case.id, scope.case_filter(uow, actor))) is not None
