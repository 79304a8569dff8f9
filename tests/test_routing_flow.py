"""Routing engine over time: expansion, overflow, offer time-outs, rejections, SL-first, presence changes."""

import pytest

from helpline.routing import (
    AgentSetNotReady,
    ExpansionApplied,
    ExpansionStep,
    Offer,
    OfferTimedOut,
    Overflowed,
    QueueConfig,
    RoutingError,
)
from tests.test_routing_rules import MOTOR, agent, engine, offers

RELAXING = QueueConfig("motor", "voice", site="moscow", required_skills={"osago": 4, "kasko": 2}, expansion=(
    ExpansionStep(30.0, min_proficiency={"osago": 2}),
    ExpansionStep(60.0, any_site=True),
    ExpansionStep(300.0, move_to_queue="general"),
))
GENERAL = QueueConfig("general", "voice", required_skills={"any": 1})


def test_expansion_relaxes_the_minimum_then_opens_other_sites_each_at_its_moment():
    e = engine(GENERAL, RELAXING)
    e.agent_logged_in(agent("weak", site="moscow", osago=2, kasko=2), 0.0, ready=True)
    e.agent_logged_in(agent("far", site="spb", osago=5, kasko=5), 0.0, ready=True)
    e.interaction_arrived("i1", "motor", 10.0)
    e.interaction_arrived("i2", "motor", 11.0)
    assert e.tick(39.9) == []
    assert e.tick(40.0) == [ExpansionApplied("i1", 0, 40.0), Offer("i1", "weak", 40.0)]
    assert e.tick(41.0) == [ExpansionApplied("i2", 0, 41.0)]
    e.offer_accepted("i1", "weak", 42.0)
    assert e.tick(71.0) == [ExpansionApplied("i2", 1, 71.0), Offer("i2", "far", 71.0)]
    assert e.interaction("i2").tier == 2


def test_overflow_moves_the_interaction_and_keeps_its_original_arrival():
    e = engine(GENERAL, RELAXING)
    e.interaction_arrived("early", "motor", 0.0)
    e.interaction_arrived("later", "general", 100.0)
    decisions = e.tick(300.0)
    assert decisions[-1] == Overflowed("early", "motor", "general", 300.0)
    assert [d.step_index for d in decisions if isinstance(d, ExpansionApplied)] == [0, 1]
    assert e.waiting("general") == ["early", "later"] and e.waiting("motor") == []
    assert e.interaction("early").arrival == 0.0
    assert offers(e.agent_logged_in(agent("g", any=1), 301.0, ready=True)) == [("early", "g")]


def test_steps_in_the_new_queue_count_from_the_move():
    hop = QueueConfig("hop", "voice", required_skills={"x": 1},
                      expansion=(ExpansionStep(5.0, move_to_queue="general"),))
    general = QueueConfig("general", "voice", required_skills={"any": 3},
                          expansion=(ExpansionStep(10.0, min_proficiency={"any": 1}),))
    e = engine(general, hop)
    e.interaction_arrived("i", "hop", 0.0)
    assert e.tick(5.0) == [Overflowed("i", "hop", "general", 5.0)]
    assert e.tick(14.0) == []
    assert e.tick(15.0) == [ExpansionApplied("i", 0, 15.0)]


def test_an_offer_not_answered_returns_the_interaction_to_its_place_and_the_agent_to_not_ready():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("first", "motor", 1.0)
    e.interaction_arrived("second", "motor", 2.0)
    assert e.tick(15.9) == []
    assert e.tick(16.0) == [OfferTimedOut("first", "a", 16.0), AgentSetNotReady("a", "no_answer", 16.0)]
    assert e.waiting("motor") == ["first", "second"]
    assert e.agent("a").reason == "no_answer"
    e.agent_logged_in(agent("b", osago=3), 17.0)
    assert offers(e.agent_ready("b", 18.0)) == [("first", "b")]
    assert e.offer_accepted("first", "a", 18.5) == [] and e.offers() == {"first": "b"}  # too late for a


def test_alert_timeout_is_an_engine_setting():
    e = engine(MOTOR, alert_timeout_s=5.0)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("i", "motor", 1.0)
    assert e.tick(6.0)[0] == OfferTimedOut("i", "a", 6.0)


def test_an_accepted_offer_does_not_time_out():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("i", "motor", 1.0)
    e.offer_accepted("i", "a", 3.0)
    assert e.tick(100.0) == []


def test_a_rejected_offer_goes_back_in_place_and_the_agent_takes_the_next_one():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("first", "motor", 1.0)
    e.interaction_arrived("second", "motor", 2.0)
    assert offers(e.offer_rejected("first", "a", 3.0)) == [("second", "a")]
    assert e.waiting("motor") == ["first"]
    e.interaction_finished("second", "a", 4.0)
    assert e.agent("a").interactions == ()  # not the same one again right away
    e.agent_logged_in(agent("b", osago=3), 5.0)
    assert offers(e.agent_ready("b", 6.0)) == [("first", "b")]  # others are preferred


def test_the_rejecter_gets_it_again_after_the_hold_off_if_nobody_else_took_it():
    e = engine(MOTOR, reject_holdoff_s=10.0)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("i", "motor", 1.0)
    assert e.offer_rejected("i", "a", 2.0) == []
    assert e.tick(11.9) == []
    assert offers(e.tick(12.0)) == [("i", "a")]


def test_one_interaction_is_never_offered_twice_at_once():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("i", "motor", 1.0)
    assert e.agent_logged_in(agent("b", osago=5), 2.0, ready=True) == []


def test_sl_first_takes_the_interaction_closest_to_its_threshold_across_queues():
    fast = QueueConfig("fast", "voice", sl_threshold_s=20.0, required_skills={"osago": 1})
    slow = QueueConfig("slow", "chat", sl_threshold_s=300.0, required_skills={"osago": 1})
    for mode, expected in ((False, "chat1"), (True, "call1"), ({"moscow"}, "call1"), ({"spb"}, "chat1")):
        e = engine(fast, slow, sl_first=mode)
        e.agent_logged_in(agent("a", site="moscow", osago=5), 0.0)
        e.interaction_arrived("chat1", "slow", 100.0)  # must be answered by 400
        e.interaction_arrived("call1", "fast", 110.0)  # must be answered by 130
        assert offers(e.agent_ready("a", 115.0))[0] == (expected, "a"), mode


def test_sl_first_still_respects_priority():
    fast = QueueConfig("fast", "voice", sl_threshold_s=20.0, required_skills={"osago": 1})
    slow = QueueConfig("slow", "voice", sl_threshold_s=300.0, priority=1, required_skills={"osago": 1})
    e = engine(fast, slow, sl_first=True)
    e.agent_logged_in(agent("a", osago=5), 0.0)
    e.interaction_arrived("call1", "fast", 100.0)
    e.interaction_arrived("call2", "slow", 110.0)
    assert offers(e.agent_ready("a", 115.0)) == [("call2", "a")]


def test_logging_out_returns_pending_offers_and_forgets_live_work():
    e = engine(MOTOR, QueueConfig("chat", "chat", required_skills={"osago": 1}))
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("c1", "chat", 1.0)
    e.interaction_arrived("c2", "chat", 2.0)
    e.offer_accepted("c1", "a", 3.0)
    assert e.agent_logged_out("a", 4.0) == []
    assert e.waiting("chat") == ["c2"] and e.interaction("c1") is None
    assert offers(e.agent_logged_in(agent("b", osago=1), 5.0, ready=True)) == [("c2", "b")]


def test_offers_returned_at_log_out_take_their_turn_by_where_a_step_due_meanwhile_moved_them():
    # "urgent" outranks "first" in its own queue, but its overflow fell due while it was offered: it comes back
    # into "chat" with the same key as "first", which arrived before it, so "first" is offered first
    chat = QueueConfig("chat", "chat", required_skills={"osago": 1})
    urgent = QueueConfig("urgent", "chat", priority=1, required_skills={"osago": 1},
                         expansion=(ExpansionStep(2.0, move_to_queue="chat"),))
    e = engine(chat, urgent)
    e.agent_logged_in(agent("a", osago=5), 0.0)
    e.interaction_arrived("first", "chat", 1.0, priority=1)
    e.interaction_arrived("second", "urgent", 1.0, priority=1)  # waits: its overflow is due at 3.0
    assert offers(e.agent_ready("a", 1.5)) == [("second", "a"), ("first", "a")]
    e.agent_logged_in(agent("b", osago=1), 2.0, ready=True)
    assert e.tick(5.0) == []  # the step waits for the offer to come back
    decisions = e.agent_logged_out("a", 6.0)
    assert decisions[0] == Overflowed("second", "urgent", "chat", 6.0)
    assert offers(decisions) == [("first", "b"), ("second", "b")]


def test_leaving_while_waiting_or_offered():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("i1", "motor", 1.0)
    e.interaction_arrived("i2", "motor", 2.0)
    e.interaction_arrived("i3", "motor", 3.0)
    assert e.interaction_left("i2", 4.0) == []
    assert offers(e.interaction_left("i1", 5.0)) == [("i3", "a")]  # abandoned while ringing
    assert e.waiting("motor") == [] and e.interaction_left("nobody", 6.0) == []


def test_a_finished_interaction_may_come_back_as_a_transfer():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("i", "motor", 1.0)
    e.interaction_finished("i", "a", 2.0)
    assert offers(e.interaction_arrived("i", "motor", 3.0)) == [("i", "a")]
    with pytest.raises(RoutingError):
        e.interaction_arrived("i", "motor", 4.0)


def test_snapshot_for_the_wallboard():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("i1", "motor", 1.0)
    e.interaction_arrived("i2", "motor", 2.0)
    snap = e.snapshot()
    assert snap.waiting == {"motor": ("i2",)} and snap.offers == {"i1": "a"}
    assert snap.agents["a"].used == {"voice": 1} and snap.agents["a"].eligible == (("motor", 0, None),)
    assert e.interaction("i1").state == "offered" and e.next_timer_at() == 16.0


@pytest.mark.parametrize("make", [
    lambda: ExpansionStep(0.0, any_site=True),
    lambda: ExpansionStep(10.0),
    lambda: ExpansionStep(10.0, any_site=True, move_to_queue="x"),
    lambda: QueueConfig("q", "voice", expansion=(ExpansionStep(20.0, any_site=True),
                                                 ExpansionStep(10.0, any_site=True))),
    lambda: QueueConfig("q", "voice", expansion=(ExpansionStep(20.0, min_proficiency={"kasko": 1}),)),
    lambda: QueueConfig("q", "voice", expansion=(ExpansionStep(20.0, move_to_queue="q"),)),
    lambda: QueueConfig("q", "voice", agent_choice="random"),
])
def test_bad_configuration_is_refused(make):
    with pytest.raises(RoutingError):
        make()


def test_bad_inputs_are_refused():
    e = engine(MOTOR)
    with pytest.raises(RoutingError):
        e.configure_queue(QueueConfig("q", "voice", expansion=(ExpansionStep(5.0, move_to_queue="nowhere"),)))
    with pytest.raises(RoutingError):
        e.interaction_arrived("i", "nowhere", 1.0)
    e.interaction_arrived("i", "motor", 2.0)
    with pytest.raises(RoutingError):
        e.tick(1.0)  # time went backwards
    with pytest.raises(RoutingError):
        e.configure_queue(MOTOR)  # still has interactions
    with pytest.raises(ValueError, match="fax"):
        QueueConfig("q", "fax")


def test_a_queue_is_reconfigured_when_empty():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=2), 0.0, ready=True)
    e.configure_queue(QueueConfig("motor", "voice", required_skills={"osago": 2}), at=1.0)
    assert offers(e.interaction_arrived("i", "motor", 2.0)) == [("i", "a")]


# -- work given outside the engine ---------------------------------------------------------------------------
def test_an_assignment_takes_the_interaction_out_of_the_queue_and_fills_the_agents_slot():
    e = engine(MOTOR)
    e.agent_logged_in(agent("busy", osago=5), 0.0)
    e.interaction_arrived("i1", "motor", 1.0)
    e.interaction_arrived("i2", "motor", 2.0)
    assert e.interaction_assigned("i1", "busy", 3.0) == []
    assert e.waiting("motor") == ["i2"]
    assert e.agent_ready("busy", 4.0) == []  # a call is exclusive: he is on i1
    assert offers(e.interaction_finished("i1", "busy", 5.0)) == [("i2", "busy")]


def test_an_assignment_moves_work_from_another_agent_who_then_takes_the_next():
    e = engine(MOTOR)
    e.agent_logged_in(agent("first", osago=9), 0.0, ready=True)
    e.agent_logged_in(agent("second", osago=5), 0.0)
    assert offers(e.interaction_arrived("i1", "motor", 1.0)) == [("i1", "first")]
    e.interaction_arrived("i2", "motor", 2.0)
    assert offers(e.interaction_assigned("i1", "second", 3.0)) == [("i2", "first")]
    assert e.interaction("i1").agent == "second" and e.interaction("i1").state == "active"


def test_an_offer_in_flight_restored_at_start_up_times_out_from_its_first_moment():
    e = engine(MOTOR, alert_timeout_s=15.0)
    e.agent_logged_in(agent("a", osago=5), 100.0)
    e.interaction_assigned("i1", "a", 100.0, "motor", offered_at=90.0)
    assert e.tick(104.9) == []
    assert e.tick(105.0) == [OfferTimedOut("i1", "a", 105.0), AgentSetNotReady("a", "no_answer", 105.0)]
    assert e.waiting("motor") == ["i1"]


def test_an_assignment_to_an_agent_not_logged_in_or_of_an_unknown_queue_is_not_tracked():
    e = engine(MOTOR)
    e.interaction_arrived("i1", "motor", 1.0)
    assert e.interaction_assigned("i1", "nobody", 2.0) == []
    assert e.interaction("i1") is None and e.waiting("motor") == []
    e.agent_logged_in(agent("a", osago=5), 2.0)
    assert e.interaction_assigned("i9", "a", 3.0, "no-such-queue") == []
    assert e.agent("a").used == {}


def test_work_beyond_capacity_from_outside_blocks_new_offers_until_it_ends():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_assigned("x1", "a", 1.0, "motor")
    e.interaction_assigned("x2", "a", 1.0, "motor")  # a PBX connected a second call: overloaded
    e.interaction_arrived("i1", "motor", 2.0)
    assert offers(e.interaction_finished("x1", "a", 3.0)) == []
    assert offers(e.interaction_finished("x2", "a", 4.0)) == [("i1", "a")]
