"""Live pages: one Server-Sent Events stream that tells open pages the event log has grown.

Every change a page shows (an offer, an answer, a presence change, a wrap-up) is written to the event log,
so one number says whether anything changed: the log's last `seq`. One watcher per process reads it every
`POLL_S` and wakes the open streams; each page then reloads the fragments that listen for
`helpline:change` (static/helpline.js). This works the same with several worker processes, since they all
read the one database, and costs one tiny query per process per tick however many pages are open.

A stream ends after `STREAM_S` and the browser reconnects at once (`retry`), so a server shutting down
never waits on an open stream; a page refreshes whenever its stream (re)opens, so a gap loses nothing."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from sqlalchemy import func, select

from helpline.adapters.db import models as m
from helpline.bootstrap import Container
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import Role
from helpline.services import auth

POLL_S = 0.2
STREAM_S = 25.0
HEARTBEAT_S = 10.0
RETRY_MS = 300

router = APIRouter(include_in_schema=False)


class EventLogWatcher:
    """Reads the event log's last seq on a timer while any stream is open, and wakes the streams."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.seq = 0
        self.changed = asyncio.Condition()
        self.listeners = 0
        self.task: asyncio.Task[None] | None = None

    def _last_seq(self) -> int:
        with self.container.uow() as uow:
            return int(uow.session.scalar(select(func.coalesce(func.max(m.Event.seq), 0))) or 0)

    async def _watch(self) -> None:
        while self.listeners:
            try:
                seq = await asyncio.to_thread(self._last_seq)
            except Exception:  # a database hiccup must not end live updates; next tick retries
                seq = self.seq
            if seq != self.seq:
                self.seq = seq
                async with self.changed:
                    self.changed.notify_all()
            await asyncio.sleep(POLL_S)
        self.task = None

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[None]:
        self.listeners += 1
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._watch())
        try:
            yield
        finally:
            self.listeners -= 1

    async def wait_for_change(self, seen: int, timeout: float) -> int:
        """The new seq once it differs from `seen`, or `seen` after `timeout` seconds."""
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait_for(lambda: self.seq != seen), timeout)
        return self.seq


def watcher(request: Request) -> EventLogWatcher:
    state = request.app.state
    if getattr(state, "event_log_watcher", None) is None:
        state.event_log_watcher = EventLogWatcher(state.container)
    found: EventLogWatcher = state.event_log_watcher
    return found


async def _stream(request: Request, log: EventLogWatcher) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_S
    async with log.listening():
        seen = log.seq
        yield f"retry: {RETRY_MS}\nevent: change\ndata: {seen}\n\n"  # (re)connected: the page refreshes
        while loop.time() < ends and not await request.is_disconnected():
            seq = await log.wait_for_change(seen, min(HEARTBEAT_S, max(0.0, ends - loop.time())))
            if seq != seen:
                seen = seq
                yield f"event: change\ndata: {seq}\n\n"
            else:
                yield ": still here\n\n"


def _may_watch(request: Request) -> bool:
    """A logged-in person whose pages show live work. Checked in a unit of work of its own, so that no
    database connection is held for the stream's lifetime."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return False
    with request.app.state.container.uow() as uow:
        actor = auth.actor_for_user_id(uow, user_id)
    return actor is not None and actor.role != Role.INTEGRATION and (
        actor.can(P.READ_QUEUES) or actor.can(P.HANDLE_INTERACTIONS))


@router.get("/live")
async def live(request: Request) -> Response:
    if not await asyncio.to_thread(_may_watch, request):
        return PlainTextResponse("log in to follow live changes", status_code=403)
    return StreamingResponse(_stream(request, watcher(request)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
