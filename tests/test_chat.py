"""The chat widget's protocol (WebSocket frames) and the agent's side, over Starlette's test client."""


import pytest
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect

from helpline.adapters.db.models import ChatMessage, ChatSession, InboundMessage, Interaction
from tests.chat_helpers import ORIGIN, add_channel, answer, connect, fast_hub, hello, queued_interaction, until


@pytest.fixture
def chat(cc, container, app):
    add_channel(container, cc.chat_queue.code)
    fast_hub(app, container)
    return cc


def count(uow, model, *where) -> int:
    return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def escalate(ws, **details) -> dict:
    ws.send_json({"type": "person", "name": "Ivan", "email": "ivan@example.ru", "text": "Где моя выплата?",
                  **details})
    return until(ws, "status")


def ask_again(ws) -> None:
    ws.send_json({"type": "person", "text": "Где моя выплата?"})
    ws.send_json({"type": "ping"})
    until(ws, "pong")


def test_a_question_gets_matching_articles_and_the_answer_is_recorded(chat, client, uow):
    with connect(client) as ws:
        welcome = hello(ws)
        assert welcome["open"] is True and welcome["status"] == "browsing" and welcome["token"]
        ws.send_json({"type": "question", "text": "Какие документы нужны для выплаты по ОСАГО?"})
        suggestions = until(ws, "suggestions")["articles"]
        assert suggestions[0]["title"] == "Какие документы нужны для выплаты"
        assert all("Продление" not in a["title"] for a in suggestions)
        ws.send_json({"type": "answered", "article_id": suggestions[0]["id"]})
        assert until(ws, "deflected")["article_id"] == suggestions[0]["id"]
    session = uow.session.scalar(select(ChatSession))
    assert session.deflected_by_article_id == suggestions[0]["id"] and session.interaction_id is None
    assert count(uow, Interaction) == 0


def test_english_visitors_get_english_articles(chat, client):
    with connect(client) as ws:
        assert hello(ws, language="en-GB")["language"] == "en"
        ws.send_json({"type": "question", "text": "I am abroad on a trip and need a doctor"})
        assert until(ws, "suggestions")["articles"][0]["title"] == "Travel assistance abroad"


def test_asking_for_a_person_queues_exactly_one_chat_interaction(chat, client, uow):
    with connect(client) as ws:
        hello(ws)
        assert escalate(ws)["status"] == "queued"
        notice = until(ws, "message")
        ask_again(ws)  # asked twice: still one request
        assert notice["sender"] == "system" and "queue" in notice["body"]
    interactions = uow.session.scalars(select(Interaction)).all()
    assert len(interactions) == 1
    (chat_interaction,) = interactions
    assert chat_interaction.channel == "chat" and chat_interaction.state == "queued"
    assert chat_interaction.queue_id == chat.chat_queue.id and chat_interaction.from_address == "ivan@example.ru"
    assert chat_interaction.body == "Где моя выплата?" and chat_interaction.language == "ru"
    (stored,) = uow.session.scalars(select(InboundMessage)).all()
    assert stored.status == "processed" and stored.interaction_id == chat_interaction.id
    assert uow.session.scalar(select(ChatSession.interaction_id)) == chat_interaction.id


def test_the_position_and_expected_wait_are_shown_and_follow_the_queue(chat, client, uow, make):
    cc = chat
    make.agent(site=cc.moscow, skills={cc.osago: 1}, presence="ready")  # not qualified for chat: not counted
    cc.http(client, cc.agent, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"})
    with connect(client) as first, connect(client) as second:
        hello(first)
        escalate(first)
        standing = until(first, "queue")
        assert standing == {"type": "queue", "position": 1, "expected_wait_s": 100}  # 300 s AHT ÷ 3 chat slots
        hello(second)
        escalate(second)
        assert until(second, "queue") == {"type": "queue", "position": 2, "expected_wait_s": 200}
        first_id = uow.session.scalar(select(Interaction.id).order_by(Interaction.id))
        answer(cc, client, cc.agent, first_id)
        assert until(first, "status")["status"] == "connected"
        assert until(second, "queue")["position"] == 1


def test_the_agent_and_the_visitor_talk(chat, client, uow):
    cc = chat
    with connect(client) as ws:
        hello(ws)
        escalate(ws)
        interaction_id = queued_interaction(uow)
        answer(cc, client, cc.agent, interaction_id)
        joined = until(ws, "message")
        while "joined" not in joined["body"]:
            joined = until(ws, "message")
        assert joined["sender"] == "system" and cc.agent.agent.display_name in joined["body"]
        assert client.post(f"/api/v1/chats/{interaction_id}/typing", headers=cc.agent.auth).status_code == 204
        assert until(ws, "typing") == {"type": "typing", "who": "agent"}
        sent = cc.http(client, cc.agent, "POST", f"/chats/{interaction_id}/messages",
                       json={"text": "Здравствуйте! Назовите номер полиса."})
        pushed = until(ws, "message")
        assert pushed["body"] == "Здравствуйте! Назовите номер полиса." and pushed["sender"] == "agent"
        assert pushed["seq"] == sent["seq"] and pushed["agent_id"] == cc.agent.agent.id
        ws.send_json({"type": "typing"})
        ws.send_json({"type": "message", "client_msg_id": "c-1", "text": "ХХХ 0123456789"})
        ack = until(ws, "ack")
        assert ack == {"type": "ack", "client_msg_id": "c-1", "seq": sent["seq"] + 1}
        seen = cc.http(client, cc.agent, "GET", f"/chats/{interaction_id}/messages?after_seq={sent['seq']}")
        assert seen["customer_typing"] is True and seen["status"] == "connected"
        assert [(m["sender"], m["body"]) for m in seen["messages"]] == [("customer", "ХХХ 0123456789")]
        ended = cc.http(client, cc.agent, "POST", f"/chats/{interaction_id}/end")
        assert ended["status"] == "ended"
        assert until(ws, "status")["status"] == "ended"
    assert uow.session.get(Interaction, interaction_id).state == "wrap_up"


def test_a_resent_message_is_stored_once(chat, client, uow):
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "message", "client_msg_id": "m-1", "text": "Добрый день"})
        first = until(ws, "ack")
        ws.send_json({"type": "message", "client_msg_id": "m-1", "text": "Добрый день"})
        assert until(ws, "ack") == first
        ws.send_json({"type": "message", "client_msg_id": "m-2", "text": "Ещё вопрос"})
        assert until(ws, "ack")["seq"] == first["seq"] + 1
    assert count(uow, ChatMessage) == 2


def test_a_reconnect_returns_the_missed_messages_in_order(chat, client, uow):
    cc = chat
    with connect(client) as ws:
        token = hello(ws)["token"]
        escalate(ws)
        ws.send_json({"type": "message", "client_msg_id": "m-1", "text": "Алло?"})
        last_seen = until(ws, "ack")["seq"]
    interaction_id = uow.session.scalar(select(Interaction.id))
    answer(cc, client, cc.agent, interaction_id)
    cc.http(client, cc.agent, "GET", f"/chats/{interaction_id}/messages")  # the chat follows the answer
    for text in ("Первое", "Второе", "Третье"):
        cc.http(client, cc.agent, "POST", f"/chats/{interaction_id}/messages", json={"text": text})
    with connect(client) as ws:
        welcome = hello(ws, token=token, last_seq=last_seen)
        assert welcome["token"] is None and welcome["status"] == "connected"
        missed = welcome["history"]
        assert [m["seq"] for m in missed] == list(range(last_seen + 1, last_seen + 1 + len(missed)))
        assert [m["body"] for m in missed if m["sender"] == "agent"] == ["Первое", "Второе", "Третье"]
        ws.send_json({"type": "message", "client_msg_id": "m-1", "text": "Алло?"})  # resent: no ack was seen
        assert until(ws, "ack")["seq"] == last_seen
        with connect(client) as other:
            other.send_json({"type": "hello", "token": token, "last_seq": 999})
            assert "beyond" in until(other, "error")["message"]


def test_an_unknown_token_starts_a_new_chat(chat, client):
    with connect(client) as ws:
        welcome = hello(ws, token="no-such-token", last_seq=4)
        assert welcome["token"] and welcome["history"] == []


def test_a_malformed_frame_is_answered_and_the_chat_goes_on(chat, client):
    with connect(client) as ws:
        hello(ws)
        ws.send_text("{not json")
        assert until(ws, "error")["message"].startswith("malformed frame")
        ws.send_json({"type": "message", "text": "no id"})
        assert "client_msg_id" in until(ws, "error")["message"]
        ws.send_json({"type": "ping"})
        assert until(ws, "pong") == {"type": "pong"}


def test_a_wrong_origin_or_channel_is_refused(chat, client):
    for origin, channel in (("https://evil.example", "site-chat"), (ORIGIN, "no-such-channel")):
        with pytest.raises(WebSocketDisconnect) as refused, connect(client, origin=origin, channel=channel) as ws:
            ws.receive_json()
        assert refused.value.code == 1008


def test_the_visitor_leaving_abandons_the_waiting_chat(chat, client, uow):
    with connect(client) as ws:
        hello(ws)
        escalate(ws)
        ws.send_json({"type": "end"})
        assert until(ws, "status")["status"] == "ended"
    assert uow.session.scalar(select(Interaction.state)) == "abandoned"


def test_a_transcript_is_queued_as_an_e_mail(chat, client, uow):
    from helpline.adapters.db.models import OutboundMessage

    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "message", "client_msg_id": "m-1", "text": "Нужна справка"})
        until(ws, "ack")
        ws.send_json({"type": "transcript"})
        assert "e-mail" in until(ws, "error")["message"]
        ws.send_json({"type": "transcript", "email": "ivan@example.ru"})
        until(ws, "transcript_queued")
        ws.send_json({"type": "transcript", "email": "ivan@example.ru"})  # twice: queued once
        until(ws, "transcript_queued")
    (mail,) = uow.session.scalars(select(OutboundMessage)).all()
    assert mail.channel == "email" and mail.to_address == "ivan@example.ru" and mail.template == "chat_transcript"
    assert mail.language == "ru" and mail.subject.startswith("Ваш чат") and "Вы: Нужна справка" in mail.body
