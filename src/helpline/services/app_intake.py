"""Requests from the insurer's mobile app and web forms: stored raw in the inbox first, then received
through intake like every channel, with claim documents kept as attachments. The customer reads the status
back with a random token given once (only its digest is stored)."""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import filetype
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpline.adapters.db.models import (
    AppRequest,
    Attachment,
    Case,
    ChannelConfig,
    InboundMessage,
    Interaction,
    Queue,
)
from helpline.domain.case_lifecycle import case_reference
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Channel, InteractionState
from helpline.services import intake
from helpline.services.app_request_schemas import AppRequestAccepted, AppRequestIn, AppRequestStatus, CustomerStatus
from helpline.services.channels import inbox
from helpline.services.channels.inbox import Inbound
from helpline.services.schemas import ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

KIND = "app-intake"
MAX_FILES = 10
# claim documents: scans and photos. Detected from the content (filetype), never from the name or header.
ALLOWED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/heic", "image/webp",
                           "image/tiff", "image/gif"})
MAX_TOKENS = 10  # status tokens per request (one per retry)

TEXTS = {
    "en": {CustomerStatus.RECEIVED: "We have received your request.",
           CustomerStatus.IN_QUEUE: "Your request is in the queue and will be taken by a specialist soon.",
           CustomerStatus.BEING_HANDLED: "A specialist is handling your request.",
           CustomerStatus.WAITING_FOR_REPLY: "We are waiting for your reply or documents.",
           CustomerStatus.RESOLVED: "Your request has been resolved."},
    "ru": {CustomerStatus.RECEIVED: "Мы получили ваше обращение.",
           CustomerStatus.IN_QUEUE: "Ваше обращение в очереди, специалист скоро возьмёт его в работу.",
           CustomerStatus.BEING_HANDLED: "Специалист работает с вашим обращением.",
           CustomerStatus.WAITING_FOR_REPLY: "Мы ждём вашего ответа или документов.",
           CustomerStatus.RESOLVED: "Ваше обращение решено."},
}


class AttachmentTooLarge(InvalidInput):
    """A file past the size limit (the API answers 413)."""


class AttachmentType(InvalidInput):
    """A file whose content is not an accepted document type (the API answers 415)."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class _Checked:
    filename: str
    content_type: str
    content: bytes
    sha256: str


def check_uploads(uploads: list[Upload], max_bytes: int) -> list[_Checked]:
    """Limits enforced before anything is stored: count, size, and the type the content shows."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} attachments")
    checked = []
    for upload in uploads:
        name = (upload.filename or "attachment").replace("\\", "/").rsplit("/", 1)[-1][:255] or "attachment"
        if len(upload.content) > max_bytes:
            raise AttachmentTooLarge(f"{name} is larger than {max_bytes} bytes")
        if not upload.content:
            raise InvalidInput(f"{name} is empty")
        kind = filetype.guess_mime(upload.content)
        if kind not in ALLOWED_TYPES:
            raise AttachmentType(f"{name}: {kind or 'unknown'} content is not accepted; send "
                                 f"{', '.join(sorted(ALLOWED_TYPES))}")
        checked.append(_Checked(name, kind, upload.content, hashlib.sha256(upload.content).hexdigest()))
    return checked


def submit(new_uow: UnitOfWorkFactory, actor: Actor, request: AppRequestIn, uploads: list[Upload],
           max_bytes: int) -> tuple[AppRequestAccepted, bool]:
    """Store the request in the inbox (committed), give it a reference and a status token, then process it.
    Returns the answer and whether the request is new. The same key with the same request gives the same
    reference (and a fresh token); with a different request it is a Conflict."""
    if not request.idempotency_key:
        raise InvalidInput("an idempotency key is required (Idempotency-Key header or idempotency_key field)")
    files = check_uploads(uploads, max_bytes)
    key = f"{actor.user_id}:{request.idempotency_key}"
    fingerprint = _fingerprint(request, files)
    with new_uow() as uow:
        config = _config(uow, request.channel)
        token = secrets.token_urlsafe(24)
        stored = uow.session.scalar(select(AppRequest).where(AppRequest.idempotency_key == key))
        if stored is None:
            raw = _raw(request, files)
            message_id, _ = inbox.store(uow, Inbound(channel=request.channel, source=config, raw=raw, external_id=key,
                                                     meta={"fingerprint": fingerprint, "user_id": actor.user_id}))
            stored, new = _remember(uow, actor, request, key, fingerprint, message_id)
        else:
            new = False
        if stored.fingerprint != fingerprint:
            raise Conflict(f"idempotency key {request.idempotency_key!r} was already used for a different request")
        stored.token_hashes = [*stored.token_hashes[-(MAX_TOKENS - 1):], _digest(token)]
        uow.commit()
        reference, message_id = stored.reference, stored.inbound_message_id
    inbox.process_one(new_uow, message_id, {config: handle})
    with new_uow() as uow:
        state = _status(uow, reference)
    return AppRequestAccepted(reference=reference, status_token=token, status=state.status,
                              status_text=state.status_text, attachments=len(files)), new


def _remember(uow: UnitOfWork, actor: Actor, request: AppRequestIn, key: str, fingerprint: str,
              message_id: int) -> tuple[AppRequest, bool]:
    message = uow.session.get(InboundMessage, message_id)
    assert message is not None
    row = AppRequest(reference=_reference(), channel=request.channel, idempotency_key=key,
                     fingerprint=message.meta.get("fingerprint", fingerprint), token_hashes=[],
                     language=request.language.lower()[:2], inbound_message_id=message_id,
                     created_by_user_id=actor.user_id, created_at=uow.now())
    uow.session.add(row)
    try:
        uow.flush()
    except IntegrityError:  # a concurrent retry of the same request made it first
        uow.session.rollback()
        existing = uow.session.scalar(select(AppRequest).where(AppRequest.idempotency_key == key))
        if existing is None:
            raise
        return existing, False
    return row, True


def _config(uow: UnitOfWork, channel: str) -> str:
    """The enabled app-intake configuration for this channel (app or web): its name is the inbox source."""
    for row in uow.session.scalars(select(ChannelConfig).where(ChannelConfig.kind == KIND,
                                                               ChannelConfig.enabled.is_(True))
                                   .order_by(ChannelConfig.id)):
        if row.settings.get("channel", "app") == channel:
            return row.name
    raise NotFound("app intake configuration for channel", channel)


def _reference() -> str:
    return "R-" + secrets.token_hex(5).upper()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fingerprint(request: AppRequestIn, files: list[_Checked]) -> str:
    body = request.model_dump(mode="json", exclude={"idempotency_key"})
    body["files"] = [[f.filename, f.sha256] for f in files]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _raw(request: AppRequestIn, files: list[_Checked]) -> bytes:
    """The request as received, files included, so processing can always start again from it."""
    body: dict[str, Any] = request.model_dump(mode="json")
    body["attachments"] = [{"filename": f.filename, "content_type": f.content_type,
                            "content": base64.b64encode(f.content).decode()} for f in files]
    return json.dumps(body, ensure_ascii=False).encode()


# --- processing (the inbox handler) -----------------------------------------------------------------


def handle(uow: UnitOfWork, message: InboundMessage) -> int:
    """An app request → an interaction in the configured queue (by category, else the default), and its
    files as attachments of the interaction and its case."""
    body = json.loads(message.raw)
    request = AppRequestIn.model_validate({k: v for k, v in body.items() if k != "attachments"})
    config = uow.session.scalar(select(ChannelConfig).where(ChannelConfig.name == message.source))
    if config is None:
        raise LookupError(f"app intake {message.source!r} is no longer configured")
    queue_id = _queue(uow, config, request.category.value)
    cmd = ReceiveInteraction(channel=Channel(request.channel), queue_id=queue_id, case_type=request.category,
                             policy_number=request.policy_number, from_address=request.phone or request.email,
                             topic=request.category.value, subject=request.text.splitlines()[0][:300],
                             body=request.text, language=request.language.lower()[:8],
                             idempotency_key=inbox.idempotency_key(message.id), occurred_at=message.received_at)
    view, _ = intake.receive_interaction(uow, inbox.channel_actor(request.channel), cmd)
    known = uow.session.scalar(select(Attachment.id).where(Attachment.inbound_message_id == message.id).limit(1))
    if known is None:  # a retry after the files were kept adds none again
        for item in body.get("attachments", []):
            content = base64.b64decode(item["content"])
            uow.session.add(Attachment(inbound_message_id=message.id, interaction_id=view.id, case_id=view.case_id,
                                       filename=item["filename"], content_type=item["content_type"],
                                       size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                                       content=content, created_at=uow.now()))
        uow.commit()
    return view.id


def _queue(uow: UnitOfWork, config: ChannelConfig, category: str) -> int | None:
    code = (config.settings.get("category_queues") or {}).get(category)
    if code:
        found = uow.session.scalar(select(Queue.id).where(Queue.code == code))
        if found is not None:
            return found
    return config.queue_id


# --- status read-back ---------------------------------------------------------------------------------


def status(uow: UnitOfWork, reference: str, token: str) -> AppRequestStatus:
    """The customer-safe status; an unknown reference and a wrong token look the same (NotFound)."""
    row = uow.session.scalar(select(AppRequest).where(AppRequest.reference == reference))
    digest = _digest(token or "")
    if row is None or not any(secrets.compare_digest(digest, known) for known in row.token_hashes):
        raise NotFound("request", reference)
    return _status(uow, reference)


def _status(uow: UnitOfWork, reference: str) -> AppRequestStatus:
    row = uow.session.scalar(select(AppRequest).where(AppRequest.reference == reference))
    assert row is not None
    message = uow.session.get(InboundMessage, row.inbound_message_id)
    assert message is not None
    interaction = uow.session.get(Interaction, message.interaction_id) if message.interaction_id else None
    case = uow.session.get(Case, interaction.case_id) if interaction and interaction.case_id else None
    state = _customer_status(interaction, case)
    moments: list[datetime] = [message.received_at]
    if interaction is not None:
        moments += [m for m in (interaction.created_at, interaction.answered_at, interaction.completed_at) if m]
    if case is not None:
        moments.append(case.updated_at)
    texts = TEXTS.get(row.language, TEXTS["en"])
    return AppRequestStatus(reference=row.reference, status=state, status_text=texts[state],
                            case_reference=case_reference(case.id) if case else None, last_update=max(moments))


def _customer_status(interaction: Interaction | None, case: Case | None) -> CustomerStatus:
    if interaction is None:
        return CustomerStatus.RECEIVED
    if case is not None and case.status in ("resolved", "closed"):
        return CustomerStatus.RESOLVED
    if case is not None and case.status == "pending":
        return CustomerStatus.WAITING_FOR_REPLY
    if interaction.state in (InteractionState.RECEIVED.value, InteractionState.QUEUED.value,
                             InteractionState.OFFERED.value):
        return CustomerStatus.IN_QUEUE
    return CustomerStatus.BEING_HANDLED
