"""The complaint register (issue 8): deadlines from the rule engine, the handler rule, status transitions,
documents requested, due-soon and overdue lists, scope, events and the complaint rate, the pages and the CLI."""

import re
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.adapters.db.models_complaints import ComplaintChange
from helpline.domain import complaints as rules
from helpline.domain.deadlines import BUILT_IN_RULES, due
from helpline.domain.errors import IllegalTransition, InvalidInput
from helpline.kpi.engine import ReportSpec, report
from tests.test_web import csrf_of, signed_in

MSK = ZoneInfo("Europe/Moscow")
RU = BUILT_IN_RULES["ru-complaint"]


def call(cc, client) -> dict:
    return cc.http(client, cc.pbx, "POST", "/interactions",
                   json={"channel": "voice", "queue_id": cc.osago_queue.id, "from_address": "+74951234567"})


def handled_call(cc, client) -> dict:
    """A call the agent answered and wrapped up."""
    made = call(cc, client)
    cc.http(client, cc.pbx, "POST", f"/interactions/{made['id']}/answer", json={"agent_id": cc.agent.agent.id})
    cc.http(client, cc.agent, "POST", f"/interactions/{made['id']}/complete", json={"wrap_up_code": "claim_registered"})
    return cc.http(client, cc.admin, "GET", f"/interactions/{made['id']}")


def body(cc, **extra) -> dict:
    return {"client_id": cc.client.id, "complainant_name": "Ivan Petrov", "channel": "voice",
            "category": "claim_settlement", "subject": "Payment delayed", "facts": "The claim was filed a month ago.",
            **extra}


def register(cc, client, who=None, **extra) -> dict:
    return cc.http(client, who or cc.supervisor, "POST", "/complaints", json=body(cc, **extra))


# --- the pure rules ------------------------------------------------------------------------------------------


def test_status_moves_only_forwards_and_answering_needs_an_outcome_and_a_response():
    rules.check_transition("registered", "in_progress")
    rules.check_transition("in_progress", "answered")
    rules.check_transition("answered", "closed")
    for current, target in (("answered", "in_progress"), ("closed", "in_progress"), ("rejected", "answered"),
                            ("registered", "registered")):
        with pytest.raises(IllegalTransition):
            rules.check_transition(current, target)
    with pytest.raises(InvalidInput, match="outcome"):
        rules.check_outcome("in_progress", "answered", None, "We paid.")
    with pytest.raises(InvalidInput, match="response"):
        rules.check_outcome("in_progress", "rejected", None, " ")
    rules.check_outcome("answered", "closed", None, "")  # already answered: closing needs nothing more


def test_the_handler_may_not_be_the_agent_complained_about():
    rules.check_handler(7, 8)
    rules.check_handler(None, 8)
    with pytest.raises(InvalidInput, match="handler"):
        rules.check_handler(8, 8)


def test_the_rule_is_the_one_asked_else_the_clients_else_the_sites_country():
    assert rules.rule_name_for("picc-callback", "cn-complaint", "RU") == "picc-callback"
    assert rules.rule_name_for(None, "cn-complaint", "RU") == "cn-complaint"
    assert rules.rule_name_for(None, None, "IE") == "ie-complaint"
    assert rules.rule_name_for(None, None, None) == "ru-complaint"


def test_due_soon_counts_working_days_of_the_rule_calendar():
    friday = datetime(2026, 2, 20, 10, 0, tzinfo=MSK)  # Monday 23 February is a public holiday
    due_tuesday = datetime(2026, 2, 24, 23, 59, 59, tzinfo=MSK)
    due_wednesday = datetime(2026, 2, 25, 23, 59, 59, tzinfo=MSK)
    assert rules.deadline_state(RU, "registered", due_tuesday, friday, 1) == rules.DeadlineState.DUE_SOON
    assert rules.deadline_state(RU, "registered", due_wednesday, friday, 1) == rules.DeadlineState.ON_TRACK
    assert rules.deadline_state(RU, "registered", due_wednesday, friday, 2) == rules.DeadlineState.DUE_SOON
    assert rules.deadline_state(RU, "in_progress", friday - timedelta(seconds=1), friday) == rules.DeadlineState.OVERDUE
    assert rules.deadline_state(RU, "answered", friday - timedelta(days=1), friday) is None


# --- the API -------------------------------------------------------------------------------------------------


def test_registering_computes_the_deadline_with_the_rule_engine_and_audits_it(cc, client, clock, uow):
    received = datetime(2026, 2, 2, 12, 0, tzinfo=MSK)
    made = register(cc, client, received_at=received.isoformat())
    assert made["rule"] == "ru-complaint" and made["status"] == "registered"
    # 15 working days after Monday 2 February 2026; Monday 23 February is a public holiday
    assert made["due_local"] == "2026-02-24T23:59:59+03:00"
    assert datetime.fromisoformat(made["due_at"]) == due(RU, received)
    assert made["deadline_state"] == "on_track" and made["site_id"] == cc.moscow.id
    got = cc.http(client, cc.supervisor, "GET", f"/complaints/{made['id']}")
    assert [h["action"] for h in got["history"]] == ["registered"]
    assert got["history"][0]["username"] == cc.supervisor.user.username
    event = uow.session.scalars(select(m.Event).where(m.Event.type == "complaint_registered")).one()
    assert event.occurred_at == received and event.data["complaint_id"] == made["id"]
    assert event.data["client_id"] == cc.client.id and event.actor_user_id == cc.supervisor.user.id


def test_a_naive_received_time_is_read_in_the_rules_time_zone_and_a_future_one_is_refused(cc, client, clock):
    made = register(cc, client, received_at="2026-02-02T01:30", rule="cn-complaint")
    assert datetime.fromisoformat(made["received_at"]) == datetime(2026, 2, 1, 17, 30, tzinfo=UTC)  # 01:30 Shanghai
    future = client.post("/api/v1/complaints", headers=cc.supervisor.auth,
                         json=body(cc, received_at=(clock() + timedelta(hours=1)).isoformat()))
    assert future.status_code == 422 and "future" in future.json()["detail"]


def test_an_agent_registers_from_a_handled_interaction_its_case_and_queue_are_taken(cc, client, clock, uow):
    handled = handled_call(cc, client)
    payload = body(cc, interaction_id=handled["id"], subject_agent_id=cc.colleague.agent.id)
    del payload["client_id"]
    made = cc.http(client, cc.agent, "POST", "/complaints", json=payload)
    assert made["case_id"] == handled["case_id"] and made["queue_id"] == cc.osago_queue.id
    assert made["client_id"] == cc.client.id
    event = uow.session.scalars(select(m.Event).where(m.Event.type == "complaint_registered")).one()
    assert (event.interaction_id, event.case_id, event.queue_id, event.agent_id) == (
        handled["id"], handled["case_id"], cc.osago_queue.id, cc.colleague.agent.id)
    # an interaction the agent never saw is missing for them
    other = call(cc, client)
    missing = client.post("/api/v1/complaints", headers=cc.novice.auth, json=body(cc, interaction_id=other["id"]))
    assert missing.status_code == 404


def test_the_handler_is_never_the_agent_complained_about(cc, client):
    refused = client.post("/api/v1/complaints", headers=cc.supervisor.auth,
                          json=body(cc, subject_agent_id=cc.agent.agent.id, handler_user_id=cc.agent.user.id))
    assert refused.status_code == 422 and "handler" in refused.json()["detail"]
    made = register(cc, client, subject_agent_id=cc.agent.agent.id, handler_user_id=cc.colleague.user.id)
    again = client.patch(f"/api/v1/complaints/{made['id']}", headers=cc.supervisor.auth,
                         json={"handler_user_id": cc.agent.user.id})
    assert again.status_code == 422
    qa_handler = client.patch(f"/api/v1/complaints/{made['id']}", headers=cc.supervisor.auth,
                              json={"handler_user_id": cc.qa.user.id})
    assert qa_handler.status_code == 422  # QA reads complaints but does not handle them
    # the agent complained about may not touch the complaint even when they can see it
    own = register(cc, client, who=cc.agent, subject_agent_id=cc.agent.agent.id)
    touched = client.post(f"/api/v1/complaints/{own['id']}/status", headers=cc.agent.auth,
                          json={"status": "in_progress"})
    assert touched.status_code == 403


def test_requesting_documents_extends_the_russian_deadline_by_ten_working_days(cc, client, clock):
    received = datetime(2026, 2, 2, 12, 0, tzinfo=MSK)
    made = register(cc, client, received_at=received.isoformat())
    extended = cc.http(client, cc.supervisor, "POST", f"/complaints/{made['id']}/documents-requested",
                       json={"note": "Police report"})
    assert extended["documents_requested"] is True
    assert extended["due_local"] == "2026-03-11T23:59:59+03:00"  # 25 working days; 9 March is a holiday
    assert datetime.fromisoformat(extended["due_at"]) == due(RU, received, extended=True)
    twice = client.post(f"/api/v1/complaints/{made['id']}/documents-requested", headers=cc.supervisor.auth, json={})
    assert twice.status_code == 409
    uk = register(cc, client, rule="uk-complaint")
    no_extension = client.post(f"/api/v1/complaints/{uk['id']}/documents-requested", headers=cc.supervisor.auth,
                               json={})
    assert no_extension.status_code == 422


def test_the_life_of_a_complaint_to_its_close_is_in_its_history_and_the_event_log(cc, client, clock, uow):
    made = register(cc, client)
    base = f"/complaints/{made['id']}"
    taken = cc.http(client, cc.supervisor, "POST", f"{base}/status", json={"status": "in_progress"})
    assert taken["handler_user_id"] == cc.supervisor.user.id  # who takes it in hand handles it
    missing = client.post(f"/api/v1{base}/status", headers=cc.supervisor.auth,
                          json={"status": "answered", "response": "Paid."})
    assert missing.status_code == 422 and "outcome" in missing.json()["detail"]
    cc.http(client, cc.supervisor, "PATCH", base, json={"root_cause": "process_breach", "note": "checked"})
    clock.advance(3600)
    answered = cc.http(client, cc.supervisor, "POST", f"{base}/status",
                       json={"status": "answered", "outcome": "partly_upheld", "response": "We paid the difference."})
    assert answered["answered_on_time"] is True and answered["deadline_state"] is None
    closed = cc.http(client, cc.supervisor, "POST", f"{base}/status", json={"status": "closed"})
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    back = client.post(f"/api/v1{base}/status", headers=cc.supervisor.auth, json={"status": "in_progress"})
    assert back.status_code == 409
    history = cc.http(client, cc.admin, "GET", base)["history"]
    assert [h["action"] for h in history] == ["registered", "status_changed", "updated", "status_changed",
                                              "status_changed"]
    assert history[2]["changes"] == {"root_cause": ["", "process_breach"]} and history[2]["note"] == "checked"
    event = uow.session.scalars(select(m.Event).where(m.Event.type == "complaint_closed")).one()
    assert event.data["outcome"] == "partly_upheld" and event.data["on_time"] is True
    assert event.data["root_cause"] == "process_breach"
    assert uow.session.scalar(select(ComplaintChange.user_id).where(ComplaintChange.action == "updated")) == \
        cc.supervisor.user.id


def test_the_overdue_and_due_soon_lists(cc, client, clock):
    now = clock().astimezone(MSK)  # Monday 2 February 2026, 12:00 in Moscow
    late = register(cc, client, received_at=(now - timedelta(days=40)).isoformat(), subject="late")
    soon = register(cc, client, received_at=(now - timedelta(days=19)).isoformat(), subject="soon")
    fresh = register(cc, client, subject="fresh")
    assert cc.http(client, cc.admin, "GET", f"/complaints/{soon['id']}")["deadline_state"] == "due_soon"

    def ids(state: str, **params) -> list[int]:
        found = cc.http(client, cc.supervisor, "GET", "/complaints", params={"state": state, **params})
        return [c["id"] for c in found]

    assert ids("overdue") == [late["id"]]
    assert ids("due_soon") == [soon["id"]]
    assert ids("due_soon", due_soon_days=0) == []
    assert ids("open") == [late["id"], soon["id"], fresh["id"]]  # most urgent first
    cc.http(client, cc.supervisor, "POST", f"/complaints/{late['id']}/status",
            json={"status": "rejected", "response": "Not a complaint: a question."})
    assert ids("overdue") == [] and ids("closed") == [late["id"]]
    bad = client.get("/api/v1/complaints", headers=cc.supervisor.auth, params={"state": "late"})
    assert bad.status_code == 422


def test_supervisors_see_their_sites_and_agents_their_own(cc, client, make):
    moscow = register(cc, client)
    spb_agent = make.agent(site=cc.spb)
    spb = register(cc, client, who=cc.spb_supervisor, subject_agent_id=spb_agent.id)
    assert spb["site_id"] == cc.spb.id

    def listed(who) -> set[int]:
        return {c["id"] for c in cc.http(client, who, "GET", "/complaints", params={"state": "all"})}

    assert listed(cc.supervisor) == {moscow["id"]}
    assert listed(cc.spb_supervisor) == {spb["id"]}
    assert listed(cc.admin) == listed(cc.qa) == {moscow["id"], spb["id"]}
    assert listed(cc.agent) == set()
    assert client.get(f"/api/v1/complaints/{spb['id']}", headers=cc.supervisor.auth).status_code == 404
    cc.http(client, cc.supervisor, "PATCH", f"/complaints/{moscow['id']}", json={"handler_user_id": cc.agent.user.id})
    assert listed(cc.agent) == {moscow["id"]}


def test_wrong_roles_are_refused(cc, client):
    made = register(cc, client)
    for method, path, payload in (("GET", "/complaints", None), ("GET", f"/complaints/{made['id']}", None),
                                  ("POST", "/complaints", body(cc))):
        assert client.request(method, f"/api/v1{path}", headers=cc.pbx.auth, json=payload).status_code == 403
    for method, path, payload in (("POST", "/complaints", body(cc)),
                                  ("PATCH", f"/complaints/{made['id']}", {"root_cause": "x"}),
                                  ("POST", f"/complaints/{made['id']}/documents-requested", {}),
                                  ("POST", f"/complaints/{made['id']}/status", {"status": "in_progress"})):
        assert client.request(method, f"/api/v1{path}", headers=cc.qa.auth, json=payload).status_code == 403


def test_bad_input_is_refused_with_the_field_named(cc, client):
    response = client.post("/api/v1/complaints", headers=cc.supervisor.auth,
                           json={"client_id": cc.client.id, "channel": "pigeon", "subject": "", "facts": "x"})
    assert response.status_code == 422
    named = {str(part) for error in response.json()["detail"] for part in error["loc"]}
    assert {"channel", "subject", "category"} <= named
    unknown_rule = client.post("/api/v1/complaints", headers=cc.supervisor.auth, json=body(cc, rule="mars"))
    assert unknown_rule.status_code == 422 and "mars" in unknown_rule.json()["detail"]
    no_client = client.post("/api/v1/complaints", headers=cc.supervisor.auth,
                            json={k: v for k, v in body(cc).items() if k != "client_id"})
    assert no_client.status_code == 422


def test_a_clients_own_rule_applies(cc, client, make):
    with make.uow() as uow:
        uow.session.get(m.Client, cc.client.id).complaint_rule = "picc-callback"
        uow.commit()
    made = register(cc, client, received_at="2026-02-02T10:00:00+08:00")
    assert made["rule"] == "picc-callback"
    assert made["due_local"] == due(BUILT_IN_RULES["picc-callback"],
                                    datetime(2026, 2, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))).isoformat()


# --- the complaint rate --------------------------------------------------------------------------------------


def test_the_complaint_rate_per_1000_handled_interactions():
    at = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    rows = [{"type": "wrap_up_ended", "occurred_at": at, "queue_id": 1, "agent_id": 1, "talk_s": 60.0}] * 4000
    rows += [{"type": "complaint_registered", "occurred_at": at, "queue_id": 1, "agent_id": 1, "talk_s": None}]
    events = pl.DataFrame(rows, schema={"type": pl.String, "occurred_at": pl.Datetime("us", "UTC"),
                                        "queue_id": pl.Int64, "agent_id": pl.Int64, "talk_s": pl.Float64})
    events = events.with_columns(
        *(pl.lit(None, pl.Float64).alias(c) for c in ("wait_s", "hold_s", "wrap_s")),
        *(pl.lit(None, pl.Int64).alias(c) for c in ("score", "nps", "interaction_id")))
    queues = pl.DataFrame({"queue_id": [1], "queue": ["osago"], "client": ["reso"], "site": ["Moscow"],
                           "channel": ["voice"], "product_line": ["osago"], "threshold_s": [20.0],
                           "tz": ["Europe/Moscow"]})
    agents = pl.DataFrame({"agent_id": [1], "agent": ["Anna"], "agent_site": ["Moscow"], "agent_tz": ["Europe/Moscow"]})
    spec = ReportSpec(start=at, end=at + timedelta(hours=1), by=("agent",),
                      metrics=("complaints", "handled", "complaint_rate_per_1000"))
    result = report(events, queues, agents, spec).to_dicts()
    assert result == [{"agent": "Anna", "complaints": 1, "handled": 4000, "complaint_rate_per_1000": 0.25}]


def test_the_kpi_report_api_shows_the_complaint_rate(cc, client, clock):
    handled_call(cc, client)
    handled_call(cc, client)
    register(cc, client, interaction_id=handled_call(cc, client)["id"], subject_agent_id=cc.agent.agent.id)
    day = "from=2026-02-02&to=2026-02-03"  # the test clock starts on 2026-02-02 09:00 UTC
    rows = cc.http(client, cc.admin, "GET", f"/reports/kpi?{day}&metrics=complaints,handled,complaint_rate_per_1000")
    assert rows == [{"complaints": 1, "handled": 3, "complaint_rate_per_1000": pytest.approx(1000 / 3)}]
    by_agent = cc.http(client, cc.admin, "GET", f"/reports/kpi?{day}&by=agent&metrics=complaint_rate_per_1000")
    assert by_agent == [{"agent": cc.agent.agent.display_name, "complaint_rate_per_1000": pytest.approx(1000 / 3)}]


# --- the pages -----------------------------------------------------------------------------------------------


@pytest.fixture
def browsers(app):
    """Separate cookie jars, one per person at the keyboard."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))



def test_the_register_form_shows_errors_next_to_the_fields(cc, browsers):
    browser = signed_in(browsers, cc.supervisor)
    form = browser.get("/complaints/new?interaction_id=5")
    assert form.status_code == 200 and 'name="interaction_id"' in form.text and 'value="5"' in form.text
    response = browser.post("/complaints/new", data={"csrf": csrf_of(form.text), "client_id": str(cc.client.id),
                                                     "channel": "voice", "subject": "", "facts": ""})
    assert response.status_code == 422
    assert 'id="subject-error"' in response.text and 'id="facts-error"' in response.text
    assert 'id="category-error"' in response.text
    handler = browser.post("/complaints/new", data={
        "csrf": csrf_of(form.text), "client_id": str(cc.client.id), "channel": "voice", "category": "other",
        "subject": "Rude", "facts": "He was rude.", "complainant_name": "Ivan",
        "subject_agent_id": str(cc.agent.agent.id), "handler_user_id": str(cc.agent.user.id)})
    assert handler.status_code == 422 and 'id="handler_user_id-error"' in handler.text


def test_registering_on_the_page_then_answering_it(cc, browsers, uow):
    browser = signed_in(browsers, cc.supervisor)
    token = csrf_of(browser.get("/complaints/new").text)
    created = browser.post("/complaints/new", data={
        "csrf": token, "client_id": str(cc.client.id), "channel": "email", "category": "waiting_time",
        "subject": "Nobody answers", "facts": "I waited 40 minutes.", "complainant_name": "Maria Ivanova",
        "received_at": "2026-02-02T10:00", "evidence": "call of 1 Feb\nscreenshot"}, follow_redirects=False)
    assert created.status_code == 303
    detail = browser.get(created.headers["location"])
    assert 'datetime="2026-02-24T23:59:59+03:00"' in detail.text and "Maria Ivanova" in detail.text
    assert "<li>screenshot</li>" in detail.text
    complaint_id = int(created.headers["location"].rsplit("/", 1)[1])
    wrong = browser.post(f"/complaints/{complaint_id}/status", data={"csrf": token, "status": "answered"})
    assert wrong.status_code == 422 and 'id="outcome-error"' in wrong.text
    answered = browser.post(f"/complaints/{complaint_id}/status", data={
        "csrf": token, "status": "answered", "outcome": "upheld", "response": "We apologise."})
    assert answered.status_code == 200 and "Ответ дан" in answered.text
    listing = browser.get("/complaints?state=answered")
    assert f'id="complaint-{complaint_id}"' in listing.text


def test_the_pages_refuse_the_wrong_roles(cc, browsers, client):
    made = register(cc, client)
    qa = signed_in(browsers, cc.qa)
    assert qa.get("/complaints").status_code == 200  # QA reads the register
    assert qa.get("/complaints/new").status_code == 403
    token = csrf_of(qa.get(f"/complaints/{made['id']}").text)
    assert qa.post(f"/complaints/{made['id']}/status", data={"csrf": token, "status": "in_progress"}
                   ).status_code == 403
    other = signed_in(browsers, cc.spb_supervisor)
    assert other.get(f"/complaints/{made['id']}").status_code == 404


def test_the_list_highlights_overdue_complaints(cc, browsers, client, clock):
    late = register(cc, client, received_at=(clock() - timedelta(days=40)).isoformat())
    page = signed_in(browsers, cc.supervisor).get("/complaints")
    assert f'<tr id="complaint-{late["id"]}" class="overdue">' in page.text
    assert 'id="count-overdue">1<' in page.text


# --- the CLI -------------------------------------------------------------------------------------------------


def test_the_cli_lists_overdue_complaints_as_json(cc, client, clock, settings, monkeypatch):
    import orjson
    from typer.testing import CliRunner

    from helpline.entrypoints.cli import app

    late = register(cc, client, received_at=(clock() - timedelta(days=40)).isoformat())
    register(cc, client)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(app, ["complaints", "overdue", "--json", "--at", clock().isoformat()])
    assert result.exit_code == 0, result.output
    listed = orjson.loads(result.output)
    assert [c["id"] for c in listed] == [late["id"]] and listed[0]["deadline_state"] == "overdue"


# --- the demo ------------------------------------------------------------------------------------------------


def test_the_demo_register_has_one_complaint_of_each_kind(cc, uow, clock):
    from helpline.demo.complaints import ensure_complaints
    from helpline.domain.permissions import Actor
    from helpline.domain.vocabulary import Role
    from helpline.services import complaints
    from helpline.services.complaint_schemas import ListState

    assert ensure_complaints(uow) == 5
    assert ensure_complaints(uow) == 0
    admin = Actor(user_id=cc.admin.user.id, username="admin", role=Role.ADMIN)
    states = {state: len(complaints.listing(uow, admin, state=state))
              for state in (ListState.OVERDUE, ListState.DUE_SOON, ListState.OPEN, ListState.ANSWERED,
                            ListState.CLOSED)}
    assert states == {ListState.OVERDUE: 1, ListState.DUE_SOON: 1, ListState.OPEN: 3, ListState.ANSWERED: 1,
                      ListState.CLOSED: 1}


def test_the_reports_page_shows_the_complaint_rate_with_four_decimals(cc, client, browsers):
    handled_call(cc, client)
    handled_call(cc, client)
    register(cc, client, interaction_id=handled_call(cc, client)["id"])
    page = signed_in(browsers, cc.admin).get("/reports?from=2026-02-02&to=2026-02-03").text
    cells = re.findall(r'<td data-key="complaint_rate_per_1000" data-value="([^"]*)" class="num">([^<]*)</td>', page)
    assert cells and float(cells[0][0]) == pytest.approx(1000 / 3)
    assert cells[0][1].strip() == "333,3333"  # the administrator reads Russian
    assert "Жалоб на 1 000 обработанных обращений" in page
