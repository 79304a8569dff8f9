"""The inbox: every inbound message is committed raw before anything else happens to it, then processed
by its channel's handler into the intake use case.

A handler turns one stored message into an interaction (or joins one) and returns its id, or returns
None to ignore it on purpose (a bounce, an auto-reply). It receives through `intake` with the idempotency
key `inbox:{message id}`, so a crash between the interaction's commit and the message's own never makes a
second interaction: the retry meets the key and gets the same one.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from helpline.adapters.db.models import InboundMessage
from helpline.domain.errors import NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services.channels import health
from helpline.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

PENDING, PROCESSED, IGNORED, FAILED = "pending", "processed", "ignored", "failed"
MAX_ATTEMPTS = 5
RETRY_DELAYS_S = (5, 30, 120, 600)  # after the 1st, 2nd, ... failure



class NotYet(Exception):
    """A handler's answer for a message that waits for another (the rest of a long SMS): it is retried on the
    usual schedule, and the channel is not reported failing. A handler decides what to do on the last
    attempt (`is_last_attempt`)."""


def is_last_attempt(message: InboundMessage) -> bool:
    return message.attempts >= MAX_ATTEMPTS - 1


# Handlers are looked up by the message's source (a configured connector's name), then by its channel.
Handler = Callable[[UnitOfWork, InboundMessage], int | None]


@dataclass(frozen=True)
class Inbound:
    """A message as a channel adapter hands it over."""

    channel: str
    source: str
    raw: bytes
    external_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


def channel_actor(channel: str) -> Actor:
    """Who a channel acts as when it receives: an integration without a user (events show no user)."""
    return Actor(user_id=None, username=f"channel:{channel}", role=Role.INTEGRATION)


def idempotency_key(message_id: int) -> str:
    return f"inbox:{message_id}"


def store(uow: UnitOfWork, message: Inbound) -> tuple[int, bool]:
    """Commit the message; returns its id and whether it is new (False: the same source and external id was
    stored before, and that message's id is returned)."""
    if message.external_id is not None:
        existing = _existing(uow, message.source, message.external_id)
        if existing is not None:
            return existing, False
    row = InboundMessage(channel=message.channel, source=message.source, external_id=message.external_id,
                         received_at=uow.now(), raw=message.raw, meta=message.meta, flags=list(message.flags),
                         status=PENDING, attempts=0, error="")
    uow.session.add(row)
    try:
        uow.commit()
    except IntegrityError:  # stored a moment ago by a concurrent delivery of the same message
        uow.session.rollback()
        existing = _existing(uow, message.source, message.external_id or "")
        if existing is None:
            raise
        return existing, False
    health.record_activity(uow, message.source, message.channel)
    return row.id, True


def _existing(uow: UnitOfWork, source: str, external_id: str) -> int | None:
    return uow.session.scalar(select(InboundMessage.id).where(InboundMessage.source == source,
                                                              InboundMessage.external_id == external_id))


def due(uow: UnitOfWork, limit: int = 100) -> list[int]:
    """Pending messages whose retry time has come, oldest first."""
    return list(uow.session.scalars(
        select(InboundMessage.id).where(InboundMessage.status == PENDING, or_(
            InboundMessage.next_attempt_at.is_(None), InboundMessage.next_attempt_at <= uow.now()))
        .order_by(InboundMessage.id).limit(limit)))


def process_one(new_uow: UnitOfWorkFactory, message_id: int, handlers: Mapping[str, Handler]) -> str:
    """Process one pending message; returns its status afterwards. A handler's error is recorded on the
    message with a retry time; after MAX_ATTEMPTS it is `failed` and waits for a person."""
    with new_uow() as uow:
        message = uow.session.get(InboundMessage, message_id)
        if message is None or message.status != PENDING:
            return message.status if message is not None else FAILED
        handler = handlers.get(message.source) or handlers.get(message.channel)
        try:
            if handler is None:
                raise LookupError(f"no handler for {message.source} ({message.channel})")
            interaction_id = handler(uow, message)
            # The handler may have committed (intake does); the message is re-read before it is marked.
            message = uow.session.get(InboundMessage, message_id)
            assert message is not None
            message.status = PROCESSED if interaction_id is not None else IGNORED
            message.interaction_id = interaction_id
            message.processed_at = uow.now()
            message.attempts += 1
            status, source = message.status, message.source
            uow.commit()
            health.recovered(uow, source)
            return status
        except NotYet as waiting:
            uow.session.rollback()
            error_text, unhealthy = f"waiting: {waiting}", False
        except Exception as error:  # any failure is recorded on the message, never lost
            uow.session.rollback()
            log.warning("inbound message %s failed: %s", message_id, error)
            error_text, unhealthy = f"{type(error).__name__}: {error}", True
    return _record_failure(new_uow, message_id, error_text, unhealthy)


def _record_failure(new_uow: UnitOfWorkFactory, message_id: int, error_text: str, unhealthy: bool = True) -> str:
    with new_uow() as uow:
        message = uow.session.get(InboundMessage, message_id)
        assert message is not None
        message.attempts += 1
        message.error = error_text[:4000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = FAILED
            message.next_attempt_at = None
        else:
            delay = RETRY_DELAYS_S[min(message.attempts, len(RETRY_DELAYS_S)) - 1]
            message.next_attempt_at = uow.now() + timedelta(seconds=delay)
        uow.commit()
        if unhealthy:
            health.record_error(uow, message.source, message.channel, error_text)
        return message.status


def process_due(new_uow: UnitOfWorkFactory, handlers: Mapping[str, Handler], limit: int = 100) -> dict[str, int]:
    """Process what is due; returns how many messages ended in each status."""
    with new_uow() as uow:
        ids = due(uow, limit)
    counts: dict[str, int] = {}
    for message_id in ids:
        status = process_one(new_uow, message_id, handlers)
        counts[status] = counts.get(status, 0) + 1
    return counts


def retry(uow: UnitOfWork, message_id: int) -> None:
    """Put a failed message back in the queue (after the cause was fixed)."""
    message = uow.session.get(InboundMessage, message_id)
    if message is None:
        raise NotFound("inbound message", message_id)
    message.status, message.attempts, message.next_attempt_at = PENDING, 0, None
    uow.commit()

