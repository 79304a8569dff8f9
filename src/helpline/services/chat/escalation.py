"""From the chat to a person: "talk to a person" and the offline form become interactions through the inbox.

The request is committed to the inbox first (one per chat session: its external id is the session's), then
processed by `handle` into the intake use case, so a crash between the two loses nothing and a repeated
request makes no second interaction. The chat waits in the channel's queue; an offline form becomes an
e-mail-like request in the channel's `offline_queue` (a web or e-mail queue), answered by e-mail.
"""

import json
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import ChatSession, InboundMessage, Queue
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.vocabulary import Channel as ChannelName
from helpline.services import intake
from helpline.services.channels import inbox
from helpline.services.chat import conversation, sessions
from helpline.services.chat.schemas import AskPerson, OfflineForm
from helpline.services.chat.sessions import Channel
from helpline.services.schemas import ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork

ESCALATION, OFFLINE = "escalation", "offline"


def ask_for_person(uow: UnitOfWork, chat: Channel, session: ChatSession, request: AskPerson) -> int:
    """Store the request in the inbox (commits); returns the inbound message's id, for processing."""
    if session.status in (sessions.ENDED, sessions.OFFLINE):
        raise InvalidInput(f"the chat is {session.status}")
    question = request.text or session.question
    session.customer_name = request.name or session.customer_name
    session.customer_email = request.email or session.customer_email
    session.customer_phone = request.phone or session.customer_phone
    session.question = question
    uow.commit()
    raw = {"name": session.customer_name, "email": session.customer_email, "phone": session.customer_phone,
           "text": question, "language": session.language}
    message_id, _new = inbox.store(uow, inbox.Inbound(
        channel=ChannelName.CHAT.value, source=chat.name, raw=json.dumps(raw, ensure_ascii=False).encode(),
        external_id=f"chat-session:{session.id}", meta={"kind": ESCALATION, "session_id": session.id}))
    if session.status == sessions.BROWSING:  # the request is kept: to the visitor it waits from now on
        session.status = sessions.QUEUED
        uow.commit()
    return message_id


def leave_offline(uow: UnitOfWork, chat: Channel, session: ChatSession, form: OfflineForm) -> int:
    """Store the offline form in the inbox (commits); one form per chat session."""
    if "@" not in form.email:
        raise InvalidInput("give an e-mail address for the answer")
    session.customer_name, session.customer_email, session.question = form.name, form.email, form.text
    uow.commit()
    raw = {"name": form.name, "email": form.email, "text": form.text, "language": session.language}
    message_id, _new = inbox.store(uow, inbox.Inbound(
        channel=ChannelName.CHAT.value, source=chat.name, raw=json.dumps(raw, ensure_ascii=False).encode(),
        external_id=f"chat-offline:{session.id}", meta={"kind": OFFLINE, "session_id": session.id}))
    return message_id


def handle(uow: UnitOfWork, message: InboundMessage) -> int | None:
    """The web-chat connector's inbox handler: the stored request becomes an interaction (or joins the one
    made by an earlier attempt: the idempotency key is the inbox message's)."""
    raw: dict[str, Any] = json.loads(message.raw)
    session = uow.session.get(ChatSession, message.meta["session_id"])
    if session is None:
        raise NotFound("chat session", message.meta["session_id"])
    chat = sessions.channel(uow, message.source)
    if message.meta.get("kind") == OFFLINE:
        queue = _offline_queue(uow, chat)
        channel, address, topic = ChannelName(queue.channel), raw["email"], "offline_chat"
    else:
        queue = _chat_queue(uow, chat)
        channel, address, topic = ChannelName.CHAT, raw.get("email") or raw.get("phone") or None, ""
    cmd = ReceiveInteraction(channel=channel, queue_id=queue.id, from_address=address, external_id=str(session.id),
                             idempotency_key=inbox.idempotency_key(message.id), topic=topic,
                             subject=raw["text"][:120], body=raw["text"], language=raw.get("language"))
    view, _created = intake.receive_interaction(uow, inbox.channel_actor(channel.value), cmd)
    session = uow.session.get(ChatSession, session.id)
    assert session is not None
    if message.meta.get("kind") == OFFLINE:
        conversation.system_notice(uow, session, "Thank you: we will answer by e-mail.", "offline")
    else:
        session.interaction_id = view.id
        conversation.system_notice(uow, session, "You are in the queue: an agent will join shortly.", "queued")
    return view.id


def _offline_queue(uow: UnitOfWork, chat: Channel) -> Queue:
    code = chat.settings.offline_queue
    queue = uow.session.scalar(select(Queue).where(Queue.code == code)) if code else None
    # no e-mail desk configured: the request waits in the chat queue (as a chat) instead
    return queue if queue is not None else _chat_queue(uow, chat)


def _chat_queue(uow: UnitOfWork, chat: Channel) -> Queue:
    queue = uow.session.get(Queue, chat.config.queue_id)
    if queue is None:
        raise NotFound("queue of chat channel", chat.name)
    return queue
