"""Two per-client customer-care settings: the client's complaint deadline rule and the satisfaction survey sent
when one of its cases is resolved. Both are set through the clients API and the admin form (checked against
the rules the complaint register knows and the survey channels); the rule gives a complaint registered without
one its deadline, and resolving a case sends one survey about it (e-mail through a real SMTP server, SMS
through a fake HTTP gateway), never blocking the resolve."""

from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from helpline.adapters.db import models as m
from helpline.domain.deadlines import deadlines
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.entrypoints.cli_deadline import load_rules, parse_received
from helpline.services import surveys
from helpline.services.channels import outbox
from tests.email_support import email_desk
from tests.fake_sms_gateway import FakeSmsGateway
from tests.sms_support import SECRET, add_channel, sms_queue
from tests.test_admin_pages import error_of, post, row, signed_in
from tests.test_web import csrf_of

V1 = "/api/v1"
PUBLIC_URL = "https://care.reso.test"
EXTRA_RULES = """\
rules:
  - name: kz-callback
    description: Kazakhstan call-back within 5 working days
    unit: working_days
    amount: 5
    time_zone: Asia/Almaty
    country: KZ
"""


@pytest.fixture(autouse=True)
def public_url(monkeypatch):
    """The address customers open the answer link at (a resolve has no request to take it from)."""
    monkeypatch.setenv(surveys.BASE_URL_ENV, PUBLIC_URL)
    monkeypatch.delenv("HELPLINE_DEADLINE_RULES", raising=False)


def set_client(cc, client, who=None, **settings):
    return client.patch(f"{V1}/clients/{cc.client.id}", json=settings, headers=(who or cc.admin).auth)


def stored_client(make, client_id):
    with make.uow() as uow:
        found = uow.session.get(m.Client, client_id)
        return found.complaint_rule, found.survey_after_resolve


def case_of(cc, make, clock, customer=None) -> int:
    """An open case of the client with one handled call of the agent (who becomes the survey's agent)."""
    now = clock()
    with make.uow() as uow:
        case = m.Case(client_id=cc.client.id, customer_id=customer.id if customer else None, site_id=cc.moscow.id,
                      type="enquiry", status="open", subject="Claim payment", created_at=now, updated_at=now)
        uow.session.add(case)
        uow.flush()
        uow.session.add(m.Interaction(
            client_id=cc.client.id, channel="voice", state="completed", queue_id=cc.osago_queue.id,
            agent_id=cc.agent.agent.id, customer_id=customer.id if customer else None, case_id=case.id,
            created_at=now - timedelta(minutes=5), queued_at=now - timedelta(minutes=5),
            answered_at=now - timedelta(minutes=4), ended_at=now - timedelta(minutes=1), language="en"))
        uow.commit()
        return case.id


def move(cc, client, case_id, status):
    response = client.post(f"{V1}/cases/{case_id}/status", json={"status": status}, headers=cc.agent.auth)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status
    return response.json()


def surveys_of(make, case_id) -> list[m.Survey]:
    with make.uow() as uow:
        found = list(uow.session.scalars(select(m.Survey).where(m.Survey.case_id == case_id)))
        uow.session.expunge_all()
        return found


def outbound_count(make) -> int:
    with make.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(m.OutboundMessage))


def case_status(make, case_id) -> str:
    with make.uow() as uow:
        return uow.session.get(m.Case, case_id).status


# --- the complaint rule through the API -----------------------------------------------------------------------


def test_the_api_sets_clears_and_refuses_a_clients_complaint_rule(cc, client, make):
    created = client.post(f"{V1}/clients", headers=cc.admin.auth, json={
        "code": "balt", "name": "Balt Assistance", "complaint_rule": "picc-callback",
        "survey_after_resolve": "email"})
    assert created.status_code == 201, created.text
    balt = created.json()
    assert balt["complaint_rule"] == "picc-callback" and balt["survey_after_resolve"] == "email"
    assert stored_client(make, balt["id"]) == ("picc-callback", "email")
    plain = client.post(f"{V1}/clients", headers=cc.admin.auth, json={"code": "plain", "name": "Plain"}).json()
    assert plain["complaint_rule"] is None and plain["survey_after_resolve"] is None  # both optional: off

    assert set_client(cc, client, complaint_rule="uk-complaint").json()["complaint_rule"] == "uk-complaint"
    assert set_client(cc, client, name="RESO-Garantia").json()["complaint_rule"] == "uk-complaint"  # kept
    assert set_client(cc, client, complaint_rule=None).json()["complaint_rule"] is None  # null clears
    set_client(cc, client, complaint_rule="cn-complaint")
    assert set_client(cc, client, complaint_rule="").json()["complaint_rule"] is None  # so does empty
    assert stored_client(make, cc.client.id)[0] is None

    unknown = set_client(cc, client, complaint_rule="ru-complaints")
    assert unknown.status_code == 422
    [problem] = unknown.json()["detail"]
    assert problem["loc"][-1] == "complaint_rule"
    assert "'ru-complaints'" in problem["msg"]
    for known in ("cn-complaint", "ie-complaint", "picc-callback", "ru-complaint", "uk-complaint"):
        assert known in problem["msg"]
    refused_create = client.post(f"{V1}/clients", headers=cc.admin.auth,
                                 json={"code": "bad", "name": "Bad", "complaint_rule": "nope"})
    assert refused_create.status_code == 422
    assert stored_client(make, cc.client.id)[0] is None
    with make.uow() as uow:
        assert uow.session.scalar(select(m.Client).where(m.Client.code == "bad")) is None


def test_a_rule_of_the_deadline_rules_file_is_known_too(cc, client, make, tmp_path: Path, monkeypatch):
    assert set_client(cc, client, complaint_rule="kz-callback").status_code == 422  # not without the file
    rules_file = tmp_path / "deadlines.yaml"
    rules_file.write_text(EXTRA_RULES, encoding="utf-8")
    monkeypatch.setenv("HELPLINE_DEADLINE_RULES", str(rules_file))
    assert set_client(cc, client, complaint_rule="kz-callback").json()["complaint_rule"] == "kz-callback"
    refused = set_client(cc, client, complaint_rule="kz")
    assert refused.status_code == 422 and "kz-callback" in refused.json()["detail"][0]["msg"]


def test_the_survey_setting_takes_sms_email_auto_and_none(cc, client, make):
    for value in ("sms", "email", "auto"):
        assert set_client(cc, client, survey_after_resolve=value).json()["survey_after_resolve"] == value
    assert set_client(cc, client, survey_after_resolve="none").json()["survey_after_resolve"] is None
    set_client(cc, client, survey_after_resolve="sms")
    assert set_client(cc, client, survey_after_resolve=None).json()["survey_after_resolve"] is None
    refused = set_client(cc, client, survey_after_resolve="fax")
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "survey_after_resolve"
    assert stored_client(make, cc.client.id) == (None, None)


@pytest.mark.parametrize("who", ["agent", "supervisor", "qa", "pbx"])
def test_other_roles_may_not_set_the_client_settings(cc, client, make, who):
    person = getattr(cc, who)
    change = set_client(cc, client, person, complaint_rule="picc-callback", survey_after_resolve="sms")
    assert change.status_code == 403
    created = client.post(f"{V1}/clients", headers=person.auth, json={
        "code": "sneaky", "name": "Sneaky", "complaint_rule": "picc-callback", "survey_after_resolve": "sms"})
    assert created.status_code == 403
    assert stored_client(make, cc.client.id) == (None, None)


def test_a_complaint_without_a_rule_takes_the_clients_and_its_deadline(cc, client):
    assert set_client(cc, client, complaint_rule="picc-callback").status_code == 200
    body = {"client_id": cc.client.id, "complainant_name": "Ivan Petrov", "channel": "voice",
            "category": "claim_settlement", "subject": "Payment delayed", "facts": "Filed a month ago.",
            "received_at": "2026-02-02T10:00:00+08:00"}
    made = cc.http(client, cc.supervisor, "POST", "/complaints", json=body)
    picc = load_rules(None)["picc-callback"]  # what `helpline deadline --rule picc-callback` counts with
    expected = parse_received("2026-02-02T10:00:00+08:00", picc)
    assert made["rule"] == "picc-callback"
    assert made["due_local"] == deadlines(picc, expected).due.isoformat()
    explicit = cc.http(client, cc.supervisor, "POST", "/complaints", json={**body, "rule": "ru-complaint"})
    assert explicit["rule"] == "ru-complaint"  # a rule given explicitly still wins
    set_client(cc, client, complaint_rule=None)
    by_site = cc.http(client, cc.supervisor, "POST", "/complaints", json=body)
    assert by_site["rule"] == "ru-complaint"  # cleared: the Moscow site's country decides
    assert by_site["due_local"] != made["due_local"]


# --- the admin form ---------------------------------------------------------------------------------------------


@pytest.fixture
def browsers(app):
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def test_the_admin_form_sets_both_settings_and_the_list_shows_them(cc, browsers, make):
    admin = signed_in(browsers, cc.admin, "en")
    page = admin.get("/admin/clients").text
    assert '<select id="complaint_rule" name="complaint_rule"' in page
    assert '<option value="picc-callback">picc-callback</option>' in page
    assert '<option value="auto">Automatic: SMS, else e-mail</option>' in page
    added = post(admin, "/admin/clients", {"code": "picc", "name": "PICC", "complaint_rule": "picc-callback",
                                           "survey_after_resolve": "auto"})
    assert added.status_code == 303
    picc = row(make, m.Client, code="picc")
    assert (picc.complaint_rule, picc.survey_after_resolve) == ("picc-callback", "auto")
    listed = admin.get("/admin/clients").text
    assert "<th scope=\"col\">Complaint deadline rule</th>" in listed
    assert "<td>picc-callback</td>" in listed and "<td>Automatic: SMS, else e-mail</td>" in listed

    edit = admin.get(f"/admin/clients/{picc.id}").text
    assert '<option value="picc-callback" selected>' in edit and '<option value="auto" selected>' in edit
    changed = post(admin, f"/admin/clients/{picc.id}", {"name": "PICC", "complaint_rule": "cn-complaint",
                                                        "survey_after_resolve": "email"})
    assert changed.status_code == 303
    picc = row(make, m.Client, id=picc.id)
    assert (picc.complaint_rule, picc.survey_after_resolve) == ("cn-complaint", "email")
    cleared = post(admin, f"/admin/clients/{picc.id}", {"name": "PICC", "complaint_rule": "",
                                                        "survey_after_resolve": ""})
    assert cleared.status_code == 303
    picc = row(make, m.Client, id=picc.id)
    assert (picc.complaint_rule, picc.survey_after_resolve) == (None, None)


def test_the_admin_form_names_the_known_rules_next_to_the_field(cc, browsers, make):
    admin = signed_in(browsers, cc.admin, "en")
    refused = post(admin, f"/admin/clients/{cc.client.id}", {"name": "RESO", "complaint_rule": "nope",
                                                             "survey_after_resolve": "sms"})
    assert refused.status_code == 422
    message = error_of(refused.text, "complaint_rule")
    assert message == ("There is no such rule. The rules are: cn-complaint, ie-complaint, picc-callback, "
                       "ru-complaint, uk-complaint.")
    assert stored_client(make, cc.client.id) == (None, None)  # nothing saved, the survey neither
    bad_survey = post(admin, f"/admin/clients/{cc.client.id}", {"name": "RESO", "survey_after_resolve": "fax"})
    assert bad_survey.status_code == 422 and error_of(bad_survey.text, "survey_after_resolve")
    russian = signed_in(browsers, cc.admin, "ru")
    added = post(russian, "/admin/clients", {"code": "x1", "name": "X", "complaint_rule": "ru-complaints"})
    assert added.status_code == 422
    assert error_of(added.text, "complaint_rule").startswith("Такого правила нет. Есть правила: cn-complaint")
    assert "Опрос после решения обращения" in added.text
    with make.uow() as uow:
        assert uow.session.scalar(select(m.Client).where(m.Client.code == "x1")) is None


def test_other_roles_may_not_use_the_admin_clients_form(cc, browsers, make):
    agent = signed_in(browsers, cc.agent)
    assert agent.get("/admin/clients").status_code == 403
    admin = signed_in(browsers, cc.admin)
    token_page = admin.get(f"/admin/clients/{cc.client.id}").text
    refused = agent.post(f"/admin/clients/{cc.client.id}", data={
        "name": "RESO", "complaint_rule": "picc-callback", "survey_after_resolve": "sms",
        "csrf": csrf_of(token_page)}, follow_redirects=False)
    assert refused.status_code == 403
    assert stored_client(make, cc.client.id) == (None, None)


# --- the survey when a case is resolved ------------------------------------------------------------------------


@pytest.fixture
def customer(make, cc):
    """A customer with a phone and an e-mail address, who reads English."""
    return make.customer("Ivan Petrov", phones=["+79161234567"], emails=["ivan@example.ru"], client=cc.client,
                         language="en")


def test_resolving_a_case_e_mails_one_survey_and_a_second_resolve_sends_none(cc, client, make, clock, container,
                                                                              customer, sink):
    desk = email_desk(container, make, cc.client, cc.moscow, sink.port, acknowledge=False)
    assert set_client(cc, client, survey_after_resolve="email").status_code == 200
    case_id = case_of(cc, make, clock, customer)
    resolved = move(cc, client, case_id, "resolved")
    assert resolved["resolved_at"]
    [survey] = surveys_of(make, case_id)
    assert survey.channel == "email" and survey.customer_id == customer.id and survey.interaction_id is None
    assert survey.agent_id == cc.agent.agent.id  # the agent of the case's last interaction, as `send` records
    assert survey.language == "en" and survey.answered_at is None
    assert desk.worker.run_once()[1] == {"sent": 1}
    [sent] = sink.messages()
    assert sent["To"] == "ivan@example.ru" and f"[{case_id}]" in sent["Subject"]
    text = sent.get_body(("plain",)).get_content()
    link = next(word for word in text.split() if word.startswith(f"{PUBLIC_URL}/s/"))
    shown = client.get(f"{V1}/surveys/answer/{link.rsplit('/s/', 1)[1]}")
    assert shown.status_code == 200 and shown.json()["state"] == "open"  # the link answers this survey

    move(cc, client, case_id, "open")  # reopened, then resolved again: the case has its survey already
    move(cc, client, case_id, "resolved")
    assert len(surveys_of(make, case_id)) == 1
    desk.worker.run_once()
    assert len(sink.messages()) == 1


@pytest.fixture
def gateway():
    fake = FakeSmsGateway().start()
    yield fake
    fake.stop()


def test_auto_sends_an_sms_when_the_customer_has_a_phone(cc, client, make, clock, container, customer, gateway):
    add_channel(container, "sms-gw", "sms-http", {"url": gateway.url, "token": gateway.token, "sender_id": "RESO",
                                                  "receipt_secret": SECRET, "timeout_s": 2}, sms_queue(make, cc).id)
    worker = ChannelWorker(container)
    worker.configure()
    set_client(cc, client, survey_after_resolve="auto")
    case_id = case_of(cc, make, clock, customer)
    move(cc, client, case_id, "resolved")
    [survey] = surveys_of(make, case_id)
    assert survey.channel == "sms"
    assert worker.run_once()[1] == {"sent": 1}
    [request] = gateway.requests
    assert request.body["to"] == "+79161234567" and f"{PUBLIC_URL}/s/" in request.body["text"]


def test_auto_falls_back_to_e_mail_and_sms_without_a_phone_sends_none(cc, client, make, clock):
    set_client(cc, client, survey_after_resolve="auto")
    mail_only = make.customer("Anna Smirnova", emails=["anna@example.ru"], client=cc.client)
    case_id = case_of(cc, make, clock, mail_only)
    move(cc, client, case_id, "resolved")
    assert [s.channel for s in surveys_of(make, case_id)] == ["email"]

    set_client(cc, client, survey_after_resolve="sms")
    other = case_of(cc, make, clock, mail_only)
    move(cc, client, other, "resolved")
    assert surveys_of(make, other) == []


def test_no_survey_when_the_client_has_the_setting_off(cc, client, make, clock, customer):
    case_id = case_of(cc, make, clock, customer)
    move(cc, client, case_id, "resolved")
    set_client(cc, client, survey_after_resolve="email")
    set_client(cc, client, survey_after_resolve="none")
    other = case_of(cc, make, clock, customer)
    move(cc, client, other, "resolved")
    assert surveys_of(make, case_id) == [] and surveys_of(make, other) == []
    assert outbound_count(make) == 0


def test_a_customer_without_contact_or_no_customer_still_resolves(cc, client, make, clock):
    set_client(cc, client, survey_after_resolve="auto")
    unreachable = make.customer("Nobody Known", client=cc.client)
    for customer in (unreachable, None):
        case_id = case_of(cc, make, clock, customer)
        move(cc, client, case_id, "resolved")
        assert case_status(make, case_id) == "resolved" and surveys_of(make, case_id) == []
    assert outbound_count(make) == 0


def test_a_refused_channel_is_not_used(cc, client, make, clock, customer):
    with make.uow() as uow:
        outbox.set_consent(uow, customer.id, "sms", outbox.SERVICE, False, "test")
        uow.commit()
    set_client(cc, client, survey_after_resolve="auto")
    case_id = case_of(cc, make, clock, customer)
    move(cc, client, case_id, "resolved")
    assert [s.channel for s in surveys_of(make, case_id)] == ["email"]  # the customer said no to SMS


def test_a_failing_survey_neither_blocks_nor_undoes_the_resolve(cc, client, make, clock, customer, monkeypatch):
    set_client(cc, client, survey_after_resolve="email")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the template store is down")

    monkeypatch.setattr(surveys, "_deliver", broken)
    case_id = case_of(cc, make, clock, customer)
    move(cc, client, case_id, "resolved")
    assert case_status(make, case_id) == "resolved"
    assert surveys_of(make, case_id) == [] and outbound_count(make) == 0  # the half-made survey rolled back
    with make.uow() as uow:
        changes = uow.session.scalars(select(m.Event).where(m.Event.case_id == case_id,
                                                            m.Event.type == "case_status_changed")).all()
        assert [e.data["to"] for e in changes] == ["resolved"]


def test_without_a_public_address_no_survey_is_sent_and_the_case_resolves(cc, client, make, clock, customer,
                                                                          monkeypatch):
    monkeypatch.delenv(surveys.BASE_URL_ENV)
    set_client(cc, client, survey_after_resolve="email")
    case_id = case_of(cc, make, clock, customer)
    move(cc, client, case_id, "resolved")
    assert surveys_of(make, case_id) == [] and case_status(make, case_id) == "resolved"


def test_a_case_already_surveyed_about_its_call_gets_no_second_survey(cc, client, make, clock, customer):
    set_client(cc, client, survey_after_resolve="email")
    case_id = case_of(cc, make, clock, customer)
    with make.uow() as uow:
        call_id = uow.session.scalar(select(m.Interaction.id).where(m.Interaction.case_id == case_id))
    cc.http(client, cc.supervisor, "POST", "/surveys", json={"interaction_id": call_id, "channel": "sms"})
    move(cc, client, case_id, "resolved")
    assert [(s.channel, s.interaction_id) for s in surveys_of(make, case_id)] == [("sms", call_id)]
