"""The agent desk (issue 6) through the TestClient, and the case forms' domain rules."""

import re
from contextlib import ExitStack
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.domain import case_forms
from helpline.domain.vocabulary import CaseType
from helpline.entrypoints.web import rendering
from tests.chat_helpers import add_channel, connect, fast_hub, hello, until
from tests.test_web import call, csrf_of, russian_catalogue, signed_in

HX = {"HX-Request": "true"}
TODAY = date(2026, 2, 2)


@pytest.fixture
def browsers(app):
    """Separate cookie jars, one per person at the keyboard (as in tests/test_web.py)."""
    from fastapi.testclient import TestClient

    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


MOTOR_OK = {"product": "osago", "europrotocol": "no", "accident_date": "2026-02-01", "accident_time": "18:40",
            "place": "Moscow, Tverskaya 1", "plate": "а123вс 77", "vin": "xta21099043576182",
            "drivers": "Ivan Petrov", "injured": "0", "police_report": "called", "damage": "Rear bumper"}


# --- the case forms (pure) ---------------------------------------------------------------------------


def test_every_case_type_of_the_brief_has_a_form():
    assert set(case_forms.FORM_TYPES) == {CaseType.MOTOR_CLAIM, CaseType.PROPERTY_CLAIM,
                                          CaseType.DMS_GUARANTEE_LETTER, CaseType.TRAVEL_ASSISTANCE,
                                          CaseType.ROADSIDE_ASSISTANCE, CaseType.COMPLAINT}
    assert case_forms.form_for("enquiry") is None and case_forms.form_for("no-such-type") is None


def test_a_valid_motor_claim_is_cleaned_for_storage():
    values, errors = case_forms.check(CaseType.MOTOR_CLAIM, MOTOR_OK, TODAY)
    assert errors == {}
    assert values["vin"] == "XTA21099043576182" and values["plate"] == "А123ВС77"
    assert values["injured"] == 0 and values["accident_date"] == "2026-02-01"
    assert "witnesses" not in values  # blank optional fields are left out


@pytest.mark.parametrize(("field", "value", "message"), [
    ("vin", "XTA2109904357618", case_forms.BAD_VIN),  # 16 characters
    ("vin", "XTA2109904357618O", case_forms.BAD_VIN),  # O is never in a VIN
    ("accident_date", "2026-02-03", case_forms.FUTURE_DATE),
    ("accident_date", "03.02.2026", case_forms.NOT_A_DATE),
    ("accident_time", "25:00", case_forms.NOT_A_TIME),
    ("injured", "-1", case_forms.NOT_A_COUNT),
    ("product", "life", case_forms.NOT_A_CHOICE),
    ("place", "", case_forms.REQUIRED),
    ("damage", "x" * 4001, case_forms.TOO_LONG),
])
def test_motor_claim_checks(field, value, message):
    values, errors = case_forms.check(CaseType.MOTOR_CLAIM, {**MOTOR_OK, field: value}, TODAY)
    assert errors == {field: message} and values == {}


def test_the_simplified_europrotocol_allows_no_injured_and_no_police():
    europrotocol = {**MOTOR_OK, "europrotocol": "yes", "police_report": "none"}
    assert case_forms.check(CaseType.MOTOR_CLAIM, europrotocol, TODAY)[1] == {}
    _values, errors = case_forms.check(CaseType.MOTOR_CLAIM, {**europrotocol, "injured": "1",
                                                              "police_report": "issued"}, TODAY)
    assert errors == {"injured": case_forms.EUROPROTOCOL_INJURED, "police_report": case_forms.EUROPROTOCOL_POLICE}
    # the same with the full procedure is fine
    assert case_forms.check(CaseType.MOTOR_CLAIM, {**MOTOR_OK, "injured": "1"}, TODAY)[1] == {}


def test_other_forms_check_their_own_fields():
    prop = {"loss_date": "2026-01-30", "loss_kind": "flood", "location": "Flat 5", "description": "Water",
            "estimate": "12 500,50"}
    values, errors = case_forms.check(CaseType.PROPERTY_CLAIM, prop, TODAY)
    assert errors == {} and values["estimate"] == 12500.5
    assert case_forms.check(CaseType.PROPERTY_CLAIM, {**prop, "estimate": "a lot"}, TODAY)[1] == {
        "estimate": case_forms.NOT_A_NUMBER}
    assert set(case_forms.check(CaseType.COMPLAINT, {}, TODAY)[1]) == {"complainant", "subject", "facts"}
    roadside = {"location": "M4 km 50", "safe": "maybe", "vehicle": "Lada", "service": "tow"}
    assert case_forms.check(CaseType.ROADSIDE_ASSISTANCE, roadside, TODAY)[1] == {"safe": case_forms.NOT_A_CHOICE}


def test_every_case_form_message_has_a_russian_translation():
    """Labels, choices and errors come from domain/case_forms.py, so the template check cannot see them."""
    catalogue = russian_catalogue()
    missing = sorted(msg for msg in case_forms.messages() if msg not in catalogue)
    assert missing == []
    compiled = rendering.load_translations("ru")
    assert compiled.gettext(case_forms.BAD_VIN).startswith("VIN состоит из 17")


# --- who may use the desk ---------------------------------------------------------------------------


def test_only_people_with_an_agent_record_get_the_desk(cc, browsers):
    assert browsers().get("/desk", follow_redirects=False).status_code == 303  # log in first
    agent = signed_in(browsers, cc.agent).get("/desk")
    assert agent.status_code == 200 and 'id="desk-status"' in agent.text and "Рабочее место" in agent.text
    assert 'src="/static/desk.js"' in agent.text and 'href="/static/desk.css"' in agent.text
    assert 'data-live="/live"' in agent.text
    for person in (cc.supervisor, cc.qa, cc.admin):
        browser = signed_in(browsers, person)
        page = browser.get("/")
        token = csrf_of(page.text)
        for path in ("/desk", "/desk/status", "/desk/work"):
            assert browser.get(path).status_code == 403, (person.user.role, path)
        refused = browser.post("/desk/presence", data={"csrf": token, "state": "ready"})
        assert refused.status_code == 403, person.user.role
        assert browser.post("/desk/interactions/1/accept", data={"csrf": token}).status_code in (403, 404)
    assert signed_in(browsers, cc.qa).post("/desk/interactions/1/accept", data={}).status_code == 403


def test_desk_actions_need_the_csrf_token(cc, browsers, uow):
    browser = signed_in(browsers, cc.agent)
    browser.get("/desk")
    assert browser.post("/desk/presence", data={"state": "ready"}).status_code == 403
    assert browser.post("/desk/presence", data={"state": "ready", "csrf": "forged"}).status_code == 403
    assert uow.session.get(m.Agent, cc.agent.agent.id).presence == "logged_out"


def test_an_agent_cannot_act_on_another_agents_interaction(cc, client, browsers, uow):
    ready(cc, client, cc.colleague)
    theirs = call(cc, client)["id"]
    cc.http(client, cc.colleague, "POST", f"/interactions/{theirs}/offer", json={})
    browser = signed_in(browsers, cc.agent)
    token = csrf_of(browser.get("/desk").text)
    for action in ("accept", "reject"):
        assert browser.post(f"/desk/interactions/{theirs}/{action}", data={"csrf": token}).status_code == 404
    cc.http(client, cc.colleague, "POST", f"/interactions/{theirs}/accept", json={})
    for path, data in [("hold", {}), ("end", {}), ("wrap-up", {"wrap_up_code": "claim_registered"}),
                       ("transfer", {"target": f"queue:{cc.osago_queue.id}"}),
                       ("case-form", {"case_type": "complaint", "complainant": "x", "subject": "y", "facts": "z"}),
                       ("identity", {"checks": ["full_name", "address"]}), ("reply", {"text": "hi"})]:
        response = browser.post(f"/desk/interactions/{theirs}/{path}", data={"csrf": token, **data})
        assert response.status_code == 404, path
    assert browser.get(f"/desk/interactions/{theirs}/case-form").status_code == 404
    assert browser.get(f"/desk/interactions/{theirs}/chat").status_code == 404
    row = uow.session.get(m.Interaction, theirs)
    assert (row.state, row.agent_id, row.wrap_up_code) == ("connected", cc.colleague.agent.id, None)
    assert uow.session.get(m.Case, row.case_id).details == {}


# --- the agent's day ------------------------------------------------------------------------------


def ready(cc, client, person):
    cc.http(client, person, "POST", f"/agents/{person.agent.id}/presence", json={"state": "ready"})


def test_presence_ready_not_ready_with_a_reason_and_logged_out(cc, browsers, uow, clock):
    browser = signed_in(browsers, cc.agent)
    token = csrf_of(browser.get("/desk").text)
    done = browser.post("/desk/presence", data={"csrf": token, "state": "ready"}, headers=HX)
    assert done.status_code == 200 and done.headers["hx-trigger"] == "desk:refresh"
    clock.advance(30)
    status = browser.get("/desk/status?lang=en").text
    assert 'data-state="ready"' in status and 'data-since="2026-02-02T09:00:00+00:00"' in status
    no_reason = browser.post("/desk/presence", data={"csrf": token, "state": "not_ready"}, headers=HX)
    assert "Choose a reason for not ready." in no_reason.text and no_reason.headers["hx-retarget"] == "#desk-notice"
    browser.post("/desk/presence", data={"csrf": token, "state": "not_ready", "reason": "break"}, headers=HX)
    agent = uow.session.get(m.Agent, cc.agent.agent.id)
    assert (agent.presence, agent.presence_reason) == ("not_ready", "break")
    assert "(Break)" in browser.get("/desk/status").text
    plain = browser.post("/desk/presence", data={"csrf": token, "state": "logged_out"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/desk"
    uow.session.expire_all()
    assert uow.session.get(m.Agent, cc.agent.agent.id).presence == "logged_out"
    kinds = uow.session.scalars(select(m.Event.type).where(m.Event.agent_id == cc.agent.agent.id)
                                .order_by(m.Event.seq)).all()
    assert kinds == ["agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out"]


def test_offer_accept_card_case_form_identity_and_wrap_up(cc, client, browsers, make, uow, clock):
    customer = make.customer("Olga Smirnova", phones=["+74951234567"], client=cc.client)
    make.policy(customer, cc.client, number="XXX0001234567", product_line="osago")
    earlier = call(cc, client, channel="voice")["id"]  # an earlier call, abandoned
    cc.http(client, cc.pbx, "POST", f"/interactions/{earlier}/abandon", json={})
    clock.advance(3600)
    browser = signed_in(browsers, cc.agent)
    token = csrf_of(browser.get("/desk").text)
    browser.post("/desk/presence", data={"csrf": token, "state": "ready"}, headers=HX)
    iid = call(cc, client, subject="Accident")["id"]
    clock.advance(12)
    cc.http(client, cc.agent, "POST", f"/interactions/{iid}/offer", json={})  # as routing would
    offered_at = clock.now
    status = browser.get("/desk/status?lang=en").text
    assert f'id="offer-{iid}"' in status and "Olga Smirnova" in status and cc.osago_queue.name in status
    deadline = (offered_at + timedelta(seconds=15)).isoformat()  # routing_alert_timeout_s
    assert f'data-deadline="{deadline}"' in status and 'accesskey="a"' in status
    assert 'data-timeout="15"' in status
    assert 'data-work=""' in status

    accepted = browser.post(f"/desk/interactions/{iid}/accept", data={"csrf": token}, headers=HX)
    assert accepted.status_code == 200 and accepted.headers["hx-trigger"] == "desk:refresh"
    assert f'data-work="{iid}"' in browser.get("/desk/status").text
    page = browser.get("/desk?lang=ru").text
    assert "XXX0001234567" in page and 'id="previous-interactions"' in page and "Брошен" in page
    assert f'id="case-form-{iid}"' in page and f'id="wrap-{iid}"' in page and 'accesskey="w"' in page

    # the case form: pick the type, send it with mistakes, then correct
    form = browser.get(f"/desk/interactions/{iid}/case-form?case_type=motor_claim").text
    assert 'name="vin"' in form and 'name="injured"' in form
    wrong = {**MOTOR_OK, "vin": "XTA123", "europrotocol": "yes", "injured": "2", "police_report": "none",
             "accident_date": "2026-02-03"}
    bad = browser.post(f"/desk/interactions/{iid}/case-form", headers=HX,
                       data={"csrf": token, "case_type": "motor_claim", **wrong})
    assert bad.status_code == 200
    assert re.search(r'id="vin-error">VIN состоит из 17', bad.text)
    assert 'id="injured-error">' in bad.text and 'id="accident_date-error">' in bad.text
    assert 'value="XTA123"' in bad.text and 'value="Moscow, Tverskaya 1"' in bad.text  # nothing typed is lost
    case_id = uow.session.get(m.Interaction, iid).case_id
    assert uow.session.get(m.Case, case_id).details == {}
    good = browser.post(f"/desk/interactions/{iid}/case-form", headers=HX,
                        data={"csrf": token, "case_type": "motor_claim", **MOTOR_OK})
    assert "Обращение сохранено." in good.text and 'value="XTA21099043576182"' in good.text
    uow.session.expire_all()
    case = uow.session.get(m.Case, case_id)
    assert (case.type, case.product_line) == ("motor_claim", "osago")
    assert case.details["vin"] == "XTA21099043576182" and case.details["injured"] == 0

    # identity: at least two checks; kept as a note and in the details
    too_few = browser.post(f"/desk/interactions/{iid}/identity", headers=HX,
                           data={"csrf": token, "checks": ["full_name"]})
    assert 'id="identity-error"' in too_few.text
    verified = browser.post(f"/desk/interactions/{iid}/identity", headers=HX,
                            data={"csrf": token, "checks": ["full_name", "date_of_birth"]})
    assert 'id="identity-verified"' in verified.text
    uow.session.expire_all()
    case = uow.session.get(m.Case, case_id)
    assert "Identity verified by" in case.notes and "date_of_birth" in case.notes
    assert case.details["identity_checks"][0]["interaction_id"] == iid
    assert case.details["vin"] == "XTA21099043576182"  # the form's values stay

    # hold, resume, then wrap up: the code is required
    browser.post(f"/desk/interactions/{iid}/hold", data={"csrf": token}, headers=HX)
    assert 'data-state="on_hold"' in browser.get(f"/desk/interactions/{iid}/head").text
    browser.post(f"/desk/interactions/{iid}/resume", data={"csrf": token}, headers=HX)
    clock.advance(60)
    no_code = browser.post(f"/desk/interactions/{iid}/wrap-up", headers=HX,
                           data={"csrf": token, "notes": "Registered the claim"})
    assert 'id="wrap_up_code-error">Выберите код результата.' in no_code.text
    assert "Registered the claim" in no_code.text
    done = browser.post(f"/desk/interactions/{iid}/wrap-up", headers=HX,
                        data={"csrf": token, "wrap_up_code": "claim_registered", "notes": "Registered the claim"})
    assert done.status_code == 200 and done.headers["hx-trigger"] == "desk:refresh"
    uow.session.expire_all()
    row = uow.session.get(m.Interaction, iid)
    assert (row.state, row.wrap_up_code, row.notes) == ("completed", "claim_registered", "Registered the claim")
    assert uow.session.get(m.Agent, cc.agent.agent.id).presence == "ready"
    assert 'data-work=""' in browser.get("/desk/status").text
    # health-free case: nothing audited; a DMS case read on the desk would be
    assert uow.session.scalar(select(m.AuditEntry.id)) is None


def test_reject_and_a_refused_action_show_a_notice(cc, client, browsers, uow):
    browser = signed_in(browsers, cc.agent)
    token = csrf_of(browser.get("/desk").text)
    browser.post("/desk/presence", data={"csrf": token, "state": "ready"}, headers=HX)
    iid = call(cc, client)["id"]
    cc.http(client, cc.agent, "POST", f"/interactions/{iid}/offer", json={})
    assert browser.post(f"/desk/interactions/{iid}/reject", data={"csrf": token}, headers=HX).status_code == 200
    assert uow.session.get(m.Interaction, iid).state == "queued"
    again = browser.post(f"/desk/interactions/{iid}/accept", data={"csrf": token}, headers=HX)
    assert again.status_code == 403  # waiting in their queue again, but no longer offered to them
    cc.http(client, cc.agent, "POST", f"/interactions/{iid}/offer", json={})
    browser.post(f"/desk/interactions/{iid}/accept", data={"csrf": token}, headers=HX)
    twice = browser.post(f"/desk/interactions/{iid}/resume", data={"csrf": token}, headers=HX)
    assert twice.headers["hx-retarget"] == "#desk-notice" and "в текущем состоянии" in twice.text


def test_transfer_to_a_queue_and_to_a_ready_colleague(cc, client, browsers, uow):
    browser = signed_in(browsers, cc.agent)
    token = csrf_of(browser.get("/desk").text)
    browser.post("/desk/presence", data={"csrf": token, "state": "ready"}, headers=HX)
    ready(cc, client, cc.colleague)
    first, second = call(cc, client)["id"], call(cc, client)["id"]
    for iid, target in ((first, f"queue:{cc.osago_queue.id}"), (second, f"agent:{cc.colleague.agent.id}")):
        cc.http(client, cc.agent, "POST", f"/interactions/{iid}/offer", json={})
        browser.post(f"/desk/interactions/{iid}/accept", data={"csrf": token}, headers=HX)
        page = browser.get(f"/desk?focus={iid}").text
        assert f'value="agent:{cc.colleague.agent.id}"' in page and f'value="queue:{cc.osago_queue.id}"' in page
        moved = browser.post(f"/desk/interactions/{iid}/transfer", headers=HX,
                             data={"csrf": token, "target": target, "note": "Needs a claims expert"})
        assert moved.status_code == 200 and moved.headers["hx-trigger"] == "desk:refresh"
    uow.session.expire_all()
    assert uow.session.get(m.Interaction, first).state == "queued"
    assert (uow.session.get(m.Interaction, second).state,
            uow.session.get(m.Interaction, second).agent_id) == ("offered", cc.colleague.agent.id)
    nothing = browser.post(f"/desk/interactions/{first}/transfer", headers=HX, data={"csrf": token, "target": ""})
    assert nothing.status_code == 403  # waiting in the queue again: no longer theirs


@pytest.fixture
def chat(cc, container, app):
    add_channel(container, cc.chat_queue.code)
    fast_hub(app, container)
    return cc


def visitor_asks(client, name: str, text: str) -> None:
    with connect(client) as ws:
        hello(ws)
        ws.send_json({"type": "person", "name": name, "email": f"{name.lower()}@example.ru", "text": text})
        until(ws, "status")
        until(ws, "message")


def test_two_chats_side_by_side_with_transcripts_and_replies(chat, client, browsers, uow):
    browser = signed_in(browsers, chat.agent)
    token = csrf_of(browser.get("/desk").text)
    browser.post("/desk/presence", data={"csrf": token, "state": "ready"}, headers=HX)
    visitor_asks(client, "Anna", "Где мой полис?")
    visitor_asks(client, "Boris", "Нужна эвакуация")
    ids = uow.session.scalars(select(m.Interaction.id).where(m.Interaction.channel == "chat")
                              .order_by(m.Interaction.id)).all()
    assert len(ids) == 2
    for iid in ids:
        chat.http(client, chat.agent, "POST", f"/interactions/{iid}/offer", json={})
        browser.post(f"/desk/interactions/{iid}/accept", data={"csrf": token}, headers=HX)
    page = browser.get("/desk?lang=en").text
    assert "Chats (2 of 3)" in page
    for iid, question in zip(ids, ("Где мой полис?", "Нужна эвакуация"), strict=True):
        assert f'id="chat-panel-{iid}"' in page and f'id="reply-{iid}"' in page and question in page
    sent = browser.post(f"/desk/interactions/{ids[1]}/reply", headers=HX, data={"csrf": token, "text": "Едем!"})
    assert sent.status_code == 200 and f'id="chat-log-{ids[1]}"' in sent.text and "Едем!" in sent.text
    empty = browser.post(f"/desk/interactions/{ids[0]}/reply", headers=HX, data={"csrf": token, "text": " "})
    assert "Write a message." in empty.text  # the session chose English above
    bodies = uow.session.scalars(select(m.ChatMessage.body).where(m.ChatMessage.sender == "agent")).all()
    assert bodies == ["Едем!"]
    browser.post(f"/desk/interactions/{ids[0]}/end", data={"csrf": token}, headers=HX)
    uow.session.expire_all()
    assert uow.session.get(m.Interaction, ids[0]).state == "wrap_up"
    assert uow.session.scalar(select(m.ChatSession.status).where(m.ChatSession.interaction_id == ids[0])) == "ended"


def test_reading_a_health_case_on_the_desk_is_audited(cc, client, browsers, uow):
    browser = signed_in(browsers, cc.agent)
    token = csrf_of(browser.get("/desk").text)
    browser.post("/desk/presence", data={"csrf": token, "state": "ready"}, headers=HX)
    iid = call(cc, client, case_type="dms_guarantee_letter")["id"]
    cc.http(client, cc.agent, "POST", f"/interactions/{iid}/offer", json={})
    browser.post(f"/desk/interactions/{iid}/accept", data={"csrf": token}, headers=HX)
    assert uow.session.scalar(select(m.AuditEntry.id)) is None
    page = browser.get("/desk").text
    assert 'name="clinic"' in page and 'name="curator_decision"' in page  # the DMS form of the case's type
    audits = uow.session.scalars(select(m.AuditEntry).where(m.AuditEntry.entity == "case")).all()
    assert audits and {a.user_id for a in audits} == {cc.agent.user.id}
    assert {a.entity_id for a in audits} == {str(uow.session.get(m.Interaction, iid).case_id)}
