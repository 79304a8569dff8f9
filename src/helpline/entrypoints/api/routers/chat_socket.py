"""The visitor's WebSocket: /api/v1/chat/ws?channel=NAME, JSON frames (docs/channels/chat.md).

No log-in: the chat's token, given in the welcome frame, is the credential to resume it. The Origin header
must be one of the channel's allowed origins, else the handshake is refused (HTTP 403).
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from helpline.adapters.chat.hub import ChatHub, Snapshot
from helpline.adapters.db.models import ChatSession
from helpline.bootstrap import Container
from helpline.domain.errors import DomainError, NotFound
from helpline.services import help_articles
from helpline.services.channels import inbox
from helpline.services.chat import conversation, escalation, files, sessions
from helpline.services.chat.schemas import (
    Answered,
    AskPerson,
    ClientFrame,
    End,
    Hello,
    Message,
    MessageView,
    OfflineForm,
    Ping,
    Question,
    Transcript,
    Typing,
)
from helpline.services.chat.waiting import Standing
from helpline.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
router = APIRouter(prefix="/chat", tags=["web chat"])
HELLO_TIMEOUT_S = 15.0
_FRAMES: TypeAdapter[Any] = TypeAdapter(ClientFrame)
_T = TypeVar("_T")


def chat_hub(container: Container, state: Any) -> ChatHub:
    """The process's hub, made on first use."""
    hub: ChatHub | None = getattr(state, "chat_hub", None)
    if hub is None:
        hub = state.chat_hub = ChatHub(container)
    return hub


class Connection:
    """One visitor's socket: reads frames and answers them; a push task sends what changed in the chat."""

    def __init__(self, ws: WebSocket, container: Container, chat: sessions.Channel, hub: ChatHub) -> None:
        self.ws, self.container, self.chat, self.hub = ws, container, chat, hub
        self.session_id = 0
        self.sent_seq = 0
        self.status = ""
        self.agent_typing_at: Any = None
        self.standing: Standing | None = None
        self._standing_sent: Standing | None = None
        self.own_seqs: set[int] = set()  # the visitor's acknowledged messages not yet passed by sent_seq
        self._changed = asyncio.Event()
        self._send_lock = asyncio.Lock()

    async def db(self, work: Callable[[UnitOfWork], _T]) -> _T:
        def run() -> _T:
            with self.container.uow() as uow:
                return work(uow)
        return await run_in_threadpool(run)

    def session(self, uow: UnitOfWork) -> ChatSession:
        found = uow.session.get(ChatSession, self.session_id)
        if found is None:
            raise NotFound("chat session", self.session_id)
        return found

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_json(frame)

    def changed(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            self._changed.set()
            return
        self.standing = snapshot.standing
        news = set(range(self.sent_seq + 1, snapshot.last_seq + 1))
        if news <= self.own_seqs and snapshot.status == self.status and snapshot.agent_typing_at == \
                self.agent_typing_at and (snapshot.standing is None or snapshot.standing == self._standing_sent):
            # only the visitor's own messages, acknowledged already: nothing to fetch or send
            self.sent_seq = max(self.sent_seq, snapshot.last_seq)
            self.own_seqs -= news
            return
        self._changed.set()

    # --- the conversation -----------------------------------------------------------------------

    async def run(self) -> None:
        hello = Hello.model_validate_json(await asyncio.wait_for(self.ws.receive_text(), HELLO_TIMEOUT_S))
        opened = await self.db(lambda uow: sessions.open_session(uow, self.chat, hello))
        self.session_id, self.status = opened.session_id, opened.status
        self.sent_seq = max([hello.last_seq, *(m.seq for m in opened.history)])
        await self.send({"type": "welcome", "token": opened.token, "status": self.status, "open": opened.is_open,
                         "language": opened.language, "last_seq": opened.last_seq,
                         "history": [_message(m) for m in opened.history],
                         "max_file_bytes": files.size_limit(self.chat, self.container.settings.attachment_max_bytes)})
        self.hub.attach(self)
        pusher = asyncio.create_task(self._push())
        try:
            while True:
                await self._answer(await self.ws.receive_text())
        finally:
            self.hub.detach(self)
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pusher

    async def _answer(self, text: str) -> None:
        try:
            frame = _FRAMES.validate_json(text)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            await self.send({"type": "error", "message": f"malformed frame: {problems}"})
            return
        try:
            await self._dispatch(frame)
        except DomainError as error:
            await self.send({"type": "error", "message": str(error), "for": frame.type})

    async def _dispatch(self, frame: Any) -> None:
        if isinstance(frame, Message):
            stored = await self.db(lambda uow: conversation.customer_message(
                uow, self.session(uow), frame.client_msg_id, frame.text))
            if stored.seq > self.sent_seq:
                self.own_seqs.add(stored.seq)
            await self.send({"type": "ack", "client_msg_id": frame.client_msg_id, "seq": stored.seq})
        elif isinstance(frame, Typing):
            await self.db(lambda uow: conversation.customer_typing(uow, self.session(uow)))
        elif isinstance(frame, Question):
            await self._suggest(frame)
        elif isinstance(frame, Answered):
            await self.db(lambda uow: help_articles.record_deflection(uow, self.session(uow), frame.article_id))
            await self.send({"type": "deflected", "article_id": frame.article_id})
        elif isinstance(frame, AskPerson):
            await self._escalate(frame)
        elif isinstance(frame, OfflineForm):
            await self._offline(frame)
        elif isinstance(frame, Transcript):
            await self.db(lambda uow: files.request_transcript(uow, self.session(uow), frame.email))
            await self.send({"type": "transcript_queued"})
        elif isinstance(frame, End):
            await self.db(lambda uow: conversation.end_by_customer(uow, self.session(uow)))
            self._changed.set()
        elif isinstance(frame, Ping):
            await self.send({"type": "pong"})

    async def _suggest(self, frame: Question) -> None:
        def work(uow: UnitOfWork) -> list[help_articles.Suggestion]:
            session = self.session(uow)
            session.question, session.last_seen_at = frame.text, uow.now()
            uow.commit()
            return help_articles.suggest(uow, session.language, frame.text)
        found = await self.db(work)
        await self.send({"type": "suggestions", "articles": [
            {"id": a.id, "title": a.title, "body": a.body} for a in found]})

    async def _escalate(self, frame: AskPerson) -> None:
        message_id = await self.db(lambda uow: escalation.ask_for_person(uow, self.chat, self.session(uow), frame))
        await self._process(message_id)
        self._changed.set()  # the push task sends the new status (once, whoever notices it first)

    async def _offline(self, frame: OfflineForm) -> None:
        message_id = await self.db(lambda uow: escalation.leave_offline(uow, self.chat, self.session(uow), frame))
        await self._process(message_id)
        await self.send({"type": "offline_received"})
        self._changed.set()

    async def _process(self, message_id: int) -> None:
        """Process the stored request now; should that fail, the channel worker retries it later."""
        handlers = {self.chat.name: escalation.handle}
        await run_in_threadpool(inbox.process_one, self.container.uow, message_id, handlers)
        self.container.wake_channels()

    # --- pushing what changed -------------------------------------------------------------------

    async def _push(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            try:
                await self._push_changes()
            except (WebSocketDisconnect, RuntimeError):
                return
            except Exception:  # the database is away for a moment: the hub's next tick wakes us again
                log.exception("chat push failed")

    async def _push_changes(self) -> None:
        def work(uow: UnitOfWork) -> tuple[str, Any, list[MessageView]]:
            session = self.session(uow)
            return session.status, session.agent_typing_at, sessions.history(uow, session.id, self.sent_seq)
        status, agent_typing_at, new = await self.db(work)
        if status != self.status:
            self.status = status
            await self.send({"type": "status", "status": status})
        for message in new:
            if message.sender != conversation.CUSTOMER:  # the visitor's own came back as acks
                await self.send(_message(message))
            self.sent_seq = max(self.sent_seq, message.seq)
            self.own_seqs.discard(message.seq)
        if agent_typing_at is not None and agent_typing_at != self.agent_typing_at:
            self.agent_typing_at = agent_typing_at
            if not new:
                await self.send({"type": "typing", "who": "agent"})
        standing = self.standing if status == sessions.QUEUED else None
        if standing is not None and standing != self._standing_sent:
            self._standing_sent = standing
            await self.send({"type": "queue", "position": standing.position,
                             "expected_wait_s": standing.expected_wait_s})


def _message(message: MessageView) -> dict[str, Any]:
    return {"type": "message", **message.model_dump(mode="json")}


@router.websocket("/ws")
async def chat_socket(ws: WebSocket, channel: str = "") -> None:
    container: Container = ws.app.state.container

    def find() -> sessions.Channel | None:
        with container.uow() as uow:
            try:
                return sessions.channel(uow, channel)
            except NotFound:
                return None
    chat = await run_in_threadpool(find)
    if chat is None or not chat.origin_allowed(ws.headers.get("origin")):
        await ws.close(code=1008)  # before accept: the handshake is answered 403
        return
    await ws.accept()
    connection = Connection(ws, container, chat, chat_hub(container, ws.app.state))
    try:
        await connection.run()
    except WebSocketDisconnect:
        pass
    except (ValidationError, TimeoutError, DomainError) as error:  # a bad or missing hello
        with contextlib.suppress(Exception):
            await connection.send({"type": "error", "message": f"say hello first: {error}"[:500]})
            await ws.close(code=1008)
