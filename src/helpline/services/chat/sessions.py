"""Chat sessions: opened or resumed by the widget's hello, with the channel's settings and what was missed.

The widget holds a random token; only its sha256 digest is stored, so a database reader cannot take over
a visitor's chat.
"""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from helpline.adapters.db.models import ChatMessage, ChatSession
from helpline.domain import opening_hours
from helpline.domain.errors import InvalidInput, NotFound
from helpline.services.channels import configs
from helpline.services.channels.configs import ConfigView
from helpline.services.channels.kinds import WebChatSettings
from helpline.services.chat.schemas import Hello, MessageView
from helpline.services.unit_of_work import UnitOfWork

KIND = "web-chat"
BROWSING, QUEUED, CONNECTED, ENDED, OFFLINE = "browsing", "queued", "connected", "ended", "offline"


@dataclass(frozen=True)
class Channel:
    config: ConfigView
    settings: WebChatSettings

    @property
    def name(self) -> str:
        return self.config.name

    def origin_allowed(self, origin: str | None) -> bool:
        allowed = self.settings.allowed_origins
        return "*" in allowed or (origin is not None and origin.rstrip("/") in {o.rstrip("/") for o in allowed})

    def language(self, wanted: str | None) -> str:
        base = (wanted or "").split("-")[0].lower()
        return base if base in self.settings.languages else self.settings.languages[0]


@dataclass(frozen=True)
class Opened:
    session_id: int
    status: str
    language: str
    last_seq: int
    token: str | None  # given only to a new session
    is_open: bool
    history: list[MessageView]


def channel(uow: UnitOfWork, name: str) -> Channel:
    """The enabled web-chat channel of this name (NotFound otherwise: the widget names a wrong channel)."""
    try:
        config = configs.get(uow, name)
    except NotFound:
        raise NotFound("chat channel", repr(name)) from None
    if config.kind != KIND or not config.enabled:
        raise NotFound("chat channel", repr(name))
    return Channel(config, WebChatSettings.model_validate(config.settings))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def by_token(uow: UnitOfWork, token: str, channel_name: str | None = None) -> ChatSession:
    session = uow.session.scalar(select(ChatSession).where(ChatSession.token_digest == digest(token)))
    if session is None or (channel_name is not None and session.channel_name != channel_name):
        raise NotFound("chat session", "for this token")
    return session


def open_session(uow: UnitOfWork, chat: Channel, hello: Hello) -> Opened:
    """Resume the session of `hello.token` (sending what came after `last_seq`), or start a new one. An
    unknown or ended session's token starts a new chat: the widget forgets the old one."""
    now = uow.now()
    is_open = opening_hours.is_open(chat.settings.business_hours, chat.settings.time_zone, now)
    if hello.token:
        try:
            session = by_token(uow, hello.token, chat.name)
        except NotFound:
            session = None
        if session is not None and session.status != ENDED:
            if hello.last_seq > session.last_seq:
                raise InvalidInput(f"last_seq {hello.last_seq} is beyond the chat's last message {session.last_seq}")
            session.last_seen_at = now
            uow.commit()
            return Opened(session.id, session.status, session.language, session.last_seq, None, is_open,
                          history(uow, session.id, hello.last_seq))
    token = secrets.token_urlsafe(24)
    session = ChatSession(token_digest=digest(token), channel_name=chat.name, language=chat.language(hello.language),
                          status=BROWSING if is_open else OFFLINE, last_seq=0, created_at=now, last_seen_at=now)
    uow.session.add(session)
    uow.commit()
    return Opened(session.id, session.status, session.language, 0, token, is_open, [])


def history(uow: UnitOfWork, session_id: int, after_seq: int = 0) -> list[MessageView]:
    rows = uow.session.scalars(select(ChatMessage).where(ChatMessage.session_id == session_id,
                                                         ChatMessage.seq > after_seq).order_by(ChatMessage.seq))
    return [MessageView.model_validate(row) for row in rows]
