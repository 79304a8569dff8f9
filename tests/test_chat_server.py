"""The chat against a real server process on loopback: real WebSockets, an agent in another process, load."""

import asyncio
import json
import resource

import aiohttp
import pytest
from benchmarks import chat as bench
from sqlalchemy import select

from helpline.adapters.db.models import Interaction
from helpline.services import lifecycle
from helpline.services.chat import conversation
from helpline.services.schemas import AnswerCommand
from tests.server_process import ServerProcess


@pytest.fixture
def server(database_url, tmp_path):
    bench.prepare(database_url, migrate=False)
    process = ServerProcess(database_url, log=tmp_path / "server.log",
                            env={"HELPLINE_ROUTING_ENABLED": "false", "HELPLINE_CHANNELS_ENABLED": "false"})
    process.start()
    yield process
    process.stop()


async def _frame(ws, kind):
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), 20)
        if frame["type"] == kind:
            return frame


def test_an_agent_in_another_process_reaches_the_visitor(server, container, make, uow):
    url = server.url.replace("http://", "ws://") + f"/api/v1/chat/ws?channel={bench.CHANNEL}"
    agent = make.agent(site=make.site(), presence="ready")
    admin = make.actor(make.user("admin"))

    async def talk():
        async with aiohttp.ClientSession() as http, http.ws_connect(url, headers={"Origin": bench.ORIGIN}) as ws:
            await ws.send_json({"type": "hello"})
            token = (await _frame(ws, "welcome"))["token"]
            await ws.send_json({"type": "person", "name": "Pyotr", "text": "Помогите с полисом"})
            await _frame(ws, "status")
            interaction_id = await asyncio.to_thread(uow.session.scalar, select(Interaction.id))

            def reply():  # this test process is the "other process": it writes to the database only
                with container.uow() as work:
                    lifecycle.answer(work, admin, interaction_id, AnswerCommand(agent_id=agent.id))
                with container.uow() as work:
                    conversation.agent_message(work, admin, interaction_id, "Здравствуйте, Пётр!", "a-1")
            await asyncio.to_thread(reply)
            assert (await _frame(ws, "status"))["status"] == "connected"
            bodies = []
            while "Здравствуйте, Пётр!" not in bodies:
                bodies.append((await _frame(ws, "message"))["body"])
            await ws.send_json({"type": "message", "client_msg_id": "c-1", "text": "Спасибо"})
            return token, (await _frame(ws, "ack"))["seq"]

    token, seq = asyncio.run(talk())
    assert token and seq >= 3


def test_the_origin_is_checked_on_the_real_handshake(server):
    url = server.url.replace("http://", "ws://") + f"/api/v1/chat/ws?channel={bench.CHANNEL}"

    async def refused():
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as error:
                await http.ws_connect(url, headers={"Origin": "https://evil.example"})
            return error.value.status

    assert asyncio.run(refused()) == 403


@pytest.mark.slow
def test_200_concurrent_sessions_lose_and_duplicate_nothing(server, database_url):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 4096), hard), hard))
    result = asyncio.run(bench.run(server.url, sessions=200, messages=3))
    stored, chats = bench.stored_counts(database_url)
    print(json.dumps(result))
    assert result["failures"] == 0, result["first_failures"]
    assert (result["lost"], result["duplicated"]) == (0, 0)
    assert (stored, chats) == (600, 200)
