"""Training and certification: retraining suspends a certification (and routing stops offering the skill's
work), exams graded by the server grant or renew it, results history, the pages and the API."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.adapters.db.models_training import RetrainingRequirement
from helpline.domain.errors import Forbidden, InvalidInput, NotFound
from helpline.domain.training import Question, QuestionKind, add_months, counts_until, grade, is_valid
from helpline.services import training
from helpline.services.live_routing import LiveRouter

# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def router(container, clock):
    # routing's own "monotonic" time follows the test clock: no periodic refresh during a test, so only the
    # certification events can make it re-read the agents
    return LiveRouter(container.uow, alert_timeout_s=15, reject_holdoff_s=10, refresh_s=3600,
                      monotonic=lambda: clock().timestamp())


def call(cc, client, n, queue=None):
    body = {"channel": "voice", "queue_id": (queue or cc.osago_queue).id, "idempotency_key": f"call-{n}"}
    return cc.http(client, cc.pbx, "POST", "/interactions", json=body)["id"]


def presence(cc, client, person, state):
    cc.http(client, person, "POST", f"/agents/{person.agent.id}/presence", json={"state": state})


def interaction(make, interaction_id):
    with make.uow() as uow:
        row = uow.session.get(m.Interaction, interaction_id)
        return row.state, row.agent_id


def retrain(make, who, person, skill, reason="critical error: wrong europrotocol advice"):
    with make.uow() as uow:
        training.require_retraining(uow, make.actor(who.user), person.agent.id, skill.id, reason)


def certifications(make, person):
    with make.uow() as uow:
        rows = list(uow.session.scalars(select(m.Certification).where(m.Certification.agent_id == person.agent.id)
                                        .order_by(m.Certification.id)))
        uow.session.expunge_all()
        return rows


def events_of(make, type_):
    with make.uow() as uow:
        rows = list(uow.session.scalars(select(m.Event).where(m.Event.type == type_).order_by(m.Event.seq)))
        uow.session.expunge_all()
        return rows


# --- retraining ---------------------------------------------------------------------------------------------


def test_require_retraining_suspends_the_certification_with_who_why_when_and_records_history(cc, client, make,
                                                                                             clock):
    retrain(make, cc.qa, cc.agent, cc.osago)
    (cert,) = [c for c in certifications(make, cc.agent) if c.skill_id == cc.osago.id]
    assert (cert.suspended_at, cert.suspended_by_user_id, cert.suspended_reason) == (
        clock(), cc.qa.user.id, "critical error: wrong europrotocol advice")
    with make.uow() as uow:
        (req,) = uow.session.scalars(select(RetrainingRequirement))
        assert (req.agent_id, req.skill_id, req.certification_id, req.required_by_user_id, req.cleared_at) == (
            cc.agent.agent.id, cc.osago.id, cert.id, cc.qa.user.id, None)
        (entry,) = uow.session.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "require_retraining"))
        assert (entry.user_id, entry.entity_id, entry.detail["skill"], entry.detail["suspended"]) == (
            cc.qa.user.id, str(cc.agent.agent.id), "osago", [cert.id])
    (event,) = events_of(make, "certification_suspended")
    assert (event.agent_id, event.actor_user_id, event.data["skill"], event.data["certification_id"]) == (
        cc.agent.agent.id, cc.qa.user.id, "osago", cert.id)
    # the agent's record (the admin API and page) shows it suspended and no longer valid
    (view,) = cc.http(client, cc.admin, "GET", f"/agents/{cc.agent.agent.id}")["certifications"][:1]
    assert (view["valid_now"], view["suspended_reason"]) == (False, "critical error: wrong europrotocol advice")


def test_the_suspended_certification_no_longer_counts_but_did_before(cc, make, clock):
    before = clock()
    clock.advance(60)
    retrain(make, cc.supervisor, cc.agent, cc.osago)
    with make.uow() as uow:
        agent = uow.session.get(m.Agent, cc.agent.agent.id)
        queue = uow.session.get(m.Queue, cc.osago_queue.id)
        from helpline.services import scope
        assert scope.agent_qualifies(agent, queue, before)
        assert not scope.agent_qualifies(agent, queue, clock())
        assert scope.held_skills(agent, clock())["osago"].certification_expires_at == clock()


def test_only_training_managers_require_retraining_and_only_for_agents_they_see(cc, make):
    with pytest.raises(Forbidden):
        retrain(make, cc.colleague, cc.agent, cc.osago)  # an agent
    with pytest.raises(NotFound):
        retrain(make, cc.spb_supervisor, cc.agent, cc.osago)  # not one of their sites: looks missing
    with pytest.raises(InvalidInput):
        retrain(make, cc.qa, cc.agent, cc.osago, reason="   ")
    with pytest.raises(NotFound), make.uow() as uow:
        training.require_retraining(uow, make.actor(cc.qa.user), cc.agent.agent.id, 9999, "reason")
    assert all(c.suspended_at is None for c in certifications(make, cc.agent))
    assert events_of(make, "certification_suspended") == []


def test_retraining_takes_a_ready_agent_out_of_routing_at_once(cc, client, make, router, clock):
    router.start()
    presence(cc, client, cc.agent, "ready")
    router.run_once()  # the agent is known to routing, certified
    retrain(make, cc.qa, cc.agent, cc.osago)
    router.run_once()  # reads the suspension: routing re-reads the agents
    first = call(cc, client, 1)
    router.run_once()
    router.run_once()
    assert interaction(make, first) == ("queued", None)
    assert [e.agent_id for e in events_of(make, "offered")] == []
    presence(cc, client, cc.colleague, "ready")
    router.run_once()
    assert interaction(make, first) == ("offered", cc.colleague.agent.id)


def test_an_agent_suspended_while_logged_out_is_not_offered_after_logging_in(cc, client, make, router):
    retrain(make, cc.qa, cc.agent, cc.osago)
    router.start()
    first = call(cc, client, 1)
    presence(cc, client, cc.agent, "ready")
    router.run_once()
    assert interaction(make, first) == ("queued", None)
    # a supervisor cannot hand it over either: the database refuses the same
    response = client.post(f"/api/v1/interactions/{first}/offer", headers=cc.supervisor.auth,
                           json={"agent_id": cc.agent.agent.id})
    assert response.status_code == 409 and "certification" in response.text


def test_retraining_without_a_current_certification_is_recorded_all_the_same(cc, make):
    retrain(make, cc.qa, cc.novice, cc.osago)
    with make.uow() as uow:
        (req,) = uow.session.scalars(select(RetrainingRequirement))
        assert (req.agent_id, req.certification_id) == (cc.novice.agent.id, None)


# --- the pure rules -----------------------------------------------------------------------------------------


def test_grading_needs_exactly_the_correct_options_and_the_pass_mark():
    qs = [Question("a", QuestionKind.SINGLE, 3, frozenset({1})), Question("b", QuestionKind.MULTIPLE, 4,
                                                                          frozenset({0, 2})),
          Question("c", QuestionKind.SINGLE, 2, frozenset({0})), Question("d", QuestionKind.SINGLE, 2, frozenset({1}))]
    g = grade(qs, {"a": [1], "b": [0, 2], "c": [0], "d": [0]}, pass_mark=75)
    assert (g.right, g.total, g.score, g.passed, g.wrong) == (3, 4, 75.0, True, ("d",))
    g = grade(qs, {"a": [1], "b": [0], "c": [0, 1]}, pass_mark=75)  # partial and extra choices are wrong
    assert (g.right, g.score, g.passed, g.wrong) == (1, 25.0, False, ("b", "c", "d"))
    assert not grade([], {}, 1).passed


def test_renewal_adds_calendar_months_and_a_suspension_ends_validity(clock):
    now = clock()
    jan31 = now.replace(month=1, day=31)
    assert add_months(jan31, 1) == jan31.replace(month=2, day=28)
    assert add_months(jan31, 12) == jan31.replace(year=jan31.year + 1)
    assert counts_until(now + timedelta(days=9), now) == now
    assert counts_until(None, now) == now and counts_until(now, None) == now
    assert is_valid(now - timedelta(days=1), None, now, now - timedelta(seconds=1))
    assert not is_valid(now - timedelta(days=1), None, now, now)


# --- the pages ----------------------------------------------------------------------------------------------

QUESTIONS = """? Which form lets two drivers register a minor accident without the police?
- A police report
+ The europrotocol
- A court order
?? Which documents does the claim notice need?
+ The driver's licence
+ The vehicle registration certificate
- A medical certificate
"""


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
    assert browser.get("/training?lang=en").status_code == 200  # the session's language: English
    return browser


def post(browser, path, data, page=None):
    from tests.test_web import csrf_of

    token = csrf_of(browser.get(page or path).text)
    return browser.post(path, data={**data, "csrf": token}, follow_redirects=False)


def error_of(page, field):
    import html
    import re

    found = re.search(rf'<span class="field-error" id="{re.escape(field)}-error">([^<]*)</span>', page)
    return html.unescape(found.group(1)) if found else None


def exam_form(cc, **changes):
    return {"skill_id": str(cc.osago.id), "title": "OSAGO claims", "language": "en", "pass_mark": "100",
            "validity_months": "12", "retake_delay_h": "0", "questions": QUESTIONS, "is_active": "1"} | changes


def made_exam(cc, browsers, **changes):
    supervisor = signed_in(browsers, cc.supervisor)
    response = post(supervisor, "/training/exams", exam_form(cc, **changes), page="/training/exams/new")
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[3])


def sit(browser, exam_id, answers):
    """Start the exam on its page and submit `answers` ({"q1": ["1"], ...}); the attempt's page after it."""
    started = post(browser, f"/training/exams/{exam_id}/start", {}, page=f"/training/exams/{exam_id}")
    assert started.status_code == 303, started.text
    attempt = started.headers["location"]
    paper = browser.get(attempt).text
    from tests.test_web import csrf_of

    data = {"csrf": csrf_of(paper)} | {f"q_{k}": values for k, values in answers.items()}
    submitted = browser.post(attempt, data=data, follow_redirects=False)
    return submitted, attempt, paper


def test_an_uncertified_agent_passes_the_exam_on_the_page_then_gets_the_waiting_call_until_retraining(
        cc, client, make, router, browsers, clock):
    exam_id = made_exam(cc, browsers)
    router.start()
    presence(cc, client, cc.novice, "ready")  # proficiency 9, no exam passed
    first = call(cc, client, 1)
    router.run_once()
    assert interaction(make, first) == ("queued", None)

    novice = signed_in(browsers, cc.novice)
    overview = novice.get("/training").text
    assert "not yet certified" in overview and f'href="/training/exams/{exam_id}"' in overview
    # a wrong answer to the second question: 50 %, not passed, and still no work
    submitted, attempt, paper = sit(novice, exam_id, {"q1": ["1"], "q2": ["0"]})
    assert "europrotocol" in paper and "+ The europrotocol" not in paper and "correct" not in paper.lower().replace(
        "choose every correct option", "")
    assert submitted.status_code == 303
    result = novice.get(attempt).text
    assert "Not passed" in result and "50.0 %" in result
    router.run_once()
    router.run_once()
    assert interaction(make, first) == ("queued", None)
    # right: passed, certified for 12 months from now, and routing offers the waiting call at once
    submitted, attempt, _paper = sit(novice, exam_id, {"q1": ["1"], "q2": ["0", "1"]})
    assert "Passed" in novice.get(attempt).text
    (cert,) = certifications(make, cc.novice)
    assert (cert.passed_at, cert.expires_at) == (clock(), add_months(clock(), 12))
    router.run_once()
    router.run_once()
    assert interaction(make, first) == ("offered", cc.novice.agent.id)

    # QA finds a critical error: retraining suspends the certification; declined, the call is never offered back
    supervisor = signed_in(browsers, cc.supervisor)
    response = post(supervisor, f"/training/agents/{cc.novice.agent.id}/retraining",
                    {"skill_id": str(cc.osago.id), "reason": "Wrong europrotocol advice"},
                    page=f"/training/agents/{cc.novice.agent.id}")
    assert response.status_code == 303
    cc.http(client, cc.novice, "POST", f"/interactions/{first}/reject", json={})
    for _ in range(3):
        clock.advance(30)  # past the rejection hold-off
        router.run_once()
    assert interaction(make, first) == ("queued", None)
    page = novice.get("/training").text
    assert "Wrong europrotocol advice" in page and "retraining required" in page
    history = supervisor.get(f"/training/agents/{cc.novice.agent.id}").text
    assert "Wrong europrotocol advice" in history and "not yet: exam due" in history
    # passing again clears the requirement and brings the call back
    sit(novice, exam_id, {"q1": ["1"], "q2": ["0", "1"]})
    router.run_once()
    router.run_once()
    assert interaction(make, first) == ("offered", cc.novice.agent.id)
    with make.uow() as uow:
        (req,) = uow.session.scalars(select(RetrainingRequirement))
        assert req.cleared_at == clock() and req.cleared_by_attempt_id is not None


def test_the_matrix_marks_valid_expiring_suspended_and_missing_certifications(cc, make, browsers, clock):
    with make.uow() as uow:
        colleague = uow.session.get(m.Agent, cc.colleague.agent.id)
        colleague.certifications[0].expires_at = clock() + timedelta(days=10)
        uow.commit()
    retrain(make, cc.qa, cc.agent, cc.osago)
    page = signed_in(browsers, cc.supervisor).get("/training").text
    matrix = page[page.index('id="matrix"'):]
    rows = {name: matrix[matrix.index(name):][:600] for name in
            (cc.agent.agent.display_name, cc.colleague.agent.display_name, cc.novice.agent.display_name)}
    assert "cert-suspended" in rows[cc.agent.agent.display_name]
    assert "retraining required" in rows[cc.agent.agent.display_name]
    assert "cert-expiring" in rows[cc.colleague.agent.display_name]
    assert "cert-none" in rows[cc.novice.agent.display_name]
    # the spb supervisor oversees none of them
    assert cc.agent.agent.display_name not in signed_in(browsers, cc.spb_supervisor).get("/training").text


def test_the_pages_refuse_the_wrong_role(cc, browsers, make):
    exam_id = made_exam(cc, browsers)
    agent = signed_in(browsers, cc.agent)
    for path in ("/training/exams/new", "/training/courses/new", f"/training/exams/{exam_id}/edit"):
        assert agent.get(path).status_code == 403, path
    token_page = agent.get("/training")
    assert token_page.status_code == 200
    for path, data in ((f"/training/agents/{cc.colleague.agent.id}/retraining",
                        {"skill_id": str(cc.osago.id), "reason": "x"}),
                       ("/training/exams", exam_form(cc)), ("/training/courses", {"title": "x"})):
        assert post(agent, path, data, page="/training").status_code == 403, path
    assert agent.get(f"/training/agents/{cc.colleague.agent.id}").status_code == 403  # another agent's history
    assert agent.get(f"/training/agents/{cc.agent.agent.id}").status_code == 200  # their own
    supervisor = signed_in(browsers, cc.supervisor)
    assert supervisor.get(f"/training/exams/{exam_id}").status_code == 403  # only agents sit exams
    assert post(supervisor, f"/training/exams/{exam_id}/start", {}, page="/training").status_code == 403
    assert signed_in(browsers, cc.spb_supervisor).get(f"/training/agents/{cc.agent.agent.id}").status_code == 404
    assert all(c.suspended_at is None for c in certifications(make, cc.colleague))


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"questions": "What is OSAGO?\n+ yes"}, "questions", "Write each question on a line starting with “?”"),
    ({"questions": "? What is OSAGO?\n+ insurance\n+ a tax"}, "questions", "Every question needs"),
    ({"questions": ""}, "questions", "This field is required."),
    ({"pass_mark": "150"}, "pass_mark", "This number is too large."),
    ({"validity_months": "twelve"}, "validity_months", "Enter a whole number."),
    ({"title": ""}, "title", "This field is required."),
    ({"skill_id": ""}, "skill_id", "This field is required."),
])
def test_the_exam_editor_sends_invalid_input_back_next_to_the_field(cc, browsers, changes, field, message):
    supervisor = signed_in(browsers, cc.supervisor)
    response = post(supervisor, "/training/exams", exam_form(cc, **changes), page="/training/exams/new")
    assert response.status_code == 422
    assert (error_of(response.text, field) or "").startswith(message), response.text[-3000:]
    assert "OSAGO" in response.text or changes.get("title") == ""  # what was typed is kept


def test_the_exam_editor_changes_an_exam_and_its_version(cc, browsers, make):
    exam_id = made_exam(cc, browsers)
    supervisor = signed_in(browsers, cc.supervisor)
    editor = supervisor.get(f"/training/exams/{exam_id}/edit").text
    assert "+ The europrotocol" in editor and "?? Which documents" in editor  # the answers, for the editor only
    response = post(supervisor, f"/training/exams/{exam_id}/edit", exam_form(cc, pass_mark="50"))
    assert response.status_code == 303
    with make.uow() as uow:
        exam = uow.session.get(training.TrainingExam, exam_id)
        assert (exam.pass_mark, exam.version, len(exam.questions)) == (50, 2, 2)
        assert exam.questions[1]["kind"] == "multiple" and exam.questions[1]["correct"] == [0, 1]


def test_courses_are_written_by_managers_and_read_by_agents(cc, browsers):
    supervisor = signed_in(browsers, cc.supervisor)
    data = {"skill_id": str(cc.osago.id), "title": "OSAGO basics", "language": "ru",
            "material": "The europrotocol covers damage up to 100 000 RUB.",
            "links": "https://example.org/osago\nhttps://example.org/europrotocol", "is_active": "1"}
    response = post(supervisor, "/training/courses", data, page="/training/courses/new")
    assert response.status_code == 303
    path = response.headers["location"]
    agent = signed_in(browsers, cc.agent)
    assert "OSAGO basics" in agent.get("/training").text  # a course of a skill the agent holds
    shown = agent.get(path).text
    assert "100 000 RUB" in shown and 'href="https://example.org/europrotocol"' in shown
    bad = post(supervisor, path, data | {"links": "example.org"})
    assert bad.status_code == 422 and error_of(bad.text, "links").startswith("Put one web address")
    assert error_of(post(supervisor, path, data | {"title": ""}).text, "title") == "This field is required."
    assert post(agent, path, data, page="/training").status_code == 403


def test_unanswered_questions_and_an_empty_reason_get_a_message_next_to_the_field(cc, browsers, make):
    exam_id = made_exam(cc, browsers)
    novice = signed_in(browsers, cc.novice)
    submitted, _attempt, _paper = sit(novice, exam_id, {"q1": ["1"]})
    assert submitted.status_code == 422
    assert error_of(submitted.text, "q_q2") == "Answer this question."
    assert 'value="1" checked' in submitted.text  # the first answer is kept
    submitted, _attempt, _paper = sit(novice, exam_id, {"q1": ["0", "1"], "q2": ["0"]})
    assert error_of(submitted.text, "q_q1") == "Choose one option."
    supervisor = signed_in(browsers, cc.supervisor)
    path = f"/training/agents/{cc.agent.agent.id}/retraining"
    response = post(supervisor, path, {"skill_id": str(cc.osago.id)}, page="/training")
    assert response.status_code == 422 and error_of(response.text, "reason") == "This field is required."
    response = post(supervisor, path, {"reason": "x"}, page="/training")
    assert response.status_code == 422 and error_of(response.text, "skill_id") == "This field is required."
    assert all(c.suspended_at is None for c in certifications(make, cc.agent))


def test_a_timed_exam_counts_down_from_the_servers_clock_and_grades_what_is_answered_when_time_is_up(
        cc, browsers, clock):
    from tests.test_web import csrf_of

    exam_id = made_exam(cc, browsers, time_limit_min="10")
    novice = signed_in(browsers, cc.novice)
    started = post(novice, f"/training/exams/{exam_id}/start", {}, page=f"/training/exams/{exam_id}")
    attempt = started.headers["location"]
    clock.advance(7 * 60 + 30)
    paper = novice.get(attempt).text
    assert 'data-seconds-left="150"' in paper and 'role="timer"' in paper and ">2:30</span>" in paper
    answered = {"csrf": csrf_of(paper), "q_q1": ["1"]}  # the second question left unanswered
    assert novice.post(attempt, data=answered).status_code == 422  # while there is time: answer every question
    clock.advance(150)
    graded = novice.post(attempt, data=answered | {"time_up": "1"}, follow_redirects=False)  # the countdown's
    assert graded.status_code == 303
    result = novice.get(attempt).text
    assert 'id="score">50.0 %' in result and "Not passed" in result and "after the time limit" not in result


# --- the API ------------------------------------------------------------------------------------------------


def api_exam(cc, **changes):
    return {"skill_id": cc.osago.id, "title": "OSAGO", "pass_mark": 50, "validity_months": 6,
            "questions": [{"key": "a", "text": "Europrotocol?", "options": ["no", "yes"], "correct": [1]},
                          {"key": "b", "text": "Documents?", "kind": "multiple", "options": ["licence", "passport",
                                                                                             "diploma"],
                           "correct": [0, 1]}]} | changes


def test_the_api_grades_on_the_server_renews_and_keeps_history(cc, client, make, clock):
    exam = cc.http(client, cc.qa, "POST", "/training/exams", json=api_exam(cc, retake_delay_h=24))
    paper = cc.http(client, cc.agent, "GET", f"/training/exams/{exam['id']}/paper")
    assert all("correct" not in q for q in paper["questions"])
    started = cc.http(client, cc.agent, "POST", f"/training/exams/{exam['id']}/attempts")
    assert "correct" not in str(started["paper"])
    failed = cc.http(client, cc.agent, "POST", f"/training/attempts/{started['attempt']['id']}/submit",
                     json={"answers": {"a": [0], "b": [0]}})
    assert (failed["score"], failed["passed"], failed["right"], failed["total"]) == (0.0, False, 0, 2)
    again = client.post(f"/api/v1/training/exams/{exam['id']}/attempts", headers=cc.agent.auth)
    assert again.status_code == 409  # the retake delay
    clock.advance(24 * 3600)
    started = cc.http(client, cc.agent, "POST", f"/training/exams/{exam['id']}/attempts")
    passed = cc.http(client, cc.agent, "POST", f"/training/attempts/{started['attempt']['id']}/submit",
                     json={"answers": {"a": [1], "b": [1]}})
    assert (passed["score"], passed["passed"]) == (50.0, True)
    assert passed["certification_expires_at"].startswith(add_months(clock(), 6).date().isoformat())
    history = cc.http(client, cc.supervisor, "GET", f"/training/agents/{cc.agent.agent.id}")
    assert [a["passed"] for a in history["attempts"]] == [True, False]
    osago = [c for c in history["certifications"] if c["skill_code"] == "osago"]
    assert [c["valid_now"] for c in osago] == [True, True]  # the renewal beside the older certificate
    with make.uow() as uow:  # the one that lasts longer counts for routing: a renewal never shortens it
        from helpline.services import scope
        held = scope.held_skills(uow.session.get(m.Agent, cc.agent.agent.id), clock())["osago"]
        assert held.certification_expires_at == max(c.expires_at for c in certifications(make, cc.agent)
                                                    if c.skill_id == cc.osago.id)
    (event,) = events_of(make, "certification_granted")
    assert (event.agent_id, event.data["attempt_id"], event.data["score"]) == (
        cc.agent.agent.id, passed["id"], 50.0)
    twice = client.post(f"/api/v1/training/attempts/{passed['id']}/submit", headers=cc.agent.auth, json={})
    assert twice.status_code == 409
    assert client.post(f"/api/v1/training/attempts/{passed['id']}/submit", headers=cc.colleague.auth,
                       json={}).status_code == 404  # someone else's attempt


def test_a_late_submission_fails_and_a_changed_exam_must_be_started_again(cc, client, clock):
    exam = cc.http(client, cc.qa, "POST", "/training/exams", json=api_exam(cc, time_limit_min=10))
    started = cc.http(client, cc.agent, "POST", f"/training/exams/{exam['id']}/attempts")
    clock.advance(11 * 60)
    late = cc.http(client, cc.agent, "POST", f"/training/attempts/{started['attempt']['id']}/submit",
                   json={"answers": {"a": [1], "b": [0, 1]}})
    assert (late["score"], late["passed"], late["late"], late["certification_id"]) == (100.0, False, True, None)
    started = cc.http(client, cc.agent, "POST", f"/training/exams/{exam['id']}/attempts")
    cc.http(client, cc.supervisor, "PUT", f"/training/exams/{exam['id']}", json=api_exam(cc, pass_mark=100))
    changed = client.post(f"/api/v1/training/attempts/{started['attempt']['id']}/submit", headers=cc.agent.auth,
                          json={"answers": {"a": [1], "b": [0, 1]}})
    assert changed.status_code == 409


def test_the_api_refuses_invalid_exams_and_unknown_questions(cc, client):
    single_with_two = api_exam(cc, questions=[{"key": "a", "text": "?", "options": ["x", "y"], "correct": [0, 1]}])
    assert client.post("/api/v1/training/exams", headers=cc.qa.auth, json=single_with_two).status_code == 422
    out_of_range = api_exam(cc, questions=[{"key": "a", "text": "?", "options": ["x", "y"], "correct": [2]}])
    assert client.post("/api/v1/training/exams", headers=cc.qa.auth, json=out_of_range).status_code == 422
    twice = api_exam(cc)
    twice["questions"] = twice["questions"] + twice["questions"][:1]
    assert client.post("/api/v1/training/exams", headers=cc.qa.auth, json=twice).status_code == 422
    assert client.post("/api/v1/training/exams", headers=cc.qa.auth,
                       json=api_exam(cc, skill_id=9999)).status_code == 404
    exam = cc.http(client, cc.qa, "POST", "/training/exams", json=api_exam(cc))
    started = cc.http(client, cc.agent, "POST", f"/training/exams/{exam['id']}/attempts")
    unknown = client.post(f"/api/v1/training/attempts/{started['attempt']['id']}/submit", headers=cc.agent.auth,
                          json={"answers": {"zzz": [0]}})
    assert unknown.status_code == 422


@pytest.mark.parametrize(("who", "method", "path"), [
    ("agent", "POST", "/training/exams"),
    ("agent", "GET", "/training/exams"),  # the answers
    ("agent", "GET", "/training/exams/1"),
    ("agent", "PUT", "/training/exams/1"),
    ("agent", "POST", "/training/courses"),
    ("agent", "PUT", "/training/courses/1"),
    ("agent", "GET", "/training/matrix"),
    ("agent", "POST", "/training/agents/1/retraining"),
    ("supervisor", "POST", "/training/exams/1/attempts"),
    ("supervisor", "GET", "/training/me"),
    ("qa", "POST", "/training/attempts/1/submit"),
    ("pbx", "GET", "/training/courses"),
    ("pbx", "GET", "/training/agents/1"),
])
def test_the_api_refuses_the_wrong_role(cc, client, who, method, path):
    response = client.request(method, f"/api/v1{path}", headers=getattr(cc, who).auth, json={})
    assert response.status_code == 403


def test_the_api_retraining_route_and_an_agents_own_results(cc, client):
    body = {"skill_id": cc.osago.id, "reason": "Critical error in call 17"}
    history = cc.http(client, cc.supervisor, "POST", f"/training/agents/{cc.agent.agent.id}/retraining", json=body)
    assert history["retraining"][0]["reason"] == "Critical error in call 17"
    reasons = {c["skill_code"]: c["suspended_reason"] for c in history["certifications"]}
    assert reasons == {"osago": "Critical error in call 17", "chat": None}
    mine = cc.http(client, cc.agent, "GET", "/training/me")
    assert [r["skill_code"] for r in mine["retraining"]] == ["osago"]
    assert client.get(f"/api/v1/training/agents/{cc.colleague.agent.id}", headers=cc.agent.auth).status_code == 403
    assert client.post(f"/api/v1/training/agents/{cc.agent.agent.id}/retraining", headers=cc.spb_supervisor.auth,
                       json=body).status_code == 404
    matrix = cc.http(client, cc.supervisor, "GET", "/training/matrix")
    row = next(r for r in matrix["rows"] if r["agent_id"] == cc.agent.agent.id)
    assert row["cells"]["osago"]["status"] == "suspended" and row["retraining"] == ["osago"]


def test_the_demo_seeds_a_course_an_exam_and_two_attempts_once(cc, make):
    from helpline.demo.training import ensure_training

    with make.uow() as uow:
        assert ensure_training(uow) == 1  # only osago of the demo's skills exists in this centre
        assert ensure_training(uow) == 0
    with make.uow() as uow:
        results = [(a.agent_id, a.passed) for a in uow.session.scalars(
            select(training.ExamAttempt).order_by(training.ExamAttempt.id))]
    assert results == [(cc.agent.agent.id, True), (cc.colleague.agent.id, False)]
