"""The demo insurer (`helpline demo load`): reference data, log-ins, idempotence, a history whose events
follow the interaction lifecycle, and the published figures of RESO-Garantia (BRIEF §1)."""

import re
from collections import Counter, defaultdict
from datetime import timedelta
from itertools import pairwise
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from helpline.adapters.db import models as m
from helpline.demo import DEMO_LOGINS, load_demo
from helpline.demo.catalogue import QUEUES
from helpline.demo.live import LIVE_PREFIX, WAITING_NOW
from helpline.domain.skills import SkillRequirement, is_qualified
from helpline.domain.vocabulary import EventType
from helpline.services import auth
from helpline.services.scope import held_skills

MOSCOW = ZoneInfo("Europe/Moscow")
SMALL = {"weeks": 1, "scale": 0.05}


def table_counts(uow):
    return {t.name: uow.session.scalar(select(func.count()).select_from(t)) for t in m.Base.metadata.sorted_tables}


def test_the_demo_centre_is_configured_and_its_logins_work(container, uow):
    summary = load_demo(container.uow, **SMALL)
    assert summary.created
    assert summary.sites == 3 and summary.agents >= 40 and summary.queues == len(QUEUES)
    assert set(uow.session.scalars(select(m.Site.name))) == {"Москва", "Санкт-Петербург", "Медицинский пульт"}
    assert set(uow.session.scalars(select(m.Client.code))) == {"reso", "balt"}
    queues = {q.code: q for q in uow.session.scalars(select(m.Queue))}
    assert all(q.required_skills for q in queues.values())
    assert {(q.channel, q.sl_threshold_s) for q in queues.values()} == {
        ("voice", 20), ("chat", 60), ("email", 3600), ("app", 900)}
    assert {q.code for q in queues.values() if q.client_id != queues["msk_osago"].client_id} == {
        "balt_travel_europe", "balt_travel_asia", "balt_travel_cis"}
    reasons = {r.code: r for r in uow.session.scalars(select(m.NotReadyReason))}
    assert "no_answer" in reasons and not reasons["lunch"].paid
    for username, password, role, _description in DEMO_LOGINS:
        user = auth.authenticate(uow, username, password)
        assert user is not None and user.role == role, username
    assert auth.authenticate(uow, "admin", "supervisor-demo-1") is None
    supervisor = uow.session.scalar(select(m.User).where(m.User.username == "supervisor"))
    assert {s.name for s in supervisor.sites} == {"Москва", "Санкт-Петербург"}
    agent = _agent_of(uow, "agent")
    assert agent.site_id == uow.session.scalar(select(m.Site.id).where(m.Site.name == "Москва"))
    assert {s.skill.code for s in agent.skills} == {"osago", "kasko"}
    assert {c.skill.code for c in agent.certifications} == {"osago", "kasko"}
    doctor = _agent_of(uow, "doctor")
    assert "dms_medical" in {c.skill.code for c in doctor.certifications}
    capacities = {(c.channel, c.capacity) for c in agent.capacities}
    assert {("voice", 1), ("chat", 3), ("email", 5)} <= capacities
    phones = list(uow.session.scalars(select(m.CustomerPhone.phone)))
    assert phones and all(re.fullmatch(r"\+7\d{10}", phone) for phone in phones)
    osago = list(uow.session.scalars(select(m.Policy.number).where(m.Policy.product_line == "osago")))
    assert osago and all(re.fullmatch(r"[А-Я]{3} \d{10}", number) for number in osago)
    agent_users = uow.session.scalar(select(func.count()).select_from(m.Agent).where(m.Agent.user_id.is_not(None)))
    assert agent_users > summary.agents / 2


def _agent_of(uow, username):
    return uow.session.scalar(select(m.Agent).join(m.User, m.User.id == m.Agent.user_id)
                              .where(m.User.username == username))


def test_some_operators_lack_a_valid_certification(container, uow, clock):
    load_demo(container.uow, **SMALL)
    agents = list(uow.session.scalars(select(m.Agent)))
    uncertified = [a for a in agents for s in a.skills
                   if s.skill.requires_certification and s.skill_id not in {c.skill_id for c in a.certifications}]
    expired = [c for a in agents for c in a.certifications if c.expires_at is not None and c.expires_at < clock()]
    assert uncertified and expired
    medical = uow.session.scalar(select(m.Queue).where(m.Queue.code == "med_dms_voice"))
    lapsed = next(a for a in agents for c in a.certifications if c in expired and c.skill.code == "dms_medical")
    assert not is_qualified(held_skills(lapsed, clock()), _needs(medical), clock())


def _needs(queue):
    return [SkillRequirement(r.skill.code, r.min_proficiency) for r in queue.required_skills]


def test_loading_twice_adds_nothing(container, uow):
    steps = []
    first = load_demo(container.uow, **SMALL, progress=lambda step, done, total: steps.append((step, done, total)))
    assert first.interactions > 0 and first.events > first.interactions
    assert "history" in {step for step, _, _ in steps} and all(done <= total for _, done, total in steps)
    before = table_counts(uow)
    second = load_demo(container.uow, **SMALL)
    uow.session.expire_all()
    assert not second.created
    assert table_counts(uow) == before
    assert (second.customers, second.events, second.cases) == (first.customers, first.events, first.cases)


def test_a_partial_demo_is_completed_not_duplicated(container, make, uow):
    make.site("Москва", time_zone="Europe/Moscow")
    make.user("admin", username="admin", password="somebody-else-1")
    summary = load_demo(container.uow, **SMALL)
    assert summary.created and summary.sites == 3
    assert auth.authenticate(uow, "admin", "somebody-else-1") is not None  # an existing user is left alone
    assert auth.authenticate(uow, "qa", "qa-demo-1") is not None


def test_history_events_follow_the_interaction_lifecycle(container, uow, clock):
    load_demo(container.uow, weeks=1, scale=0.1)
    session = uow.session
    live = {i.id: i.case_id for i in session.scalars(
        select(m.Interaction).where(m.Interaction.idempotency_key.like(LIVE_PREFIX + "%")))}  # waiting now
    care = {EventType.SURVEY_ANSWERED, EventType.COMPLAINT_REGISTERED, EventType.COMPLAINT_CLOSED,
            EventType.CERTIFICATION_GRANTED, EventType.CERTIFICATION_SUSPENDED}  # seeded after the history
    events = [e for e in session.scalars(select(m.Event).order_by(m.Event.seq))
              if e.interaction_id not in live and e.case_id not in live.values() and e.type not in care]
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert all(e.recorded_at == e.occurred_at for e in events)
    monday = clock().astimezone(MOSCOW).replace(hour=0, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday())
    assert max(e.occurred_at for e in events) < monday <= clock()
    by_interaction = defaultdict(list)
    for e in events:
        if e.interaction_id is not None:
            by_interaction[e.interaction_id].append(e)
    interactions = [i for i in session.scalars(select(m.Interaction)) if i.id not in live]
    assert interactions and all(i.idempotency_key.startswith("demo-") for i in interactions)
    assert {i.state for i in interactions} == {"completed", "abandoned"}
    for i in interactions:
        types = [e.type for e in by_interaction[i.id]]
        assert types[:2] == ["received", "entered_queue"], types
        assert all(e.case_id == i.case_id for e in by_interaction[i.id]) and i.case_id is not None
        if i.state == "abandoned":
            assert types == ["received", "entered_queue", "abandoned"] and i.agent_id is None
            continue
        talk = [t for t in types[4:-2] if t in ("held", "resumed")]
        assert types == ["received", "entered_queue", "offered", "answered", *talk, "completed", "wrap_up_ended"]
        assert talk == ["held", "resumed"] * (len(talk) // 2)
        at = {e.type: e for e in by_interaction[i.id]}
        assert i.queued_at == at["entered_queue"].occurred_at and i.answered_at == at["answered"].occurred_at
        assert i.ended_at == at["completed"].occurred_at and i.completed_at == at["wrap_up_ended"].occurred_at
        assert at["answered"].data["wait_s"] == pytest.approx((i.answered_at - i.queued_at).total_seconds())
        wrap = at["wrap_up_ended"].data
        assert wrap["wrap_up_code"] == i.wrap_up_code and i.wrap_up_code
        spans = [e.occurred_at for e in by_interaction[i.id] if e.type in ("held", "resumed")]
        hold = sum((b - a).total_seconds() for a, b in zip(spans[::2], spans[1::2], strict=True))
        assert wrap["hold_s"] == pytest.approx(hold, abs=0.002)
        assert wrap["talk_s"] == pytest.approx((i.ended_at - i.answered_at).total_seconds() - hold, abs=0.002)
        assert wrap["wrap_s"] == pytest.approx((i.completed_at - i.ended_at).total_seconds(), abs=0.002)
        assert all(e.agent_id == i.agent_id for e in by_interaction[i.id][2:])


def test_cases_are_opened_answered_and_resolved_as_intake_and_agents_do(container, uow):
    load_demo(container.uow, weeks=1, scale=0.1)
    session = uow.session
    queue_code = dict(session.execute(select(m.Queue.id, m.Queue.code)).all())
    cases = {c.id: c for c in session.scalars(select(m.Case))}
    case_events = defaultdict(list)
    for e in session.scalars(select(m.Event).where(m.Event.case_id.is_not(None)).order_by(m.Event.seq)):
        if e.type.startswith("case_"):
            case_events[e.case_id].append(e)
    types_by_queue = defaultdict(set)
    for i in session.scalars(select(m.Interaction)):
        types_by_queue[queue_code[i.queue_id].rsplit("_", 1)[-1]].add(cases[i.case_id].type)
    assert types_by_queue["complaints"] <= {"complaint", "enquiry"}
    assert {"motor_claim", "enquiry"} <= types_by_queue["osago"] <= {"motor_claim", "enquiry"}
    assert "travel_assistance" in types_by_queue["europe"]
    statuses = Counter(c.status for c in cases.values())
    assert statuses["resolved"] > statuses["open"] > 0 and set(statuses) <= {"new", "open", "resolved"}
    for case in cases.values():
        changes = [(e.type, e.data.get("to")) for e in case_events[case.id]]
        assert changes[0] == ("case_opened", None) and case_events[case.id][0].occurred_at == case.created_at
        expected = {"new": [], "open": [("case_status_changed", "open")],
                    "resolved": [("case_status_changed", "open"), ("case_status_changed", "resolved")]}
        assert changes[1:] == expected[case.status], (case.id, changes)
        assert (case.first_response_at is None) == (case.status == "new")
        assert (case.resolved_at is not None) == (case.status == "resolved")
        if case.resolved_at is not None:
            assert case_events[case.id][-1].occurred_at == case.resolved_at >= case.first_response_at


def test_operators_work_only_when_ready_qualified_and_free(container, uow):
    load_demo(container.uow, weeks=1, scale=0.1)
    session = uow.session
    presence = defaultdict(list)
    for e in session.scalars(select(m.Event).where(m.Event.type.like("agent_%")).order_by(m.Event.seq)):
        presence[e.agent_id].append(e)
    assert len(presence) >= 40
    ready_spans = defaultdict(list)
    for agent_id, changes in presence.items():
        state, since = "logged_out", None
        for e in changes:
            legal = {"logged_out": {"agent_logged_in"}, "logged_in": {"agent_ready"},
                     "ready": {"agent_not_ready", "agent_logged_out"}, "not_ready": {"agent_ready"}}
            assert e.type in legal[state], (agent_id, state, e.type)
            if state == "ready":
                ready_spans[agent_id].append((since, e.occurred_at))
            if e.type == "agent_not_ready":
                assert e.data["reason"] in {"break", "lunch", "training", "meeting"}
            state, since = e.type.removeprefix("agent_"), e.occurred_at
        assert state == "logged_out"
    agents = {a.id: a for a in session.scalars(select(m.Agent))}
    queues = {q.id: q for q in session.scalars(select(m.Queue))}
    calls = defaultdict(list)
    for i in session.scalars(select(m.Interaction).where(m.Interaction.state == "completed")):
        assert any(start <= i.answered_at and i.completed_at <= end for start, end in ready_spans[i.agent_id])
        # the certification valid then: a demo agent has since passed the OSAGO exam again
        assert is_qualified(held_skills(agents[i.agent_id], i.answered_at), _needs(queues[i.queue_id]), i.answered_at)
        if i.channel == "voice":
            calls[i.agent_id].append((i.answered_at, i.completed_at))
    for spans in calls.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(spans))  # one call at a time


def test_history_has_the_published_shape(container, uow):
    load_demo(container.uow, weeks=2, scale=0.25)
    rows = uow.session.execute(select(m.Queue.code, m.Interaction.channel, m.Interaction.state,
                                      m.Interaction.queued_at, m.Interaction.answered_at, m.Interaction.created_at)
                               .join(m.Queue, m.Queue.id == m.Interaction.queue_id)).all()
    general = [r for r in rows if r.code[:4] in ("msk_", "spb_")]
    spb_share = sum(r.code.startswith("spb_") for r in general) / len(general)
    assert spb_share == pytest.approx(0.16, abs=0.025)
    waits = {site: mean((r.answered_at - r.queued_at).total_seconds() for r in general
                        if r.code.startswith(site) and r.state == "completed") for site in ("msk_", "spb_")}
    assert 8.5 <= waits["msk_"] <= 14.5, waits
    assert 5.0 <= waits["spb_"] <= 9.5, waits
    abandon_rate = sum(r.state == "abandoned" for r in general) / len(general)
    assert 0.01 <= abandon_rate <= 0.08
    medical = Counter(r.channel for r in rows if r.code.startswith("med_"))
    total = sum(medical.values())
    for channel, share in {"voice": 0.60, "app": 0.21, "chat": 0.06, "email": 0.13}.items():
        assert medical[channel] / total == pytest.approx(share, abs=0.04), (channel, medical)
    complaints = sum(r.code.endswith("_complaints") for r in general)
    assert complaints < 0.01 * len(general)
    by_hour = Counter()
    for r in general:
        local = r.created_at.astimezone(MOSCOW)
        if local.weekday() < 2:
            by_hour[local.hour] += 1
    peak = mean(by_hour[h] for h in (10, 11, 12, 13, 17, 18, 19))
    shoulder = mean(by_hour[h] for h in (8, 9, 14, 15, 16, 20))
    assert peak > 1.3 * shoulder and by_hour[22] == by_hour[3] == 0
    weekday = sum(1 for r in general if r.created_at.astimezone(MOSCOW).weekday() < 5) / 5
    weekend = sum(1 for r in general if r.created_at.astimezone(MOSCOW).weekday() >= 5) / 2
    assert weekend < 0.85 * weekday


def test_requests_wait_in_the_queues_right_now(container, uow, clock):
    load_demo(container.uow, **SMALL)
    waiting = uow.session.scalars(select(m.Interaction).where(m.Interaction.state == "queued")).all()
    assert len(waiting) == len(WAITING_NOW)
    assert all(i.customer_id is not None and i.case_id is not None for i in waiting)
    assert max(clock() - i.queued_at for i in waiting) == timedelta(seconds=1800)
    load_demo(container.uow, **SMALL)
    uow.session.expire_all()
    assert uow.session.scalar(select(func.count()).where(m.Interaction.state == "queued")) == len(WAITING_NOW)


def test_live_routing_takes_up_the_demo_and_offers_a_waiting_call_to_a_qualified_operator(container, uow, clock):
    from helpline.services import presence
    from helpline.services.live_routing import LiveRouter
    from helpline.services.schemas import PresenceChange

    load_demo(container.uow, **SMALL)
    router = LiveRouter(container.uow, monotonic=lambda: clock().timestamp())
    router.start()
    queues = {q.code: q for q in uow.session.scalars(select(m.Queue))}
    waiting = {code: router.engine.waiting(str(q.id)) for code, q in queues.items()}
    assert sum(map(len, waiting.values())) == len(WAITING_NOW)
    longest_first = [i.id for i in uow.session.scalars(
        select(m.Interaction).where(m.Interaction.queue_id == queues["msk_osago"].id,
                                    m.Interaction.state == "queued").order_by(m.Interaction.queued_at))]
    assert waiting["msk_osago"] == [str(i) for i in longest_first]
    operator = uow.session.scalar(select(m.User).where(m.User.username == "agent"))
    agent = uow.session.scalar(select(m.Agent).where(m.Agent.user_id == operator.id))
    with container.uow() as work:
        presence.change_presence(work, auth.actor_for_user(work, operator), agent.id, PresenceChange(state="ready"))
    router.run_once()
    uow.session.expire_all()
    offered = uow.session.scalars(select(m.Interaction).where(m.Interaction.state == "offered")).all()
    assert [i.agent_id for i in offered] == [agent.id]
    assert str(offered[0].queue_id) in {q for q, *_ in router.engine.agent(str(agent.id)).eligible}


def test_the_demo_site_chat_opens_from_the_demo_page(container, client):
    from helpline.demo.help_articles import DEMO_CHAT_CHANNEL, DEMO_ORIGINS

    load_demo(container.uow, **SMALL)
    assert f'data-channel="{DEMO_CHAT_CHANNEL}"' in client.get("/chat-demo").text
    with client.websocket_connect(f"/api/v1/chat/ws?channel={DEMO_CHAT_CHANNEL}",
                                  headers={"origin": DEMO_ORIGINS[0]}) as ws:
        ws.send_json({"type": "hello", "token": None, "last_seq": 0, "language": "ru"})
        assert ws.receive_json()["type"] == "welcome"
