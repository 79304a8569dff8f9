"""An agent answers a case by e-mail; anyone who may read an interaction downloads its attachments.

The reply threads into the customer's mail client: In-Reply-To and References name the case's last inbound
e-mail, the subject carries the case reference "[#123]", and the fresh Message-ID is stored on the outbound
message, so the customer's answer to it comes back into the same case.
"""

import re
from datetime import datetime
from email.parser import BytesHeaderParser
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from helpline.adapters.db.models import Attachment, Case, Customer, InboundMessage, Interaction
from helpline.adapters.email.parse import message_ids
from helpline.domain.case_lifecycle import case_reference
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Channel, Direction
from helpline.services import cases, scope
from helpline.services.channels import email, outbox
from helpline.services.unit_of_work import UnitOfWork

_PREFIXES = re.compile(r"^\s*((re|fw|fwd|ответ|отв|回复|答复)\s*:\s*|\[#\d+\]\s*)+", re.IGNORECASE)


class EmailReply(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, StringConstraints(min_length=1, max_length=50_000)] = Field(
        description="The answer; the template adds the greeting, the case reference and the signature")
    subject: Annotated[str, StringConstraints(max_length=250)] | None = Field(
        None, description="Default: Re: the subject of the last e-mail in the case")
    to_address: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = (
        Field(None, description="Default: the sender of the last e-mail in the case"))
    language: Annotated[str, StringConstraints(max_length=8)] | None = Field(
        None, description="Default: the language of the customer's e-mail, else the customer's")


class EmailReplyView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int | None
    to_address: str
    subject: str
    language: str | None
    message_id: str | None
    status: str
    headers: dict[str, str]
    created_at: datetime


def reply(uow: UnitOfWork, actor: Actor, case_id: int, cmd: EmailReply) -> EmailReplyView:
    case = uow.session.scalar(select(Case).where(Case.id == case_id, scope.case_filter(uow, actor)))
    if case is None:
        raise NotFound("case", case_id)
    last = uow.session.scalars(select(Interaction).where(
        Interaction.case_id == case.id, Interaction.channel == Channel.EMAIL.value,
        Interaction.direction == Direction.INBOUND.value).order_by(Interaction.id.desc()).limit(1)).first()
    to_address = cmd.to_address or (last.from_address if last else None) or _customer_address(uow, case)
    if not to_address:
        raise InvalidInput("the case has no e-mail address to reply to; give to_address")
    customer = uow.session.get(Customer, case.customer_id) if case.customer_id else None
    language = cmd.language or (last.language if last else None) or (customer.language if customer else None)
    subject = _PREFIXES.sub("", cmd.subject or (last.subject if last else "") or case.subject) or case.subject
    sender = email.sender_config(uow)
    message = email.queue_email(uow, outbox.OutboundRequest(
        channel=Channel.EMAIL.value, to_address=to_address, template="case_reply", language=language,
        params={"text": cmd.text, "subject": f"Re: {subject}" if last else subject,
                "case_ref": case_reference(case.id), "customer_name": customer.full_name if customer else "",
                "signature": email.signature(sender)},
        client_id=case.client_id, customer_id=case.customer_id, case_id=case.id,
        interaction_id=last.id if last else None,
        headers=email.reply_headers(last.external_id if last else None, _references(uow, last)),
        message_id=email.new_message_id(sender)))
    if case.first_response_at is None:
        case.first_response_at = uow.now()
    case.updated_at = uow.now()
    uow.commit()
    return EmailReplyView.model_validate(message)


def _customer_address(uow: UnitOfWork, case: Case) -> str | None:
    customer = uow.session.get(Customer, case.customer_id) if case.customer_id else None
    return customer.emails[0].email if customer and customer.emails else None


def _references(uow: UnitOfWork, last: Interaction | None) -> list[str]:
    """The References of the e-mail answered (read from its stored raw headers), so the thread stays whole."""
    if last is None:
        return []
    raw = uow.session.scalar(select(InboundMessage.raw).where(InboundMessage.interaction_id == last.id)
                             .order_by(InboundMessage.id).limit(1))
    if raw is None:
        return []
    headers = BytesHeaderParser().parsebytes(raw[:256 * 1024])
    return message_ids(str(headers.get("References", "")))[-20:]  # a long thread: the newest are enough


def attachment(uow: UnitOfWork, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment the actor may see: through its interaction, or its case when it has no interaction."""
    found = uow.session.get(Attachment, attachment_id)
    if found is None or not _visible(uow, actor, found):
        raise NotFound("attachment", attachment_id)
    case = uow.session.get(Case, found.case_id) if found.case_id else None
    if case is not None:
        cases.audit_health_reads(uow, actor, [case], action="download attachment")
    uow.commit()
    return found


def _visible(uow: UnitOfWork, actor: Actor, found: Attachment) -> bool:
    if found.interaction_id is not None:
        return uow.session.scalar(select(Interaction.id).where(
            Interaction.id == found.interaction_id, scope.interaction_filter(uow, actor))) is not None
    if found.case_id is not None:
        return uow.session.scalar(select(Case.id).where(Case.id == found.case_id,
                                                        scope.case_filter(uow, actor))) is not None
    return actor.sees_everything
