"""Load benchmark: many concurrent chat sessions over real WebSockets against a server on loopback.

    .venv/bin/python benchmarks/chat.py [--sessions 1000] [--messages 5] [--workers 1]

Every session connects (all of them stay open together), says hello, asks for a person (one chat
interaction each), sends its messages one after another waiting for each ack and resends one of them with the
same client_msg_id (as the widget does after a lost ack). Then every session reconnects with its token and
last_seq 0 and reads its history back. `lost`: messages acknowledged or sent but missing from the history;
`duplicated`: messages stored more than once (or an ack for a resend with another seq). The last line of
output is JSON {"sessions", "messages", "lost", "duplicated", "seconds", ...}.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server_process import ServerProcess

from benchmarks.api import DEFAULT_PG, drop_database, scratch_database
from helpline.adapters.db import models as m
from helpline.adapters.db.migrate import upgrade
from helpline.bootstrap import bootstrap
from helpline.config import Settings
from helpline.services.channels import configs

ORIGIN = "https://www.reso.ru"
CHANNEL = "bench-chat"


def prepare(url: str, migrate: bool = True) -> None:
    """A client, a site and a chat queue, and a web-chat channel on it."""
    if migrate:
        upgrade(url)
    box = bootstrap(Settings(database_url=url, environment="test", secret_key="bench-" + "x" * 40))
    with box.uow() as uow:
        client = m.Client(code="bench", name="Bench insurer")
        site = m.Site(name="Bench site")
        uow.session.add_all([client, site])
        uow.flush()
        queue = m.Queue(code="bench_chat", name="Chat", client_id=client.id, site_id=site.id, channel="chat")
        uow.session.add(queue)
        uow.commit()
        configs.add(uow, CHANNEL, "web-chat", {"allowed_origins": [ORIGIN]}, queue="bench_chat")
    box.close()


def stored_counts(url: str) -> tuple[int, int]:
    """Customer messages and chat interactions in the database."""
    box = bootstrap(Settings(database_url=url, environment="test", secret_key="bench-" + "x" * 40))
    with box.uow() as uow:
        messages = uow.session.scalar(select(func.count()).select_from(m.ChatMessage)
                                      .where(m.ChatMessage.sender == "customer")) or 0
        chats = uow.session.scalar(select(func.count()).select_from(m.Interaction)) or 0
    box.close()
    return messages, chats


@dataclass
class Visitor:
    number: int
    token: str = ""
    acks: dict[str, int] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    duplicated: int = 0
    history: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 60)
        if frame["type"] == kind:
            return frame
        if frame["type"] == "error":
            raise RuntimeError(frame["message"])


async def _converse(http: aiohttp.ClientSession, url: str, visitor: Visitor, messages: int,
                    everyone_in: asyncio.Barrier) -> None:
    async with http.ws_connect(url, headers={"Origin": ORIGIN}) as ws:
        await ws.send_json({"type": "hello", "language": "ru"})
        visitor.token = (await _next(ws, "welcome"))["token"]
        await everyone_in.wait()  # every session is open before anyone talks
        await ws.send_json({"type": "person", "name": f"Visitor {visitor.number}", "text": "Вопрос по полису"})
        await _next(ws, "status")
        for n in range(messages):
            msg_id = f"v{visitor.number}-m{n}"
            visitor.sent.append(msg_id)
            await ws.send_json({"type": "message", "client_msg_id": msg_id, "text": f"Сообщение {n}"})
            visitor.acks[msg_id] = (await _next(ws, "ack"))["seq"]
        resent = visitor.sent[0]  # as after a dropped connection: same id again
        await ws.send_json({"type": "message", "client_msg_id": resent, "text": "Сообщение 0"})
        if (await _next(ws, "ack"))["seq"] != visitor.acks[resent]:
            visitor.duplicated += 1


async def _read_back(http: aiohttp.ClientSession, url: str, visitor: Visitor) -> None:
    async with http.ws_connect(url, headers={"Origin": ORIGIN}) as ws:
        await ws.send_json({"type": "hello", "token": visitor.token, "last_seq": 0})
        welcome = await _next(ws, "welcome")
        visitor.history = [f["client_msg_id"] for f in welcome["history"] if f["sender"] == "customer"]


async def run(base: str, sessions: int, messages: int) -> dict:
    url = base.replace("http://", "ws://") + f"/api/v1/chat/ws?channel={CHANNEL}"
    visitors = [Visitor(n) for n in range(sessions)]
    barrier = asyncio.Barrier(sessions)
    connector = aiohttp.TCPConnector(limit=0)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=600)) as http:
        results = await asyncio.gather(*(_converse(http, url, v, messages, barrier) for v in visitors),
                                       return_exceptions=True)
        talked = time.perf_counter() - started
        limit = asyncio.Semaphore(100)

        async def read(visitor: Visitor) -> None:
            async with limit:
                await _read_back(http, url, visitor)
        reads = await asyncio.gather(*(read(v) for v in visitors if v.token), return_exceptions=True)
    failures = [repr(r) for r in [*results, *reads] if isinstance(r, BaseException)]
    lost = duplicated = 0
    for visitor in visitors:
        duplicated += visitor.duplicated + len(visitor.history) - len(set(visitor.history))
        lost += len(set(visitor.sent) - set(visitor.history))
        if visitor.history != sorted(set(visitor.history), key=visitor.history.index):
            duplicated += 1
    return {"sessions": sessions, "messages": sum(len(v.sent) for v in visitors), "lost": lost,
            "duplicated": duplicated, "seconds": round(time.perf_counter() - started, 2),
            "talk_seconds": round(talked, 2), "failures": len(failures), "first_failures": failures[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("HELPLINE_BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    name, url = scratch_database(args.database_url)
    server = ServerProcess(url, workers=args.workers, env={"HELPLINE_ROUTING_ENABLED": "false"})
    try:
        prepare(url)
        server.start()
        print(f"server on {server.url}; {args.sessions} sessions × {args.messages} messages", flush=True)
        result = asyncio.run(run(server.url, args.sessions, args.messages))
        stored, chats = stored_counts(url)
        result.update(stored=stored, chat_interactions=chats)
    finally:
        server.stop()
        drop_database(args.database_url, name)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
