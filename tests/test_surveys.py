"""Satisfaction surveys: sending by SMS, e-mail, chat and call-back; the customer's answer by the link (once,
until it expires); the review every score below 4 opens; call-back campaigns with their figures; CSAT/CSI/NPS
in the KPI report; the /surveys pages and /s/{token}."""

import re
from contextlib import ExitStack
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.adapters.db.models_surveys import SurveyReview
from tests.contact_centre import fields_named
from tests.test_web import csrf_of, signed_in

V1 = "/api/v1"
DAY = "from=2026-02-02&to=2026-02-03"


def handled(cc, make, clock, *, agent=None, customer=None, minutes_ago=10, channel="voice"):
    now = clock() - timedelta(minutes=minutes_ago)
    with make.uow() as uow:
        call = m.Interaction(client_id=cc.client.id, channel=channel, state="completed",
                             queue_id=cc.osago_queue.id, agent_id=(agent or cc.agent).agent.id,
                             customer_id=customer.id if customer else None, created_at=now - timedelta(minutes=5),
                             queued_at=now - timedelta(minutes=5), answered_at=now - timedelta(minutes=4),
                             ended_at=now, language="en")
        uow.session.add(call)
        uow.commit()
        return call


@pytest.fixture
def ivan(make, cc):
    """A customer who reads English (the answer page follows the customer's language)."""
    return make.customer("Ivan Petrov", phones=["+74951234567"], emails=["ivan@example.ru"], client=cc.client,
                         language="en")


def send(cc, client, who=None, **body):
    return client.post(f"{V1}/surveys", json={"channel": "sms", **body}, headers=(who or cc.supervisor).auth)


def token_of(link):
    return link.rsplit("/s/", 1)[1]


def test_an_sms_survey_is_answered_once_by_its_link_and_the_answer_is_an_event(cc, client, make, clock, ivan, uow):
    call = handled(cc, make, clock, customer=ivan)
    sent = send(cc, client, interaction_id=call.id, ask_nps=True)
    assert sent.status_code == 201, sent.text
    survey = sent.json()
    assert survey["agent_id"] == cc.agent.agent.id and survey["customer_id"] == ivan.id and survey["link"]
    token = token_of(survey["link"])
    message = uow.session.scalar(select(m.OutboundMessage).where(m.OutboundMessage.idempotency_key
                                                                == f"survey:{survey['id']}"))
    assert message.channel == "sms" and message.to_address == "+74951234567" and survey["link"] in message.body
    stored = uow.session.get(m.Survey, survey["id"])
    assert stored.token_digest and token not in stored.token_digest  # only the digest is kept
    shown = client.get(f"{V1}/surveys/answer/{token}").json()
    assert shown == {"state": "open", "ask_nps": True, "language": "en", "client_name": cc.client.name}
    answered = client.post(f"{V1}/surveys/answer/{token}", json={"score": 5, "nps": 9, "comment": "Quick"})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    again = client.post(f"{V1}/surveys/answer/{token}", json={"score": 1})
    assert again.status_code == 409
    event = uow.session.scalar(select(m.Event).where(m.Event.type == "survey_answered"))
    assert event.interaction_id == call.id and event.agent_id == cc.agent.agent.id
    assert event.data == {"score": 5, "nps": 9, "survey_id": survey["id"], "channel": "sms"}
    assert uow.session.scalar(select(SurveyReview)) is None  # a 5 opens no review
    assert send(cc, client, interaction_id=call.id).status_code == 409  # one survey per interaction
    assert client.get(f"{V1}/surveys/answer/not-a-real-token-at-all").status_code == 404


def test_an_expired_link_refuses_the_answer_and_nps_is_only_taken_when_asked(cc, client, make, clock, ivan):
    call = handled(cc, make, clock, customer=ivan)
    survey = send(cc, client, interaction_id=call.id, expires_in_days=1).json()
    token = token_of(survey["link"])
    bad = client.post(f"{V1}/surveys/answer/{token}", json={"score": 4, "nps": 10})
    assert bad.status_code == 422
    out_of_range = client.post(f"{V1}/surveys/answer/{token}", json={"score": 6})
    assert out_of_range.status_code == 422 and "score" in fields_named(out_of_range)
    clock.advance(2 * 86400)
    assert client.get(f"{V1}/surveys/answer/{token}").json()["state"] == "expired"
    assert client.post(f"{V1}/surveys/answer/{token}", json={"score": 4}).status_code == 409


def test_a_score_below_4_opens_a_review_for_the_site_supervisor_who_records_its_result(cc, client, make, clock,
                                                                                         ivan):
    call = handled(cc, make, clock, customer=ivan)
    survey = send(cc, client, interaction_id=call.id, channel="email").json()
    client.post(f"{V1}/surveys/answer/{token_of(survey['link'])}", json={"score": 2, "comment": "Nobody called back"})
    (review,) = cc.http(client, cc.supervisor, "GET", "/surveys/reviews")
    assert review["score"] == 2 and review["assigned_user_id"] == cc.supervisor.user.id
    assert review["agent_id"] == cc.agent.agent.id and review["site_id"] == cc.moscow.id
    assert cc.http(client, cc.spb_supervisor, "GET", "/surveys/reviews") == []  # another site's supervisor
    assert client.get(f"{V1}/surveys/reviews/{review['id']}", headers=cc.spb_supervisor.auth).status_code == 404
    assert [r["id"] for r in cc.http(client, cc.qa, "GET", "/surveys/reviews")] == [review["id"]]  # QA queue
    cc.http(client, cc.supervisor, "POST", f"/surveys/reviews/{review['id']}/notes", json={"comment": "Calling"})
    incomplete = client.post(f"{V1}/surveys/reviews/{review['id']}/close", headers=cc.supervisor.auth,
                             json={"result": "resolved", "cause": " ", "action": "Called back"})
    assert incomplete.status_code == 422 and "cause" in fields_named(incomplete)
    contradiction = client.post(f"{V1}/surveys/reviews/{review['id']}/close", headers=cc.supervisor.auth, json={
        "result": "not_reached", "customer_contacted": True, "cause": "x", "action": "y"})
    assert contradiction.status_code == 422
    done = cc.http(client, cc.supervisor, "POST", f"/surveys/reviews/{review['id']}/close", json={
        "result": "resolved", "customer_contacted": True, "cause": "Call-back promised and forgotten",
        "action": "Called the customer; coaching for the agent", "comment": "Customer satisfied now"})
    assert done["status"] == "done" and done["result"] == "resolved" and done["closed_by_user_id"] == \
        cc.supervisor.user.id
    assert [h["kind"] for h in done["history"]] == ["opened", "note", "done"]
    assert done["history"][0]["comment"] == "Nobody called back" and done["survey"]["score"] == 2
    assert client.post(f"{V1}/surveys/reviews/{review['id']}/close", headers=cc.supervisor.auth, json={
        "result": "resolved", "cause": "x", "action": "y"}).status_code == 409
    assert cc.http(client, cc.supervisor, "GET", "/surveys/reviews") == []
    assert len(cc.http(client, cc.supervisor, "GET", "/surveys/reviews?status=done")) == 1


def test_a_voice_survey_is_a_call_back_task_whose_agent_records_the_answer(cc, client, make, clock, ivan, uow):
    call = handled(cc, make, clock, customer=ivan, agent=cc.colleague)
    survey = send(cc, client, interaction_id=call.id, channel="voice").json()
    assert survey["link"] is None and survey["call_task_id"]
    task = cc.http(client, cc.agent, "POST", "/call-tasks/next")
    assert task["id"] == survey["call_task_id"] and task["kind"] == "survey_callback"
    wrong = client.post(f"{V1}/surveys/{survey['id']}/callback-answer", json={"score": 3},
                        headers=cc.colleague.auth)
    assert wrong.status_code == 404  # only the agent working the task
    answered = cc.http(client, cc.agent, "POST", f"/surveys/{survey['id']}/callback-answer",
                       json={"score": 3, "talk_s": 60, "comment": "Slow payment"})
    assert answered["score"] == 3 and answered["answered_at"]
    uow.session.expire_all()
    stored_task = uow.session.get(m.CallTask, task["id"])
    assert stored_task.status == "done" and stored_task.last_result == "reached" and stored_task.interaction_id
    review = uow.session.scalar(select(SurveyReview))
    assert review.agent_id == cc.colleague.agent.id and review.score == 3


def test_a_campaign_surveys_the_periods_interactions_and_reports_its_figures(cc, client, make, clock, ivan):
    calls = [handled(cc, make, clock, customer=ivan, minutes_ago=30 + i) for i in range(4)]
    handled(cc, make, clock, customer=None)  # no customer: skipped by the selection
    surveyed = handled(cc, make, clock, customer=ivan, minutes_ago=20)
    send(cc, client, interaction_id=surveyed.id)  # already has a survey: not selected again
    body = {"name": "February call-backs", "client_id": cc.client.id, "channel": "voice",
            "period_from": "2026-02-02T00:00:00Z", "period_to": "2026-02-03T00:00:00Z"}
    report = cc.http(client, cc.supervisor, "POST", "/surveys/campaigns", json=body)
    assert report["selected"] == 4 and report["skipped"] == 0
    assert report["figures"] == {"sent": 4, "reached": 0, "answered": 0, "response_rate": 0.0, "csat": None,
                                 "csat_share_4_5": None, "nps": None, "low_scores": 0}
    for score in (5, 4, 2):
        task = cc.http(client, cc.agent, "POST", "/call-tasks/next")
        survey_id = int(re.search(r"survey (\d+)", task["reason"]).group(1))
        cc.http(client, cc.agent, "POST", f"/surveys/{survey_id}/callback-answer", json={"score": score})
    report = cc.http(client, cc.qa, "GET", f"/surveys/campaigns/{report['id']}")
    assert report["figures"] == {"sent": 4, "reached": 3, "answered": 3, "response_rate": 0.75,
                                 "csat": round(11 / 3, 3), "csat_share_4_5": round(2 / 3, 4), "nps": None,
                                 "low_scores": 1}
    with make.uow() as uow:
        chosen = set(uow.session.scalars(select(m.Survey.interaction_id).where(m.Survey.campaign_id == report["id"])))
    assert chosen == {c.id for c in calls}  # the four calls of the period with a customer and no survey yet
    assert cc.http(client, cc.supervisor, "GET", "/surveys/campaigns")[0]["id"] == report["id"]
    backwards = client.post(f"{V1}/surveys/campaigns", headers=cc.supervisor.auth,
                            json={**body, "period_to": "2026-02-01T00:00:00Z"})
    assert backwards.status_code == 422


def test_csat_csi_and_nps_reach_the_kpi_report_and_the_survey_figures(cc, client, make, clock, ivan):
    for score, nps in ((5, 10), (4, 8), (2, 3)):
        call = handled(cc, make, clock, customer=ivan)
        survey = send(cc, client, interaction_id=call.id, ask_nps=True).json()
        client.post(f"{V1}/surveys/answer/{token_of(survey['link'])}", json={"score": score, "nps": nps})
    (row,) = cc.http(client, cc.admin, "GET", f"/reports/kpi?{DAY}&metrics=csat,csat_share_4_5,nps")
    assert row["csat"] == pytest.approx(11 / 3) and row["csat_share_4_5"] == pytest.approx(2 / 3)
    assert row["nps"] == pytest.approx(0.0)  # one promoter, one detractor, one passive
    figures = cc.http(client, cc.supervisor, "GET", "/surveys/figures")
    assert figures["answered"] == 3 and figures["csat"] == round(11 / 3, 3) and figures["nps"] == 0.0
    assert figures["low_scores"] == 1 and figures["response_rate"] == 1.0
    assert cc.http(client, cc.spb_supervisor, "GET", "/surveys/figures")["sent"] == 0  # other site's agents


def test_the_report_page_shows_csi_csat_and_nps(cc, client, make, clock, ivan, browsers):
    for score, nps in ((5, 10), (4, 8), (2, 3)):
        call = handled(cc, make, clock, customer=ivan)
        survey = send(cc, client, interaction_id=call.id, ask_nps=True).json()
        client.post(f"{V1}/surveys/answer/{token_of(survey['link'])}", json={"score": score, "nps": nps})
    page = signed_in(browsers, cc.qa).get(f"/reports?{DAY}&interval=1h&by=interval&lang=en")
    assert page.status_code == 200
    assert "CSI (mean score)" in page.text and "CSAT (share of 4 and 5)" in page.text
    assert "3.67" in page.text and "66.7%" in page.text


def test_sending_refuses_what_cannot_be_surveyed(cc, client, make, clock):
    nobody = handled(cc, make, clock)
    assert send(cc, client, interaction_id=nobody.id).status_code == 422  # no customer, no phone
    assert send(cc, client, interaction_id=nobody.id, channel="chat").status_code == 422  # no chat
    neither = send(cc, client)
    assert neither.status_code == 422
    assert send(cc, client, interaction_id=999_999).status_code == 404
    assert send(cc, client, who=cc.spb_supervisor, interaction_id=nobody.id).status_code == 404  # out of scope


@pytest.mark.parametrize(("who", "method", "path"), [
    ("agent", "POST", "/surveys"), ("qa", "POST", "/surveys"), ("pbx", "POST", "/surveys"),
    ("agent", "GET", "/surveys"), ("pbx", "GET", "/surveys/figures"), ("agent", "GET", "/surveys/reviews"),
    ("agent", "POST", "/surveys/reviews/1/close"), ("agent", "POST", "/surveys/campaigns"),
    ("qa", "POST", "/surveys/campaigns"), ("agent", "GET", "/surveys/campaigns"),
    ("qa", "POST", "/surveys/1/callback-answer"), ("pbx", "GET", "/surveys/1"),
])
def test_the_wrong_role_is_refused(cc, client, who, method, path):
    assert client.request(method, f"{V1}{path}", headers=getattr(cc, who).auth, json={}).status_code == 403


# --- pages ----------------------------------------------------------------------------------------


@pytest.fixture
def browsers(app):
    """Separate cookie jars, one per person at the keyboard."""
    from fastapi.testclient import TestClient

    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def error_of(page: str, field: str) -> str | None:
    found = re.search(rf'<span class="field-error" id="{re.escape(field)}-error">([^<]*)</span>', page)
    return found.group(1) if found else None


def low_score(cc, client, make, clock, ivan, score=2, comment="Rude operator"):
    call = handled(cc, make, clock, customer=ivan)
    survey = send(cc, client, interaction_id=call.id).json()
    token = token_of(survey["link"])
    client.post(f"{V1}/surveys/answer/{token}", json={"score": score, "comment": comment})
    return survey, token


def test_the_public_page_takes_the_answer_once_in_the_customers_language(cc, client, make, clock, ivan, browsers):
    call = handled(cc, make, clock, customer=ivan)
    survey = send(cc, client, interaction_id=call.id, ask_nps=True).json()
    path = f"/s/{token_of(survey['link'])}"
    customer = browsers()
    form = customer.get(path)
    assert form.status_code == 200 and 'lang="en"' in form.text and "How did we do?" in form.text
    assert 'name="nps"' in form.text and 'name="csrf"' not in form.text
    assert "Оцените нашу работу" in customer.get(f"{path}?lang=ru").text
    missing = customer.post(path, data={"comment": "no score"}, follow_redirects=False)
    assert missing.status_code == 422 and error_of(missing.text, "score") == "Choose a score from 1 to 5."
    assert "no score" in missing.text  # what was typed is kept
    too_long = customer.post(path, data={"score": "3", "comment": "x" * 2001}, follow_redirects=False)
    assert too_long.status_code == 422 and error_of(too_long.text, "comment") == "This is too long."
    sent = customer.post(path, data={"score": "2", "nps": "4", "comment": "Too slow"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"{path}?thanks=1"
    assert 'id="thanks"' in customer.get(sent.headers["location"]).text
    again = customer.get(path)
    assert again.status_code == 200 and 'id="already"' in again.text and 'name="score"' not in again.text
    assert customer.post(path, data={"score": "5"}, follow_redirects=False).status_code == 303  # no second answer
    assert cc.http(client, cc.qa, "GET", f"/surveys/{survey['id']}")["score"] == 2
    unknown = customer.get("/s/this-token-was-never-issued")
    assert unknown.status_code == 404 and "<html" in unknown.text


def test_an_expired_link_gets_a_clear_page(cc, client, make, clock, ivan, browsers):
    call = handled(cc, make, clock, customer=ivan)
    survey = send(cc, client, interaction_id=call.id, expires_in_days=1).json()
    clock.advance(2 * 86400)
    page = browsers().get(f"/s/{token_of(survey['link'])}")
    assert page.status_code == 410 and 'id="expired"' in page.text and 'name="score"' not in page.text


def test_the_review_form_records_the_result_and_shows_errors_next_to_the_fields(cc, client, make, clock, ivan,
                                                                               browsers):
    low_score(cc, client, make, clock, ivan)
    supervisor = signed_in(browsers, cc.supervisor)
    listing = supervisor.get("/surveys/reviews")
    review_id = int(re.search(r'id="review-(\d+)"', listing.text).group(1))
    page = supervisor.get(f"/surveys/reviews/{review_id}")
    assert "Rude operator" in page.text and 'id="close-form"' in page.text
    token = csrf_of(page.text)
    empty = supervisor.post(f"/surveys/reviews/{review_id}/close", data={"csrf": token, "result": "resolved"})
    assert empty.status_code == 422 and error_of(empty.text, "cause") and error_of(empty.text, "action")
    contradiction = supervisor.post(f"/surveys/reviews/{review_id}/close", data={
        "csrf": token, "result": "not_reached", "customer_contacted": "1", "cause": "c", "action": "a"})
    assert contradiction.status_code == 422 and error_of(contradiction.text, "customer_contacted")
    note = supervisor.post(f"/surveys/reviews/{review_id}/notes", data={"csrf": token, "note": ""})
    assert note.status_code == 422 and error_of(note.text, "note")
    closed = supervisor.post(f"/surveys/reviews/{review_id}/close", data={
        "csrf": token, "result": "not_resolved", "customer_contacted": "1", "cause": "Wrong tariff quoted",
        "action": "Explained; tariff guide corrected"}, follow_redirects=False)
    assert closed.status_code == 303
    shown = supervisor.get(f"/surveys/reviews/{review_id}").text
    assert 'id="review-result"' in shown and "Wrong tariff quoted" in shown and 'id="close-form"' not in shown
    assert supervisor.post(f"/surveys/reviews/{review_id}/close", data={"result": "resolved"}).status_code == 403


def test_the_answers_page_shows_the_figures_and_filters(cc, client, make, clock, ivan, browsers):
    low_score(cc, client, make, clock, ivan, score=2)
    low_score(cc, client, make, clock, ivan, score=5, comment="Great")
    qa = signed_in(browsers, cc.qa)
    page = qa.get("/surveys").text
    assert re.search(r'id="fig-answered">2<', page) and re.search(r'id="fig-csat">50.0 %<', page)
    assert re.search(r'id="fig-csi">3.50<', page) and "Great" in page
    filtered = qa.get("/surveys?max_score=3").text
    assert "Rude operator" in filtered and "Great" not in filtered


def test_a_campaign_is_started_from_its_page_and_a_bad_period_is_marked(cc, client, make, clock, ivan, browsers):
    handled(cc, make, clock, customer=ivan)
    supervisor = signed_in(browsers, cc.supervisor)
    page = supervisor.get("/surveys/campaigns")
    token = csrf_of(page.text)
    base = {"csrf": token, "name": "Week 6", "client_id": str(cc.client.id), "channel": "voice",
            "source": "interactions", "period_from": "2026-02-02", "period_to": "2026-02-02"}
    bad = supervisor.post("/surveys/campaigns", data={**base, "period_from": "yesterday"})
    assert bad.status_code == 422 and error_of(bad.text, "period_from")
    no_name = supervisor.post("/surveys/campaigns", data={**base, "name": ""})
    assert no_name.status_code == 422 and error_of(no_name.text, "name")
    started = supervisor.post("/surveys/campaigns", data=base, follow_redirects=False)
    assert started.status_code == 303
    shown = supervisor.get("/surveys/campaigns").text
    assert "Week 6" in shown and re.search(r'id="fig-sent">1<', shown)
    assert 'id="campaign-form"' not in signed_in(browsers, cc.qa).get("/surveys/campaigns").text


@pytest.mark.parametrize(("who", "path"), [("agent", "/surveys"), ("agent", "/surveys/reviews"),
                                           ("agent", "/surveys/campaigns"), ("agent", "/surveys/reviews/1")])
def test_pages_refuse_the_wrong_role(cc, browsers, who, path):
    assert signed_in(browsers, getattr(cc, who)).get(path).status_code == 403


def test_qa_may_not_start_a_campaign_from_the_page(cc, browsers):
    qa = signed_in(browsers, cc.qa)
    token = csrf_of(qa.get("/surveys/campaigns").text)
    assert qa.post("/surveys/campaigns", data={"csrf": token, "name": "x"}).status_code == 403


def test_the_demo_seeds_answered_surveys_and_reviews_once(cc, make, clock, ivan, uow):
    from helpline.demo.surveys import ensure_surveys

    for minutes in range(30):
        handled(cc, make, clock, customer=ivan, minutes_ago=10 + minutes)
    assert ensure_surveys(uow, count=30) == 30
    answered = list(uow.session.scalars(select(m.Survey).where(m.Survey.answered_at.is_not(None))))
    assert 10 < len(answered) < 30
    low = [s for s in answered if s.score < 4]
    assert len(list(uow.session.scalars(select(SurveyReview)))) == len(low)
    assert ensure_surveys(uow, count=30) == 0  # once
