"""Consents (GET/PUT /customers/{id}/consents) and SMS notifications (POST /notifications/sms): who may,
what is refused, and that a marketing message without consent is never handed to a sender."""

import pytest

from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels.outbox import OutgoingMessage
from helpline.services.sms import is_stop
from tests.contact_centre import Person
from tests.sms_support import PHONE, notify

RENEWAL = {"insurer": "RESO", "policy_number": "XXX0001", "expires_on": "01.03.2026",
           "renew_url": "https://reso.example/r", "hotline": "8 800 234-18-02"}


class RecordingSender:
    """The edge of the outside world: records what it is handed."""

    name = "recorder"

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> str:
        self.sent.append(message)
        return f"r-{len(self.sent)}"


@pytest.fixture
def sender(container):
    return RecordingSender()


@pytest.fixture
def worker(container, sender):
    channel_worker = ChannelWorker(container)
    channel_worker.senders["sms"] = sender
    return channel_worker


@pytest.fixture
def customer(make, cc):
    return make.customer("Anna Smirnova", phones=[PHONE], client=cc.client)


def consents(client, who, customer_id, method="GET", **kw):
    return client.request(method, f"/api/v1/customers/{customer_id}/consents", headers=who.auth, **kw)


def renewal(client, who, customer, purpose, **extra):
    return notify(client, who, customer_id=customer.id, template="sms_policy_renewal_reminder", params=RENEWAL,
                  purpose=purpose, **extra)


def test_consents_are_recorded_and_read_back(cc, client, customer):
    assert consents(client, cc.agent, customer.id).json() == []
    answer = consents(client, cc.agent, customer.id, "PUT", json={"channel": "sms", "purpose": "marketing",
                                                                   "granted": True, "source": "call"})
    assert answer.status_code == 200
    consents(client, cc.supervisor, customer.id, "PUT", json={"channel": "email", "purpose": "service",
                                                               "granted": False, "source": "letter"})
    listed = consents(client, cc.qa, customer.id).json()
    assert [(c["channel"], c["purpose"], c["granted"], c["source"]) for c in listed] == [
        ("email", "service", False, "letter"), ("sms", "marketing", True, "call")]


def test_consents_refuse_wrong_roles_unknown_customers_and_bad_values(cc, client, customer):
    change = {"channel": "sms", "purpose": "marketing", "granted": True}
    assert consents(client, cc.qa, customer.id, "PUT", json=change).status_code == 403
    assert consents(client, cc.pbx, customer.id).status_code == 403
    assert consents(client, cc.pbx, customer.id, "PUT", json=change).status_code == 403
    assert client.get(f"/api/v1/customers/{customer.id}/consents").status_code == 401
    assert consents(client, cc.agent, 999_999).status_code == 404
    assert consents(client, cc.agent, 999_999, "PUT", json=change).status_code == 404
    for bad in ({**change, "purpose": "spam"}, {**change, "channel": "pigeon"}, {"channel": "sms"},
                {**change, "source": "x" * 61}):
        assert consents(client, cc.agent, customer.id, "PUT", json=bad).status_code == 422
    assert consents(client, cc.agent, customer.id).json() == []


def test_marketing_without_consent_is_suppressed_and_never_handed_to_the_sender(cc, client, worker, sender,
                                                                               customer):
    suppressed = renewal(client, cc.supervisor, customer, "marketing").json()
    assert suppressed["status"] == "suppressed" and "no marketing consent" in suppressed["error"]
    service = renewal(client, cc.supervisor, customer, "service").json()
    assert service["status"] == "queued"
    worker.run_once()
    assert [m.id for m in sender.sent] == [service["id"]]


def test_marketing_with_consent_is_sent_and_a_recorded_no_stops_service_messages_too(cc, client, worker, sender,
                                                                                    customer):
    consents(client, cc.agent, customer.id, "PUT", json={"channel": "sms", "purpose": "marketing", "granted": True})
    assert renewal(client, cc.supervisor, customer, "marketing").json()["status"] == "queued"
    consents(client, cc.agent, customer.id, "PUT", json={"channel": "sms", "purpose": "service", "granted": False})
    assert renewal(client, cc.supervisor, customer, "service").json()["status"] == "suppressed"
    worker.run_once()
    assert len(sender.sent) == 1 and sender.sent[0].to_address == PHONE


def test_a_notification_is_written_in_the_customers_language(cc, client, make, customer):
    chinese = make.customer("王芳", phones=["+8613900000000"], client=cc.client)
    with make.uow() as uow:
        uow.session.get(type(chinese), chinese.id).language = "zh"
        uow.commit()
    params = {"insurer": "中国人保", "hazard": "暴雨", "area": "西宁", "date": "7月20日", "hotline": "95518"}
    zh = notify(client, cc.pbx, customer_id=chinese.id, template="sms_disaster_prevention_reminder",
                params=params).json()
    assert zh["language"] == "zh" and zh["body"].startswith("【中国人保】预计7月20日西宁将有暴雨")
    ru = renewal(client, cc.supervisor, customer, "service").json()
    assert ru["language"] == "ru" and "действует до 01.03.2026" in ru["body"]
    by_phone = notify(client, cc.pbx, phone="+7 916 123-45-67", template="sms_survey_link", language="en",
                      params={"insurer": "RESO", "case_ref": "C-9", "survey_url": "https://r.example/s"}).json()
    assert by_phone["customer_id"] == customer.id and by_phone["body"].startswith("RESO: how did we do with C-9?")


def test_the_same_idempotency_key_queues_one_message(cc, client, customer):
    first = renewal(client, cc.pbx, customer, "service", idempotency_key="renewal-XXX0001").json()
    again = renewal(client, cc.pbx, customer, "service", idempotency_key="renewal-XXX0001").json()
    assert first["id"] == again["id"]
    other_user = renewal(client, cc.supervisor, customer, "service", idempotency_key="renewal-XXX0001").json()
    assert other_user["id"] != first["id"]  # keys are per sender: two systems never collide


def test_notifications_refuse_wrong_roles_and_bad_requests(cc, client, customer):
    for who in (cc.agent, cc.qa):
        assert renewal(client, who, customer, "service").status_code == 403
    assert client.post("/api/v1/notifications/sms", json={}).status_code == 401
    assert notify(client, cc.supervisor, customer_id=customer.id, template="case_reply", params={}).status_code == 422
    unknown = notify(client, cc.supervisor, customer_id=customer.id, template="sms_nothing", params={})
    assert unknown.status_code == 422 and "no SMS template" in unknown.json()["detail"]
    missing = notify(client, cc.supervisor, customer_id=customer.id, template="sms_survey_link", params={})
    assert missing.status_code == 422 and "undefined" in missing.json()["detail"]
    assert notify(client, cc.supervisor, template="sms_survey_link", params={}).status_code == 422
    assert notify(client, cc.supervisor, customer_id=999_999, template="sms_survey_link",
                  params={}).status_code == 404
    assert renewal(client, cc.supervisor, customer, "service", case_id=999_999).status_code == 404
    assert client.get("/api/v1/notifications/sms/1", headers=cc.agent.auth).status_code == 403


def test_a_notification_may_name_a_case_the_caller_sees(cc, client, make, customer):
    call = cc.http(client, cc.pbx, "POST", "/interactions", json={"channel": "voice", "queue_id": cc.osago_queue.id,
                                                                   "customer_id": customer.id})
    linked = renewal(client, cc.pbx, customer, "service", case_id=call["case_id"])
    assert linked.status_code == 201 and linked.json()["case_id"] == call["case_id"]
    assert renewal(client, cc.spb_supervisor, customer, "service", case_id=call["case_id"]).status_code == 404
    other_pbx = make.user("integration")
    assert notify(client, Person(other_pbx, make.token(other_pbx)), customer_id=customer.id, case_id=call["case_id"],
                  template="sms_policy_renewal_reminder", params=RENEWAL).status_code == 404


@pytest.mark.parametrize("text,stop", [("STOP", True), ("stop.", True), (" Стоп! ", True), ("СТОП", True),
                                       ("退订", True), ("退订。", True), ("don't stop", False), ("стоп-кран", False),
                                       ("", False)])
def test_stop_words(text, stop):
    assert is_stop(text) is stop
