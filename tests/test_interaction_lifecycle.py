"""The life of an interaction through the REST API, on the real database."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from helpline.adapters.db.models import Event


def call(cc, client, who=None, **body):
    payload = {"channel": "voice", "queue_id": cc.osago_queue.id, "from_address": "+74951234567", **body}
    return cc.http(client, who or cc.pbx, "POST", "/interactions", json=payload)


def event_types(cc, client, interaction_id):
    return [e["type"] for e in cc.http(client, cc.admin, "GET", f"/interactions/{interaction_id}/events")]


def ready(cc, client, person):
    cc.http(client, person, "POST", f"/agents/{person.agent.id}/presence", json={"state": "ready"})


def test_received_call_is_queued_with_a_new_case_and_events(cc, client):
    created = call(cc, client, topic="accident")
    assert created["state"] == "queued" and created["queue_id"] == cc.osago_queue.id
    assert created["case_id"] is not None
    assert event_types(cc, client, created["id"]) == ["received", "entered_queue"]
    case = cc.http(client, cc.admin, "GET", f"/cases/{created['case_id']}")
    assert case["status"] == "new" and case["topic"] == "accident"


def test_same_idempotency_key_returns_the_same_interaction(cc, client):
    body = {"channel": "voice", "queue_id": cc.osago_queue.id, "idempotency_key": "pbx-1700000000.1"}
    first = client.post("/api/v1/interactions", json=body, headers=cc.pbx.auth)
    again = client.post("/api/v1/interactions", json=body, headers=cc.pbx.auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    by_header = client.post("/api/v1/interactions", json={k: v for k, v in body.items() if k != "idempotency_key"},
                            headers={**cc.pbx.auth, "Idempotency-Key": "pbx-1700000000.1"})
    assert by_header.json()["id"] == first.json()["id"]
    conflicting = client.post("/api/v1/interactions", json={**body, "subject": "other"}, headers=cc.pbx.auth)
    assert conflicting.status_code == 409 and "idempotency key" in conflicting.json()["detail"]
    assert len(cc.http(client, cc.admin, "GET", "/interactions")) == 1


def test_full_life_from_take_to_wrap_up(cc, client, clock):
    created = call(cc, client)
    ready(cc, client, cc.agent)
    clock.advance(12)
    offered = cc.http(client, cc.agent, "POST", f"/queues/{cc.osago_queue.id}/take")
    assert offered["state"] == "offered" and offered["agent_id"] == cc.agent.agent.id
    clock.advance(3)
    answered = cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/accept", json={})
    assert answered["state"] == "connected"
    for action, state in (("hold", "on_hold"), ("resume", "connected")):
        clock.advance(30)
        assert cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/{action}", json={})["state"] == state
    clock.advance(60)
    assert cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/end", json={})["state"] == "wrap_up"
    clock.advance(20)
    done = cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/complete",
                   json={"wrap_up_code": "claim_registered", "notes": "europrotocol"})
    assert done["state"] == "completed" and done["wrap_up_code"] == "claim_registered"
    assert event_types(cc, client, created["id"]) == [
        "received", "entered_queue", "offered", "answered", "held", "resumed", "completed", "wrap_up_ended"]
    events = cc.http(client, cc.admin, "GET", f"/interactions/{created['id']}/events")
    assert events[3]["data"]["wait_s"] == 15.0
    # talk = 30 s before the hold + 60 s after it; the hold 30 s; wrap-up 20 s
    assert {k: events[-1]["data"][k] for k in ("talk_s", "hold_s", "wrap_s")} == {
        "talk_s": 90.0, "hold_s": 30.0, "wrap_s": 20.0}
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    case = cc.http(client, cc.admin, "GET", f"/cases/{created['case_id']}")
    assert case["status"] == "open" and case["first_response_at"] is not None
    assert case["assigned_agent_id"] == cc.agent.agent.id


def test_illegal_transitions_are_refused_with_409(cc, client):
    created = call(cc, client)
    never_answered = client.post(f"/api/v1/interactions/{created['id']}/complete", json={}, headers=cc.admin.auth)
    assert never_answered.status_code == 409 and "queued" in never_answered.json()["detail"]
    cc.http(client, cc.pbx, "POST", f"/interactions/{created['id']}/abandon", json={})
    late = client.post(f"/api/v1/interactions/{created['id']}/answer",
                       json={"agent_id": cc.agent.agent.id}, headers=cc.pbx.auth)
    assert late.status_code == 409 and "abandoned" in late.json()["detail"]
    assert event_types(cc, client, created["id"]) == ["received", "entered_queue", "abandoned"]


def test_rejected_offer_returns_to_its_original_place(cc, client, clock):
    first = call(cc, client)
    clock.advance(5)
    second = call(cc, client)
    ready(cc, client, cc.agent)
    cc.http(client, cc.agent, "POST", f"/interactions/{first['id']}/offer", json={})
    cc.http(client, cc.agent, "POST", f"/interactions/{first['id']}/reject", json={})
    waiting = cc.http(client, cc.supervisor, "GET", f"/queues/{cc.osago_queue.id}/waiting")
    assert [w["id"] for w in waiting] == [first["id"], second["id"]]


def test_offer_not_answered_sets_the_agent_not_ready(cc, client):
    created = call(cc, client)
    ready(cc, client, cc.agent)
    cc.http(client, cc.supervisor, "POST", f"/interactions/{created['id']}/offer", json={"agent_id": cc.agent.agent.id})
    back = cc.http(client, cc.pbx, "POST", f"/interactions/{created['id']}/no-answer", json={})
    assert back["state"] == "queued" and back["agent_id"] is None
    agent = cc.http(client, cc.admin, "GET", "/events?after_seq=0")[-1]
    assert agent["type"] == "agent_not_ready" and agent["data"] == {"reason": "no_answer"}


def test_an_agent_without_a_valid_certification_never_gets_the_queue(cc, client):
    created = call(cc, client)
    ready(cc, client, cc.novice)
    refused = client.post(f"/api/v1/interactions/{created['id']}/offer", json={"agent_id": cc.novice.agent.id},
                          headers=cc.supervisor.auth)
    assert refused.status_code == 409 and "certification" in refused.json()["detail"]
    # and the queue is not even visible to them
    assert client.get(f"/api/v1/queues/{cc.osago_queue.id}/waiting", headers=cc.novice.auth).status_code == 404


def test_expired_certification_makes_the_agent_ineligible(cc, client, clock):
    created = call(cc, client)
    ready(cc, client, cc.agent)
    clock.advance(400 * 86400)  # the factory's certificate is valid for 365 days
    refused = client.post(f"/api/v1/interactions/{created['id']}/offer", json={}, headers=cc.agent.auth)
    assert refused.status_code == 404  # the expired agent no longer sees the queue's work


def test_a_live_call_uses_the_agents_voice_capacity(cc, client):
    first, second = call(cc, client), call(cc, client)
    ready(cc, client, cc.agent)
    cc.http(client, cc.agent, "POST", f"/interactions/{first['id']}/offer", json={})
    cc.http(client, cc.agent, "POST", f"/interactions/{first['id']}/accept", json={})
    busy = client.post(f"/api/v1/interactions/{second['id']}/offer", json={}, headers=cc.agent.auth)
    assert busy.status_code == 409 and "capacity" in busy.json()["detail"]
    chat = call(cc, client, channel="chat", queue_id=cc.chat_queue.id)
    assert client.post(f"/api/v1/interactions/{chat['id']}/offer", json={}, headers=cc.agent.auth).status_code == 409


def test_chats_run_side_by_side_up_to_capacity(cc, client):
    chats = [call(cc, client, channel="chat", queue_id=cc.chat_queue.id) for _ in range(4)]
    ready(cc, client, cc.agent)
    for chat in chats[:3]:
        cc.http(client, cc.agent, "POST", f"/interactions/{chat['id']}/offer", json={})
        cc.http(client, cc.agent, "POST", f"/interactions/{chat['id']}/accept", json={})
    fourth = client.post(f"/api/v1/interactions/{chats[3]['id']}/offer", json={}, headers=cc.agent.auth)
    assert fourth.status_code == 409


def test_transfer_to_a_queue_and_to_an_agent(cc, client):
    created = call(cc, client)
    ready(cc, client, cc.agent)
    ready(cc, client, cc.colleague)
    cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/offer", json={})
    cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/accept", json={})
    to_colleague = cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/transfer",
                           json={"agent_id": cc.colleague.agent.id})
    assert to_colleague["state"] == "offered" and to_colleague["agent_id"] == cc.colleague.agent.id
    cc.http(client, cc.colleague, "POST", f"/interactions/{created['id']}/accept", json={})
    to_queue = cc.http(client, cc.colleague, "POST", f"/interactions/{created['id']}/transfer",
                       json={"queue_id": cc.spb_queue.id})
    assert to_queue["state"] == "queued" and to_queue["queue_id"] == cc.spb_queue.id
    types = event_types(cc, client, created["id"])
    assert types[-5:] == ["transferred", "offered", "answered", "transferred", "entered_queue"]
    answers = [e["data"] for e in cc.http(client, cc.admin, "GET", f"/interactions/{created['id']}/events")
               if e["type"] == "answered"]
    assert "wait_s" in answers[0] and "wait_s" not in answers[1]  # the colleague's is no queue answer
    both = client.post(f"/api/v1/interactions/{created['id']}/transfer", json={}, headers=cc.admin.auth)
    assert both.status_code in (409, 422)


def test_a_known_customer_is_identified_and_joins_their_open_case_on_the_same_topic(cc, client, make):
    customer = make.customer("Анна Смирнова", phones=["+74951112233"])
    first = call(cc, client, from_address="8 (495) 111-22-33", topic="osago-claim")
    second = call(cc, client, from_address="+7 495 111 22 33", topic="osago-claim")
    other_topic = call(cc, client, from_address="+74951112233", topic="renewal")
    assert first["customer_id"] == second["customer_id"] == customer.id
    assert first["case_id"] == second["case_id"] != other_topic["case_id"]


def test_a_policy_number_identifies_the_customer_and_sets_the_product_line(cc, client, make):
    customer = make.customer("Пётр Иванов")
    make.policy(customer, cc.client, number="ХХХ 0123456789", product_line="osago")
    created = call(cc, client, from_address=None, policy_number="ХХХ 0123456789")
    assert created["customer_id"] == customer.id
    case = cc.http(client, cc.admin, "GET", f"/cases/{created['case_id']}")
    assert case["policy_id"] is not None


def test_channel_facts_are_not_an_agents_to_report(cc, client):
    created = call(cc, client)
    response = client.post(f"/api/v1/interactions/{created['id']}/abandon", json={}, headers=cc.agent.auth)
    assert response.status_code == 403


def test_exit_reasons_are_recorded_apart_from_abandons(cc, client, clock):
    created = call(cc, client)
    clock.advance(300)
    done = cc.http(client, cc.pbx, "POST", f"/interactions/{created['id']}/exit", json={"reason": "timeout"})
    assert done["state"] == "exited" and done["exit_reason"] == "timeout"
    last = cc.http(client, cc.admin, "GET", f"/interactions/{created['id']}/events")[-1]
    assert last["type"] == "exited" and last["data"] == {"reason": "timeout", "wait_s": 300.0}


def test_case_status_flow_with_reopen_and_illegal_moves(cc, client):
    case_id = call(cc, client)["case_id"]
    for target in ("open", "pending", "resolved"):
        case = cc.http(client, cc.supervisor, "POST", f"/cases/{case_id}/status", json={"status": target})
    assert case["resolved_at"] is not None
    illegal = client.post(f"/api/v1/cases/{case_id}/status", json={"status": "pending"}, headers=cc.admin.auth)
    assert illegal.status_code == 409
    reopened = cc.http(client, cc.supervisor, "POST", f"/cases/{case_id}/status", json={"status": "open"})
    assert reopened["status"] == "open" and reopened["resolved_at"] is None


def test_a_reply_into_a_resolved_case_reopens_it(cc, client):
    case_id = call(cc, client)["case_id"]
    cc.http(client, cc.admin, "POST", f"/cases/{case_id}/status", json={"status": "resolved"})
    call(cc, client, case_id=case_id)
    assert cc.http(client, cc.admin, "GET", f"/cases/{case_id}")["status"] == "open"


def test_the_event_log_refuses_updates_and_deletes(cc, client, uow):
    call(cc, client)
    for statement in ("UPDATE events SET type = 'answered'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"):
            uow.session.execute(text(statement))
        uow.session.rollback()
    assert len(uow.session.scalars(select(Event)).all()) == 3  # case_opened, received, entered_queue


def test_presence_changes_are_events_and_need_a_known_reason(cc, client):
    path = f"/agents/{cc.agent.agent.id}/presence"
    cc.http(client, cc.agent, "POST", path, json={"state": "ready"})
    cc.http(client, cc.agent, "POST", path, json={"state": "not_ready", "reason": "break"})
    cc.http(client, cc.agent, "POST", path, json={"state": "logged_out"})
    feed = cc.http(client, cc.admin, "GET", "/events")
    assert [e["type"] for e in feed] == ["agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out"]
    unknown = client.post(f"/api/v1{path}", json={"state": "not_ready", "reason": "nap"}, headers=cc.agent.auth)
    no_reason = client.post(f"/api/v1{path}", json={"state": "not_ready"}, headers=cc.agent.auth)
    assert unknown.status_code == no_reason.status_code == 422
    other = client.post(f"/api/v1/agents/{cc.colleague.agent.id}/presence", json={"state": "ready"},
                        headers=cc.agent.auth)
    assert other.status_code == 404


def test_an_agent_cannot_log_out_with_a_customer_on_the_line(cc, client):
    created = call(cc, client)
    ready(cc, client, cc.agent)
    cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/offer", json={})
    refused = client.post(f"/api/v1/agents/{cc.agent.agent.id}/presence", json={"state": "logged_out"},
                          headers=cc.agent.auth)
    assert refused.status_code == 409


def test_bad_input_gets_clear_4xx_answers(cc, client):
    malformed = client.post("/api/v1/interactions", json={"channel": "pigeon"}, headers=cc.pbx.auth)
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["loc"][-1] == "channel"
    naive = client.post("/api/v1/interactions", json={"channel": "voice", "queue_id": cc.osago_queue.id,
                                                      "occurred_at": "2026-01-01T10:00:00"}, headers=cc.pbx.auth)
    assert naive.status_code == 422
    wrong_channel = client.post("/api/v1/interactions", json={"channel": "email", "queue_id": cc.osago_queue.id},
                                headers=cc.pbx.auth)
    assert wrong_channel.status_code == 422 and "takes voice" in wrong_channel.json()["detail"]
    assert client.get("/api/v1/interactions/999999", headers=cc.admin.auth).status_code == 404
    assert client.post("/api/v1/interactions", content=b"{not json", headers={
        **cc.pbx.auth, "Content-Type": "application/json"}).status_code == 422
    assert client.get("/api/v1/interactions", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_numbers_too_large_for_the_database_are_a_client_error(cc, client):
    huge = 2**63
    assert client.get(f"/api/v1/interactions?agent_id={huge}", headers=cc.admin.auth).status_code == 422
    assert client.get(f"/api/v1/interactions/{huge}", headers=cc.admin.auth).status_code in (404, 422)


def test_a_renewed_certification_beside_an_expired_one_counts(cc, client, make, clock):
    from datetime import timedelta

    from helpline.adapters.db import models as m

    def days(n):
        return timedelta(days=n)

    with make.uow() as uow:
        agent = uow.session.get(m.Agent, cc.novice.agent.id)
        now = clock()
        agent.certifications = [
            m.Certification(skill_id=cc.osago.id, passed_at=now - days(900), expires_at=now - days(1)),
            m.Certification(skill_id=cc.osago.id, passed_at=now - days(2), expires_at=None),
            m.Certification(skill_id=cc.osago.id, passed_at=now - days(800), expires_at=now - days(400)),
        ]
        uow.commit()
    created = call(cc, client)
    ready(cc, client, cc.novice)
    assert cc.http(client, cc.novice, "POST", f"/interactions/{created['id']}/offer", json={})["state"] == "offered"
