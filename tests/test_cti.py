"""Call events from a PBX (POST /api/v1/cti/events): the same interactions and events as the lifecycle API."""

from datetime import timedelta

from sqlalchemy import func, select

from helpline.adapters.db.models import ChannelHealth, Event, ImportedLine, Interaction
from tests.contact_centre import fields_named


def post(client, who, **body):
    return client.post("/api/v1/cti/events", json=body, headers=who.auth)


def send(cc, client, event_id, call_id, kind, **fields):
    response = post(client, cc.pbx, event_id=event_id, call_id=call_id, kind=kind, **fields)
    assert response.status_code == 200, response.text
    return response.json()


def events(cc, client, interaction_id):
    return cc.http(client, cc.admin, "GET", f"/interactions/{interaction_id}/events")


def ready(cc, client, person):
    cc.http(client, person, "POST", f"/agents/{person.agent.id}/presence", json={"state": "ready"})


def offer(cc, client, call_id="call-1", event_id="e1"):
    return send(cc, client, event_id, call_id, "offered", queue_id=cc.osago_queue.id, from_number="+74951234567")


def test_a_full_call_produces_the_lifecycle_events(cc, client, clock):
    offered = offer(cc, client)
    assert offered["state"] == "queued" and offered["channel"] == "voice"
    assert offered["external_id"] == "call-1" and offered["idempotency_key"] == "cti:call-1"
    assert offered["from_address"] == "+74951234567" and offered["queue_id"] == cc.osago_queue.id
    ready(cc, client, cc.agent)
    clock.advance(15)
    answered = send(cc, client, "e2", "call-1", "answered", agent_id=cc.agent.agent.id)
    assert answered["state"] == "connected" and answered["agent_id"] == cc.agent.agent.id
    clock.advance(30)
    assert send(cc, client, "e3", "call-1", "held")["state"] == "on_hold"
    clock.advance(30)
    assert send(cc, client, "e4", "call-1", "resumed")["state"] == "connected"
    clock.advance(60)
    ended = send(cc, client, "e5", "call-1", "ended")
    assert ended["state"] == "wrap_up" and ended["id"] == offered["id"]
    log = events(cc, client, offered["id"])
    assert [e["type"] for e in log] == [
        "received", "entered_queue", "offered", "answered", "held", "resumed", "completed"]
    assert log[3]["data"]["wait_s"] == 15.0
    assert {e["actor_user_id"] for e in log} == {cc.pbx.user.id}


def test_the_event_time_is_the_pbx_time_when_given(cc, client, clock):
    offered = send(cc, client, "e1", "call-1", "offered", queue_id=cc.osago_queue.id,
                   at="2026-02-02T08:59:50+00:00")
    ready(cc, client, cc.agent)
    send(cc, client, "e2", "call-1", "answered", agent_id=cc.agent.agent.id, at="2026-02-02T09:00:05+00:00")
    log = events(cc, client, offered["id"])
    assert log[3]["type"] == "answered" and log[3]["data"]["wait_s"] == 15.0


def test_an_abandoned_call(cc, client, clock):
    offered = offer(cc, client)
    clock.advance(40)
    abandoned = send(cc, client, "e2", "call-1", "abandoned")
    assert abandoned["state"] == "abandoned" and abandoned["id"] == offered["id"]
    log = events(cc, client, offered["id"])
    assert [e["type"] for e in log] == ["received", "entered_queue", "abandoned"]
    assert log[-1]["data"]["wait_s"] == 40.0


def test_a_transfer_to_another_queue(cc, client):
    offered = offer(cc, client)
    ready(cc, client, cc.agent)
    send(cc, client, "e2", "call-1", "answered", agent_id=cc.agent.agent.id)
    moved = send(cc, client, "e3", "call-1", "transferred", to_queue_id=cc.spb_queue.id)
    assert moved["state"] == "queued" and moved["queue_id"] == cc.spb_queue.id and moved["agent_id"] is None
    assert [e["type"] for e in events(cc, client, offered["id"])][-2:] == ["transferred", "entered_queue"]


def test_a_repeated_event_id_changes_nothing(cc, client, uow, clock):
    first = offer(cc, client)
    again = offer(cc, client)
    assert again == first
    ready(cc, client, cc.agent)
    answered = send(cc, client, "e2", "call-1", "answered", agent_id=cc.agent.agent.id)
    clock.advance(5)
    held = send(cc, client, "e3", "call-1", "held")
    count = uow.session.scalar(select(func.count()).select_from(Event))
    assert send(cc, client, "e3", "call-1", "held") == held
    clock.advance(5)
    # the same answer again is not a second answer (which the state machine would refuse)
    assert send(cc, client, "e2", "call-1", "answered", agent_id=cc.agent.agent.id) == held != answered
    assert offer(cc, client) == held
    assert uow.session.scalar(select(func.count()).select_from(Event)) == count
    assert uow.session.scalar(select(func.count()).select_from(Interaction)) == 1
    assert uow.session.scalar(select(func.count()).select_from(ImportedLine)) == 3


def test_an_unknown_call_is_404(cc, client):
    response = post(client, cc.pbx, event_id="e1", call_id="nope", kind="answered", agent_id=cc.agent.agent.id)
    assert response.status_code == 404 and "nope" in response.json()["detail"]


def test_a_call_of_another_pbx_is_not_found(cc, client, make):
    offer(cc, client)
    other = make.user("integration")
    response = client.post("/api/v1/cti/events", json={"event_id": "x1", "call_id": "call-1", "kind": "abandoned"},
                           headers={"Authorization": f"Bearer {make.token(other)}"})
    assert response.status_code == 404


def test_an_event_that_does_not_fit_the_state_is_409_and_not_remembered(cc, client, uow):
    offer(cc, client)
    send(cc, client, "e2", "call-1", "abandoned")
    ready(cc, client, cc.agent)
    late = post(client, cc.pbx, event_id="e3", call_id="call-1", kind="answered", agent_id=cc.agent.agent.id)
    assert late.status_code == 409 and "abandoned" in late.json()["detail"]
    assert uow.session.scalar(select(func.count()).select_from(ImportedLine)) == 2  # e1 and e2 only


def test_malformed_events_are_422(cc, client):
    no_queue = post(client, cc.pbx, event_id="e1", call_id="call-1", kind="offered")
    assert no_queue.status_code == 422 and "queue_id" in no_queue.text
    assert post(client, cc.pbx, event_id="e1", call_id="call-1", kind="rang").status_code == 422
    assert "event_id" in fields_named(post(client, cc.pbx, call_id="call-1", kind="held"))
    assert post(client, cc.pbx, event_id="e" * 201, call_id="c", kind="held").status_code == 422
    assert post(client, cc.pbx, event_id="e1", call_id="c", kind="held", at="2026-02-02T09:00:00").status_code == 422
    both = post(client, cc.pbx, event_id="e1", call_id="c", kind="transferred", agent_id=1, to_queue_id=1)
    assert both.status_code == 422


def test_only_the_integration_may_post_call_events(cc, client):
    body = {"event_id": "e1", "call_id": "call-1", "kind": "offered", "queue_id": cc.osago_queue.id}
    for person in (cc.agent, cc.supervisor, cc.qa):
        assert post(client, person, **body).status_code == 403
    assert client.post("/api/v1/cti/events", json=body).status_code == 401
    assert post(client, cc.pbx, **body).status_code == 200


def test_ringing_offers_the_call_to_the_agent(cc, client, uow, clock):
    offered = offer(cc, client)
    clock.advance(8)
    # the PBX rings an agent Helpline believes logged out: a fact, recorded as it is
    rung = send(cc, client, "e2", "call-1", "ringing", agent_id=cc.agent.agent.id)
    assert rung["state"] == "offered" and rung["agent_id"] == cc.agent.agent.id
    assert send(cc, client, "e2", "call-1", "ringing", agent_id=cc.agent.agent.id) == rung  # a retry
    assert send(cc, client, "e3", "call-1", "ringing", agent_id=cc.agent.agent.id) == rung  # the same ring again
    clock.advance(4)
    answered = send(cc, client, "e4", "call-1", "answered", agent_id=cc.agent.agent.id)
    assert answered["state"] == "connected"
    log = events(cc, client, offered["id"])
    assert [e["type"] for e in log] == ["received", "entered_queue", "offered", "answered"]
    assert log[2]["agent_id"] == cc.agent.agent.id and log[3]["data"]["wait_s"] == 12.0
    assert uow.session.scalar(select(func.count()).select_from(ImportedLine)) == 4


def test_an_answer_by_another_agent_than_the_one_rung_is_409(cc, client):
    offer(cc, client)
    send(cc, client, "e2", "call-1", "ringing", agent_id=cc.agent.agent.id)
    response = post(client, cc.pbx, event_id="e3", call_id="call-1", kind="answered", agent_id=cc.colleague.agent.id)
    assert response.status_code == 409
    assert post(client, cc.pbx, event_id="e4", call_id="call-1", kind="ringing").status_code == 422  # no agent


def test_applied_events_mark_the_pbx_feed_alive(cc, client, uow, clock):
    assert uow.session.get(ChannelHealth, "cti") is None
    offer(cc, client)
    row = uow.session.get(ChannelHealth, "cti")
    assert row is not None and row.channel == "voice" and row.last_activity_at == clock.now
    clock.advance(60)
    offer(cc, client)  # a repeat applies nothing: the indicator stays where the last real event put it
    uow.session.expire_all()
    last_real_event = clock.now - timedelta(seconds=60)
    assert uow.session.get(ChannelHealth, "cti").last_activity_at == last_real_event
    send(cc, client, "e2", "call-1", "abandoned")
    uow.session.expire_all()
    assert uow.session.get(ChannelHealth, "cti").last_activity_at == clock.now
