"""SMS through an SMPP 3.4 centre: a fake SMSC on loopback (real TCP), the connector's link and sender."""

import time

import pytest
from sqlalchemy import func, select

from helpline.adapters.db.models import ChannelHealth, InboundMessage, SmsPart
from helpline.adapters.sms import encoding
from helpline.adapters.sms.encoding import encode
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import outbox
from tests.fake_smsc import FakeSmsc
from tests.sms_support import PHONE, add_channel, inbox_rows, notify, outbound, sms_interactions, sms_queue, until


@pytest.fixture
def smsc():
    centre = FakeSmsc().start()
    yield centre
    centre.stop()


@pytest.fixture
def queue(make, cc):
    return sms_queue(make, cc)


@pytest.fixture
def customer(make, cc):
    return make.customer("Li Wei", phones=[PHONE], client=cc.client)


@pytest.fixture
def worker(container, smsc, queue):
    add_channel(container, "smsc", "smpp", {"host": "127.0.0.1", "port": smsc.port, "system_id": "helpline",
                                            "password": "secret", "source_addr": "PICC", "enquire_link_s": 0.3,
                                            "timeout_s": 2}, queue.id)
    channel_worker = ChannelWorker(container)
    channel_worker.configure()
    [link] = channel_worker.services
    link.backoff_s = (0.05, 0.1)  # tests need not wait a minute for a reconnect
    for service in channel_worker.services:
        service.start()
    assert link.bound.wait(5)
    yield channel_worker
    channel_worker.stop()


def link_of(worker):
    return worker.services[0]


def send(client, cc, customer, template, params, language=None):
    response = notify(client, cc.supervisor, customer_id=customer.id, template=template, params=params,
                      **({"language": language} if language else {}))
    assert response.status_code == 201, response.text
    return response.json()


def dispatch(client, cc, customer, language="zh"):
    return send(client, cc, customer, "sms_adjuster_dispatch", {
        "insurer": "中国人保", "case_ref": "QH-2026-0042", "adjuster_name": "王强", "adjuster_phone": "13800000000",
        "eta": "15:30"}, language)


def status_of(worker, message_id):
    return lambda: outbound(worker.container, message_id).status


def test_a_chinese_dispatch_message_is_sent_in_ucs2_and_its_receipt_marks_it_delivered(cc, client, worker, smsc,
                                                                                      customer, clock):
    queued = dispatch(client, cc, customer)
    assert queued["body"].startswith("【中国人保】") and queued["segments"] == 1
    until(worker, lambda: status_of(worker, queued["id"])() == "delivered", clock)
    [sent] = smsc.submitted
    assert (sent.destination, sent.source, sent.data_coding, sent.esm_class) == (PHONE[1:], "PICC", 8, 0)
    assert sent.registered_delivery == 1
    assert sent.short_message.decode("utf-16-be") == queued["body"].rstrip("\n")
    message = outbound(worker.container, queued["id"])
    assert (message.provider, message.provider_message_id) == ("smsc", sent.message_id)
    assert smsc.deliver_answers == [0]  # the receipt was acknowledged once stored


def test_an_undeliverable_receipt_marks_the_message_failed(cc, client, worker, smsc, customer, clock):
    smsc.receipt_state = "UNDELIV"
    queued = dispatch(client, cc, customer)
    until(worker, lambda: status_of(worker, queued["id"])() == "failed", clock)
    assert "UNDELIV" in outbound(worker.container, queued["id"]).error


def test_a_long_russian_message_is_split_into_ucs2_parts_with_a_concatenation_header(cc, client, worker, smsc,
                                                                                   customer, clock):
    queued = send(client, cc, customer, "sms_motor_claim_checklist",
                  {"case_ref": "C-1001", "upload_url": "https://reso.example/u/1"}, "ru")
    text = queued["body"].rstrip("\n")
    until(worker, lambda: status_of(worker, queued["id"])() == "delivered", clock)
    parts = smsc.submitted
    assert len(parts) == queued["segments"] == 3
    reference = parts[0].short_message[3]
    for seq, part in enumerate(parts, start=1):
        assert part.data_coding == 8 and part.esm_class == 0x40
        assert part.short_message[:6] == bytes([0x05, 0x00, 0x03, reference, 3, seq])
        assert len(part.short_message) <= 140
    assert b"".join(p.short_message[6:] for p in parts).decode("utf-16-be") == text
    with worker.container.uow() as uow:
        rows = list(uow.session.scalars(select(SmsPart).order_by(SmsPart.seq)))
        assert [(r.part_id, r.status) for r in rows] == [(p.message_id, "delivered") for p in parts]


def test_a_long_latin_message_is_split_in_gsm_7bit_without_breaking_an_escaped_character(worker, smsc):
    text = "x" * 152 + "€" + "y" * 10  # the euro sign takes two septets and may not straddle the parts
    link_of(worker).submit(PHONE, text)
    first, second = smsc.submitted
    assert first.data_coding == second.data_coding == 0
    assert first.short_message[6:] == b"x" * 152 and second.short_message[6:8] == b"\x1b\x65"


def test_one_undelivered_part_fails_the_whole_message(cc, client, worker, smsc, customer, clock):
    smsc.auto_receipts = False
    queued = send(client, cc, customer, "sms_motor_claim_checklist",
                  {"case_ref": "C-1001", "upload_url": "https://reso.example/u/1"}, "ru")
    until(worker, lambda: status_of(worker, queued["id"])() == "sent", clock)
    first, second, third = smsc.submitted
    smsc.receipt(first.message_id, "DELIVRD")
    smsc.receipt(third.message_id, "DELIVRD")
    until(worker, lambda: len(smsc.deliver_answers) == 2 and not _pending(worker), clock)
    assert outbound(worker.container, queued["id"]).status == "sent"  # one part still travelling
    smsc.receipt(second.message_id, "EXPIRED")
    until(worker, lambda: status_of(worker, queued["id"])() == "failed", clock)


def _pending(worker):
    with worker.container.uow() as uow:
        return uow.session.scalar(select(func.count()).where(InboundMessage.status == "pending"))


def test_a_throttled_centre_is_retried_and_a_refused_number_is_not(cc, client, worker, smsc, customer, clock):
    smsc.fail_next(0x58)  # ESME_RTHROTTLED
    queued = dispatch(client, cc, customer)
    assert worker.run_once()[1] == {"queued": 1}
    clock.advance(31)
    until(worker, lambda: status_of(worker, queued["id"])() == "delivered", clock)
    smsc.fail_next(0x0B)  # ESME_RINVDSTADR
    refused = dispatch(client, cc, customer)
    assert worker.run_once()[1] == {"failed": 1}
    assert "0x0b" in outbound(worker.container, refused["id"]).error


def test_a_customers_sms_becomes_an_interaction(worker, smsc, customer, queue, clock):
    smsc.inject(PHONE[1:], "Эксперт так и не приехал")
    until(worker, lambda: len(sms_interactions(worker.container)) == 1, clock)
    [interaction] = sms_interactions(worker.container)
    assert (interaction.from_address, interaction.customer_id, interaction.queue_id) == (PHONE, customer.id, queue.id)
    assert interaction.body == "Эксперт так и не приехал" and interaction.channel == "sms"
    assert smsc.deliver_answers == [0]


def test_stop_in_chinese_withdraws_marketing_consent(worker, smsc, customer, clock):
    with worker.container.uow() as uow:
        outbox.set_consent(uow, customer.id, "sms", "marketing", True, "call")
        uow.commit()
    smsc.inject(PHONE[1:], "退订")

    def withdrawn() -> bool:
        with worker.container.uow() as uow:
            return outbox.consent_refusal(uow, customer.id, "sms", "marketing") is not None

    until(worker, withdrawn, clock)
    assert sms_interactions(worker.container) == []


def test_the_link_is_kept_alive_with_enquire_link(worker, smsc):
    deadline = time.monotonic() + 5
    while smsc.enquire_links < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smsc.enquire_links >= 2 and link_of(worker).bound.is_set()


def test_the_connector_reconnects_after_the_centre_restarts(cc, client, worker, smsc, customer, clock):
    link = link_of(worker)
    smsc.stop()
    deadline = time.monotonic() + 5
    while link.bound.is_set() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not link.bound.is_set()
    with worker.container.uow() as uow:
        down = uow.session.get(ChannelHealth, "smsc")
        assert down is not None and down.last_error_at is not None
    smsc.start()  # the same port
    assert link.bound.wait(5) and link.binds == 2 and smsc.bound_sessions() == 1
    queued = dispatch(client, cc, customer)
    until(worker, lambda: status_of(worker, queued["id"])() == "delivered", clock)
    with worker.container.uow() as uow:
        health = uow.session.get(ChannelHealth, "smsc")
        assert health is not None and health.last_ok_at is not None


def test_a_wrong_password_is_reported_in_the_channels_health(container, smsc, queue):
    add_channel(container, "bad-smsc", "smpp", {"host": "127.0.0.1", "port": smsc.port, "system_id": "helpline",
                                                "password": "wrong", "source_addr": "PICC"}, queue.id)
    channel_worker = ChannelWorker(container)
    channel_worker.configure()
    channel_worker.services[0].start()
    try:
        error = ""
        deadline = time.monotonic() + 5
        while not error and time.monotonic() < deadline:
            with container.uow() as uow:
                row = uow.session.get(ChannelHealth, "bad-smsc")
                error = row.last_error if row is not None else ""
            time.sleep(0.05)
        assert "Invalid Password" in error and not channel_worker.services[0].bound.is_set()
    finally:
        channel_worker.stop()


LONG_RU = ("Здравствуйте! Эксперт так и не приехал на осмотр автомобиля, хотя обещали вчера до шести вечера. "
           "Прошу перезвонить и назначить новое время: удобно завтра после обеда или в субботу утром.")


def test_a_long_sms_in_parts_out_of_order_and_one_part_twice_becomes_one_interaction(worker, smsc, customer, clock):
    assert len(encode(LONG_RU).parts) == 3
    smsc.inject(PHONE[1:], LONG_RU, reference=77, order=[2, 0, 2, 1])
    until(worker, lambda: len(inbox_rows(worker.container)) == 4 and all(
        row.status == "processed" for row in inbox_rows(worker.container)), clock)
    [interaction] = sms_interactions(worker.container)
    assert interaction.body == LONG_RU and interaction.customer_id == customer.id
    assert {row.interaction_id for row in inbox_rows(worker.container)} == {interaction.id}
    assert smsc.deliver_answers == [0, 0, 0, 0]
    with worker.container.uow() as uow:  # waiting for a part is no fault of the connector
        errors = list(uow.session.scalars(select(ChannelHealth.last_error).where(ChannelHealth.failing)))
    assert errors == []


def test_a_long_sms_missing_a_part_is_delivered_with_a_gap_after_the_last_retry(worker, smsc, customer, clock):
    smsc.inject(PHONE[1:], LONG_RU, reference=5, order=[0, 2])
    until(worker, lambda: len(sms_interactions(worker.container)) == 1, clock, timeout_s=20)
    [interaction] = sms_interactions(worker.container)
    first, _second, third = (encoding.decode(part, encoding.UCS2, has_udh=True)
                             for part in encode(LONG_RU, 5).parts)
    assert interaction.body == first + "[…]" + third
    with worker.container.uow() as uow:
        attempts = sorted(uow.session.scalars(select(InboundMessage.attempts)))
    assert attempts[-1] == 5  # it waited through every retry before giving up on the missing part
