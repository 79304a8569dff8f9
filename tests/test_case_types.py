"""Insurance case types (issue 8): the rules per type, the workflow after the form (next steps, checklist SMS),
the doctor-curator's decision and the medical review (medical skill only), the cost log, the roadside ETA, and
the provider network."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.adapters.db.models_case_types import CaseMedicalRecord
from helpline.domain import case_forms
from helpline.domain import case_workflows as rules
from helpline.domain.vocabulary import CaseType
from tests.test_web import call

TODAY = date(2026, 2, 2)
TRAVEL_OK = {"country": "tr", "city": "Antalya", "symptoms": "Fever 39, sore throat", "conscious": "yes",
             "hospitalisation": "no", "triage": "urgent", "guarantee_amount": "300", "guarantee_currency": "eur"}
DMS_OK = {"insured": "Anna Ivanova", "programme": "Gold", "clinic": "Medsi Krasnaya Presnya",
          "service": "MRI of the knee", "limit": "25000", "valid_from": "2026-02-02", "valid_until": "2026-03-02"}


# --- the rules per type (pure) --------------------------------------------------------------------------


def test_every_form_type_has_a_workflow_with_next_steps_and_its_checklist_template_exists():
    from helpline.services.notifications import sms_templates

    for case_type in case_forms.FORM_TYPES:
        flow = case_forms.workflow_for(case_type)
        assert flow is not None and flow.next_steps, case_type
        if flow.sms_template:
            assert flow.sms_template in sms_templates()
    assert case_forms.workflow_for(CaseType.DMS_GUARANTEE_LETTER).medical_decision
    travel = case_forms.workflow_for(CaseType.TRAVEL_ASSISTANCE)
    assert travel.medical_review and travel.cost_log and travel.sms_params == ("hotline",)
    assert case_forms.workflow_for(CaseType.ROADSIDE_ASSISTANCE).eta
    assert case_forms.workflow_for("enquiry") is None and case_forms.workflow_for("nonsense") is None


def test_travel_assistance_form_cleans_codes_and_checks_triage_and_currency():
    values, errors = case_forms.check(CaseType.TRAVEL_ASSISTANCE, TRAVEL_OK, TODAY)
    assert errors == {}
    assert (values["country"], values["guarantee_currency"], values["guarantee_amount"]) == ("TR", "EUR", 300)
    assert case_forms.check(CaseType.TRAVEL_ASSISTANCE, {**TRAVEL_OK, "country": "Turkey"}, TODAY)[1] == {
        "country": case_forms.TOO_LONG}
    assert case_forms.check(CaseType.TRAVEL_ASSISTANCE, {**TRAVEL_OK, "country": "t1"}, TODAY)[1] == {
        "country": case_forms.BAD_COUNTRY}
    assert case_forms.check(CaseType.TRAVEL_ASSISTANCE, {**TRAVEL_OK, "guarantee_currency": ""}, TODAY)[1] == {
        "guarantee_currency": case_forms.CURRENCY_NEEDED}
    assert case_forms.check(CaseType.TRAVEL_ASSISTANCE, {**TRAVEL_OK, "guarantee_currency": "E1R"}, TODAY)[1] == {
        "guarantee_currency": case_forms.BAD_CURRENCY}
    routine = {**TRAVEL_OK, "triage": "routine", "hospitalisation": "yes"}
    assert case_forms.check(CaseType.TRAVEL_ASSISTANCE, routine, TODAY)[1] == {"triage": case_forms.NOT_ROUTINE}
    unconscious = {**TRAVEL_OK, "triage": "routine", "conscious": "no"}
    assert case_forms.check(CaseType.TRAVEL_ASSISTANCE, unconscious, TODAY)[1] == {"triage": case_forms.NOT_ROUTINE}
    assert set(case_forms.check(CaseType.TRAVEL_ASSISTANCE, {}, TODAY)[1]) == {
        "country", "city", "symptoms", "conscious", "hospitalisation", "triage"}


def test_dms_form_has_no_decision_field_and_checks_the_validity_period():
    form = case_forms.form_for(CaseType.DMS_GUARANTEE_LETTER)
    assert "curator_decision" not in {f.name for f in form.fields}  # a doctor decides apart
    values, errors = case_forms.check(CaseType.DMS_GUARANTEE_LETTER, DMS_OK, TODAY)
    assert errors == {} and values["limit"] == 25000
    backwards = {**DMS_OK, "valid_until": "2026-02-01"}
    assert case_forms.check(CaseType.DMS_GUARANTEE_LETTER, backwards, TODAY)[1] == {
        "valid_until": case_forms.VALIDITY_ORDER}


@pytest.mark.parametrize(("raw", "cleaned"), [("55.7558, 37.6173", "55.7558, 37.6173"),
                                              ("55.7558;37.6173", "55.7558, 37.6173"),
                                              ("91, 10", None), ("north", None), ("1, 2, 3", None)])
def test_roadside_coordinates_and_services(raw, cleaned):
    base = {"location": "M4 km 50", "safe": "yes", "vehicle": "Lada Vesta", "service": "lockout",
            "eta_minutes": "40", "coordinates": raw}
    values, errors = case_forms.check(CaseType.ROADSIDE_ASSISTANCE, base, TODAY)
    if cleaned is None:
        assert errors == {"coordinates": case_forms.BAD_COORDINATES}
    else:
        assert errors == {} and values["coordinates"] == cleaned and values["eta_minutes"] == 40


def test_motor_claim_osago_and_kasko_and_property_keep_their_rules():
    motor = {"product": "kasko", "europrotocol": "yes", "accident_date": "2026-02-01", "place": "Moscow",
             "plate": "A123BC77", "drivers": "Ivan", "injured": "1", "police_report": "called", "damage": "Door"}
    _values, errors = case_forms.check(CaseType.MOTOR_CLAIM, motor, TODAY)
    assert errors == {"injured": case_forms.EUROPROTOCOL_INJURED, "police_report": case_forms.EUROPROTOCOL_POLICE}
    assert case_forms.check(CaseType.MOTOR_CLAIM, {**motor, "europrotocol": "no"}, TODAY)[1] == {}
    assert set(case_forms.check(CaseType.PROPERTY_CLAIM, {}, TODAY)[1]) == {"loss_date", "loss_kind", "location",
                                                                            "description"}


def test_cost_totals_per_currency_eta_and_decision_reason():
    lines = [rules.CostLine(Decimal("100.50"), "EUR"), rules.CostLine(Decimal("20"), "TRY"),
             rules.CostLine(Decimal("0.50"), "EUR")]
    assert rules.totals(lines) == {"EUR": Decimal("101.00"), "TRY": Decimal("20")}
    assert rules.totals([]) == {}
    t0 = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
    due = rules.eta_due(t0, 30)
    assert not rules.is_late(due, due) and rules.is_late(due, due + timedelta(seconds=1))
    assert not rules.is_late(due, due + timedelta(hours=1), arrived=True) and not rules.is_late(None, t0)
    assert rules.needs_reason(rules.Decision.REFUSED, " ") and rules.needs_reason(
        rules.Decision.DOCUMENTS_REQUESTED, "")
    assert not rules.needs_reason(rules.Decision.APPROVED, "") and not rules.needs_reason(
        rules.Decision.REFUSED, "Not covered by the programme")
    assert rules.is_medical(["osago", "dms_medical"]) and not rules.is_medical(["osago"])


# --- doctors, reviews, costs over the API -----------------------------------------------------------------


@pytest.fixture
def doctors(cc, make, clock):
    """A certified doctor, one whose medical certification is suspended, and one who never passed the medical
    exam (all three may also take the OSAGO queue's calls, where the tests' calls wait)."""
    medical = make.skill("medical")

    def doctor(**kw):
        user = make.user("agent")
        agent = make.agent(site=cc.moscow, user=user, skills={medical: 8, cc.osago: 5}, **kw)
        return type(cc.agent)(user, make.token(user), agent)

    certified, suspended, uncertified = doctor(), doctor(), doctor(certified=False)
    with make.uow() as uow:
        cert = uow.session.scalar(select(m.Certification).where(m.Certification.agent_id == suspended.agent.id,
                                                                m.Certification.skill_id == medical.id))
        cert.suspended_at = clock.now - timedelta(days=1)
        uow.commit()
    return certified, suspended, uncertified


def new_case(cc, client, case_type):
    iid = call(cc, client, case_type=case_type)["id"]
    return cc.http(client, cc.supervisor, "GET", f"/interactions/{iid}")["case_id"]


def test_only_a_certified_medical_agent_records_the_curator_decision(cc, client, doctors, uow):
    certified, suspended, uncertified = doctors
    case_id = new_case(cc, client, "dms_guarantee_letter")
    path = f"/api/v1/cases/{case_id}/medical-decision"
    body = {"decision": "approved"}
    for who in (cc.agent, suspended, uncertified, cc.supervisor, cc.admin):
        refused = client.post(path, json=body, headers=who.auth)
        assert refused.status_code == 403, who
        assert rules.NOT_MEDICAL in refused.text
    assert client.post(path, json=body, headers=cc.qa.auth).status_code == 403  # no WRITE_CASES at all
    no_reason = client.post(path, json={"decision": "refused"}, headers=certified.auth)
    assert no_reason.status_code == 422 and rules.REASON_NEEDED in no_reason.text
    first = cc.http(client, certified, "POST", f"/cases/{case_id}/medical-decision",
                    json={"decision": "documents_requested", "reason": "Referral with the diagnosis"})
    assert [d["outcome"] for d in first["decisions"]] == ["documents_requested"]
    work = cc.http(client, certified, "POST", f"/cases/{case_id}/medical-decision", json=body)
    assert [d["outcome"] for d in work["decisions"]] == ["documents_requested", "approved"]
    assert work["decisions"][1]["agent_id"] == certified.agent.id
    details = cc.http(client, cc.supervisor, "GET", f"/cases/{case_id}")["details"]
    assert details["curator_decision"] == "approved"
    audited = uow.session.scalars(select(m.AuditEntry.action).where(m.AuditEntry.entity_id == str(case_id))).all()
    assert "medical_decision" in audited and "read" in audited  # health data: every read and change logged
    travel = new_case(cc, client, "travel_assistance")
    wrong_type = client.post(f"/api/v1/cases/{travel}/medical-decision", json=body, headers=certified.auth)
    assert wrong_type.status_code == 422
    assert client.post("/api/v1/cases/999999/medical-decision", json=body,
                       headers=certified.auth).status_code == 404


def test_a_travel_case_cannot_be_resolved_or_closed_before_its_medical_review(cc, client, doctors, uow):
    certified, suspended, _ = doctors
    case_id = new_case(cc, client, "travel_assistance")
    closing = client.post(f"/api/v1/cases/{case_id}/status", json={"status": "resolved"}, headers=cc.supervisor.auth)
    assert closing.status_code == 409 and rules.REVIEW_FIRST in closing.text
    assert rules.REVIEW_FIRST in client.post(f"/api/v1/cases/{case_id}/status", json={"status": "closed"},
                                             headers=cc.supervisor.auth).text
    assert client.post(f"/api/v1/cases/{case_id}/medical-review", json={"review": "confirmed"},
                       headers=suspended.auth).status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/medical-review", json={"review": "maybe"},
                       headers=certified.auth).status_code == 422
    reviewed = cc.http(client, certified, "POST", f"/cases/{case_id}/medical-review",
                       json={"review": "corrected", "comment": "Triage should be urgent"})
    assert [r["outcome"] for r in reviewed["reviews"]] == ["corrected"]
    assert cc.http(client, cc.supervisor, "POST", f"/cases/{case_id}/status", json={"status": "resolved"})[
        "status"] == "resolved"
    motor = new_case(cc, client, "motor_claim")  # other types close without a doctor
    assert cc.http(client, cc.supervisor, "POST", f"/cases/{motor}/status", json={"status": "resolved"})[
        "status"] == "resolved"
    assert uow.session.scalar(select(CaseMedicalRecord.kind).where(CaseMedicalRecord.case_id == case_id)) == "review"


def test_the_cost_log_totals_each_currency(cc, client):
    provider = cc.http(client, cc.supervisor, "POST", "/providers", json={
        "name": "Antalya Private Hospital", "kind": "clinic", "country": "TR", "city": "Antalya"})
    case_id = new_case(cc, client, "travel_assistance")
    lines = [("2026-02-01", "Consultation", "120.50", "EUR", provider["id"]),
             ("2026-02-01", "Taxi", "900", "TRY", None),
             ("2026-02-02", "Medicines", "35.25", "eur", None)]
    for day, text, amount, currency, provider_id in lines:
        work = cc.http(client, cc.supervisor, "POST", f"/cases/{case_id}/costs", json={
            "incurred_on": day, "description": text, "amount": amount, "currency": currency,
            "provider_id": provider_id})
    assert {k: Decimal(v) for k, v in work["totals"].items()} == {"EUR": Decimal("155.75"), "TRY": Decimal("900")}
    assert [c["description"] for c in work["costs"]] == ["Consultation", "Taxi", "Medicines"]
    assert work["costs"][0]["provider_id"] == provider["id"]
    bad = client.post(f"/api/v1/cases/{case_id}/costs", headers=cc.supervisor.auth, json={
        "incurred_on": "2026-02-01", "description": "x", "amount": "-1", "currency": "EURO"})
    assert bad.status_code == 422
    assert client.post(f"/api/v1/cases/{case_id}/costs", headers=cc.supervisor.auth, json={
        "incurred_on": "2026-02-01", "description": "x", "amount": "1", "currency": "EUR",
        "provider_id": 99999}).status_code == 404
    motor = new_case(cc, client, "motor_claim")
    assert client.post(f"/api/v1/cases/{motor}/costs", headers=cc.supervisor.auth, json={
        "incurred_on": "2026-02-01", "description": "x", "amount": "1", "currency": "EUR"}).status_code == 422
    assert client.post(f"/api/v1/cases/{case_id}/costs", headers=cc.qa.auth, json={
        "incurred_on": "2026-02-01", "description": "x", "amount": "1", "currency": "EUR"}).status_code == 403
    assert client.get(f"/api/v1/cases/{case_id}/work", headers=cc.pbx.auth).status_code == 403


def test_the_checklist_sms_goes_to_the_customer_with_the_case_reference(cc, client, make, uow):
    make.customer("Olga Smirnova", phones=["+74951234567"], client=cc.client)
    case_id = new_case(cc, client, "travel_assistance")
    missing = client.post(f"/api/v1/cases/{case_id}/checklist", json={}, headers=cc.supervisor.auth)
    assert missing.status_code == 422 and "hotline" in missing.text
    sent = cc.http(client, cc.supervisor, "POST", f"/cases/{case_id}/checklist",
                   json={"params": {"hotline": "+7 495 730-30-00"}})
    assert sent["template"] == "sms_travel_assistance_checklist" and sent["case_id"] == case_id
    assert f"RESO-{case_id}" in sent["body"] and "+7 495 730-30-00" in sent["body"]
    assert sent["to_address"] == "+74951234567"
    enquiry = new_case(cc, client, "enquiry")  # a type without a checklist
    assert client.post(f"/api/v1/cases/{enquiry}/checklist", json={"params": {"hotline": "1"}},
                       headers=cc.supervisor.auth).status_code == 422
    assert client.post(f"/api/v1/cases/{case_id}/checklist", json={"params": {"hotline": "1"}},
                       headers=cc.qa.auth).status_code == 403


def test_the_roadside_message_says_help_is_coming_with_the_eta_of_the_form(cc, client, make):
    customer = make.customer("Pavel Orlov", phones=["+74951234567"], client=cc.client)  # the caller
    _language(make, customer, "en")
    case_id = new_case(cc, client, "roadside_assistance")
    path = f"/cases/{case_id}/checklist"
    body = {"params": {"hotline": "+7 495 730-30-00"}}
    before_eta = cc.http(client, cc.supervisor, "POST", path, json=body)["body"]
    assert before_eta.startswith(f"Roadside assistance RESO-{case_id}: help is on the way. Hazard lights on")
    with make.uow() as session_uow:  # the desk form saved an ETA of 35 minutes
        case = session_uow.session.get(m.Case, case_id)
        case.details = {**(case.details or {}), "eta_minutes": 35}
        session_uow.commit()
    sent = cc.http(client, cc.supervisor, "POST", path, json=body)
    assert sent["template"] == "sms_roadside_assistance_checklist" and sent["to_address"] == "+74951234567"
    assert "help is on the way, about 35 min." in sent["body"] and "+7 495 730-30-00" in sent["body"]
    _language(make, customer, "ru")
    russian = cc.http(client, cc.supervisor, "POST", path, json=body)["body"]
    assert russian.startswith(f"Помощь на дороге RESO-{case_id}: едем, около 35 мин.")
    assert client.post(f"/api/v1{path}", json={}, headers=cc.supervisor.auth).status_code == 422  # no hotline


# --- the provider network ---------------------------------------------------------------------------------


NETWORK = [
    {"name": "Antalya Private Hospital", "kind": "clinic", "country": "TR", "city": "Antalya",
     "address": "Kepez, Dumlupınar Blv. 1", "phones": ["+90 242 000 00 00"], "services": ["outpatient", "inpatient"]},
    {"name": "Memorial Antalya", "kind": "clinic", "country": "tr", "city": "antalya", "services": ["inpatient"]},
    {"name": "Istanbul Assist", "kind": "assistance", "country": "TR", "city": "Istanbul"},
    {"name": "Evakuator 24", "kind": "tow", "country": "RU", "city": "Moscow", "address": "MKAD 41 km",
     "services": ["tow", "jump_start", "lockout"]},
    {"name": "Old Clinic", "kind": "clinic", "country": "TR", "city": "Antalya", "active": False},
    {"name": "Клиника Медси", "kind": "clinic", "country": "RU", "city": "Москва", "address": "Красная Пресня, 16"},
]


def test_provider_search_by_kind_country_city_text_and_service(cc, client):
    for body in NETWORK:
        cc.http(client, cc.supervisor, "POST", "/providers", json=body)

    def names(**query):
        return [p["name"] for p in cc.http(client, cc.agent, "GET", "/providers", params=query)]

    assert names(city="МОСКВА") == ["Клиника Медси"] and names(q="ПРЕСНЯ") == ["Клиника Медси"]
    assert names(country="tr", city="ANTALYA") == ["Antalya Private Hospital", "Memorial Antalya"]
    assert names(country="TR") == ["Antalya Private Hospital", "Memorial Antalya", "Istanbul Assist"]
    assert names(kind="tow") == ["Evakuator 24"] and names(kind="assistance", country="RU") == []
    assert names(country="RU") == ["Evakuator 24", "Клиника Медси"]  # Moscow and Москва: by the city's spelling
    assert names(q="memorial") == ["Memorial Antalya"] and names(q="mkad") == ["Evakuator 24"]
    assert names(q="%") == [] and names(service="lockout") == ["Evakuator 24"]
    assert names(country="TR", city="Antalya", include_inactive="true")[-1] == "Old Clinic"
    assert client.get("/api/v1/providers", params={"country": "Turkey"}, headers=cc.agent.auth).status_code == 422


def test_provider_writes_need_manage_providers_and_valid_input(cc, client):
    body = NETWORK[0]
    for who in (cc.agent, cc.qa, cc.pbx):
        assert client.post("/api/v1/providers", json=body, headers=who.auth).status_code == 403
    assert client.get("/api/v1/providers", headers=cc.pbx.auth).status_code == 403
    bad = client.post("/api/v1/providers", json={**body, "country": "TUR", "kind": "hotel"},
                      headers=cc.supervisor.auth)
    assert bad.status_code == 422
    created = cc.http(client, cc.admin, "POST", "/providers", json=body)
    assert created["country"] == "TR" and created["active"] is True
    assert client.patch(f"/api/v1/providers/{created['id']}", json={"active": False},
                        headers=cc.agent.auth).status_code == 403
    changed = cc.http(client, cc.supervisor, "PATCH", f"/providers/{created['id']}",
                      json={"active": False, "phones": ["+90 242 111 11 11"]})
    assert changed["active"] is False and changed["phones"] == ["+90 242 111 11 11"]
    assert cc.http(client, cc.agent, "GET", f"/providers/{created['id']}")["name"] == body["name"]
    assert client.get("/api/v1/providers/99999", headers=cc.agent.auth).status_code == 404
    assert cc.http(client, cc.agent, "GET", "/providers") == []


# --- the pages ----------------------------------------------------------------------------------------------

HX = {"HX-Request": "true"}


@pytest.fixture
def pages(app):
    """The directory and desk case-work routes (entrypoints/web/provider_pages.py), mounted if the web app does
    not mount them yet."""
    from helpline.entrypoints.web import provider_pages

    if not any(getattr(r, "path", "") == "/desk/cases/{case_id}/work" for r in app.routes):
        app.include_router(provider_pages.router)
    return app


@pytest.fixture
def browsers(pages):
    from contextlib import ExitStack

    from fastapi.testclient import TestClient

    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(pages))


def on_desk(cc, client, browsers, person, case_type):
    """`person` (an agent) has accepted a call of `case_type`: returns the browser, the CSRF token, the
    interaction and its case."""
    from tests.test_web import csrf_of, signed_in

    browser = signed_in(browsers, person)
    token = csrf_of(browser.get("/desk").text)
    browser.post("/desk/presence", data={"csrf": token, "state": "ready"}, headers=HX)
    iid = call(cc, client, case_type=case_type)["id"]
    cc.http(client, cc.supervisor, "POST", f"/interactions/{iid}/offer", json={"agent_id": person.agent.id})
    browser.post(f"/desk/interactions/{iid}/accept", data={"csrf": token}, headers=HX)
    return browser, token, iid, cc.http(client, cc.supervisor, "GET", f"/interactions/{iid}")["case_id"]


def test_directory_page_search_add_with_errors_and_deactivate(cc, client, browsers):
    from tests.test_web import csrf_of, signed_in

    for body in NETWORK:
        cc.http(client, cc.supervisor, "POST", "/providers", json=body)
    agent = signed_in(browsers, cc.agent)
    page = agent.get("/providers?country=TR&city=antalya&lang=ru")
    assert page.status_code == 200 and "Сеть партнёров" in page.text
    assert "Antalya Private Hospital" in page.text and "Istanbul Assist" not in page.text
    assert 'id="add-provider"' not in page.text  # an agent searches, never edits
    token = csrf_of(agent.get("/desk").text)
    assert agent.post("/providers", data={"csrf": token, "name": "X", "kind": "tow", "country": "RU",
                                          "city": "Moscow"}).status_code == 403
    supervisor = signed_in(browsers, cc.supervisor)
    token = csrf_of(supervisor.get("/providers").text)
    bad = supervisor.post("/providers?lang=en", data={"csrf": token, "name": "Tow Kazan", "kind": "",
                                                      "country": "Russia", "city": ""})
    assert bad.status_code == 422
    assert 'id="kind-error"' in bad.text and 'id="country-error"' in bad.text and 'id="city-error"' in bad.text
    assert 'value="Tow Kazan"' in bad.text  # nothing typed is lost
    good = supervisor.post("/providers", data={"csrf": token, "name": "Tow Kazan", "kind": "tow", "country": "ru",
                                               "city": "Kazan", "phones": "+7 843 000-00-00", "services": "tow, fuel"},
                           follow_redirects=False)
    assert good.status_code == 303
    added = cc.http(client, cc.agent, "GET", "/providers", params={"city": "kazan"})
    assert [(p["name"], p["services"]) for p in added] == [("Tow Kazan", ["tow", "fuel"])]
    assert "The provider is added." in supervisor.get("/providers?lang=en").text
    supervisor.post(f"/providers/{added[0]['id']}/active", data={"csrf": token, "active": "no"})
    assert cc.http(client, cc.agent, "GET", "/providers", params={"city": "kazan"}) == []


def test_desk_shows_next_steps_and_sends_the_checklist_with_errors_next_to_the_field(cc, client, browsers, make,
                                                                                     uow):
    make.customer("Olga Smirnova", phones=["+74951234567"], client=cc.client)
    browser, token, iid, case_id = on_desk(cc, client, browsers, cc.agent, "motor_claim")
    form = browser.get(f"/desk/interactions/{iid}/case-form?case_type=motor_claim").text
    assert f'hx-get="/desk/cases/{case_id}/work"' in form
    work = browser.get(f"/desk/cases/{case_id}/work?lang=ru", headers=HX).text
    assert 'id="next-steps-' in work and "Отправьте клиенту перечень документов." in work
    assert 'id="curator_decision"' not in work and f'id="costs-{case_id}"' not in work  # not a DMS or travel case
    missing = browser.post(f"/desk/cases/{case_id}/checklist?lang=ru", headers=HX, data={"csrf": token})
    assert missing.status_code == 200 and 'id="upload_url-error">Обязательное поле' in missing.text
    sent = browser.post(f"/desk/cases/{case_id}/checklist?lang=en", headers=HX,
                        data={"csrf": token, "upload_url": "https://reso.ru/u/Ab3dE9"})
    assert "The checklist is queued for sending by SMS." in sent.text
    queued = uow.session.scalars(select(m.OutboundMessage).where(m.OutboundMessage.case_id == case_id)).all()
    assert [(q.template, q.to_address) for q in queued] == [("sms_motor_claim_checklist", "+74951234567")]
    assert "https://reso.ru/u/Ab3dE9" in queued[0].body and f"RESO-{case_id}" in queued[0].body
    foreign = signed_in_other(browsers, cc.colleague)
    assert foreign.get(f"/desk/cases/{case_id}/work", headers=HX).status_code == 404  # not the colleague's case
    qa = signed_in_other(browsers, cc.qa)
    assert qa.get(f"/desk/cases/{case_id}/work").status_code == 403


def signed_in_other(browsers, person):
    from tests.test_web import signed_in

    return signed_in(browsers, person)


def test_desk_dms_decision_only_for_a_certified_doctor(cc, client, browsers, doctors, uow):
    certified, _suspended, _ = doctors
    browser, token, _iid, case_id = on_desk(cc, client, browsers, cc.agent, "dms_guarantee_letter")
    work = browser.get(f"/desk/cases/{case_id}/work?lang=en", headers=HX).text
    assert f'id="not-a-doctor-{case_id}"' in work and 'name="curator_decision"' not in work
    refused = browser.post(f"/desk/cases/{case_id}/decision", headers=HX,
                           data={"csrf": token, "curator_decision": "approved"})
    assert refused.status_code == 403
    doctor, doctor_token, _iid, dms = on_desk(cc, client, browsers, certified, "dms_guarantee_letter")
    form = doctor.get(f"/desk/cases/{dms}/work", headers=HX).text
    assert 'name="curator_decision"' in form
    no_reason = doctor.post(f"/desk/cases/{dms}/decision?lang=ru", headers=HX,
                            data={"csrf": doctor_token, "curator_decision": "refused"})
    assert 'id="reason-error">Укажите причину' in no_reason.text
    no_choice = doctor.post(f"/desk/cases/{dms}/decision?lang=en", headers=HX, data={"csrf": doctor_token})
    assert 'id="curator_decision-error"' in no_choice.text
    done = doctor.post(f"/desk/cases/{dms}/decision?lang=en", headers=HX,
                       data={"csrf": doctor_token, "curator_decision": "refused", "reason": "Not in the programme"})
    assert 'data-outcome="refused"' in done.text and "Not in the programme" in done.text
    assert uow.session.scalar(select(CaseMedicalRecord.outcome).where(CaseMedicalRecord.case_id == dms)) == "refused"


def test_desk_travel_case_costs_review_and_nearby_providers(cc, client, browsers, doctors):
    certified, _, _ = doctors
    for body in NETWORK:
        cc.http(client, cc.supervisor, "POST", "/providers", json=body)
    browser, token, iid, case_id = on_desk(cc, client, browsers, certified, "travel_assistance")
    saved = browser.post(f"/desk/interactions/{iid}/case-form", headers=HX,
                         data={"csrf": token, "case_type": "travel_assistance", **TRAVEL_OK})
    assert saved.status_code == 200 and f'hx-get="/desk/cases/{case_id}/work"' in saved.text
    work = browser.get(f"/desk/cases/{case_id}/work?lang=en", headers=HX).text
    assert f'id="nearby-{case_id}"' in work and "Memorial Antalya" in work and "Evakuator 24" not in work
    assert "Istanbul Assist" not in work and "Old Clinic" not in work
    bad = browser.post(f"/desk/cases/{case_id}/costs?lang=en", headers=HX,
                       data={"csrf": token, "incurred_on": "yesterday", "amount": "-5", "currency": "EURO"})
    for name in ("incurred_on", "amount", "currency", "description"):
        assert f'id="{name}-error"' in bad.text, name
    provider_id = cc.http(client, cc.agent, "GET", "/providers", params={"q": "memorial"})[0]["id"]
    for amount, currency in (("120,50", "EUR"), ("900", "TRY"), ("35.25", "eur")):
        added = browser.post(f"/desk/cases/{case_id}/costs?lang=en", headers=HX, data={
            "csrf": token, "incurred_on": "2026-02-01", "description": "Consultation", "amount": amount,
            "currency": currency, "provider_id": str(provider_id)})
    assert 'data-currency="EUR"' in added.text and "155.75" in added.text and 'data-currency="TRY"' in added.text
    closing = client.post(f"/api/v1/cases/{case_id}/status", json={"status": "resolved"},
                          headers=cc.supervisor.auth)
    assert closing.status_code == 409 and rules.REVIEW_FIRST in closing.text
    no_choice = browser.post(f"/desk/cases/{case_id}/review?lang=en", headers=HX, data={"csrf": token})
    assert 'id="review-error"' in no_choice.text
    reviewed = browser.post(f"/desk/cases/{case_id}/review?lang=en", headers=HX,
                            data={"csrf": token, "review": "confirmed", "comment": "Triage right"})
    assert 'data-outcome="confirmed"' in reviewed.text
    assert cc.http(client, cc.supervisor, "POST", f"/cases/{case_id}/status", json={"status": "resolved"})[
        "status"] == "resolved"


def test_roadside_eta_turns_late(cc, client, browsers, clock):
    browser, token, iid, case_id = on_desk(cc, client, browsers, cc.agent, "roadside_assistance")
    browser.post(f"/desk/interactions/{iid}/case-form", headers=HX, data={
        "csrf": token, "case_type": "roadside_assistance", "location": "M4 km 50", "safe": "yes",
        "vehicle": "Lada Vesta A123BC77", "service": "tow", "eta_minutes": "30"})
    on_time = browser.get(f"/desk/cases/{case_id}/work?lang=en", headers=HX).text
    assert f'id="eta-{case_id}"' in on_time and "badge late" not in on_time
    clock.advance(31 * 60)
    late = browser.get(f"/desk/cases/{case_id}/work?lang=en", headers=HX).text
    assert "badge late" in late
    assert cc.http(client, cc.supervisor, "GET", f"/cases/{case_id}/work")["late"] is True


def test_demo_providers_are_added_once_and_found_by_city(make, client, cc):
    from helpline.demo.providers import PROVIDERS, ensure_providers

    with make.uow() as uow:
        assert ensure_providers(uow) == len(PROVIDERS)
        uow.commit()
    with make.uow() as uow:
        assert ensure_providers(uow) == 0
    found = cc.http(client, cc.agent, "GET", "/providers", params={"country": "RU", "city": "москва", "kind": "tow"})
    assert [p["name"] for p in found] == ["Эвакуатор 24 МКАД"] and "lockout" in found[0]["services"]


# --- the provider chosen from the network, the checklist by e-mail ------------------------------------------


def test_the_provider_check_takes_only_an_active_provider_of_the_kind_in_the_case_country_and_city():
    clinic = case_forms.ProviderFacts(kind="clinic", country="TR", city_key="antalya", active=True)
    values = {"country": "TR", "city": "ANTALYA", "provider_id": 7}
    travel, roadside = CaseType.TRAVEL_ASSISTANCE, CaseType.ROADSIDE_ASSISTANCE
    assert case_forms.provider_problem(travel, values, clinic) is None
    assert case_forms.provider_problem(travel, {**values, "provider_id": None}, None) is None  # none chosen
    assert case_forms.provider_problem(travel, values, None) == case_forms.PROVIDER_UNKNOWN
    assert case_forms.provider_problem(roadside, values, clinic) == case_forms.PROVIDER_WRONG_KIND
    closed = case_forms.ProviderFacts(kind="assistance", country="TR", city_key="antalya", active=False)
    assert case_forms.provider_problem(travel, values, closed) == case_forms.PROVIDER_INACTIVE
    assert case_forms.provider_problem(travel, {**values, "city": "Istanbul"}, clinic) == \
        case_forms.PROVIDER_ELSEWHERE
    assert case_forms.provider_problem(travel, {**values, "country": "CY"}, clinic) == case_forms.PROVIDER_ELSEWHERE
    tow = case_forms.ProviderFacts(kind="tow", country="RU", city_key="москва", active=True)
    assert case_forms.provider_problem(roadside, {"provider_id": 3}, tow) == case_forms.PROVIDER_PLACE_FIRST
    assert case_forms.provider_problem(roadside, {"provider_id": 3, "country": "RU", "city": "МОСКВА"}, tow) is None
    assert case_forms.check(travel, {**TRAVEL_OK, "provider_id": "Memorial"}, TODAY)[1] == {
        "provider_id": case_forms.PROVIDER_UNKNOWN}
    assert case_forms.check(travel, {**TRAVEL_OK, "provider_id": "12"}, TODAY)[0]["provider_id"] == 12


def test_desk_travel_form_offers_the_network_in_the_case_city_and_refuses_another_provider(cc, client, browsers,
                                                                                          uow):
    ids = {body["name"]: cc.http(client, cc.supervisor, "POST", "/providers", json=body)["id"] for body in NETWORK}
    browser, token, iid, case_id = on_desk(cc, client, browsers, cc.agent, "travel_assistance")
    empty = browser.get(f"/desk/interactions/{iid}/case-form?case_type=travel_assistance&lang=en", headers=HX).text
    assert f'id="case-provider-{iid}"' in empty and "Save the country and city first" in empty
    assert "Memorial Antalya" not in empty
    first = browser.post(f"/desk/interactions/{iid}/case-form", headers=HX,
                         data={"csrf": token, "case_type": "travel_assistance", **TRAVEL_OK})
    assert first.status_code == 200 and "Memorial Antalya" in first.text and "Antalya Private Hospital" in first.text
    for other in ("Old Clinic", "Istanbul Assist", "Evakuator 24", "Клиника Медси"):
        assert other not in first.text, other  # inactive, another city, a tow service, another country

    def save(provider_id, lang="en"):
        return browser.post(f"/desk/interactions/{iid}/case-form?lang={lang}", headers=HX, data={
            "csrf": token, "case_type": "travel_assistance", **TRAVEL_OK, "provider_id": str(provider_id)}).text

    refusals = [(ids["Old Clinic"], "This provider is no longer active: choose another."),
                (ids["Istanbul Assist"], "This provider is not in the case's country and city."),
                (ids["Evakuator 24"], "This provider does not give this kind of assistance."),
                (99999, "Choose a provider from the network.")]
    for provider_id, message in refusals:
        page = save(provider_id)
        assert f'id="provider_id-error">{message}' in page, message
        uow.session.expire_all()
        assert "provider_id" not in (uow.session.get(m.Case, case_id).details or {})
    assert 'id="provider_id-error">Этот партнёр не оказывает' in save(ids["Evakuator 24"], "ru")
    chosen = save(ids["Memorial Antalya"])
    assert "The case is saved." in chosen and f'<option value="{ids["Memorial Antalya"]}" selected>' in chosen
    uow.session.expire_all()
    details = uow.session.get(m.Case, case_id).details
    assert (details["provider_id"], details["provider"]) == (ids["Memorial Antalya"], "Memorial Antalya")
    cleared = {k: v for k, v in TRAVEL_OK.items()}
    browser.post(f"/desk/interactions/{iid}/case-form", headers=HX,
                 data={"csrf": token, "case_type": "travel_assistance", **cleared})
    uow.session.expire_all()
    details = uow.session.get(m.Case, case_id).details
    assert "provider_id" not in details and "provider" not in details  # the name goes with the id


def test_the_api_checks_the_provider_and_keeps_the_medical_decision_as_the_desk_does(cc, client, doctors):
    certified, _, _ = doctors
    ids = {body["name"]: cc.http(client, cc.supervisor, "POST", "/providers", json=body)["id"] for body in NETWORK}
    travel = new_case(cc, client, "travel_assistance")
    place = {"country": "TR", "city": "Antalya", "symptoms": "Fever"}
    refusals = [(ids["Old Clinic"], place, case_forms.PROVIDER_INACTIVE),
                (ids["Istanbul Assist"], place, case_forms.PROVIDER_ELSEWHERE),
                (ids["Evakuator 24"], place, case_forms.PROVIDER_WRONG_KIND),
                (99999, place, case_forms.PROVIDER_UNKNOWN), ("7", place, case_forms.PROVIDER_UNKNOWN),
                (ids["Memorial Antalya"], {}, case_forms.PROVIDER_PLACE_FIRST)]
    for provider_id, where, message in refusals:
        refused = client.patch(f"/api/v1/cases/{travel}", json={"details": {**where, "provider_id": provider_id}},
                               headers=cc.supervisor.auth)
        assert refused.status_code == 422 and message in refused.text, message
    assert "provider_id" not in (cc.http(client, cc.supervisor, "GET", f"/cases/{travel}")["details"] or {})
    taken = cc.http(client, cc.supervisor, "PATCH", f"/cases/{travel}",
                    json={"details": {**place, "provider_id": ids["Memorial Antalya"], "provider": "typed by hand"}})
    assert (taken["details"]["provider_id"], taken["details"]["provider"]) == (ids["Memorial Antalya"],
                                                                              "Memorial Antalya")

    dms = new_case(cc, client, "dms_guarantee_letter")
    cc.http(client, certified, "POST", f"/cases/{dms}/medical-decision", json={"decision": "approved"})
    for forged in ({"curator_decision": "refused"}, {"curator_decision": "approved", "curator_reason": "x"}):
        refused = client.patch(f"/api/v1/cases/{dms}", json={"details": forged}, headers=cc.supervisor.auth)
        assert refused.status_code == 422 and f"/cases/{dms}/medical-decision" in refused.text
    kept = cc.http(client, cc.supervisor, "PATCH", f"/cases/{dms}", json={"details": {"note": "called the clinic"}})
    assert kept["details"]["curator_decision"] == "approved" and kept["details"]["note"] == "called the clinic"


def test_desk_roadside_form_takes_a_tow_service_of_the_city(cc, client, browsers, uow):
    ids = {body["name"]: cc.http(client, cc.supervisor, "POST", "/providers", json=body)["id"] for body in NETWORK}
    browser, token, iid, case_id = on_desk(cc, client, browsers, cc.agent, "roadside_assistance")
    base = {"csrf": token, "case_type": "roadside_assistance", "location": "MKAD 41 km", "safe": "yes",
            "vehicle": "Lada Vesta A123BC77", "service": "tow"}
    no_place = browser.post(f"/desk/interactions/{iid}/case-form?lang=en", headers=HX,
                            data={**base, "provider_id": str(ids["Evakuator 24"])}).text
    assert 'id="provider_id-error">Save the country and city first' in no_place
    saved = browser.post(f"/desk/interactions/{iid}/case-form?lang=en", headers=HX,
                         data={**base, "country": "ru", "city": "moscow"}).text
    assert "Evakuator 24" in saved and "Клиника Медси" not in saved
    clinic = browser.post(f"/desk/interactions/{iid}/case-form?lang=en", headers=HX, data={
        **base, "country": "RU", "city": "Москва", "provider_id": str(ids["Клиника Медси"])}).text
    assert 'id="provider_id-error">This provider does not give this kind of assistance.' in clinic
    browser.post(f"/desk/interactions/{iid}/case-form", headers=HX, data={
        **base, "country": "RU", "city": "Moscow", "provider_id": str(ids["Evakuator 24"]), "eta_minutes": "40"})
    uow.session.expire_all()
    details = uow.session.get(m.Case, case_id).details
    assert (details["provider_id"], details["provider"], details["city"]) == (ids["Evakuator 24"], "Evakuator 24",
                                                                               "Moscow")


def _language(make, customer, language):
    with make.uow() as session_uow:
        session_uow.session.get(m.Customer, customer.id).language = language
        session_uow.commit()


def test_desk_sends_the_checklist_by_email_in_the_customer_language(cc, client, browsers, make, uow):
    customer = make.customer("Olga Smirnova", phones=["+74951234567"], emails=["Olga@Example.ru"], client=cc.client)
    _language(make, customer, "en")
    browser, token, _iid, case_id = on_desk(cc, client, browsers, cc.agent, "motor_claim")
    work = browser.get(f"/desk/cases/{case_id}/work?lang=en", headers=HX).text
    assert 'name="channel"' in work and "E-mail" in work
    sent = browser.post(f"/desk/cases/{case_id}/checklist?lang=en", headers=HX, data={
        "csrf": token, "upload_url": "https://reso.ru/u/Ab3dE9", "channel": "email"})
    assert "The checklist is queued for sending by e-mail." in sent.text
    [queued] = uow.session.scalars(select(m.OutboundMessage).where(m.OutboundMessage.case_id == case_id)).all()
    assert (queued.channel, queued.template, queued.language, queued.to_address) == (
        "email", "case_checklist", "en", "olga@example.ru")
    assert queued.subject == f"[RESO-{case_id}] Your documents checklist"
    assert "https://reso.ru/u/Ab3dE9" in queued.body and "driving licence" in queued.body  # the checklist itself
    assert "Dear Olga Smirnova" in queued.body and queued.status == "queued"
    _language(make, customer, "ru")
    by_api = cc.http(client, cc.supervisor, "POST", f"/cases/{case_id}/checklist",
                     json={"channel": "email", "params": {"upload_url": "https://reso.ru/u/Zz"}})
    assert (by_api["template"], by_api["language"], by_api["to_address"]) == ("case_checklist", "ru",
                                                                              "olga@example.ru")
    assert "Перечень документов" in by_api["body"] or "паспорт" in by_api["body"]
    sms = browser.post(f"/desk/cases/{case_id}/checklist?lang=en", headers=HX, data={
        "csrf": token, "upload_url": "https://reso.ru/u/Ab3dE9", "channel": "sms"})
    assert "The checklist is queued for sending by SMS." in sms.text


def test_the_checklist_email_is_refused_for_a_customer_without_an_address(cc, client, browsers, make, uow):
    make.customer("Olga Smirnova", phones=["+74951234567"], client=cc.client)
    browser, token, _iid, case_id = on_desk(cc, client, browsers, cc.agent, "travel_assistance")
    work = browser.get(f"/desk/cases/{case_id}/work?lang=en", headers=HX).text
    assert 'name="channel"' not in work and "Send the checklist by SMS" in work  # SMS only: no address
    refused = browser.post(f"/desk/cases/{case_id}/checklist?lang=ru", headers=HX, data={
        "csrf": token, "hotline": "+7 495 730-30-00", "channel": "email"})
    assert refused.status_code == 200 and 'id="channel-error">У клиента нет адреса электронной почты' in refused.text
    assert 'value="+7 495 730-30-00"' in refused.text  # nothing typed is lost
    odd = browser.post(f"/desk/cases/{case_id}/checklist?lang=en", headers=HX, data={
        "csrf": token, "hotline": "+7 495 730-30-00", "channel": "pigeon"})
    assert 'id="channel-error"' in odd.text
    api = client.post(f"/api/v1/cases/{case_id}/checklist", headers=cc.supervisor.auth,
                      json={"channel": "email", "params": {"hotline": "+7 495 730-30-00"}})
    assert api.status_code == 422 and "e-mail address" in api.text
    assert uow.session.scalars(select(m.OutboundMessage).where(m.OutboundMessage.case_id == case_id)).all() == []
