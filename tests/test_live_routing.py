"""Live routing: the engine fed from the event log, its decisions written back through the use cases."""

import time
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from helpline.adapters.db import models as m
from helpline.adapters.db.routing_lease import RoutingLease
from helpline.entrypoints.routing_worker import RoutingWorker
from helpline.services.live_routing import LiveRouter
from tests.contact_centre import build_centre


@pytest.fixture
def centre(make):
    return build_centre(make)


@pytest.fixture
def router(container, clock):
    # the router's own "monotonic" time follows the test clock, so refreshes happen when the test says
    return LiveRouter(container.uow, alert_timeout_s=15, reject_holdoff_s=10, refresh_s=3600,
                      monotonic=lambda: clock().timestamp())


def call(cc, client, n, queue=None, channel="voice", **extra):
    body = {"channel": channel, "queue_id": (queue or cc.osago_queue).id, "idempotency_key": f"call-{n}", **extra}
    return cc.http(client, cc.pbx, "POST", "/interactions", json=body)["id"]


def presence(cc, client, person, state, reason=None):
    body = {"state": state} | ({"reason": reason} if reason else {})
    cc.http(client, person, "POST", f"/agents/{person.agent.id}/presence", json=body)


def row(uow, interaction_id):
    uow.session.expire_all()
    return uow.session.get(m.Interaction, interaction_id)


def events(uow, interaction_id):
    return list(uow.session.execute(select(m.Event.type, m.Event.agent_id, m.Event.actor_user_id)
                                    .where(m.Event.interaction_id == interaction_id).order_by(m.Event.seq)))


def test_a_waiting_call_is_offered_to_the_qualified_ready_agent_and_never_to_the_uncertified(
        centre, client, router, uow, clock):
    router.start()
    presence(centre, client, centre.novice, "ready")  # proficiency 9 but no exam passed
    first = call(centre, client, 1)
    router.run_once()
    assert row(uow, first).state == "queued"  # nobody qualified is ready
    presence(centre, client, centre.agent, "ready")
    router.run_once()
    offered = row(uow, first)
    assert (offered.state, offered.agent_id) == ("offered", centre.agent.agent.id)
    assert events(uow, first)[-1] == ("offered", centre.agent.agent.id, None)  # written by routing, no user
    second = call(centre, client, 2)
    router.run_once()
    assert row(uow, second).state == "queued"  # a call is exclusive: the agent is busy with the offer


def test_accept_then_wrap_up_frees_the_agent_for_the_next_call_in_arrival_order(centre, client, router, uow, clock):
    presence(centre, client, centre.agent, "ready")
    ids = [call(centre, client, n) for n in range(3)]
    router.start()
    assert row(uow, ids[0]).agent_id == centre.agent.agent.id
    centre.http(client, centre.agent, "POST", f"/interactions/{ids[0]}/accept", json={})
    router.run_once()
    assert [row(uow, i).state for i in ids] == ["connected", "queued", "queued"]
    clock.advance(60)
    centre.http(client, centre.agent, "POST", f"/interactions/{ids[0]}/complete",
                json={"wrap_up_code": "claim_registered"})
    router.run_once()
    assert [row(uow, i).state for i in ids] == ["completed", "offered", "queued"]


def test_an_offer_not_accepted_in_time_goes_back_and_the_agent_is_set_not_ready(centre, client, router, uow, clock):
    presence(centre, client, centre.agent, "ready")
    router.start()
    first = call(centre, client, 1)
    router.run_once()
    clock.advance(14)
    router.run_once()
    assert row(uow, first).state == "offered"
    clock.advance(2)
    router.run_once()
    back = row(uow, first)
    assert (back.state, back.agent_id) == ("queued", None)
    agent = uow.session.get(m.Agent, centre.agent.agent.id)
    assert (agent.presence, agent.presence_reason) == ("not_ready", "no_answer")
    presence(centre, client, centre.colleague, "ready")
    router.run_once()
    assert row(uow, first).agent_id == centre.colleague.agent.id  # its place kept, now with the colleague


def test_restart_rebuilds_the_queue_order_and_keeps_offers_in_flight(centre, client, container, uow, clock):
    def fresh_router():
        return LiveRouter(container.uow, alert_timeout_s=15, monotonic=lambda: clock().timestamp())

    presence(centre, client, centre.agent, "ready")
    ids = []
    for n in range(4):
        ids.append(call(centre, client, n))
        clock.advance(1)
    fresh_router().start()
    assert row(uow, ids[0]).state == "offered"
    clock.advance(10)
    restarted = fresh_router()  # the routing process died; a new one takes over
    restarted.start()
    assert [row(uow, i).state for i in ids] == ["offered", "queued", "queued", "queued"]
    assert restarted.engine.waiting(str(centre.osago_queue.id)) == [str(i) for i in ids[1:]]
    clock.advance(4)
    restarted.run_once()
    assert row(uow, ids[0]).state == "offered"  # its alert still counts from the first offer ...
    clock.advance(1.5)
    restarted.run_once()
    assert row(uow, ids[0]).state == "queued"  # ... and ends 15 s after it, not after the restart
    offered = [types for i in ids for types, *_ in events(uow, i) if types == "offered"]
    assert len(offered) == 1  # the restart offered nothing a second time


def test_expansion_opens_the_queue_to_the_other_site_after_its_step(centre, client, make, router, uow, clock):
    spb_agent = make.agent(site=centre.spb, skills={centre.osago: 8})
    centre.http(client, centre.admin, "PATCH", f"/queues/{centre.osago_queue.id}",
                json={"expansion": [{"after_s": 30, "any_site": True}]})
    centre.http(client, centre.spb_supervisor, "POST", f"/agents/{spb_agent.id}/presence", json={"state": "ready"})
    router.start()
    first = call(centre, client, 1)
    router.run_once()
    assert row(uow, first).state == "queued"  # a Moscow queue: St Petersburg helps only after 30 s
    clock.advance(29)
    router.run_once()
    assert row(uow, first).state == "queued"
    clock.advance(2)
    router.run_once()
    assert row(uow, first).agent_id == spb_agent.id


def test_an_overflow_step_moves_the_call_to_the_next_queue_counted_as_an_overflow_exit(
        centre, client, router, uow, clock):
    centre.http(client, centre.admin, "PATCH", f"/queues/{centre.osago_queue.id}",
                json={"expansion": [{"after_s": 60, "move_to_queue": centre.spb_queue.code}]})
    router.start()
    first = call(centre, client, 1)
    clock.advance(61)
    router.run_once()
    moved = row(uow, first)
    assert (moved.state, moved.queue_id) == ("queued", centre.spb_queue.id)
    exited, entered = events(uow, first)[-2:]
    assert (exited[0], entered[0]) == ("exited", "entered_queue")
    data = uow.session.scalars(select(m.Event.data).where(m.Event.interaction_id == first,
                                                          m.Event.type == "exited")).one()
    assert data["reason"] == "overflow" and data["to_queue_id"] == centre.spb_queue.id
    router.run_once()  # its own events come back through the log and change nothing
    assert router.engine.waiting(str(centre.spb_queue.id)) == [str(first)]


def test_work_given_outside_routing_takes_the_agents_capacity(centre, client, router, uow):
    presence(centre, client, centre.agent, "ready")
    presence(centre, client, centre.colleague, "ready")
    router.start()
    first = call(centre, client, 1)
    router.run_once()
    assert row(uow, first).agent_id == centre.colleague.agent.id  # proficiency 7 before 5
    centre.http(client, centre.colleague, "POST", f"/interactions/{first}/accept", json={})
    centre.http(client, centre.colleague, "POST", f"/interactions/{first}/transfer",
                json={"agent_id": centre.agent.agent.id})
    centre.http(client, centre.agent, "POST", f"/interactions/{first}/accept", json={})
    second = call(centre, client, 2)
    router.run_once()
    assert row(uow, second).agent_id == centre.colleague.agent.id  # the agent is on the transferred call
    pbx_call = call(centre, client, 3)
    centre.http(client, centre.pbx, "POST", f"/interactions/{pbx_call}/answer",
                json={"agent_id": centre.colleague.agent.id})  # the PBX connected it itself
    router.run_once()
    third = call(centre, client, 4)
    router.run_once()
    assert row(uow, third).state == "queued"
    assert router.engine.agent(str(centre.colleague.agent.id)).used == {"voice": 2}


def test_a_decision_the_database_refuses_is_dropped_and_routing_resynchronises(
        centre, client, router, uow, clock, container):
    presence(centre, client, centre.agent, "ready")
    router.start()
    with container.uow() as other:  # a change that reached the database without an event (say, by hand)
        other.session.execute(text("UPDATE agents SET presence = 'not_ready', presence_reason = 'break' "
                                   "WHERE id = :id"), {"id": centre.agent.agent.id})
        other.session.commit()
    first = call(centre, client, 1)
    router.run_once()
    assert row(uow, first).state == "queued"  # the use case refused the offer: the agent is not ready
    clock.advance(2)
    router.run_once()  # rebuilt from the database: no new attempt at a not-ready agent
    assert row(uow, first).state == "queued"
    assert router.engine.agent(str(centre.agent.agent.id)).reason == "break"


def test_one_process_holds_the_routing_lease_at_a_time(database_url):
    first, second = RoutingLease(database_url), RoutingLease(database_url)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()


def test_one_worker_routes_and_a_standby_takes_over_when_it_stops(centre, client, container, uow):
    quick = container.settings.model_copy(update={"routing_poll_s": 0.05, "routing_standby_retry_s": 0.1})
    workers = [RoutingWorker(replace(container, settings=quick)) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        assert _eventually(lambda: any(w.leading.is_set() for w in workers))
        leader, standby = sorted(workers, key=lambda w: not w.leading.is_set())
        assert not standby.leading.is_set()
        presence(centre, client, centre.agent, "ready")
        first = call(centre, client, 1)
        assert _eventually(lambda: row(uow, first).state == "offered")
        leader.stop()
        assert _eventually(lambda: standby.leading.is_set())
        centre.http(client, centre.agent, "POST", f"/interactions/{first}/accept", json={})
        centre.http(client, centre.agent, "POST", f"/interactions/{first}/complete", json={})
        second = call(centre, client, 2)
        assert _eventually(lambda: row(uow, second).agent_id == centre.agent.agent.id)
    finally:
        for worker in workers:
            worker.stop()


def _eventually(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_requests_a_channel_takes_in_are_routed_and_a_pbx_routed_call_is_left_alone(centre, client, router, uow):
    """A chat, e-mail or SMS arrives with no user behind it (the channel's own actor): routing must still
    offer it. A call the PBX routed itself (queue_log import or tail) is never offered by Helpline."""
    from helpline.services import intake
    from helpline.services.channels.inbox import channel_actor
    from helpline.services.schemas import ReceiveInteraction

    with client.app.state.container.uow() as work:
        chat = intake.receive_interaction(work, channel_actor("site-chat"), ReceiveInteraction(
            channel="chat", queue_id=centre.chat_queue.id, idempotency_key="inbox:1"))[0].id
        work.commit()
    pbx_call = call(centre, client, 1)
    uow.session.execute(text("UPDATE interactions SET routed_elsewhere = :yes WHERE id = :id"),
                        {"yes": True, "id": pbx_call})
    uow.commit()
    router.start()
    presence(centre, client, centre.agent, "ready")
    router.run_once()
    assert (row(uow, chat).state, row(uow, chat).agent_id) == ("offered", centre.agent.agent.id)
    assert row(uow, pbx_call).state == "queued"
    router.start()  # the same after a rebuild from the database
    router.run_once()
    assert row(uow, pbx_call).state == "queued"
