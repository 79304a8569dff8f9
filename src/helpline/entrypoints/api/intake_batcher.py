"""Coalescing intake: the requests that reach one worker together are received in one unit of work.

While a batch is being written, new requests queue up; they form the next batch. A request is answered
only after its batch has committed, so nothing acknowledged can be lost. This turns one transaction, one
durable commit and one thread-pool hop per request into one per batch (see docs/benchmarks.md)."""

import asyncio
from contextlib import suppress

from starlette.concurrency import run_in_threadpool

from helpline.bootstrap import Container
from helpline.domain.errors import DomainError
from helpline.domain.permissions import Actor
from helpline.services import intake
from helpline.services.schemas import ReceiveInteraction

Pending = tuple[Actor, ReceiveInteraction, "asyncio.Future[intake.Received]"]


class IntakeBatcher:
    def __init__(self, container: Container, max_batch: int = 64) -> None:
        self._container = container
        self._max_batch = max_batch
        self._queue: asyncio.Queue[Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def receive(self, actor: Actor, cmd: ReceiveInteraction) -> intake.Received:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            self._start(loop)
        assert self._queue is not None
        future: asyncio.Future[intake.Received] = loop.create_future()
        self._queue.put_nowait((actor, cmd, future))
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._queue = loop, asyncio.Queue()
        self._task = loop.create_task(self._run(self._queue), name="intake-batcher")

    async def _run(self, queue: "asyncio.Queue[Pending]") -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self._max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                outcomes = await run_in_threadpool(self._write, [(actor, cmd) for actor, cmd, _ in batch])
            except Exception as error:  # the database is down, ...: every request of the batch hears it
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (*_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(outcome, DomainError):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def _write(self, requests: list[tuple[Actor, ReceiveInteraction]]) -> list[intake.Outcome]:
        with self._container.uow() as uow:
            return intake.receive_interactions(uow, requests)

    async def close(self) -> None:
        if self._task is not None and self._loop is asyncio.get_running_loop():
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        self._task = None
