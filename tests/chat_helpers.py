"""Shared by the chat tests: a configured chat channel and a visitor speaking the widget's protocol."""

import time
from typing import Any

from sqlalchemy import select

from helpline.adapters.chat.hub import ChatHub
from helpline.adapters.db.models import Interaction
from helpline.demo.help_articles import ensure_help_articles
from helpline.services.channels import configs

ORIGIN = "https://www.reso.ru"
CHANNEL = "site-chat"


def add_channel(container, queue_code: str, **settings: Any) -> None:
    with container.uow() as uow:
        configs.add(uow, CHANNEL, "web-chat", {"allowed_origins": [ORIGIN], **settings}, queue=queue_code)
        ensure_help_articles(uow)
        uow.commit()


def fast_hub(app, container) -> ChatHub:
    """A hub that looks at the database every 50 ms instead of every second."""
    app.state.chat_hub = ChatHub(container, tick_s=0.05)
    return app.state.chat_hub


def connect(client, origin: str = ORIGIN, channel: str = CHANNEL):
    return client.websocket_connect(f"/api/v1/chat/ws?channel={channel}", headers={"origin": origin})


def hello(ws, token: str | None = None, last_seq: int = 0, language: str = "ru") -> dict:
    ws.send_json({"type": "hello", "token": token, "last_seq": last_seq, "language": language})
    welcome = ws.receive_json()
    assert welcome["type"] == "welcome", welcome
    return welcome


def until(ws, kind: str, limit: int = 50) -> dict:
    """The next frame of this type (frames of other types before it are skipped)."""
    for _ in range(limit):
        frame = ws.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def frames_until(ws, kind: str, limit: int = 50) -> list[dict]:
    seen = []
    for _ in range(limit):
        seen.append(ws.receive_json())
        if seen[-1]["type"] == kind:
            return seen
    raise AssertionError(f"no {kind} frame in {seen}")


def answer(cc, client, person, interaction_id: int) -> None:
    """The agent gets the chat the way routing gives it: offered, then accepted."""
    cc.http(client, person, "POST", f"/agents/{person.agent.id}/presence", json={"state": "ready"})
    cc.http(client, person, "POST", f"/interactions/{interaction_id}/offer", json={})
    cc.http(client, person, "POST", f"/interactions/{interaction_id}/accept", json={})


def queued_interaction(uow) -> int:
    """The chat's interaction: the "queued" status may reach the visitor a moment before intake commits it."""
    deadline = time.monotonic() + 5
    while (found := uow.session.scalar(select(Interaction.id))) is None and time.monotonic() < deadline:
        uow.session.rollback()  # a fresh snapshot on the next look
        time.sleep(0.02)
    assert found is not None
    return found
