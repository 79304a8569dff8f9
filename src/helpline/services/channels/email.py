"""E-mail intake: a stored raw message becomes an interaction in the right case, with its attachments, and a
new case is acknowledged by e-mail. Bounces and auto-replies are recognised and never answered.

Threading, first match wins: In-Reply-To / References naming an earlier inbound e-mail (its Message-ID is the
interaction's external_id) or one of our outbound messages (OutboundMessage.message_id); then a case reference
"[#123]" in the subject, honoured only when the sender already wrote in that case or owns it (a reference is
easy to type, a Message-ID is not); else intake's own matching (customer and topic), usually a new case.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid
from typing import Any

from sqlalchemy import func, select

from helpline.adapters.db.models import (
    Attachment,
    Case,
    ChannelConfig,
    Customer,
    CustomerEmail,
    InboundMessage,
    Interaction,
    OutboundMessage,
    Queue,
)
from helpline.adapters.email import loops
from helpline.adapters.email.parse import DEFAULT_MAX_BYTES, ParsedEmail, parse_email
from helpline.domain.case_lifecycle import case_reference
from helpline.domain.vocabulary import Channel
from helpline.services import intake
from helpline.services.channels import attachment_rules, inbox, outbox
from helpline.services.schemas import ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork

CASE_REF = re.compile(r"\[#(\d{1,12})\]")
AUTOMATIC_TEMPLATES = ("acknowledgement",)  # counted by the per-address hourly limit
FALLBACK_DOMAIN = "helpline.invalid"


@dataclass(frozen=True)
class EmailIntake:
    """The inbox handler of one mailbox or SMTP listener (a configured connector)."""

    queue_id: int
    our_addresses: frozenset[str] = frozenset()
    acknowledge: bool = True
    auto_replies_per_hour: int = 3
    attachment_max_bytes: int = 10 * 1024 * 1024
    max_message_bytes: int = DEFAULT_MAX_BYTES

    def __call__(self, uow: UnitOfWork, message: InboundMessage) -> int | None:
        return receive(uow, message, self)


def receive(uow: UnitOfWork, message: InboundMessage, config: EmailIntake) -> int | None:
    parsed = parse_email(message.raw, max_bytes=config.max_message_bytes)
    _flag(message, *parsed.flags)
    loop = loops.detect(parsed, config.our_addresses)
    if loop is not None:
        _flag(message, loop.kind)
        message.meta = {**message.meta, "loop": loop.reason}
        if loop.kind == loops.BOUNCE:
            _fail_bounced(uow, loop)
        return None  # the inbox marks it ignored and commits
    key = inbox.idempotency_key(message.id)
    interaction = uow.session.scalar(select(Interaction).where(Interaction.idempotency_key == key))
    if interaction is None:  # not a retry after a crash past intake's commit
        interaction = _receive(uow, message, parsed, config, key)
    _keep_attachments(uow, message, parsed, interaction, config.attachment_max_bytes)
    if config.acknowledge:
        _acknowledge(uow, message, parsed, interaction, config)
    uow.commit()
    return interaction.id


def _receive(uow: UnitOfWork, message: InboundMessage, parsed: ParsedEmail, config: EmailIntake,
             key: str) -> Interaction:
    recipients = message.meta.get("rcpt_tos") or parsed.to
    to_address = recipients[0][:254] if recipients else None
    cmd = ReceiveInteraction(
        channel=Channel.EMAIL, queue_id=config.queue_id, case_id=thread_case(uow, parsed, config.queue_id),
        from_address=(parsed.from_address or "")[:254] or None, to_address=to_address,
        external_id=(parsed.message_id or "")[:200] or None, idempotency_key=key, subject=parsed.subject[:300],
        body=parsed.text[:100_000], language=(parsed.language or None))
    view, _created = intake.receive_interaction(uow, inbox.channel_actor(Channel.EMAIL.value), cmd)
    found = uow.session.get(Interaction, view.id)
    assert found is not None
    return found


def thread_case(uow: UnitOfWork, parsed: ParsedEmail, queue_id: int) -> int | None:
    """The case this e-mail continues, or None (intake decides)."""
    client_id = uow.session.scalar(select(Queue.client_id).where(Queue.id == queue_id))
    for message_id in [parsed.in_reply_to, *reversed(parsed.references)]:
        if not message_id:
            continue
        case_id = _case_of_message_id(uow, message_id)
        if case_id is not None and _client_of(uow, case_id) == client_id:
            return case_id
    match = CASE_REF.search(parsed.subject)
    if match and parsed.from_address:
        case = uow.session.get(Case, int(match.group(1)))
        if case is not None and case.client_id == client_id and _writes_in_case(uow, case, parsed.from_address):
            return case.id
    return None


def _case_of_message_id(uow: UnitOfWork, message_id: str) -> int | None:
    inbound = uow.session.scalar(
        select(Interaction.case_id).where(Interaction.channel == Channel.EMAIL.value,
                                          Interaction.external_id == message_id[:200],
                                          Interaction.case_id.is_not(None)).order_by(Interaction.id.desc()).limit(1))
    if inbound is not None:
        return inbound
    return uow.session.scalar(select(OutboundMessage.case_id).where(
        OutboundMessage.message_id == message_id, OutboundMessage.case_id.is_not(None))
        .order_by(OutboundMessage.id.desc()).limit(1))


def _client_of(uow: UnitOfWork, case_id: int) -> int | None:
    return uow.session.scalar(select(Case.client_id).where(Case.id == case_id))


def _writes_in_case(uow: UnitOfWork, case: Case, sender: str) -> bool:
    """The sender owns the case (one of the customer's addresses) or wrote in it before."""
    if case.customer_id is not None and uow.session.scalar(select(CustomerEmail.id).where(
            CustomerEmail.customer_id == case.customer_id, CustomerEmail.email == sender).limit(1)) is not None:
        return True
    return uow.session.scalar(select(Interaction.id).where(
        Interaction.case_id == case.id, func.lower(Interaction.from_address) == sender).limit(1)) is not None


def _keep_attachments(uow: UnitOfWork, message: InboundMessage, parsed: ParsedEmail, interaction: Interaction,
                      max_bytes: int) -> None:
    if not parsed.attachments or uow.session.scalar(
            select(Attachment.id).where(Attachment.inbound_message_id == message.id).limit(1)) is not None:
        return
    refused = []
    for part in parsed.attachments:
        verdict = attachment_rules.check(part.declared_type, part.detected_type, part.content,
                                         max_bytes)
        if not verdict.allowed:
            refused.append({"filename": part.filename, "content_type": verdict.content_type, "size": part.size,
                            "reason": verdict.reason})
            continue
        uow.session.add(Attachment(
            inbound_message_id=message.id, interaction_id=interaction.id, case_id=interaction.case_id,
            filename=part.filename, content_type=verdict.content_type, size=part.size,
            sha256=attachment_rules.digest(part.content), content=part.content, created_at=uow.now()))
    if refused:
        _flag(message, "attachment_refused")
        message.meta = {**message.meta, "refused_attachments": refused}


def _acknowledge(uow: UnitOfWork, message: InboundMessage, parsed: ParsedEmail, interaction: Interaction,
                 config: EmailIntake) -> None:
    """A new case is acknowledged once, never more than the hourly limit per address."""
    sender = interaction.from_address
    if not sender or interaction.case_id is None or not _opened_by(uow, interaction):
        return
    key = f"email-ack:{interaction.id}"
    if uow.session.scalar(select(OutboundMessage.id).where(OutboundMessage.idempotency_key == key)) is not None:
        return
    if automatic_replies_last_hour(uow, sender) >= config.auto_replies_per_hour:
        _flag(message, "auto_reply_limited")
        return
    customer = uow.session.get(Customer, interaction.customer_id) if interaction.customer_id else None
    language = parsed.language or (customer.language if customer else None)
    sender_settings = sender_config(uow)
    queue_email(uow, outbox.OutboundRequest(
        channel=Channel.EMAIL.value, to_address=sender, template="acknowledgement", language=language,
        params={"customer_name": customer.full_name if customer else parsed.from_name,
                "subject": parsed.subject or "—", "case_ref": case_reference(interaction.case_id),
                "signature": signature(sender_settings)},
        client_id=interaction.client_id, customer_id=interaction.customer_id, case_id=interaction.case_id,
        interaction_id=interaction.id, idempotency_key=key,
        headers=reply_headers(parsed.message_id, parsed.references, automatic=True),
        message_id=new_message_id(sender_settings)))


def queue_email(uow: UnitOfWork, request: outbox.OutboundRequest) -> OutboundMessage:
    """Queue an e-mail; its Content-Language is the template's language actually rendered."""
    message = outbox.enqueue(uow, request)
    if message.language and "Content-Language" not in message.headers:
        message.headers = {**message.headers, "Content-Language": message.language}
    return message


def _opened_by(uow: UnitOfWork, interaction: Interaction) -> bool:
    """Whether this interaction opened its case (the case's first interaction)."""
    first = uow.session.scalar(select(func.min(Interaction.id)).where(Interaction.case_id == interaction.case_id))
    return first == interaction.id


def automatic_replies_last_hour(uow: UnitOfWork, address: str) -> int:
    return int(uow.session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.channel == Channel.EMAIL.value, OutboundMessage.to_address == address,
        OutboundMessage.template.in_(AUTOMATIC_TEMPLATES),
        OutboundMessage.created_at >= uow.now() - timedelta(hours=1))) or 0)


def reply_headers(in_reply_to: str | None, references: list[str], automatic: bool = False) -> dict[str, Any]:
    """Threading headers for an answer to `in_reply_to` (RFC 5322 section 3.6.4)."""
    headers: dict[str, Any] = {}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = " ".join(dict.fromkeys([*references, in_reply_to]))
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: robots that honour it will not answer back
    return headers


def sender_config(uow: UnitOfWork) -> dict[str, Any]:
    """The settings of the enabled SMTP sender (our From address and name), or empty ones."""
    settings = uow.session.scalar(select(ChannelConfig.settings).where(
        ChannelConfig.kind == "smtp-sender", ChannelConfig.enabled.is_(True)).order_by(ChannelConfig.id).limit(1))
    return dict(settings or {})


def new_message_id(sender_settings: dict[str, Any]) -> str:
    address = str(sender_settings.get("from_address") or "")
    return make_msgid(domain=address.rpartition("@")[2] or FALLBACK_DOMAIN)


def signature(sender_settings: dict[str, Any]) -> str:
    name = str(sender_settings.get("from_name") or "")
    return f"--\n{name}" if name else ""


def _fail_bounced(uow: UnitOfWork, loop: loops.Loop) -> None:
    """A bounce of one of our messages: that message failed (the agent sees why on the case)."""
    if not loop.original_message_ids:
        return
    for sent in uow.session.scalars(select(OutboundMessage).where(
            OutboundMessage.message_id.in_(loop.original_message_ids), OutboundMessage.channel == Channel.EMAIL.value)):
        sent.status, sent.error = outbox.FAILED, f"bounced: {loop.reason}"[:4000]


def _flag(message: InboundMessage, *flags: str) -> None:
    new = [f for f in flags if f not in message.flags]
    if new:
        message.flags = [*message.flags, *new]  # a new list: JSON columns do not track in-place changes
