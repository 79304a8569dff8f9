"""Quality control: scoring rules, the weekly sample, scorecard evaluations with the agent's acknowledgement or
dispute, retraining, the quality figures, and the /quality pages."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpline.adapters.db import models as m
from helpline.adapters.db.models_quality import EvaluationEntry, QualityTask
from helpline.domain.permissions import Actor
from helpline.domain.quality import Answer, Candidate, Criterion, SampleReason, SamplingRules, draw, weighted_score
from helpline.domain.vocabulary import Role
from tests.contact_centre import fields_named

V1 = "/api/v1"
CRITERIA = [
    {"key": "greeting", "text": "Greets and names the company", "group": "Opening", "weight": 10},
    {"key": "identify", "text": "Identifies the customer and the policy", "group": "Opening", "weight": 30,
     "critical": True},
    {"key": "solution", "text": "Gives a correct and complete answer", "group": "Substance", "weight": 50},
    {"key": "closing", "text": "Summarises the next steps", "group": "Closing", "weight": 10},
]


# --- pure rules ---------------------------------------------------------------------------------------


def test_the_weighted_score_leaves_out_na_and_a_critical_error_caps_it():
    criteria = [Criterion("a", 10), Criterion("b", 30, critical=True), Criterion("c", 60)]
    perfect = weighted_score(criteria, {"a": "met", "b": "met", "c": "met"})
    assert (perfect.score, perfect.error_free, perfect.critical_error) == (100.0, True, False)
    minor = weighted_score(criteria, {"a": "not_met", "b": "met", "c": "na"})
    assert minor.score == 75.0 and not minor.error_free and not minor.critical_error and minor.failed == ("a",)
    critical = weighted_score(criteria, {"a": "met", "b": Answer.NOT_MET, "c": "met"})
    assert critical.score == 0.0 and critical.critical_error and critical.failed_critical == ("b",)
    capped = weighted_score(criteria, {"a": "met", "b": "not_met", "c": "met"}, critical_cap=50)
    assert capped.score == 50.0
    low = weighted_score(criteria, {"a": "met", "b": "not_met", "c": "not_met"}, critical_cap=50)
    assert low.score == 10.0  # the cap never raises a score
    assert weighted_score(criteria, {"a": "na", "b": "na", "c": "na"}).score == 100.0
    with pytest.raises(KeyError):
        weighted_score(criteria, {"a": "met"})


def test_the_sample_takes_every_targeted_interaction_and_a_share_of_each_agents_rest_deterministically():
    candidates = [Candidate(i, agent_id=1 + i % 2) for i in range(1, 201)]
    candidates += [Candidate(501, 1, medical=True), Candidate(502, 1, complaint=True),
                   Candidate(503, 2, low_score=True, medical=True)]
    first = draw(candidates, SamplingRules(share_percent=5), seed="s")
    assert first == draw(list(reversed(candidates)), SamplingRules(share_percent=5), seed="s")
    reasons = dict(first)
    assert reasons[501] == SampleReason.MEDICAL and reasons[502] == SampleReason.COMPLAINT
    assert reasons[503] == SampleReason.MEDICAL  # the first rule that takes it names it
    randoms = [i for i, r in first if r == SampleReason.RANDOM]
    assert len([i for i in randoms if i % 2 == 0]) == 6 and len([i for i in randoms if i % 2 == 1]) == 6  # ⌈5 % × 102⌉
    assert draw(candidates, SamplingRules(share_percent=5), seed="other") != first
    again = draw(candidates, SamplingRules(share_percent=5), seed="s", already=frozenset(reasons))
    assert not set(dict(again)) & set(reasons)
    none = draw(candidates, SamplingRules(share_percent=0, low_scores=False, complaints=False, medical=False),
                seed="s")
    assert none == []
    at_least = draw(candidates[:4], SamplingRules(share_percent=1, per_agent_min=2), seed="s")
    assert len(at_least) == 4


# --- the API ------------------------------------------------------------------------------------------


def handled(cc, make, clock, *, agent=None, queue=None, case_type=None, days_ago=0, answered=True):
    now = clock() - timedelta(days=days_ago)
    with make.uow() as uow:
        case = None
        if case_type is not None:
            case = m.Case(client_id=cc.client.id, type=case_type, created_at=now, updated_at=now)
            uow.session.add(case)
            uow.flush()
        call = m.Interaction(client_id=cc.client.id, channel="voice", state="completed" if answered else "abandoned",
                             queue_id=(queue or cc.osago_queue).id, agent_id=(agent or cc.agent).agent.id,
                             case_id=case.id if case else None, created_at=now - timedelta(minutes=5),
                             queued_at=now - timedelta(minutes=5),
                             answered_at=now - timedelta(minutes=4) if answered else None, ended_at=now)
        uow.session.add(call)
        uow.commit()
        return call


def scorecard(cc, client, **over):
    body = {"name": "Voice service", "criteria": CRITERIA, "channel": "voice"} | over
    return cc.http(client, cc.qa, "POST", "/quality/scorecards", json=body)


def answers(**not_met):
    return {c["key"]: {"answer": not_met.get(c["key"], "met"), "comment": ""} for c in CRITERIA}


def test_qa_evaluates_on_a_scorecard_the_agent_acknowledges_and_the_history_is_kept(cc, client, make, clock):
    card = scorecard(cc, client)
    assert card["version"] == 1 and [c["key"] for c in card["criteria"]] == [c["key"] for c in CRITERIA]
    call = handled(cc, make, clock)
    body = {"interaction_id": call.id, "scorecard_id": card["id"], "answers": answers(closing="not_met"),
            "comment": "Good call; summarise next time"}
    created = cc.http(client, cc.qa, "POST", "/quality/evaluations", json=body)
    assert (created["score"], created["error_free"], created["critical_error"]) == (90.0, False, False)
    assert created["agent_id"] == cc.agent.agent.id and created["status"] == "submitted"

    mine = cc.http(client, cc.agent, "GET", "/quality/my-evaluations")
    assert [e["id"] for e in mine] == [created["id"]]
    assert cc.http(client, cc.colleague, "GET", "/quality/my-evaluations") == []
    assert client.get(f"{V1}/quality/evaluations", headers=cc.agent.auth).status_code == 403
    assert client.get(f"{V1}/quality/my-evaluations", headers=cc.qa.auth).status_code == 403
    other = client.get(f"{V1}/quality/evaluations/{created['id']}", headers=cc.colleague.auth)
    assert other.status_code == 404
    refused = client.post(f"{V1}/quality/evaluations/{created['id']}/reply", json={"decision": "acknowledge"},
                          headers=cc.colleague.auth)
    assert refused.status_code == 404
    clock.advance(3600)
    done = cc.http(client, cc.agent, "POST", f"/quality/evaluations/{created['id']}/reply",
                   json={"decision": "acknowledge", "comment": "Understood"})
    assert done["status"] == "acknowledged" and done["updated_at"] is not None
    twice = client.post(f"{V1}/quality/evaluations/{created['id']}/reply", json={"decision": "dispute",
                        "comment": "No"}, headers=cc.agent.auth)
    assert twice.status_code == 409
    detail = cc.http(client, cc.qa, "GET", f"/quality/evaluations/{created['id']}")
    assert [(h["action"], h["comment"]) for h in detail["history"]] == [
        ("created", "Good call; summarise next time"), ("acknowledged", "Understood")]


def test_a_dispute_goes_back_to_qa_who_revises_it_keeping_the_old_score(cc, client, make, clock):
    card = scorecard(cc, client)
    call = handled(cc, make, clock)
    created = cc.http(client, cc.qa, "POST", "/quality/evaluations", json={
        "interaction_id": call.id, "scorecard_id": card["id"], "answers": answers(identify="not_met")})
    assert (created["score"], created["critical_error"]) == (0.0, True)
    without_reason = client.post(f"{V1}/quality/evaluations/{created['id']}/reply", json={"decision": "dispute"},
                                 headers=cc.agent.auth)
    assert without_reason.status_code == 422
    cc.http(client, cc.agent, "POST", f"/quality/evaluations/{created['id']}/reply",
            json={"decision": "dispute", "comment": "I checked the policy number at 00:40"})
    assert client.post(f"{V1}/quality/evaluations/{created['id']}/decision", json={"decision": "uphold",
                       "comment": "x"}, headers=cc.agent.auth).status_code == 403
    no_answers = client.post(f"{V1}/quality/evaluations/{created['id']}/decision",
                             json={"decision": "revise", "comment": "Heard it"}, headers=cc.qa.auth)
    assert no_answers.status_code == 422
    revised = cc.http(client, cc.qa, "POST", f"/quality/evaluations/{created['id']}/decision",
                      json={"decision": "revise", "comment": "Heard it on the recording", "answers": answers()})
    assert (revised["status"], revised["score"], revised["error_free"]) == ("revised", 100.0, True)
    history = cc.http(client, cc.supervisor, "GET", f"/quality/evaluations/{created['id']}")["history"]
    assert [h["action"] for h in history] == ["created", "disputed", "revised"]
    assert history[-1]["data"]["before"]["score"] == 0.0
    again = client.post(f"{V1}/quality/evaluations/{created['id']}/decision", json={"decision": "uphold",
                        "comment": "x"}, headers=cc.qa.auth)
    assert again.status_code == 409
    ack = cc.http(client, cc.agent, "POST", f"/quality/evaluations/{created['id']}/reply",
                  json={"decision": "acknowledge"})
    assert ack["status"] == "acknowledged"


def test_scorecard_rules_and_versions(cc, client, make, clock):
    card = scorecard(cc, client)
    assert client.post(f"{V1}/quality/scorecards", json={"name": "Voice service", "criteria": CRITERIA},
                       headers=cc.qa.auth).status_code == 409
    dup = client.post(f"{V1}/quality/scorecards", json={"name": "X", "criteria": CRITERIA + CRITERIA[:1]},
                      headers=cc.qa.auth)
    assert dup.status_code == 422
    bad = client.post(f"{V1}/quality/scorecards", json={"name": "X", "criteria": [{**CRITERIA[0], "weight": 0}]},
                      headers=cc.qa.auth)
    assert bad.status_code == 422 and "weight" in fields_named(bad)
    empty = client.post(f"{V1}/quality/scorecards", json={"name": "X", "criteria": []}, headers=cc.qa.auth)
    assert empty.status_code == 422
    unknown_skill = client.post(f"{V1}/quality/scorecards", json={
        "name": "X", "criteria": [{**CRITERIA[0], "skill_id": 99999}]}, headers=cc.qa.auth)
    assert unknown_skill.status_code == 404
    for who in (cc.agent, cc.supervisor, cc.pbx):
        assert client.post(f"{V1}/quality/scorecards", json={"name": "Y", "criteria": CRITERIA},
                           headers=who.auth).status_code == 403
    assert client.get(f"{V1}/quality/scorecards", headers=cc.agent.auth).status_code == 403

    # unused: changed in place
    changed = cc.http(client, cc.qa, "PUT", f"/quality/scorecards/{card['id']}",
                      json={"name": "Voice service", "criteria": CRITERIA[:3], "critical_cap": 40})
    assert changed["id"] == card["id"] and changed["version"] == 1 and len(changed["criteria"]) == 3
    call = handled(cc, make, clock)
    used = cc.http(client, cc.qa, "POST", "/quality/evaluations", json={
        "interaction_id": call.id, "scorecard_id": card["id"],
        "answers": {k: v for k, v in answers(identify="not_met").items() if k != "closing"}})
    assert used["score"] == 40.0  # a critical error capped at 40 (the others met 60 of 90)
    # used: the change is version 2, the evaluation stays on version 1
    second = cc.http(client, cc.qa, "PUT", f"/quality/scorecards/{card['id']}",
                     json={"name": "Voice service", "criteria": CRITERIA})
    assert second["id"] != card["id"] and second["version"] == 2
    versions = cc.http(client, cc.qa, "GET", "/quality/scorecards")
    assert [(v["version"], v["is_active"]) for v in versions] == [(2, True), (1, False)]
    assert cc.http(client, cc.qa, "GET", "/quality/evaluations")[0]["scorecard_id"] == card["id"]
    retired = client.post(f"{V1}/quality/evaluations", headers=cc.qa.auth, json={
        "interaction_id": handled(cc, make, clock).id, "scorecard_id": card["id"], "answers": answers()})
    assert retired.status_code == 404
    wrong_keys = client.post(f"{V1}/quality/evaluations", headers=cc.qa.auth, json={
        "interaction_id": call.id, "scorecard_id": second["id"], "answers": {"greeting": {"answer": "met"}}})
    assert wrong_keys.status_code == 422
    nothing = client.post(f"{V1}/quality/evaluations", headers=cc.qa.auth, json={"interaction_id": call.id})
    assert nothing.status_code == 422


def test_the_sample_draws_the_week_once_with_the_targeted_rules(cc, client, make, clock):
    clock.advance(3 * 86400)  # Thursday 5 February 2026
    plain = [handled(cc, make, clock, days_ago=d % 3) for d in range(20)]
    medical = handled(cc, make, clock, agent=cc.colleague, case_type="dms_guarantee_letter")
    low = handled(cc, make, clock, agent=cc.colleague)
    last_week = handled(cc, make, clock, days_ago=7, case_type="travel_assistance")
    handled(cc, make, clock, answered=False)
    with make.uow() as uow:
        uow.session.add(m.Survey(client_id=cc.client.id, interaction_id=low.id, channel="sms", sent_at=clock(),
                                 answered_at=clock(), score=2))
        uow.commit()
    body = {"week": "2026-02-04", "seed": 7, "share_percent": 10}
    result = cc.http(client, cc.qa, "POST", "/quality/sample", json=body)
    assert result["week"] == "2026-02-02"
    by_id = {t["interaction_id"]: t["reason"] for t in result["tasks"]}
    assert by_id[medical.id] == "medical" and by_id[low.id] == "low_score" and last_week.id not in by_id
    randoms = [i for i, r in by_id.items() if r == "random"]
    # ⌈10 % of 20⌉ for the agent; the colleague's two were both taken by targeted rules
    assert len(randoms) == 2 and set(randoms) <= {c.id for c in plain}
    assert result["by_reason"] == {"random": 2, "low_score": 1, "complaint": 0, "medical": 1}
    again = cc.http(client, cc.qa, "POST", "/quality/sample", json=body)
    assert not set(t["interaction_id"] for t in again["tasks"]) & set(by_id)  # never the same interaction twice
    work = cc.http(client, cc.qa, "GET", "/quality/tasks")
    assert len(work) == len(by_id) + again["drawn"]
    # evaluating a task closes it
    task = work[0]
    cc.http(client, cc.qa, "POST", "/quality/evaluations", json={"interaction_id": task["interaction_id"],
                                                                "score": 95})
    assert task["id"] not in [t["id"] for t in cc.http(client, cc.qa, "GET", "/quality/tasks")]
    assert client.post(f"{V1}/quality/sample", json=body, headers=cc.supervisor.auth).status_code == 403
    assert client.get(f"{V1}/quality/tasks", headers=cc.agent.auth).status_code == 403
    bad = client.post(f"{V1}/quality/sample", json={"week": "soon"}, headers=cc.qa.auth)
    assert bad.status_code == 422 and "week" in fields_named(bad)


def test_the_cli_draws_last_weeks_sample_for_cron_once(cc, make, clock, settings, monkeypatch):
    import orjson
    from typer.testing import CliRunner

    from helpline.entrypoints.cli import app

    clock.advance(2 * 86400)  # Wednesday 4 February 2026
    calls = [handled(cc, make, clock, days_ago=d % 2) for d in range(20)]
    medical = handled(cc, make, clock, agent=cc.colleague, case_type="dms_guarantee_letter")
    monkeypatch.setenv("HELPLINE_DATABASE_URL", settings.database_url)
    next_monday = (clock() + timedelta(days=5)).isoformat()  # cron on Monday 9 February: last week's sample
    command = ["quality", "sample", "--at", next_monday, "--share-percent", "10", "--seed", "3", "--json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    drawn = orjson.loads(result.output)
    assert drawn["week"] == "2026-02-02" and drawn["by_reason"]["medical"] == 1 and drawn["by_reason"]["random"] == 2
    taken = {t["interaction_id"] for t in drawn["tasks"]}
    assert medical.id in taken and taken - {medical.id} <= {c.id for c in calls}
    with make.uow() as uow:
        assert {t.interaction_id for t in uow.session.scalars(select(QualityTask))} == taken
    twice = CliRunner().invoke(app, command)  # cron run twice: the week is left alone
    assert twice.exit_code == 0 and orjson.loads(twice.output) == {"week": "2026-02-02", "drawn": 0,
                                                                   "already_drawn": True}
    left = CliRunner().invoke(app, ["quality", "sample", "--week", "2026-02-04"])
    assert left.exit_code == 0 and "drawn before" in left.output
    more = CliRunner().invoke(app, ["quality", "sample", "--week", "2026-02-04", "--share-percent", "50", "--again"])
    assert more.exit_code == 0 and "Week of 2026-02-02" in more.output and "random" in more.output
    with make.uow() as uow:
        assert len(list(uow.session.scalars(select(QualityTask)))) > len(taken)  # more, none drawn twice
    for bad in (["--week", "soon"], ["--share-percent", "150"], ["--at", "tomorrow"]):
        refused = CliRunner().invoke(app, ["quality", "sample", *bad])
        assert refused.exit_code == 2, (bad, refused.output)


def test_the_sample_is_the_same_for_the_same_seed(cc, client, make, clock):
    clock.advance(2 * 86400)  # Wednesday: the 40 calls fall on Monday and Tuesday
    calls = [handled(cc, make, clock, days_ago=d % 2) for d in range(40)]
    body = {"week": "2026-02-02", "seed": 3, "share_percent": 10, "medical": False}
    first = {t["interaction_id"] for t in cc.http(client, cc.qa, "POST", "/quality/sample", json=body)["tasks"]}
    with make.uow() as uow:
        uow.session.query(QualityTask).delete()
        uow.commit()
    second = {t["interaction_id"] for t in cc.http(client, cc.qa, "POST", "/quality/sample", json=body)["tasks"]}
    assert first == second and len(first) == 4 and first <= {c.id for c in calls}


def test_quality_figures_per_agent_with_weekly_trend_and_scope(cc, client, make, clock):
    clock.advance(14 * 86400)
    for days_ago, who, score in [(9, cc.agent, 80), (8, cc.agent, 100), (1, cc.agent, 90), (1, cc.colleague, 100)]:
        call = handled(cc, make, clock, agent=who, days_ago=days_ago)
        cc.http(client, cc.qa, "POST", "/quality/evaluations", json={"interaction_id": call.id, "score": score})
    report = cc.http(client, cc.supervisor, "GET", "/quality/figures", params={"from": "2026-02-01",
                                                                              "to": "2026-02-28"})
    rows = {r["key"]: r for r in report["rows"]}
    mine = rows[cc.agent.agent.id]
    assert (mine["evaluations"], mine["mean_score"], mine["error_free_share"]) == (3, 90.0, pytest.approx(1 / 3,
                                                                                                        abs=1e-4))
    assert [(w["week"], w["mean_score"]) for w in mine["weeks"]] == [("2026-02-02", 90.0), ("2026-02-09", 90.0)]
    assert report["total"]["evaluations"] == 4 and report["total"]["mean_score"] == 92.5
    assert cc.http(client, cc.spb_supervisor, "GET", "/quality/figures",
                   params={"from": "2026-02-01", "to": "2026-02-28"})["rows"] == []
    own = cc.http(client, cc.agent, "GET", "/quality/figures", params={"from": "2026-02-01", "to": "2026-02-28"})
    assert [r["key"] for r in own["rows"]] == [cc.agent.agent.id]
    by_site = cc.http(client, cc.qa, "GET", "/quality/figures", params={"from": "2026-02-01", "to": "2026-02-28",
                                                                         "by": "site"})
    assert [(r["name"], r["evaluations"]) for r in by_site["rows"]] == [("Moscow", 4)]
    backwards = client.get(f"{V1}/quality/figures", params={"from": "2026-02-28", "to": "2026-02-01"},
                           headers=cc.qa.auth)
    assert backwards.status_code == 422
    assert client.get(f"{V1}/quality/figures", params={"from": "2026-02-01", "to": "2026-02-28"},
                      headers=cc.pbx.auth).status_code == 403


def test_the_figures_count_each_criterion_not_met_the_most_often_first(cc, client, browsers, make, clock):
    card = scorecard(cc, client)
    for not_met in ({"solution": "not_met"}, {"solution": "not_met", "closing": "not_met"}, {"closing": "na"}, {}):
        cc.http(client, cc.qa, "POST", "/quality/evaluations", json={
            "interaction_id": handled(cc, make, clock).id, "scorecard_id": card["id"], "answers": answers(**not_met)})
    # a new version of the card, reworded: counted with the first under its name, worded as the latest
    reworded = [c | {"text": "Says what happens next"} if c["key"] == "closing" else c for c in CRITERIA]
    newer = cc.http(client, cc.qa, "PUT", f"/quality/scorecards/{card['id']}",
                    json={"name": "Voice service", "criteria": reworded})
    cc.http(client, cc.qa, "POST", "/quality/evaluations", json={
        "interaction_id": handled(cc, make, clock).id, "scorecard_id": newer["id"],
        "answers": answers(closing="not_met", identify="not_met")})
    cc.http(client, cc.qa, "POST", "/quality/evaluations", json={"interaction_id": handled(cc, make, clock).id,
                                                                "score": 70})  # free form: no criteria
    period = {"from": "2026-02-01", "to": "2026-02-28"}
    report = cc.http(client, cc.supervisor, "GET", "/quality/figures", params=period)
    got = [(c["key"], c["answered"], c["not_met"], c["not_applicable"], c["not_met_share"]) for c in report["criteria"]]
    assert got == [("closing", 4, 2, 1, 0.5), ("solution", 5, 2, 0, 0.4), ("identify", 5, 1, 0, 0.2),
                   ("greeting", 5, 0, 0, 0.0)]
    closing, identify = report["criteria"][0], report["criteria"][2]
    assert (closing["text"], closing["scorecard"], identify["critical"]) == ("Says what happens next",
                                                                             "Voice service", True)
    assert cc.http(client, cc.spb_supervisor, "GET", "/quality/figures", params=period)["criteria"] == []
    page = signed_in(browsers, cc.qa).get("/quality/agents", params=period).text
    table = page[page.index('id="criteria"'):]
    assert table.index('data-key="closing"') < table.index('data-key="greeting"')
    assert "Says what happens next" in table and "50.0 %" in table


def test_the_free_form_evaluation_still_works_and_agents_cannot_write(cc, client, make, clock):
    call = handled(cc, make, clock)
    created = cc.http(client, cc.qa, "POST", "/quality/evaluations",
                      json={"interaction_id": call.id, "score": 100, "critical_error": False})
    assert created["error_free"] is True and created["scorecard_id"] is None
    assert client.post(f"{V1}/quality/evaluations", json={"interaction_id": call.id, "score": 1},
                       headers=cc.agent.auth).status_code == 403
    assert client.get(f"{V1}/quality/evaluations/{created['id']}", headers=cc.pbx.auth).status_code == 403
    assert client.get(f"{V1}/quality/evaluations/999999", headers=cc.qa.auth).status_code == 404


def test_a_critical_finding_on_a_skill_criterion_requires_retraining(cc, client, make, clock):
    """The action calls services/training.py's require_retraining: the certification is suspended."""
    criteria = [{**c, "skill_id": cc.osago.id} if c["key"] == "identify" else c for c in CRITERIA]
    card = scorecard(cc, client, criteria=criteria)
    call = handled(cc, make, clock)
    failed = cc.http(client, cc.qa, "POST", "/quality/evaluations", json={
        "interaction_id": call.id, "scorecard_id": card["id"], "answers": answers(identify="not_met")})
    minor = cc.http(client, cc.qa, "POST", "/quality/evaluations", json={
        "interaction_id": call.id, "scorecard_id": card["id"], "answers": answers(greeting="not_met")})
    body = {"skill_id": cc.osago.id, "reason": "Did not identify the policy holder"}
    assert client.post(f"{V1}/quality/evaluations/{minor['id']}/retraining", json=body,
                       headers=cc.qa.auth).status_code == 422
    assert client.post(f"{V1}/quality/evaluations/{failed['id']}/retraining", json=body,
                       headers=cc.agent.auth).status_code == 403
    assert client.post(f"{V1}/quality/evaluations/{failed['id']}/retraining", json={"skill_id": cc.osago.id},
                       headers=cc.qa.auth).status_code == 422
    done = client.post(f"{V1}/quality/evaluations/{failed['id']}/retraining", json=body, headers=cc.qa.auth)
    assert done.status_code == 204, done.text
    with make.uow() as uow:
        certification = uow.session.query(m.Certification).filter_by(agent_id=cc.agent.agent.id,
                                                                     skill_id=cc.osago.id).one()
        assert certification.suspended_at is not None
        assert certification.suspended_reason == f"quality evaluation {failed['id']}: {body['reason']}"
    with make.uow() as uow:
        actions = [e.action for e in uow.session.query(EvaluationEntry).filter_by(evaluation_id=failed["id"])]
    assert actions == ["created", "retraining"]


# --- the pages ----------------------------------------------------------------------------------------


@pytest.fixture
def browsers(app):
    from contextlib import ExitStack

    from fastapi.testclient import TestClient

    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def signed_in(browsers, person):
    from tests.test_web import log_in

    browser = browsers()
    assert log_in(browser, person.user.username).status_code == 303
    browser.get("/quality/mine?lang=en")  # remembered in the session (a 403 for QA, who has no evaluations)
    return browser


def post(browser, path: str, data: dict, page: str):
    from tests.test_web import csrf_of

    token = csrf_of(browser.get(page).text)
    return browser.post(path, data={**data, "csrf": token}, follow_redirects=False)


def error_of(page: str, field: str) -> str | None:
    import html

    found = re.search(rf'<span class="field-error" id="{re.escape(field)}-error">([^<]*)</span>', page)
    return html.unescape(found.group(1)) if found else None


def test_each_page_refuses_the_wrong_role(cc, client, browsers, make, clock):
    call = handled(cc, make, clock)
    card = scorecard(cc, client)
    evaluation = cc.http(client, cc.qa, "POST", "/quality/evaluations", json={"interaction_id": call.id, "score": 90})
    agent, supervisor = signed_in(browsers, cc.agent), signed_in(browsers, cc.supervisor)
    qa = signed_in(browsers, cc.qa)
    for path in ("/quality/scorecards", "/quality/scorecards/new", f"/quality/scorecards/{card['id']}",
                 "/quality/agents", f"/quality/evaluate/{call.id}"):
        assert agent.get(path).status_code == 403, path
    assert agent.get("/quality", follow_redirects=False).headers["location"] == "/quality/mine"
    for path in ("/quality/scorecards/new", f"/quality/evaluate/{call.id}"):
        assert supervisor.get(path).status_code == 403, path
    assert supervisor.get("/quality/agents").status_code == 200
    assert qa.get("/quality/mine").status_code == 403
    for path, data in (("/quality/sample", {"week": "2026-02-02"}), ("/quality/evaluate", {"interaction_id": "1"}),
                       ("/quality/scorecards/new", {"name": "x"}),
                       (f"/quality/evaluations/{evaluation['id']}/decision", {"decision": "uphold"})):
        assert post(agent, path, data, "/quality/mine").status_code == 403, path
        assert post(supervisor, path, data, "/quality/agents").status_code == 403, path
    assert post(qa, f"/quality/evaluations/{evaluation['id']}/reply", {"decision": "acknowledge"},
                "/quality").status_code == 403
    assert signed_in(browsers, cc.colleague).get(f"/quality/evaluations/{evaluation['id']}").status_code == 404
    without_csrf = qa.post("/quality/sample", data={"week": "2026-02-02"}, follow_redirects=False)
    assert without_csrf.status_code == 403


def test_a_scorecard_made_on_its_page_with_errors_next_to_the_rows(cc, browsers, make):
    from helpline.adapters.db.models_quality import Scorecard

    qa = signed_in(browsers, cc.qa)
    form = {"rows": "3", "name": "", "critical_cap": "0", "c0_text": "Greets", "c0_weight": "ten",
            "c1_text": "Identifies the policy", "c1_weight": "30", "c1_critical": "1", "c2_text": ""}
    refused = post(qa, "/quality/scorecards/new", form, "/quality/scorecards/new")
    assert refused.status_code == 422
    assert error_of(refused.text, "name") == "This field is required."
    assert error_of(refused.text, "c0_weight") == "Enter a number."
    assert 'value="Identifies the policy"' in refused.text  # what was typed is kept
    with make.uow() as uow:
        assert uow.session.query(Scorecard).count() == 0
    empty = post(qa, "/quality/scorecards/new", {"rows": "1", "name": "X"}, "/quality/scorecards/new")
    assert error_of(empty.text, "c0_text") == "A scorecard needs at least one criterion."
    created = post(qa, "/quality/scorecards/new", {**form, "name": "Voice", "c0_weight": "10",
                                                   "c1_skill_id": str(cc.osago.id)}, "/quality/scorecards/new")
    assert created.status_code == 303
    shown = qa.get(created.headers["location"])
    assert "The scorecard has been created." in shown.text and 'value="Identifies the policy"' in shown.text
    with make.uow() as uow:
        card = uow.session.query(Scorecard).one()
        assert [(c["key"], c["weight"], c["critical"], c["skill_id"]) for c in card.criteria] == [
            ("c1", 10.0, False, None), ("c2", 30.0, True, cc.osago.id)]
    assert "Voice" in qa.get("/quality/scorecards").text


def test_qa_fills_the_scorecard_form_and_the_agent_answers_on_the_evaluation_page(cc, client, browsers, make,
                                                                                  clock):
    card = scorecard(cc, client)
    call = handled(cc, make, clock)
    qa, agent = signed_in(browsers, cc.qa), signed_in(browsers, cc.agent)
    form_page = qa.get(f"/quality/evaluate/{call.id}")
    assert form_page.status_code == 200 and "Identifies the customer and the policy" in form_page.text
    answered = {f"answer_{c['key']}": "met" for c in CRITERIA}
    missing = post(qa, f"/quality/evaluate/{call.id}", {**answered, "answer_solution": "",
                   "scorecard_id": str(card["id"])}, f"/quality/evaluate/{call.id}")
    assert missing.status_code == 422 and error_of(missing.text, "answer_solution") == "Answer every criterion."
    saved = post(qa, f"/quality/evaluate/{call.id}", {**answered, "answer_closing": "not_met",
                 "note_closing": "No summary", "scorecard_id": str(card["id"]), "comment": "Well done otherwise"},
                 f"/quality/evaluate/{call.id}")
    assert saved.status_code == 303
    evaluation_url = saved.headers["location"]
    page = qa.get(evaluation_url).text
    assert '<dd id="score">90.0</dd>' in page and "No summary" in page
    unhandled = handled(cc, make, clock, answered=False)
    picked = post(qa, "/quality/evaluate", {"interaction_id": str(unhandled.id)}, "/quality")
    assert error_of(picked.text, "interaction_id") == "Only an interaction an agent has handled can be evaluated."
    assert error_of(post(qa, "/quality/evaluate", {"interaction_id": "x"}, "/quality").text,
                    "interaction_id") == "Enter a whole number."

    mine = agent.get("/quality/mine").text
    assert evaluation_url in mine
    no_reason = post(agent, f"{evaluation_url}/reply", {"decision": "dispute"}, evaluation_url)
    assert no_reason.status_code == 422
    assert error_of(no_reason.text, "reply_comment") == "Say why you dispute the evaluation."
    disputed = post(agent, f"{evaluation_url}/reply", {"decision": "dispute", "reply_comment": "I did summarise"},
                    evaluation_url)
    assert disputed.status_code == 303
    decision_page = qa.get(evaluation_url).text
    assert 'id="decision-form"' in decision_page and "I did summarise" in decision_page
    no_comment = post(qa, f"{evaluation_url}/decision", {"decision": "uphold"}, evaluation_url)
    assert error_of(no_comment.text, "decision_comment") == "Give the reason."
    revised = post(qa, f"{evaluation_url}/decision", {**answered, "decision": "revise",
                   "decision_comment": "Heard it at 03:10"}, evaluation_url)
    assert revised.status_code == 303
    final = agent.get(evaluation_url).text
    assert '<dd id="score">100.0</dd>' in final and "Revised after dispute" in final
    assert "score before: 90.0" in final
    acknowledged = post(agent, f"{evaluation_url}/reply", {"decision": "acknowledge"}, evaluation_url)
    assert acknowledged.status_code == 303
    assert 'id="reply-form"' not in agent.get(evaluation_url).text


def test_the_sample_and_figures_pages(cc, client, browsers, make, clock):
    clock.advance(2 * 86400)
    calls = [handled(cc, make, clock) for _ in range(4)]
    qa = signed_in(browsers, cc.qa)
    bad = post(qa, "/quality/sample", {"week": "someday", "share_percent": "5"}, "/quality")
    assert bad.status_code == 422 and error_of(bad.text, "week") == "Enter a date."
    over = post(qa, "/quality/sample", {"week": "2026-02-02", "share_percent": "150"}, "/quality")
    assert error_of(over.text, "share_percent") == "This number is too large."
    drawn = post(qa, "/quality/sample", {"week": "2026-02-02", "share_percent": "50", "seed": "1"}, "/quality")
    assert drawn.status_code == 303
    home = qa.get("/quality").text
    assert "Interactions drawn: 2." in home and home.count('href="/quality/evaluate/') == 2
    assert any(f"/quality/evaluate/{c.id}" in home for c in calls)
    for call, score in zip(calls, (80, 100), strict=False):
        cc.http(client, cc.qa, "POST", "/quality/evaluations", json={"interaction_id": call.id, "score": score})
    figures = qa.get("/quality/agents", params={"from": "2026-02-01", "to": "2026-03-01"}).text
    assert 'id="quality-data"' in figures and '<dd id="total-score">90.0</dd>' in figures
    assert '<dd id="total-error-free">50.0 %</dd>' in figures
    assert error_of(qa.get("/quality/agents", params={"from": "x"}).text, "from") == "Enter a date."
    backwards = qa.get("/quality/agents", params={"from": "2026-03-01", "to": "2026-02-01"})
    assert error_of(backwards.text, "to") == "The period must run forwards and last at most a year."
    mine = signed_in(browsers, cc.agent).get("/quality/mine", params={"from": "2026-02-01", "to": "2026-03-01"})
    assert '<dd id="total-count">2</dd>' in mine.text
    assert '<dd id="total-count">0</dd>' in signed_in(browsers, cc.colleague).get(
        "/quality/mine", params={"from": "2026-02-01", "to": "2026-03-01"}).text


def test_the_retraining_form_needs_a_reason(cc, client, browsers, make, clock):
    criteria = [{**c, "skill_id": cc.osago.id} if c["key"] == "identify" else c for c in CRITERIA]
    card = scorecard(cc, client, criteria=criteria)
    call = handled(cc, make, clock)
    failed = cc.http(client, cc.qa, "POST", "/quality/evaluations", json={
        "interaction_id": call.id, "scorecard_id": card["id"], "answers": answers(identify="not_met")})
    qa = signed_in(browsers, cc.qa)
    url = f"/quality/evaluations/{failed['id']}"
    assert 'id="retraining-form"' in qa.get(url).text
    refused = post(qa, f"{url}/retraining", {"skill_id": str(cc.osago.id)}, url)
    assert refused.status_code == 422 and error_of(refused.text, "reason") == "Give the reason."
    assert post(signed_in(browsers, cc.agent), f"{url}/retraining", {"skill_id": str(cc.osago.id), "reason": "x"},
                "/quality/mine").status_code == 403


def test_the_demo_seeds_scorecards_samples_and_evaluations(container):
    from helpline.demo import load_demo
    from helpline.demo.quality import ensure_quality
    from helpline.services import quality_figures

    load_demo(container.uow, weeks=3, scale=0.05)  # seeds quality control too (demo/care.py)
    with container.uow() as uow:
        written = uow.session.scalar(select(func.count()).select_from(m.QualityEvaluation))
        assert written > 5
        assert ensure_quality(uow) == 0  # once
        today = uow.now().date()
        report = quality_figures.quality_report(uow, Actor(user_id=None, username="t", role=Role.QA),
                                                today - timedelta(days=21), today, "Europe/Moscow")
    assert report.total.evaluations == written and 80 <= report.total.mean_score <= 100
    assert 0.3 <= report.total.error_free_share <= 0.95
