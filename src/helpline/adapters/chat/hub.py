"""The chat hub of one server process: wakes each connected visitor's socket when their chat changed.

Messages live in the database, so an agent in another process reaches the visitor too: every TICK_S the hub
reads, in one query, the last message number, status and agent typing time of every chat connected here, and
wakes the sockets whose chat changed. An agent posting through this process also wakes the socket at once
(`notify`). Every STANDING_TICKS ticks it recomputes the queue position and expected wait of the waiting
chats (one pass per queue) and hands them to their sockets. The hub's task runs while sockets are attached.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import and_, or_, select

from helpline.adapters.db.models import ChatSession, Interaction
from helpline.bootstrap import Container
from helpline.services.chat import conversation, sessions, waiting
from helpline.services.chat.waiting import Standing
from helpline.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

TICK_S = 1.0
STANDING_TICKS = 3


@dataclass(frozen=True)
class Snapshot:
    last_seq: int
    status: str
    agent_typing_at: datetime | None
    standing: Standing | None


class Watcher(Protocol):
    session_id: int

    def changed(self, snapshot: Snapshot | None) -> None:
        """Something in the chat may have changed (a message, the status, typing, the standing): look again
        (None: told by `notify`, nothing known yet)."""


class ChatHub:
    def __init__(self, container: Container, tick_s: float = TICK_S) -> None:
        self.container = container
        self.tick_s = tick_s
        self._watchers: dict[int, set[Watcher]] = {}
        self._seen: dict[int, Snapshot] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def attach(self, watcher: Watcher) -> None:
        self._loop = asyncio.get_running_loop()
        self._watchers.setdefault(watcher.session_id, set()).add(watcher)
        if self._task is None or self._task.done():
            self._task = self._loop.create_task(self._run(), name="chat-hub")

    def detach(self, watcher: Watcher) -> None:
        group = self._watchers.get(watcher.session_id)
        if group is not None:
            group.discard(watcher)
            if not group:
                del self._watchers[watcher.session_id]
                self._seen.pop(watcher.session_id, None)

    def notify(self, session_id: int) -> None:
        """Wake the session's sockets now (callable from any thread: the API's worker threads call it)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._wake, session_id)

    def _wake(self, session_id: int) -> None:
        for watcher in list(self._watchers.get(session_id, ())):
            watcher.changed(None)

    async def _run(self) -> None:
        tick = 0
        while self._watchers:
            await asyncio.sleep(self.tick_s)
            ids = list(self._watchers)
            if not ids:
                break
            try:
                snapshots = await asyncio.to_thread(self._snapshot, ids, tick % STANDING_TICKS == 0)
            except Exception:  # the database is away for a moment: the next tick tries again
                log.exception("chat hub tick failed")
                continue
            tick += 1
            for session_id, snapshot in snapshots.items():
                before = self._seen.get(session_id)
                if snapshot.standing is None and before is not None and snapshot.status == sessions.QUEUED:
                    snapshot = Snapshot(snapshot.last_seq, snapshot.status, snapshot.agent_typing_at, before.standing)
                if snapshot != before:
                    self._seen[session_id] = snapshot
                    for watcher in list(self._watchers.get(session_id, ())):
                        watcher.changed(snapshot)

    def _snapshot(self, ids: list[int], with_standing: bool) -> dict[int, Snapshot]:
        with self.container.uow() as uow:
            _follow_interactions(uow, ids)
            rows = uow.session.execute(select(
                ChatSession.id, ChatSession.last_seq, ChatSession.status, ChatSession.agent_typing_at,
                ChatSession.interaction_id).where(ChatSession.id.in_(ids))).all()
            standings = _standings(uow, [r[4] for r in rows if r[2] == sessions.QUEUED and r[4]]) \
                if with_standing else {}
            return {sid: Snapshot(seq, status, typing, standings.get(iid) if iid else None)
                    for sid, seq, status, typing, iid in rows}


def _follow_interactions(uow: UnitOfWork, ids: list[int]) -> None:
    """Chats whose interaction was answered or finished since the last look change status (rarely: few rows)."""
    talking = {"connected", "on_hold"}
    over = {"wrap_up", "completed", "abandoned", "exited"}
    moved = or_(and_(ChatSession.status == sessions.QUEUED, Interaction.state.in_(talking)),
                Interaction.state.in_(over))
    rows = uow.session.scalars(
        select(ChatSession).join(Interaction, Interaction.id == ChatSession.interaction_id)
        .where(ChatSession.id.in_(ids), ChatSession.status.in_([sessions.QUEUED, sessions.CONNECTED]), moved)).all()
    for session in rows:
        conversation.sync_with_interaction(uow, session)


def _standings(uow: UnitOfWork, interaction_ids: list[int]) -> dict[int, Standing]:
    queues = set(uow.session.scalars(select(Interaction.queue_id).where(Interaction.id.in_(interaction_ids))))
    found: dict[int, Standing] = {}
    for queue_id in queues:
        if queue_id is not None:
            found.update(waiting.standings(uow, queue_id))
    return found


