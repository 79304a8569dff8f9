"""The chat widget (static/chat-widget.js) in real Chromium on the demo page: help articles first, then a
person; the queue position; the agent's reply; a reload that loses and repeats nothing."""

import time

import pytest
from sqlalchemy import select

from helpline.adapters.db.models import ChatMessage, ChatSession, Interaction
from helpline.demo.help_articles import ensure_help_articles
from helpline.services.channels import configs
from helpline.services.chat import conversation
from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow
CHANNEL = "site-chat"


@pytest.fixture
def centre(make, container, live_server):
    cc = build_centre(make)
    with container.uow() as uow:  # the demo page is served by Helpline itself: its origin embeds the chat
        configs.add(uow, CHANNEL, "web-chat", {"allowed_origins": [live_server.url]}, queue=cc.chat_queue.code)
        ensure_help_articles(uow)
        uow.commit()
    return cc


def widget(page, selector: str):
    return page.locator(selector)  # Playwright's CSS selectors reach into the widget's open shadow root


def the_chat(container) -> int:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with container.uow() as uow:
            found = uow.session.scalar(select(Interaction.id).where(Interaction.channel == "chat"))
        if found is not None:
            return int(found)
        time.sleep(0.05)
    raise AssertionError("the chat never reached a queue")


def test_a_visitor_reads_an_article_then_talks_to_an_agent_and_a_reload_loses_nothing(web, centre, make,
                                                                                       container, client):
    page = web.page("en")
    page.goto(f"/chat-demo?channel={CHANNEL}&lang=en")
    widget(page, "button.btn").click()
    widget(page, "input.text").fill("How do I report an OSAGO accident claim?")
    widget(page, "button.send").click()
    article = widget(page, ".art").first
    article.wait_for()
    assert "OSAGO" in article.inner_text()
    web.shot(page, "chat-widget-articles")

    widget(page, "button.person").click()
    widget(page, ".bar").filter(has_text="You are in the queue: 1").wait_for()
    chat_id = the_chat(container)

    # the agent goes ready; the server's routing offers the chat; the agent accepts and writes
    agent = centre.agent
    centre.http(client, agent, "POST", f"/agents/{agent.agent.id}/presence", json={"state": "ready"})
    deadline = time.monotonic() + 10
    while centre.http(client, agent, "GET", f"/interactions/{chat_id}")["state"] != "offered":
        assert time.monotonic() < deadline, "routing never offered the chat"
        time.sleep(0.05)
    centre.http(client, agent, "POST", f"/interactions/{chat_id}/accept", json={})
    with container.uow() as uow:
        conversation.agent_message(uow, make.actor(agent.user), chat_id, "Hello! I will register the claim now.",
                                   "agent-1")
    widget(page, ".m.agent").filter(has_text="I will register the claim").wait_for()
    widget(page, "input.text").fill("Thank you")
    widget(page, "input.text").press("Enter")
    web.shot(page, "chat-widget-conversation")

    page.reload()  # the session is kept in sessionStorage; the widget resumes from the last seq
    widget(page, "button.btn").click()
    widget(page, ".m.customer").filter(has_text="Thank you").wait_for()
    assert widget(page, ".m.agent").filter(has_text="I will register the claim").count() == 1
    with container.uow() as uow:
        bodies = list(uow.session.scalars(select(ChatMessage.body).join(ChatSession)
                                          .where(ChatSession.interaction_id == chat_id)))
    assert bodies.count("Thank you") == 1 and bodies.count("Hello! I will register the claim now.") == 1
