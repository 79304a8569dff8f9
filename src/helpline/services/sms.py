"""SMS use cases: what the gateway adapters hand over (a customer's SMS, a delivery receipt) is stored in
the inbox first and processed by the connector's inbox handler:

- a customer's SMS becomes an interaction (channel sms, from the phone, in the connector's queue), once:
  the gateway's message id is the inbox's external id, so a gateway posting twice stores it once;
- "STOP" / "СТОП" / "退订" withdraws the sender's marketing consent for SMS and is not an interaction;
- a delivery receipt marks the outbox message delivered or failed (a long SMPP message: when every part,
  or any part, is reported).

Receipts are stored before they are applied for the same reason as messages: a receipt can arrive before
the sending worker has committed the message's provider id; applying it then fails and the inbox retries.
"""

import hmac
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import CustomerPhone, InboundMessage, OutboundMessage, SmsPart
from helpline.adapters.sms.encoding import PartOf
from helpline.domain.contact import normalize_phone
from helpline.domain.errors import Forbidden, InvalidInput
from helpline.domain.vocabulary import Channel
from helpline.services import intake
from helpline.services.channels import configs, inbox, outbox
from helpline.services.channels.inbox import Handler, Inbound
from helpline.services.schemas import ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork

CHANNEL = Channel.SMS.value
RECEIPT, MOBILE_ORIGINATED, MALFORMED = "receipt", "mo", "malformed"
STOP_WORDS = frozenset({"stop", "стоп", "退订", "unsubscribe", "отписаться"})
STOP_SOURCE = "sms STOP"
WEBHOOK_KINDS = ("sms-http",)
PARTS_WINDOW = timedelta(hours=1)  # the parts of one long SMS arrive within minutes; a reference is reused later


def is_stop(text: str) -> bool:
    """A reply that asks for no more marketing SMS: the stop word alone, in any case, with punctuation."""
    return re.sub(r"[\s.!。！]+", "", text).casefold() in STOP_WORDS


# --- storing what a gateway hands over -------------------------------------------------------------


def mobile_originated(source: str, phone: str, text: str, raw: bytes, external_id: str | None = None,
                      to: str | None = None, at: datetime | None = None, part: PartOf | None = None) -> Inbound:
    """A customer's SMS; `part` when it is one part of a long message (each part is stored as it comes)."""
    meta: dict[str, Any] = {"kind": MOBILE_ORIGINATED, "from": phone, "to": to, "text": text,
                            "at": at.isoformat() if at else None}
    if part is not None:
        meta["part"] = {"reference": part.reference, "total": part.total, "seq": part.seq}
    return Inbound(channel=CHANNEL, source=source, raw=raw, external_id=external_id, meta=meta)


def receipt(source: str, provider_message_id: str, delivered: bool, raw: bytes, error: str = "",
            state: str = "") -> Inbound:
    meta = {"kind": RECEIPT, "provider_message_id": provider_message_id, "delivered": delivered,
            "error": error, "state": state}
    return Inbound(channel=CHANNEL, source=source, raw=raw, meta=meta,
                   external_id=f"receipt:{provider_message_id}:{state or delivered}"[:300])


def webhook_channel(uow: UnitOfWork, name: str, secret: str) -> configs.ConfigView:
    """The SMS gateway connector a webhook call is for, if `secret` is its receipt secret. The answer is the
    same for an unknown channel and a wrong secret, and the comparison takes the same time."""
    try:
        config = configs.get(uow, name)
    except Exception:  # NotFound: compared with a dummy below all the same
        config = None
    expected = str(config.settings.get("receipt_secret", "")) if config and config.kind in WEBHOOK_KINDS else ""
    matches = hmac.compare_digest(secret.encode(), (expected or "\x00" * 32).encode())
    if config is None or not expected or not matches or not config.enabled:
        raise Forbidden("unknown SMS channel or wrong secret")
    return config


# --- processing what was stored ----------------------------------------------------------------------


def inbox_handler(queue_id: int | None, provider: str) -> Handler:
    """The inbox handler of one SMS connector (its queue, its provider name in the outbox)."""

    def handle(uow: UnitOfWork, message: InboundMessage) -> int | None:
        if message.meta.get("kind") == MALFORMED:  # kept as it came, for a person; nothing to process
            return None
        if message.meta.get("kind") == RECEIPT:
            apply_receipt(uow, provider, str(message.meta["provider_message_id"]),
                          bool(message.meta["delivered"]), str(message.meta.get("error") or ""))
            return None
        return receive(uow, message, queue_id)

    return handle


def receive(uow: UnitOfWork, message: InboundMessage, queue_id: int | None) -> int | None:
    phone = normalize_phone(str(message.meta.get("from") or ""))
    text = str(message.meta.get("text") or "")
    if not phone:
        raise InvalidInput("an SMS without the sender's number")
    first_id = message.id
    if message.meta.get("part"):
        text, first_id = long_message(uow, message)
    if is_stop(text):
        withdraw_marketing(uow, phone)
        return None
    at = message.meta.get("at")
    cmd = ReceiveInteraction(channel=Channel.SMS, queue_id=queue_id, from_address=phone,
                             to_address=message.meta.get("to") or None, external_id=message.external_id,
                             idempotency_key=inbox.idempotency_key(first_id), subject=text[:80], body=text,
                             occurred_at=datetime.fromisoformat(at) if at else None)
    view, _created = intake.receive_interaction(uow, inbox.channel_actor(CHANNEL), cmd)
    return view.id


def long_message(uow: UnitOfWork, message: InboundMessage) -> tuple[str, int]:
    """The whole text of a long SMS this message is a part of, and the first stored part's id (every part
    then becomes the same one interaction, whichever is processed first). While parts are missing the
    message waits (inbox.NotYet: retried for about 12 minutes); on its last attempt the parts that came are
    joined, a gap marked with "[…]"."""
    part = message.meta["part"]
    since = message.received_at - PARTS_WINDOW
    candidates = uow.session.scalars(select(InboundMessage).where(
        InboundMessage.channel == CHANNEL, InboundMessage.source == message.source,
        InboundMessage.received_at >= since, InboundMessage.received_at <= message.received_at + PARTS_WINDOW))
    parts: dict[int, InboundMessage] = {}
    for found in sorted(candidates, key=lambda m: m.id):
        other = found.meta.get("part") or {}
        if found.meta.get("from") == message.meta.get("from") and other.get("reference") == part["reference"] \
                and other.get("total") == part["total"]:
            parts.setdefault(int(other["seq"]), found)  # a part the centre delivered twice counts once
    total = int(part["total"])
    missing = [seq for seq in range(1, total + 1) if seq not in parts]
    if missing and not inbox.is_last_attempt(message):
        raise inbox.NotYet(f"part {part['seq']} of {total}; parts {missing} not received yet")
    text = "".join(str(parts[seq].meta.get("text") or "") if seq in parts else "[…]" for seq in range(1, total + 1))
    return text, min(found.id for found in parts.values())


def withdraw_marketing(uow: UnitOfWork, phone: str) -> list[int]:
    """Every customer with this number stops getting marketing SMS (commits). A number no customer has
    needs nothing: marketing is only ever sent with a recorded yes."""
    owners = sorted(set(uow.session.scalars(select(CustomerPhone.customer_id).where(CustomerPhone.phone == phone))))
    for customer_id in owners:
        outbox.set_consent(uow, customer_id, CHANNEL, outbox.MARKETING, False, STOP_SOURCE)
    uow.commit()
    return owners


def record_parts(uow: UnitOfWork, provider: str, outbound_message_id: int, part_ids: Sequence[str]) -> None:
    """Remember the ids of a long message's parts, each reported by its own receipt (commits)."""
    for seq, part_id in enumerate(part_ids, start=1):
        uow.session.add(SmsPart(provider=provider, part_id=part_id, outbound_message_id=outbound_message_id,
                                seq=seq, status=outbox.SENT))
    uow.commit()


def apply_receipt(uow: UnitOfWork, provider: str, provider_message_id: str, delivered: bool, error: str = "") -> None:
    """A receipt for a whole message, or for one part of a long one. Raises NotFound for an id not (yet)
    known: the inbox tries again later."""
    part = uow.session.get(SmsPart, (provider, provider_message_id))
    if part is None:
        outbox.record_receipt(uow, provider, provider_message_id, delivered, error=error)
        return
    part.status = outbox.DELIVERED if delivered else outbox.FAILED
    message = uow.session.get(OutboundMessage, part.outbound_message_id)
    parts = list(uow.session.scalars(select(SmsPart).where(SmsPart.outbound_message_id == part.outbound_message_id)))
    if message is None or message.provider_message_id is None:
        raise LookupError("the message's own commit has not landed yet")
    if any(p.status == outbox.FAILED for p in parts):
        outbox.record_receipt(uow, provider, message.provider_message_id, False,
                              error=error or f"part {part.seq} of {len(parts)} undelivered")
    elif all(p.status == outbox.DELIVERED for p in parts):
        outbox.record_receipt(uow, provider, message.provider_message_id, True)
    else:
        uow.commit()
