"""SMS through a generic HTTP gateway (a real HTTP server on loopback): notifications out with retries,
receipts and customers' SMS in through the webhooks, authenticated by the channel's secret."""

import pytest

from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import outbox
from tests.fake_sms_gateway import FakeSmsGateway
from tests.sms_support import PHONE, SECRET, add_channel, inbox_rows, notify, outbound, sms_interactions, sms_queue


@pytest.fixture
def gateway():
    fake = FakeSmsGateway().start()
    yield fake
    fake.stop()


@pytest.fixture
def queue(make, cc):
    return sms_queue(make, cc)


@pytest.fixture
def worker(container, gateway, queue):
    add_channel(container, "sms-gw", "sms-http", {"url": gateway.url, "token": gateway.token, "sender_id": "RESO",
                                                  "receipt_secret": SECRET, "timeout_s": 2}, queue.id)
    channel_worker = ChannelWorker(container)
    channel_worker.configure()
    return channel_worker


@pytest.fixture
def customer(make, cc):
    return make.customer("Anna Smirnova", phones=[PHONE], client=cc.client)


def hook(client, kind, body, secret=SECRET, channel="sms-gw"):
    return client.post(f"/api/v1/sms/{channel}/{kind}", json=body, headers={"X-Helpline-Secret": secret})


def checklist(client, cc, customer, **extra):
    response = notify(client, cc.supervisor, customer_id=customer.id, template="sms_motor_claim_checklist",
                      params={"case_ref": "C-1001", "upload_url": "https://reso.example/u/1"}, **extra)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_notification_goes_through_the_gateway_and_a_receipt_marks_it_delivered(cc, client, worker, gateway,
                                                                                  customer):
    queued = checklist(client, cc, customer)
    assert queued["status"] == "queued" and queued["language"] == "ru" and queued["to_address"] == PHONE
    assert queued["segments"] == 3  # Cyrillic: UCS-2, 67 characters a part
    assert worker.run_once()[1] == {"sent": 1}
    [request] = gateway.requests
    assert request.headers["Authorization"] == f"Bearer {gateway.token}"
    assert request.body == {"to": PHONE, "from": "RESO", "reference": str(queued["id"]),
                            "text": queued["body"].rstrip("\n")}
    assert "СТС" in request.body["text"] and "C-1001" in request.body["text"]
    sent = outbound(container=worker.container, message_id=queued["id"])
    assert (sent.status, sent.provider, sent.provider_message_id) == ("sent", "sms-gw", "gw-1")
    answer = hook(client, "receipts", {"message_id": "gw-1", "status": "DELIVERED"})
    assert answer.status_code == 202 and answer.json()["new"] is True
    worker.run_once()
    status = cc.http(client, cc.supervisor, "GET", f"/notifications/sms/{queued['id']}")
    assert status["status"] == "delivered" and status["delivered_at"] is not None


def test_an_undelivered_receipt_marks_the_message_failed(cc, client, worker, customer):
    queued = checklist(client, cc, customer)
    worker.run_once()
    assert hook(client, "receipts", {"message_id": "gw-1", "status": "undelivered", "error": "absent subscriber"}
                ).status_code == 202
    worker.run_once()
    failed = outbound(worker.container, queued["id"])
    assert failed.status == "failed" and failed.error == "absent subscriber"


def test_a_receipt_of_no_final_state_is_acknowledged_and_not_stored(client, worker):
    answer = hook(client, "receipts", {"message_id": "gw-1", "status": "enroute"})
    assert answer.status_code == 202 and answer.json() == {"stored": None, "new": False}
    assert inbox_rows(worker.container) == []


@pytest.mark.parametrize("status", [500, 503, 429])
def test_passing_gateway_trouble_is_retried_until_it_goes_through(cc, client, worker, gateway, customer, clock,
                                                                  status):
    gateway.fail_next(status)
    queued = checklist(client, cc, customer)
    assert worker.run_once()[1] == {"queued": 1}
    waiting = outbound(worker.container, queued["id"])
    assert waiting.attempts == 1 and str(status) in waiting.error and waiting.next_attempt_at is not None
    assert worker.run_once()[1] == {}  # not due before its retry time
    clock.advance(31)
    assert worker.run_once()[1] == {"sent": 1}
    assert len(gateway.requests) == 2 and outbound(worker.container, queued["id"]).provider_message_id == "gw-1"


def test_a_timeout_is_retried(cc, client, worker, gateway, customer):
    gateway.delay_s = 2.5  # longer than the channel's timeout_s
    queued = checklist(client, cc, customer)
    assert worker.run_once()[1] == {"queued": 1}
    assert "cannot be reached" in outbound(worker.container, queued["id"]).error


def test_a_refused_message_fails_without_retries(cc, client, worker, gateway, customer, clock):
    gateway.fail_next(400, body=b'{"error": "invalid number"}')
    queued = checklist(client, cc, customer)
    assert worker.run_once()[1] == {"failed": 1}
    clock.advance(7200)
    worker.run_once()
    failed = outbound(worker.container, queued["id"])
    assert failed.status == "failed" and "invalid number" in failed.error and len(gateway.requests) == 1


def test_a_customers_sms_becomes_one_interaction_even_when_posted_twice(cc, client, worker, customer, queue):
    body = {"id": "in-77", "from": "8 916 123-45-67", "to": "RESO", "text": "Когда приедет эксперт?"}
    first, again = hook(client, "inbound", body), hook(client, "inbound", body)
    assert first.status_code == again.status_code == 202
    assert first.json()["stored"] == again.json()["stored"] and again.json()["new"] is False
    assert worker.run_once()[0] == {"processed": 1}
    [interaction] = sms_interactions(worker.container)
    assert (interaction.from_address, interaction.queue_id, interaction.customer_id) == (PHONE, queue.id, customer.id)
    assert interaction.body == body["text"] and interaction.external_id == "in-77"
    hook(client, "inbound", body)
    worker.run_once()
    assert len(sms_interactions(worker.container)) == 1


def test_stop_by_sms_withdraws_marketing_consent_and_is_not_an_interaction(cc, client, worker, gateway, customer):
    with worker.container.uow() as uow:
        outbox.set_consent(uow, customer.id, "sms", "marketing", True, "app")
        uow.commit()
    assert hook(client, "inbound", {"id": "in-1", "from": PHONE, "text": " stop! "}).status_code == 202
    assert worker.run_once()[0] == {"ignored": 1}
    assert sms_interactions(worker.container) == []
    consents = cc.http(client, cc.agent, "GET", f"/customers/{customer.id}/consents")
    assert consents == [{"channel": "sms", "purpose": "marketing", "granted": False, "source": "sms STOP",
                         "updated_at": consents[0]["updated_at"]}]
    offer = notify(client, cc.supervisor, customer_id=customer.id, template="sms_policy_renewal_reminder",
                   purpose="marketing", params={"insurer": "RESO", "policy_number": "XXX1", "expires_on": "01.03",
                                                "renew_url": "https://reso.example/r", "hotline": "8 800 234-18-02"})
    assert offer.json()["status"] == "suppressed"
    worker.run_once()
    assert gateway.requests == []


@pytest.mark.parametrize("secret,channel", [("wrong-secret-0123456789", "sms-gw"), ("", "sms-gw"),
                                            (SECRET, "no-such-channel")])
def test_a_webhook_without_the_channels_secret_is_refused_and_nothing_stored(client, worker, secret, channel):
    for kind, body in (("inbound", {"id": "x", "from": PHONE, "text": "hi"}),
                       ("receipts", {"message_id": "gw-1", "status": "delivered"})):
        assert hook(client, kind, body, secret=secret, channel=channel).status_code == 403
    assert client.post("/api/v1/sms/sms-gw/inbound", json={"id": "x", "from": PHONE, "text": "hi"}
                       ).status_code == 422  # no header at all
    assert inbox_rows(worker.container) == []


def test_a_malformed_webhook_body_is_refused_with_a_reason_and_kept(client, worker):
    answer = client.post("/api/v1/sms/sms-gw/inbound", content=b'{"id": "x", "text": 5',
                         headers={"X-Helpline-Secret": SECRET, "Content-Type": "application/json"})
    assert answer.status_code == 422 and "malformed sms-gw webhook" in answer.json()["detail"]
    missing = hook(client, "inbound", {"id": "y", "text": "no sender"})
    assert missing.status_code == 422 and "from" in missing.json()["detail"]
    kept = inbox_rows(worker.container)
    assert [row.flags for row in kept] == [["malformed"], ["malformed"]]
    assert kept[0].raw == b'{"id": "x", "text": 5'
    assert worker.run_once()[0] == {"ignored": 2}  # kept for a person, never an interaction
