"""The chat's other doors: the offline form, file upload, the agent API's access rules, help articles, the
channel worker's retry, and the expected wait from the queue's recent answers."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpline.adapters.db.models import Attachment, Case, ChatMessage, InboundMessage, Interaction
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.chat import waiting
from tests.chat_helpers import ORIGIN, add_channel, answer, connect, fast_hub, hello, queued_interaction, until

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def chat(cc, container, app):
    add_channel(container, cc.chat_queue.code)
    fast_hub(app, container)
    return cc


def queued_chat(client) -> str:
    with connect(client) as ws:
        token = hello(ws)["token"]
        ws.send_json({"type": "person", "name": "Anna", "email": "anna@example.ru", "text": "Нужна помощь"})
        until(ws, "status")
        until(ws, "message")  # "you are in the queue": sent once the interaction exists
    return token


def upload(client, token, data, name="photo.png", client_msg_id="f-1", origin=ORIGIN):
    return client.post("/api/v1/chat/files", headers={"origin": origin},
                       data={"channel": "site-chat", "token": token, "client_msg_id": client_msg_id},
                       files={"file": (name, data, "image/png")})


def test_closed_hours_offer_the_offline_form_and_it_becomes_an_e_mail_like_case(cc, container, app, client, make,
                                                                                 uow):
    web_queue = make.queue(client=cc.client, site=cc.moscow, code="web_msk", channel="web")
    # the test clock says Monday 12:00 in Moscow: open only in the evening
    add_channel(container, cc.chat_queue.code, business_hours={"mon": [["18:00", "20:00"]]}, offline_queue="web_msk")
    fast_hub(app, container)
    with connect(client) as ws:
        welcome = hello(ws)
        assert welcome["open"] is False and welcome["status"] == "offline"
        ws.send_json({"type": "person", "text": "Оператор?"})
        assert "offline" in until(ws, "error")["message"]
        ws.send_json({"type": "offline", "name": "Oleg", "email": "oleg@example.ru", "text": "Перезвоните мне"})
        until(ws, "offline_received")
        assert "e-mail" in until(ws, "message")["body"]
    (request,) = uow.session.scalars(select(Interaction)).all()
    assert (request.channel, request.queue_id, request.from_address) == ("web", web_queue.id, "oleg@example.ru")
    assert request.body == "Перезвоните мне" and request.state == "queued"
    assert uow.session.get(Case, request.case_id) is not None
    assert uow.session.scalar(select(InboundMessage.status)) == "processed"


def test_a_file_is_stored_and_announced_within_the_limits(chat, client, uow):
    token = queued_chat(client)
    sent = upload(client, token, PNG)
    assert sent.status_code == 201, sent.text
    assert sent.headers["access-control-allow-origin"] == ORIGIN
    body = sent.json()
    assert body["content_type"] == "image/png" and body["size"] == len(PNG)
    assert upload(client, token, PNG).json() == body  # a resend: stored once
    (stored,) = uow.session.scalars(select(Attachment)).all()
    assert stored.content == PNG and stored.interaction_id == uow.session.scalar(select(Interaction.id))
    announced = uow.session.scalar(select(ChatMessage).where(ChatMessage.attachment_id == stored.id))
    assert announced.sender == "customer" and "photo.png" in announced.body


def test_a_file_over_the_limit_of_the_wrong_type_or_with_a_wrong_token_is_refused(cc, container, app, client, uow):
    add_channel(container, cc.chat_queue.code, max_file_bytes=100)
    fast_hub(app, container)
    token = queued_chat(client)
    too_big = upload(client, token, PNG + b"\x00" * 100)
    assert too_big.status_code == 413 and "100 bytes" in too_big.json()["detail"]
    script = upload(client, token, b"MZ\x90\x00" + b"\x00" * 60, name="virus.exe", client_msg_id="f-2")
    assert script.status_code == 422 and "not accepted" in script.json()["detail"]
    assert upload(client, "wrong-token", PNG, client_msg_id="f-3").status_code == 404
    assert upload(client, token, PNG, client_msg_id="f-4", origin="https://evil.example").status_code == 403
    assert uow.session.scalars(select(Attachment)).all() == []


def test_only_the_assigned_agent_or_a_supervisor_of_the_site_reaches_the_chat(chat, client, uow):
    cc = chat
    queued_chat(client)
    interaction_id = queued_interaction(uow)
    path = f"/api/v1/chats/{interaction_id}/messages"
    send = {"text": "Добрый день"}

    def status(who, method="GET", **kw):
        return client.request(method, path, headers=who.auth if who else {}, **kw).status_code

    assert status(cc.colleague) == 403  # waiting in a queue they serve, but not assigned to them
    answer(cc, client, cc.agent, interaction_id)
    assert status(cc.agent) == 200 and status(cc.supervisor) == 200 and status(cc.admin) == 200
    assert status(cc.colleague) == 404 and status(cc.colleague, "POST", json=send) == 404  # now another's
    assert client.post(f"/api/v1/chats/{interaction_id}/end", headers=cc.colleague.auth).status_code == 404
    assert status(cc.spb_supervisor) == 404  # another site's chat looks missing
    assert status(cc.qa) == 403 and status(cc.pbx, "POST", json=send) == 403  # roles without the permission
    assert status(None) == 401
    assert status(cc.agent, "POST", json=send) == 201
    assert client.get("/api/v1/chats/999999/messages", headers=cc.agent.auth).status_code == 404


def test_the_agent_cannot_write_before_answering(chat, client, uow):
    cc = chat
    queued_chat(client)
    interaction_id = queued_interaction(uow)
    response = client.post(f"/api/v1/chats/{interaction_id}/messages", json={"text": "x"}, headers=cc.admin.auth)
    assert response.status_code == 409 and "queued" in response.json()["detail"]


def test_admins_add_help_articles_and_others_may_not(chat, client):
    cc = chat
    article = {"language": "ru", "title": "Как вызвать аварийного комиссара", "body": "Позвоните нам.",
               "keywords": "комиссар авария"}
    created = cc.http(client, cc.admin, "POST", "/help-articles", json=article)
    assert created["public"] is True and created["id"]
    assert client.post("/api/v1/help-articles", json=article, headers=cc.supervisor.auth).status_code == 403
    assert client.post("/api/v1/help-articles", json=article).status_code == 401
    assert client.post("/api/v1/help-articles", json={**article, "title": ""}, headers=cc.admin.auth
                       ).status_code == 422
    titles = [a["title"] for a in cc.http(client, cc.agent, "GET", "/help-articles?language=ru")]
    assert "Как вызвать аварийного комиссара" in titles
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "question", "text": "нужен аварийный комиссар"})
        assert until(ws, "suggestions")["articles"][0]["id"] == created["id"]


def test_the_channel_worker_processes_a_request_that_failed_at_first(chat, container, client, uow, clock):
    from helpline.adapters.db.models import Queue

    with container.uow() as setup:  # the chat queue is switched off: intake refuses the request
        setup.session.get(Queue, chat.chat_queue.id).is_active = False
        setup.commit()
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "person", "text": "Помогите"})
        assert until(ws, "status")["status"] == "queued"
    assert uow.session.scalar(select(InboundMessage.status)) == "pending"
    with container.uow() as setup:
        setup.session.get(Queue, chat.chat_queue.id).is_active = True
        setup.commit()
    clock.advance(10)
    worker = ChannelWorker(container)
    worker.configure()
    received, _ = worker.run_once()
    assert received == {"processed": 1}
    uow.session.expire_all()
    assert uow.session.scalar(select(Interaction.state)) == "queued"


def test_the_expected_wait_follows_the_recent_answer_rate(chat, container, client, clock, uow):
    cc = chat
    for _ in range(4):
        queued_chat(client)
    ids = list(uow.session.scalars(select(Interaction.id).order_by(Interaction.id)))
    cc.http(client, cc.agent, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"})
    for interaction_id in ids[:3]:  # three answered in the last half hour: 1 answer every 10 minutes
        clock.advance(60)
        cc.http(client, cc.agent, "POST", f"/interactions/{interaction_id}/offer", json={})
        cc.http(client, cc.agent, "POST", f"/interactions/{interaction_id}/accept", json={})
    with container.uow() as check:
        standing = waiting.standings(check, cc.chat_queue.id)
    assert standing == {ids[3]: waiting.Standing(position=1, expected_wait_s=600)}
    clock.advance(waiting.RECENT.total_seconds() + timedelta(minutes=1).total_seconds())
    with container.uow() as check:  # the answers are no longer recent: AHT 300 s ÷ the agent's 3 chat slots
        assert waiting.standings(check, cc.chat_queue.id)[ids[3]].expected_wait_s == 100


def test_the_demo_seeds_help_articles_once(uow):
    from helpline.demo.help_articles import ARTICLES, ensure_help_articles

    assert ensure_help_articles(uow) == len(ARTICLES) == 12
    uow.commit()
    assert ensure_help_articles(uow) == 0
    assert {language for language, *_ in ARTICLES} == {"ru", "en"}


def test_the_demo_page_embeds_the_widget_with_one_tag(client):
    page = client.get("/chat-demo?channel=site-chat&lang=en")
    assert page.status_code == 200
    assert '<script src="/static/chat-widget.js" data-channel="site-chat" async></script>' in page.text
    assert client.get("/chat-demo?channel=%22%3E%3Cscript%3E").text.count("<script") == 1  # escaped
    widget = client.get("/static/chat-widget.js")
    assert widget.status_code == 200 and "attachShadow" in widget.text and "client_msg_id" in widget.text
    assert not any(asset in widget.text for asset in ("@import", "url(", "<link", "<img", "fetch(\"http"))
