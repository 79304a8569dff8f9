"""Messages in a chat, from the visitor, the agent and the system, each stored once and numbered per session.

A message's number comes from the session row (`last_seq + 1`, updated in the same transaction), so
concurrent writers of one chat queue on that row and numbers never repeat or skip. A visitor's message
carries the widget's own id; the same id again is acknowledged with the first message's number and stored
nothing (the widget resends what it sent but saw no ack for).
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from helpline.adapters.db.models import Agent, ChatMessage, ChatSession, Interaction
from helpline.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import InteractionState, Role
from helpline.services import lifecycle, scope
from helpline.services.channels import inbox
from helpline.services.chat import sessions
from helpline.services.chat.schemas import ChatView, MessageView
from helpline.services.schemas import ActionCommand
from helpline.services.unit_of_work import UnitOfWork

CUSTOMER, AGENT, SYSTEM = "customer", "agent", "system"
TYPING_SHOWN = timedelta(seconds=6)  # a typing notice counts this long (the widget repeats it every 3 s)
_TALKING = {InteractionState.CONNECTED.value, InteractionState.ON_HOLD.value}
_OVER = {InteractionState.WRAP_UP.value, InteractionState.COMPLETED.value, InteractionState.ABANDONED.value,
         InteractionState.EXITED.value}


def _next_seq(uow: UnitOfWork, session_id: int) -> int:
    seq = uow.session.execute(update(ChatSession).where(ChatSession.id == session_id)
                              .values(last_seq=ChatSession.last_seq + 1).returning(ChatSession.last_seq)).scalar_one()
    return int(seq)


def _add(uow: UnitOfWork, session: ChatSession, sender: str, body: str, client_msg_id: str | None = None,
         agent_id: int | None = None, attachment_id: int | None = None) -> ChatMessage:
    message = ChatMessage(session_id=session.id, seq=_next_seq(uow, session.id), client_msg_id=client_msg_id,
                          sender=sender, agent_id=agent_id, body=body, attachment_id=attachment_id,
                          created_at=uow.now())
    uow.session.add(message)
    return message


def _by_client_id(uow: UnitOfWork, session_id: int, client_msg_id: str) -> ChatMessage | None:
    return uow.session.scalar(select(ChatMessage).where(ChatMessage.session_id == session_id,
                                                        ChatMessage.client_msg_id == client_msg_id))


def post_once(uow: UnitOfWork, session: ChatSession, sender: str, body: str, client_msg_id: str,
              agent_id: int | None = None, attachment_id: int | None = None) -> tuple[MessageView, bool]:
    """Store a message unless one with this client id exists; returns it and whether it is new. Commits."""
    found = _by_client_id(uow, session.id, client_msg_id)
    if found is not None:
        return MessageView.model_validate(found), False
    message = _add(uow, session, sender, body, client_msg_id, agent_id, attachment_id)
    try:
        uow.commit()
    except IntegrityError:  # the same resend on a second connection, a moment ago
        uow.session.rollback()
        found = _by_client_id(uow, session.id, client_msg_id)
        if found is None:
            raise
        return MessageView.model_validate(found), False
    return MessageView.model_validate(message), True


def customer_message(uow: UnitOfWork, session: ChatSession, client_msg_id: str, text: str) -> MessageView:
    if session.status == sessions.ENDED:
        raise InvalidInput("the chat has ended")
    session.last_seen_at = uow.now()
    return post_once(uow, session, CUSTOMER, text, client_msg_id)[0]


def system_notice(uow: UnitOfWork, session: ChatSession, body: str, key: str) -> None:
    """A notice in the chat (an agent joined, the chat ended), stored once per key. Commits."""
    post_once(uow, session, SYSTEM, body, f"system:{key}")


def customer_typing(uow: UnitOfWork, session: ChatSession) -> None:
    session.customer_typing_at = uow.now()
    uow.commit()


def is_recent(at: datetime | None, now: datetime) -> bool:
    return at is not None and now - at < TYPING_SHOWN


def end_by_customer(uow: UnitOfWork, session: ChatSession) -> None:
    """The visitor closed the chat: a waiting interaction is abandoned (the channel reports it), a talking one
    ends and goes to wrap-up."""
    if session.status == sessions.ENDED:
        return
    interaction = uow.session.get(Interaction, session.interaction_id) if session.interaction_id else None
    actor = inbox.channel_actor("chat")
    if interaction is not None and interaction.state in (InteractionState.QUEUED.value,
                                                         InteractionState.OFFERED.value):
        lifecycle.abandon(uow, actor, interaction.id, ActionCommand())
    elif interaction is not None and interaction.state in _TALKING:
        lifecycle.end(uow, actor, interaction.id, ActionCommand())
    _close(uow, session, "The visitor left the chat.", "ended")


def _close(uow: UnitOfWork, session: ChatSession, notice: str, key: str) -> None:
    session = uow.session.get(ChatSession, session.id) or session
    session.status, session.ended_at = sessions.ENDED, uow.now()
    system_notice(uow, session, notice, key)


def sync_with_interaction(uow: UnitOfWork, session: ChatSession) -> None:
    """Follow the interaction: an agent answered (the chat is connected) or the conversation is over."""
    if session.interaction_id is None or session.status in (sessions.ENDED, sessions.OFFLINE):
        return
    interaction = uow.session.get(Interaction, session.interaction_id)
    if interaction is None:
        return
    if session.status == sessions.QUEUED and interaction.state in _TALKING and interaction.agent_id is not None:
        agent = uow.session.get(Agent, interaction.agent_id)
        session.status = sessions.CONNECTED
        name = agent.display_name if agent else "An agent"
        system_notice(uow, session, f"{name} joined the chat.", f"joined:{interaction.agent_id}")
    elif interaction.state in _OVER:
        _close(uow, session, "The chat has ended.", "ended")


# --- the agent's side ---------------------------------------------------------------------------


def agent_chat(uow: UnitOfWork, actor: Actor, interaction_id: int) -> ChatSession:
    """The chat of an interaction, for the agent it is assigned to or a supervisor of its site (or an admin)."""
    interaction = uow.session.scalar(select(Interaction).where(Interaction.id == interaction_id,
                                                               scope.interaction_filter(uow, actor)))
    session = None if interaction is None else uow.session.scalar(
        select(ChatSession).where(ChatSession.interaction_id == interaction_id))
    if interaction is None or session is None:
        raise NotFound("chat", interaction_id)
    if actor.role == Role.AGENT and interaction.agent_id != actor.agent_id:
        raise Forbidden(f"chat {interaction_id} is not assigned to you")
    return session


def view(uow: UnitOfWork, actor: Actor, interaction_id: int, after_seq: int = 0) -> ChatView:
    session = agent_chat(uow, actor, interaction_id)
    sync_with_interaction(uow, session)
    return ChatView(interaction_id=interaction_id, status=session.status, customer_name=session.customer_name,
                    customer_email=session.customer_email, customer_phone=session.customer_phone,
                    language=session.language, question=session.question,
                    customer_typing=is_recent(session.customer_typing_at, uow.now()),
                    messages=sessions.history(uow, session.id, after_seq))


def agent_message(uow: UnitOfWork, actor: Actor, interaction_id: int, text: str,
                  client_msg_id: str | None) -> tuple[ChatSession, MessageView]:
    session = agent_chat(uow, actor, interaction_id)
    sync_with_interaction(uow, session)
    if session.status != sessions.CONNECTED:
        raise Conflict(f"the chat is {session.status}: answer the interaction first")
    interaction = uow.session.get(Interaction, interaction_id)
    agent_id = interaction.agent_id if interaction else None
    key = f"agent:{client_msg_id}" if client_msg_id else f"agent:{uow.now().isoformat()}:{session.last_seq}"
    session.agent_typing_at = None
    return session, post_once(uow, session, AGENT, text, key, agent_id=agent_id)[0]


def agent_typing(uow: UnitOfWork, actor: Actor, interaction_id: int) -> ChatSession:
    session = agent_chat(uow, actor, interaction_id)
    session.agent_typing_at = uow.now()
    uow.commit()
    return session


def end_by_agent(uow: UnitOfWork, actor: Actor, interaction_id: int) -> ChatSession:
    """The agent closes the chat: the interaction goes to wrap-up and the visitor sees the chat end."""
    session = agent_chat(uow, actor, interaction_id)
    interaction = uow.session.get(Interaction, interaction_id)
    if interaction is not None and interaction.state in _TALKING:
        lifecycle.end(uow, actor, interaction_id, ActionCommand())
    _close(uow, session, "The agent ended the chat.", "ended")
    return session
