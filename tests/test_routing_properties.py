"""Routing engine properties over random event sequences, checked against a plain model kept by the test.

The model follows the inputs and the engine's decisions and checks each decision with brute-force rules:
no offer to an ineligible or full agent, never two offers of one interaction at once, the offered
interaction is the first in order among those the agent may take, steps and time-outs happen on time, and
after every input no interaction waits while an eligible, ready agent with free capacity exists.
"""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpline.domain.capacity import has_room
from helpline.routing import (
    AgentProfile,
    AgentSetNotReady,
    AgentSkill,
    ExpansionApplied,
    ExpansionStep,
    Offer,
    OfferTimedOut,
    Overflowed,
    QueueConfig,
    RoutingEngine,
)
from helpline.routing.model import AGENT_CHOICES

SKILLS = ("a", "b", "c")
KINDS = ("arrive", "arrive", "arrive", "leave", "login", "ready", "ready", "not_ready", "logout", "accept",
         "accept", "reject", "finish", "finish", "wrap_start", "wrap_end", "tick", "tick", "tick", "assign")


@st.composite
def queue_configs(draw):
    configs = []
    for n in range(draw(st.integers(1, 4))):
        required = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3), max_size=2))
        steps, after = [], 0.0
        for _ in range(draw(st.integers(0, 3))):
            after += draw(st.sampled_from([2.0, 5.0, 15.0]))
            kind = draw(st.sampled_from(["relax", "site", "move"] if n else ["relax", "site"]))
            if kind == "move":
                steps.append(ExpansionStep(after, move_to_queue=f"q{draw(st.integers(0, n - 1))}"))
            elif kind == "relax" and required:
                relaxed = {s: draw(st.integers(1, m)) for s, m in required.items()}
                steps.append(ExpansionStep(after, min_proficiency=relaxed))
            else:
                steps.append(ExpansionStep(after, any_site=True))
        configs.append(QueueConfig(
            f"q{n}", draw(st.sampled_from(["voice", "chat", "email"])), draw(st.sampled_from([None, "m", "s"])),
            draw(st.integers(0, 2)), draw(st.sampled_from([10.0, 60.0])), 0.8, required, tuple(steps),
            draw(st.sampled_from(AGENT_CHOICES))))
    return configs


held_skills = st.builds(AgentSkill, st.integers(1, 5), st.sampled_from([-10.0, -10.0, -10.0, 0.0, 5.0, 20.0, None]),
                        st.sampled_from([None, None, None, 10.0, 30.0, 60.0]), st.booleans())
profiles = st.lists(st.builds(
    AgentProfile, st.just(""), st.sampled_from(["m", "s"]),
    st.dictionaries(st.sampled_from((*SKILLS, "en")), held_skills, min_size=2, max_size=4),
    st.dictionaries(st.sampled_from(["voice", "chat", "email"]), st.integers(0, 3), max_size=2),
), min_size=1, max_size=5).map(
    lambda ps: [AgentProfile(f"a{n}", p.site, p.skills, p.capacity) for n, p in enumerate(ps)])
events = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 99), st.integers(0, 99),
                            st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0, 10.0])), min_size=20, max_size=100)
engine_settings = st.fixed_dictionaries({
    "alert_timeout_s": st.sampled_from([5.0, 15.0]), "vip_boost": st.integers(0, 3),
    "reject_holdoff_s": st.sampled_from([0.0, 4.0, 30.0]), "sl_first": st.sampled_from([False, True, ("m",)])})


def certified(skill, at):
    if not skill.requires_certification:
        return True
    return skill.certified_from is not None and skill.certified_from <= at and (
        skill.certified_until is None or at < skill.certified_until)


class Model:
    """What the engine should know, kept plainly, and the checks."""

    def __init__(self, queues, config):
        self.queues = {q.id: q for q in queues}
        self.config = config
        self.inter = {}  # id -> dict(queue, tier, lang, prio, arrival, order, state, agent, entered, offered_at)
        self.agents = {}  # id -> dict(profile, ready, items: {interaction: channel})
        self.rejecter = {}  # interaction -> (agent, hold-off due)
        self.order = 0

    # -- plain rules ----------------------------------------------------------------------------------
    def eligible(self, aid, iid, at):
        a, i = self.agents[aid], self.inter[iid]
        q = self.queues[i["queue"]]
        required, site = dict(q.required_skills), q.site
        for step in q.expansion[:i["tier"]]:
            required.update(step.min_proficiency or {})
            site = None if step.any_site else site
        if i["lang"]:
            required.setdefault(i["lang"], 1)
        skills = a["profile"].skills
        return (site is None or a["profile"].site == site) and all(
            name in skills and skills[name].proficiency >= m and certified(skills[name], at)
            for name, m in required.items())

    def room(self, aid, iid):
        a = self.agents[aid]
        used = Counter(a["items"].values())
        return has_room(self.queues[self.inter[iid]["queue"]].channel, used, a["profile"].capacity_by_channel())

    def key(self, aid, iid):
        i = self.inter[iid]
        q = self.queues[i["queue"]]
        prio = -(q.priority + i["prio"] + self.config["vip_boost"] * i["vip"])
        sl = self.config["sl_first"]
        if sl is True or (sl and self.agents[aid]["profile"].site in sl):
            return (prio, i["arrival"] + q.sl_threshold_s, i["arrival"], i["order"])
        return (prio, 0.0, i["arrival"], i["order"])

    def excluded(self, aid, iid, at, ticking):
        rej = self.rejecter.get(iid)
        return rej is not None and rej[0] == aid and not (ticking and rej[1] <= at)

    def could_take(self, aid, iid, at, ticking=False):
        a = self.agents[aid]
        return (a["ready"] and self.inter[iid]["state"] == "waiting" and self.eligible(aid, iid, at)
                and self.room(aid, iid) and not self.excluded(aid, iid, at, ticking))

    # -- following decisions --------------------------------------------------------------------------
    def apply(self, d, at, ticking):
        if isinstance(d, Offer):
            iid, aid = d.interaction_id, d.agent_id
            assert self.inter[iid]["state"] == "waiting", f"{iid} offered twice at once"
            assert aid in self.agents and self.could_take(aid, iid, at, ticking), f"bad offer {d}"
            for other in self.inter:
                if other != iid and self.could_take(aid, other, at) and not self.excluded(aid, other, at, False):
                    assert self.key(aid, iid) < self.key(aid, other), f"{d} jumped ahead of {other}"
            self.inter[iid].update(state="offered", agent=aid, offered_at=at)
            self.agents[aid]["items"][iid] = self.queues[self.inter[iid]["queue"]].channel
        elif isinstance(d, OfferTimedOut):
            i = self.inter[d.interaction_id]
            assert i["state"] == "offered" and i["agent"] == d.agent_id
            assert at >= i["offered_at"] + self.config["alert_timeout_s"]
            self.release(d.interaction_id, "waiting")
        elif isinstance(d, AgentSetNotReady):
            self.agents[d.agent_id]["ready"] = False
        elif isinstance(d, ExpansionApplied | Overflowed):
            i = self.inter[d.interaction_id]
            step = self.queues[i["queue"]].expansion[i["tier"]]
            assert i["state"] == "waiting" and at >= i["entered"] + step.after_s
            if isinstance(d, Overflowed):
                assert (d.from_queue, d.to_queue) == (i["queue"], step.move_to_queue)
                i.update(queue=d.to_queue, tier=0, entered=at)
            else:
                assert d.step_index == i["tier"] and step.move_to_queue is None
                i["tier"] += 1

    def release(self, iid, state):
        i = self.inter[iid]
        if i["agent"] in self.agents:
            self.agents[i["agent"]]["items"].pop(iid, None)
        if state == "gone":
            del self.inter[iid]
        else:
            i.update(state=state, agent=None)

    def check_after(self, at, ticking):
        if ticking:
            self.rejecter = {i: r for i, r in self.rejecter.items() if r[1] > at}
        for iid, i in self.inter.items():
            if ticking and i["state"] == "waiting":
                steps = self.queues[i["queue"]].expansion
                assert i["tier"] >= len(steps) or i["entered"] + steps[i["tier"]].after_s > at, f"{iid} step late"
            if ticking and i["state"] == "offered":
                assert i["offered_at"] + self.config["alert_timeout_s"] > at, f"{iid} offer never timed out"
            for aid in self.agents:
                assert not self.could_take(aid, iid, at), f"{iid} waits while {aid} could take it"


def pick(items, n):
    items = sorted(items)
    return items[n % len(items)] if items else None


def run(queues, agents, script, config):
    """Drive an engine with the script, choosing targets from the model's state; returns (calls, decisions)."""
    engine, model = RoutingEngine(**config), Model(queues, config)
    for q in queues:
        engine.configure_queue(q)
    calls, outputs, at, arrivals = [], [], 0.0, 0
    script = [("login", n, 0, 0.0) for n in range(len(agents))] + script  # everyone starts logged in and ready
    boundaries = sorted({t for p in agents for s in p.skills.values() for t in (s.certified_from, s.certified_until)
                         if t is not None and s.requires_certification})
    steps = []
    for kind, x, y, dt in script:  # the model follows an input's own effects, so a tick crosses boundaries first
        if kind != "tick" and any(at < t <= at + dt for t in boundaries):
            steps.append(("tick", 0, 0, dt))
            dt = 0.0
        steps.append((kind, x, y, dt))
        at += dt
    at = 0.0
    for kind, x, y, dt in steps:
        at += dt
        inter, held = model.inter, lambda *states: [i for i, v in model.inter.items() if v["state"] in states]
        profile = agents[x % len(agents)]
        aid = profile.id
        call = None
        if kind == "arrive":
            arrivals += 1
            q = queues[x % len(queues)]
            call = ("interaction_arrived", f"i{arrivals}", q.id, at, y % 3, (y // 3) % 2, "en" if y % 4 == 0 else None)
            model.order += 1
            inter[call[1]] = dict(queue=q.id, tier=0, lang=call[6], prio=call[4], vip=call[5], arrival=at,
                                  order=model.order, state="waiting", agent=None, entered=at, offered_at=None)
        elif kind == "leave" and inter:
            call = ("interaction_left", pick(inter, x), at)
            model.release(call[1], "gone")
        elif kind == "login":
            call = ("agent_logged_in", profile, at, y % 2 == 0)
            drop_agent(model, aid)
            model.agents[aid] = dict(profile=profile, ready=y % 2 == 0, items={})
        elif kind in ("ready", "not_ready", "logout"):
            call = {"ready": ("agent_ready", aid, at), "not_ready": ("agent_not_ready", aid, "break", at),
                    "logout": ("agent_logged_out", aid, at)}[kind]
            if aid in model.agents and kind == "logout":
                drop_agent(model, aid)
            elif aid in model.agents:
                model.agents[aid]["ready"] = kind == "ready"
        elif kind in ("accept", "reject", "finish", "wrap_start", "wrap_end"):
            states = {"accept": ("offered",), "reject": ("offered",), "finish": ("offered", "active", "wrap"),
                      "wrap_start": ("offered", "active"), "wrap_end": ("wrap",)}[kind]
            iid = pick(held(*states), x)
            if iid is None:
                continue
            owner = inter[iid]["agent"] if y % 10 else "stranger"
            method = {"accept": "offer_accepted", "reject": "offer_rejected", "finish": "interaction_finished",
                      "wrap_start": "wrap_up_started", "wrap_end": "wrap_up_ended"}[kind]
            call = (method, owner, iid, at) if kind.startswith("wrap") else (method, iid, owner, at)
            if owner != "stranger":
                follow_work(model, kind, iid, owner, at)
        elif kind == "assign":  # given to an agent outside the engine: a supervisor, a transfer, a PBX
            iid = pick(inter, y)
            if iid is None:
                continue
            call = ("interaction_assigned", iid, aid, at)
            follow_assignment(model, iid, aid)
        elif kind == "tick":
            call = ("tick", at)
        if call is None:
            continue
        decisions = getattr(engine, call[0])(*call[1:])
        for d in decisions:
            model.apply(d, at, kind == "tick")
        model.check_after(at, kind == "tick")
        calls.append(call)
        outputs.append(decisions)
    return calls, outputs


def drop_agent(model, aid):
    if aid not in model.agents:
        return
    model.rejecter = {i: r for i, r in model.rejecter.items() if r[0] != aid}  # the hold-off ends with the session
    for iid in list(model.agents[aid]["items"]):
        model.release(iid, "waiting" if model.inter[iid]["state"] == "offered" else "gone")
    del model.agents[aid]


def follow_assignment(model, iid, aid):
    i = model.inter[iid]
    if i["agent"] == aid and i["state"] != "waiting":
        if i["state"] == "offered":
            i["state"] = "active"
        return
    if i["agent"] in model.agents:
        model.agents[i["agent"]]["items"].pop(iid, None)
    if aid not in model.agents:
        del model.inter[iid]
        return
    i.update(state="active", agent=aid)
    model.agents[aid]["items"][iid] = model.queues[i["queue"]].channel


def follow_work(model, kind, iid, aid, at):
    i = model.inter[iid]
    if kind == "accept":
        i["state"] = "active"
    elif kind == "reject":
        model.release(iid, "waiting")
        model.rejecter[iid] = (aid, at + model.config["reject_holdoff_s"])
    elif kind == "wrap_start":
        i["state"] = "wrap"
    elif kind == "wrap_end" or i["state"] != "wrap":
        model.release(iid, "gone")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(queue_configs(), profiles, events, engine_settings)
def test_random_event_sequences_keep_every_routing_rule(queues, agents, script, config):
    calls, outputs = run(queues, agents, script, config)
    replay = RoutingEngine(**config)
    for q in queues:
        replay.configure_queue(q)
    assert [getattr(replay, c[0])(*c[1:]) for c in calls] == outputs  # same inputs, same decisions


busy_events = st.lists(st.tuples(st.sampled_from(("arrive", "login", "ready", "tick", "finish", "accept")),
                                 st.integers(0, 99), st.integers(0, 99), st.sampled_from([0.0, 1.0, 7.0])),
                       min_size=20, max_size=150)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queue_configs(), profiles, busy_events, engine_settings)
def test_busy_sequences_without_presence_noise(queues, agents, script, config):
    run(queues, agents, script, config)
