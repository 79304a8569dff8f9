"""Routing engine, example by example: who may take what, in which order, and which agent is chosen."""

from datetime import UTC, datetime, timedelta

import pytest

from helpline.domain.skills import HeldSkill
from helpline.routing import AgentProfile, AgentSkill, Offer, QueueConfig, RoutingEngine


def skill(proficiency=5, since=-1000.0, until=None, exam=True):
    return AgentSkill(proficiency, since, until, exam)


def agent(aid, site=None, capacity=None, **skills):
    return AgentProfile(aid, site, {name: (s if isinstance(s, AgentSkill) else skill(s)) for name, s in skills.items()},
                        capacity or {})


def engine(*queues, **settings):
    e = RoutingEngine(**settings)
    for q in queues:
        e.configure_queue(q)
    return e


def offers(decisions):
    return [(d.interaction_id, d.agent_id) for d in decisions if isinstance(d, Offer)]


MOTOR = QueueConfig("motor", "voice", required_skills={"osago": 3})
CHAT = QueueConfig("chat", "chat", required_skills={"osago": 1})
MAIL = QueueConfig("mail", "email", required_skills={"osago": 1})


# -- eligibility ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("held", [
    {},  # no such skill
    {"osago": skill(2)},  # below the minimum
    {"osago": AgentSkill(5, None, None)},  # never passed the exam
    {"osago": skill(5, since=10.5)},  # passes it later
    {"osago": skill(5, until=10.0)},  # expired at this very moment
    {"osago": skill(5, until=5.0)},  # expired before
])
def test_an_unqualified_agent_gets_nothing(held):
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", **held), 0.0, ready=True)
    assert e.interaction_arrived("i", "motor", 10.0) == []
    assert e.waiting("motor") == ["i"]


def test_a_skill_without_exam_needs_no_certificate_and_a_certificate_counts_from_its_first_second():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=AgentSkill(3, None, None, requires_certification=False)), 0.0, ready=True)
    e.agent_logged_in(agent("b", osago=skill(5, since=10.0)), 0.0, ready=True)
    assert offers(e.interaction_arrived("i1", "motor", 1.0)) == [("i1", "a")]
    assert offers(e.interaction_arrived("i2", "motor", 10.0)) == [("i2", "b")]


def test_a_certificate_that_starts_while_work_waits_brings_the_agent_in_on_the_next_input():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=skill(4, since=20.0)), 0.0, ready=True)
    e.interaction_arrived("i", "motor", 5.0)
    assert e.tick(19.9) == []
    assert offers(e.tick(20.0)) == [("i", "a")]


def test_a_certificate_that_expires_takes_the_agent_out():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=skill(4, until=20.0)), 0.0, ready=True)
    assert offers(e.interaction_arrived("i1", "motor", 19.0)) == [("i1", "a")]
    e.interaction_finished("i1", "a", 19.5)
    assert e.interaction_arrived("i2", "motor", 20.0) == []
    assert e.agent("a").eligible == ()


def test_from_held_converts_the_domain_skill():
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    held = HeldSkill("osago", 4, epoch + timedelta(seconds=10), epoch + timedelta(hours=1))
    assert AgentSkill.from_held(held, epoch) == AgentSkill(4, 10.0, 3600.0, True)


def test_not_ready_and_logged_out_agents_get_nothing():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0)  # logged in, not ready yet
    assert e.interaction_arrived("i1", "motor", 1.0) == []
    assert offers(e.agent_ready("a", 2.0)) == [("i1", "a")]
    e.agent_not_ready("a", "lunch", 3.0)
    e.interaction_finished("i1", "a", 4.0)
    assert e.interaction_arrived("i2", "motor", 5.0) == []
    e.agent_logged_out("a", 6.0)
    assert e.agent_ready("a", 7.0) == [] and e.agent("a") is None


def test_the_site_rule():
    e = engine(QueueConfig("msk", "voice", site="moscow", required_skills={"osago": 1}))
    e.agent_logged_in(agent("spb", site="spb", osago=5), 0.0, ready=True)
    assert e.interaction_arrived("i", "msk", 1.0) == []
    assert offers(e.agent_logged_in(agent("m", site="moscow", osago=1), 2.0, ready=True)) == [("i", "m")]


def test_language_is_required_as_a_skill():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    assert e.interaction_arrived("i1", "motor", 1.0, language="lang:en") == []
    e.agent_logged_in(agent("b", osago=3, **{"lang:en": AgentSkill(1, requires_certification=False)}), 2.0)
    assert offers(e.agent_ready("b", 3.0)) == [("i1", "b")]


# -- capacity -------------------------------------------------------------------------------------------------
def test_chats_run_side_by_side_up_to_capacity():
    e = engine(CHAT)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    assert [offers(e.interaction_arrived(f"c{n}", "chat", float(n))) for n in range(4)] == [
        [("c0", "a")], [("c1", "a")], [("c2", "a")], []]
    assert offers(e.interaction_finished("c1", "a", 10.0)) == [("c3", "a")]


def test_capacity_per_agent_overrides_the_default():
    e = engine(CHAT)
    e.agent_logged_in(agent("a", capacity={"chat": 1}, osago=5), 0.0, ready=True)
    e.interaction_arrived("c1", "chat", 1.0)
    assert e.interaction_arrived("c2", "chat", 2.0) == []


def test_a_call_is_exclusive_and_needs_an_otherwise_idle_agent():
    e = engine(MOTOR, CHAT, MAIL)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    assert offers(e.interaction_arrived("c1", "chat", 1.0)) == [("c1", "a")]  # a pending offer holds the slot
    assert e.interaction_arrived("v1", "motor", 2.0) == []
    assert offers(e.interaction_finished("c1", "a", 3.0)) == [("v1", "a")]
    assert e.interaction_arrived("c2", "chat", 4.0) == []  # a live call blocks everything else
    assert e.interaction_arrived("m1", "mail", 5.0) == []
    assert offers(e.interaction_finished("v1", "a", 6.0)) == [("c2", "a"), ("m1", "a")]


def test_wrap_up_keeps_the_slot_until_it_ends():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.interaction_arrived("v1", "motor", 1.0)
    e.offer_accepted("v1", "a", 2.0)
    e.wrap_up_started("a", "v1", 30.0)
    assert e.interaction_arrived("v2", "motor", 31.0) == []
    assert e.interaction_finished("v1", "a", 32.0) == []  # the customer is gone, the wrap-up goes on
    assert offers(e.wrap_up_ended("a", "v1", 40.0)) == [("v2", "a")]


# -- queue order ----------------------------------------------------------------------------------------------
def test_higher_priority_first_then_longest_waiting_then_input_order():
    e = engine(MOTOR)
    e.agent_logged_in(agent("a", osago=5), 0.0)
    e.interaction_arrived("old", "motor", 1.0)
    e.interaction_arrived("urgent", "motor", 2.0, priority=1)
    e.interaction_arrived("vip", "motor", 3.0, vip_tier=1)
    e.interaction_arrived("same_time_1", "motor", 4.0)
    e.interaction_arrived("same_time_2", "motor", 4.0)
    assert e.waiting("motor") == ["vip", "urgent", "old", "same_time_1", "same_time_2"]
    assert offers(e.agent_ready("a", 5.0)) == [("vip", "a")]


def test_queue_base_priority_orders_across_queues():
    low = QueueConfig("low", "voice", required_skills={"osago": 1})
    high = QueueConfig("high", "voice", priority=5, required_skills={"osago": 1})
    e = engine(low, high)
    e.agent_logged_in(agent("a", osago=5), 0.0)
    e.interaction_arrived("l", "low", 1.0)
    e.interaction_arrived("h", "high", 2.0)
    assert offers(e.agent_ready("a", 3.0)) == [("h", "a")]


def test_vip_boost_is_configurable():
    e = engine(MOTOR, vip_boost=1)
    e.agent_logged_in(agent("a", osago=5), 0.0)
    e.interaction_arrived("urgent", "motor", 1.0, priority=2)
    e.interaction_arrived("vip", "motor", 2.0, vip_tier=1)
    assert e.waiting("motor") == ["urgent", "vip"]


# -- agent choice ---------------------------------------------------------------------------------------------
def test_best_proficiency_then_longest_idle():
    e = engine(QueueConfig("q", "voice", required_skills={"osago": 1, "kasko": 1}))
    e.agent_logged_in(agent("junior", osago=2, kasko=2), 0.0, ready=True)
    e.agent_logged_in(agent("senior", osago=5, kasko=1), 1.0, ready=True)  # 6 > 4
    e.agent_logged_in(agent("senior2", osago=3, kasko=3), 2.0, ready=True)  # 6, idle since later
    assert offers(e.interaction_arrived("i1", "q", 3.0)) == [("i1", "senior")]
    assert offers(e.interaction_arrived("i2", "q", 4.0)) == [("i2", "senior2")]
    assert offers(e.interaction_arrived("i3", "q", 5.0)) == [("i3", "junior")]


def test_longest_idle():
    e = engine(QueueConfig("q", "voice", required_skills={"osago": 1}, agent_choice="longest_idle"))
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.agent_logged_in(agent("b", osago=1), 1.0, ready=True)
    assert offers(e.interaction_arrived("i1", "q", 2.0)) == [("i1", "a")]
    e.interaction_finished("i1", "a", 3.0)  # a is idle again only from 3.0
    assert offers(e.interaction_arrived("i2", "q", 4.0)) == [("i2", "b")]
    assert offers(e.interaction_arrived("i3", "q", 5.0)) == [("i3", "a")]


def test_least_occupied():
    e = engine(QueueConfig("q", "chat", required_skills={"osago": 1}, agent_choice="least_occupied"))
    e.agent_logged_in(agent("a", osago=5), 0.0, ready=True)
    e.agent_logged_in(agent("b", osago=5), 1.0, ready=True)
    got = [offers(e.interaction_arrived(f"c{n}", "q", 2.0 + n))[0][1] for n in range(5)]
    assert got == ["a", "b", "a", "b", "a"]
    e.interaction_finished("c0", "a", 10.0)
    e.interaction_finished("c2", "a", 10.0)  # a now holds 1, b holds 2
    assert offers(e.interaction_arrived("c5", "q", 11.0)) == [("c5", "a")]


def test_round_robin_per_queue():
    e = engine(QueueConfig("q", "chat", required_skills={"osago": 1}, agent_choice="round_robin"))
    for n, aid in enumerate(("a", "b", "c")):
        e.agent_logged_in(agent(aid, osago=5 - n), float(n), ready=True)
    got = [offers(e.interaction_arrived(f"c{n}", "q", 5.0 + n))[0][1] for n in range(7)]
    assert got == ["a", "b", "c", "a", "b", "c", "a"]
