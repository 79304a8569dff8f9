"""The outbox: e-mails and SMS to customers wait here until a sender delivers them.

`enqueue` runs inside the caller's transaction (a reply is queued in the same commit as the case change
that caused it), checks consent, and renders the template. `deliver_due` hands what is due to the channel's
sender, retrying with back-off; a delivery receipt (`record_receipt`) marks a message delivered or failed.
Marketing messages need the customer's explicit consent for that channel; a service message is sent unless
the customer refused the channel.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from helpline.adapters.db.models import ChannelConsent, OutboundMessage
from helpline.domain.errors import InvalidInput, NotFound
from helpline.services.channels import health, templates
from helpline.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

QUEUED, SENT, DELIVERED, FAILED, SUPPRESSED = "queued", "sent", "delivered", "failed", "suppressed"
SERVICE, MARKETING = "service", "marketing"
PURPOSES = (SERVICE, MARKETING)
MAX_ATTEMPTS = 6
RETRY_DELAYS_S = (30, 120, 600, 1800, 3600)


@dataclass(frozen=True)
class OutgoingMessage:
    """What a sender needs, free of the database."""

    id: int
    channel: str
    to_address: str
    subject: str
    body: str
    headers: dict[str, Any]
    message_id: str | None


class Sender(Protocol):
    """A channel's delivery adapter (SMTP, an SMS HTTP gateway, SMPP)."""

    name: str  # shown in channel health and stored as the message's provider

    def send(self, message: OutgoingMessage) -> str:
        """Deliver or hand over one message; returns the provider's id for it. Raises on failure."""
        ...


class PermanentFailure(Exception):
    """A sender's error that retrying cannot fix (an invalid number, a rejected address)."""


@dataclass
class OutboundRequest:
    channel: str
    to_address: str
    purpose: str = SERVICE
    subject: str = ""
    body: str = ""
    template: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    client_id: int | None = None
    customer_id: int | None = None
    case_id: int | None = None
    interaction_id: int | None = None
    idempotency_key: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None


def enqueue(uow: UnitOfWork, request: OutboundRequest) -> OutboundMessage:
    """Add a message to the outbox in the caller's transaction (flushed, not committed). A repeated
    idempotency key returns the message queued first."""
    if request.purpose not in PURPOSES:
        raise InvalidInput(f"purpose must be one of {', '.join(PURPOSES)}")
    if request.idempotency_key is not None:
        existing = uow.session.scalar(select(OutboundMessage).where(
            OutboundMessage.idempotency_key == request.idempotency_key))
        if existing is not None:
            return existing
    subject, body, language = request.subject, request.body, request.language
    if request.template is not None:
        rendered = templates.render(request.template, request.language, request.params)
        subject, body, language = rendered.subject or subject, rendered.body, rendered.language
    if not body.strip():
        raise InvalidInput("a message needs a body or a template")
    refusal = consent_refusal(uow, request.customer_id, request.channel, request.purpose)
    message = OutboundMessage(
        channel=request.channel, purpose=request.purpose, client_id=request.client_id,
        customer_id=request.customer_id, case_id=request.case_id, interaction_id=request.interaction_id,
        to_address=request.to_address, subject=subject[:300], body=body, template=request.template,
        language=language, idempotency_key=request.idempotency_key, headers=request.headers,
        message_id=request.message_id, status=SUPPRESSED if refusal else QUEUED, attempts=0,
        error=refusal or "", created_at=uow.now())
    uow.session.add(message)
    uow.flush()
    return message


def consent_refusal(uow: UnitOfWork, customer_id: int | None, channel: str, purpose: str) -> str | None:
    """Why this message may not be sent, or None. Marketing needs a recorded yes; service needs no recorded no."""
    consent = None if customer_id is None else uow.session.get(ChannelConsent, (customer_id, channel, purpose))
    if purpose == MARKETING and (consent is None or not consent.granted):
        return f"no marketing consent for {channel}"
    if consent is not None and not consent.granted:
        return f"the customer refused {purpose} messages by {channel}"
    return None


def set_consent(uow: UnitOfWork, customer_id: int, channel: str, purpose: str, granted: bool, source: str) -> None:
    """Record a customer's yes or no (in the caller's transaction)."""
    if purpose not in PURPOSES:
        raise InvalidInput(f"purpose must be one of {', '.join(PURPOSES)}")
    consent = uow.session.get(ChannelConsent, (customer_id, channel, purpose))
    if consent is None:
        consent = ChannelConsent(customer_id=customer_id, channel=channel, purpose=purpose)
        uow.session.add(consent)
    consent.granted, consent.updated_at, consent.source = granted, uow.now(), source[:60]


def due(uow: UnitOfWork, channel: str, limit: int = 100) -> list[int]:
    return list(uow.session.scalars(
        select(OutboundMessage.id).where(OutboundMessage.channel == channel, OutboundMessage.status == QUEUED, or_(
            OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= uow.now()))
        .order_by(OutboundMessage.id).limit(limit)))


def deliver_one(new_uow: UnitOfWorkFactory, message_id: int, sender: Sender) -> str:
    """Hand one queued message to the sender; returns its status afterwards."""
    with new_uow() as uow:
        message = uow.session.get(OutboundMessage, message_id)
        if message is None or message.status != QUEUED:
            return message.status if message is not None else FAILED
        outgoing = OutgoingMessage(id=message.id, channel=message.channel, to_address=message.to_address,
                                   subject=message.subject, body=message.body, headers=dict(message.headers),
                                   message_id=message.message_id)
        message.attempts += 1
        message.provider = sender.name
        try:
            message.provider_message_id = sender.send(outgoing)
        except Exception as error:  # recorded on the message and retried
            log.warning("outbound message %s: %s", message_id, error)
            _failed_attempt(uow, message, error)
            uow.commit()
            health.record_error(uow, sender.name, message.channel, str(error))
            return message.status
        message.status, message.sent_at, message.error = SENT, uow.now(), ""
        uow.commit()
        health.record_activity(uow, sender.name, message.channel)
        return SENT


def _failed_attempt(uow: UnitOfWork, message: OutboundMessage, error: Exception) -> None:
    message.error = f"{type(error).__name__}: {error}"[:4000]
    if isinstance(error, PermanentFailure) or message.attempts >= MAX_ATTEMPTS:
        message.status, message.next_attempt_at = FAILED, None
    else:
        delay = RETRY_DELAYS_S[min(message.attempts, len(RETRY_DELAYS_S)) - 1]
        message.next_attempt_at = uow.now() + timedelta(seconds=delay)


def deliver_due(new_uow: UnitOfWorkFactory, senders: Mapping[str, Sender], limit: int = 100) -> dict[str, int]:
    """Deliver what is due on every channel that has a sender; counts by resulting status."""
    counts: dict[str, int] = {}
    for channel, sender in senders.items():
        with new_uow() as uow:
            ids = due(uow, channel, limit)
        for message_id in ids:
            status = deliver_one(new_uow, message_id, sender)
            counts[status] = counts.get(status, 0) + 1
    return counts


def record_receipt(uow: UnitOfWork, provider: str, provider_message_id: str, delivered: bool,
                   at: datetime | None = None, error: str = "") -> OutboundMessage:
    """A delivery receipt from a gateway: the message was delivered, or finally failed. Commits."""
    message = uow.session.scalar(select(OutboundMessage).where(
        OutboundMessage.provider == provider, OutboundMessage.provider_message_id == provider_message_id))
    if message is None:
        raise NotFound("outbound message", f"{provider}:{provider_message_id}")
    if message.status in (SENT, QUEUED, DELIVERED, FAILED):
        message.status = DELIVERED if delivered else FAILED
        if delivered:
            message.delivered_at = at or uow.now()
        else:
            message.error = error or "the gateway reported it undelivered"
    try:
        uow.commit()
    except IntegrityError:
        uow.session.rollback()
        raise
    return message
