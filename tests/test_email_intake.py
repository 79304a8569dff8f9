"""E-mail intake end to end: stored raw -> interaction in the right case, attachments, acknowledgements and
agent replies delivered over real SMTP (an aiosmtpd sink on loopback), loops never answered."""

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from tests.email_support import SENDER, email_desk, mail

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"


@pytest.fixture
def desk(container, make, cc, sink):
    return email_desk(container, make, cc.client, cc.moscow, sink.port)


def interaction_of(desk, message_id) -> m.Interaction | None:
    message = desk.message(message_id)
    if message.interaction_id is None:
        return None
    with desk.container.uow() as uow:
        found = uow.session.get(m.Interaction, message.interaction_id)
        uow.session.expunge(found)
        return found


def rows(container, model, *where):
    with container.uow() as uow:
        found = list(uow.session.scalars(select(model).where(*where).order_by(model.id)))
        uow.session.expunge_all()
        return found


def test_a_new_e_mail_opens_a_case_and_is_acknowledged_in_russian(desk, sink, container):
    first = interaction_of(desk, desk.receive(mail(message_id="<first@example.com>")))
    assert first is not None and first.channel == "email" and first.queue_id == desk.queue.id
    assert first.from_address == "lev@example.com" and first.subject == "ОСАГО: ДТП на МКАД"
    assert first.body == "Прошу помочь с заявлением." and first.language == "ru"
    assert first.external_id == "<first@example.com>" and first.case_id is not None
    [ack] = sink.messages()
    assert ack["To"] == "lev@example.com" and ack["From"] == f"RESO care <{SENDER}>"
    assert ack["Subject"] == f"[#{first.case_id}] Ваше обращение получено"
    assert ack["In-Reply-To"] == "<first@example.com>" and ack["References"] == "<first@example.com>"
    assert ack["Auto-Submitted"] == "auto-replied" and ack["X-Loop"] == SENDER
    assert ack["Content-Language"] == "ru"
    assert f"зарегистрировали обращение #{first.case_id}" in ack.get_content()
    [sent] = rows(container, m.OutboundMessage)
    assert sent.status == "sent" and sent.message_id == ack["Message-ID"] and sent.case_id == first.case_id


def test_an_english_e_mail_is_acknowledged_in_english(desk, sink):
    desk.receive(mail("Car accident claim", "Hello, my car was hit yesterday near the office. Please help."))
    [ack] = sink.messages()
    assert ack["Content-Language"] == "en" and ack["Subject"].endswith("We have received your request")
    assert 'We have received your message "Car accident claim"' in ack.get_content()


def test_a_reply_to_our_acknowledgement_joins_the_case_and_is_not_acknowledged_again(desk, sink):
    first = interaction_of(desk, desk.receive(mail()))
    ack_id = sink.messages()[0]["Message-ID"]
    reply = interaction_of(desk, desk.receive(mail("Re: ответ", "Вот документы", headers={
        "In-Reply-To": ack_id, "References": f"<first@example.com> {ack_id}"})))
    assert reply.case_id == first.case_id and reply.id != first.id
    assert len(sink.received) == 1


def test_references_to_an_earlier_inbound_e_mail_join_its_case(desk):
    first = interaction_of(desk, desk.receive(mail(message_id="<thread-1@example.com>")))
    other = interaction_of(desk, desk.receive(mail("Другое", sender="anna@example.com")))
    follow = interaction_of(desk, desk.receive(mail("Fwd", sender="anna@example.com", headers={
        "References": "<thread-1@example.com> <unknown@x>"})))
    assert other.case_id != first.case_id and follow.case_id == first.case_id


def test_a_case_reference_in_the_subject_threads_only_the_cases_own_correspondent(desk):
    first = interaction_of(desk, desk.receive(mail()))
    again = interaction_of(desk, desk.receive(mail(f"Re: [#{first.case_id}] ОСАГО", "ещё вопрос")))
    stranger = interaction_of(desk, desk.receive(mail(f"[#{first.case_id}] hello", sender="mallory@evil.test")))
    assert again.case_id == first.case_id
    assert stranger.case_id != first.case_id  # typing a number does not get you into someone's case


def test_attachments_are_kept_and_refused_ones_listed_on_the_message(container, make, cc, sink):
    desk = email_desk(container, make, cc.client, cc.moscow, sink.port, attachment_max_bytes=1000)
    message_id = desk.receive(mail("Документы", "Полис и фото", attachments=[
        ("полис.pdf", "application/pdf", PDF), ("фото.png", "image/png", PNG),
        ("claim.pdf", "application/pdf", EXE),  # an executable in disguise
        ("scan.pdf", "application/pdf", PDF + b"x" * 2000),  # over the limit
        ("notes.txt", "text/plain", "заметки".encode())]))
    interaction = interaction_of(desk, message_id)
    kept = rows(container, m.Attachment, m.Attachment.inbound_message_id == message_id)
    assert [(a.filename, a.content_type, a.size) for a in kept] == [
        ("полис.pdf", "application/pdf", len(PDF)), ("фото.png", "image/png", len(PNG)),
        ("notes.txt", "text/plain", len("заметки".encode()))]
    assert {a.interaction_id for a in kept} == {interaction.id} and {a.case_id for a in kept} == {interaction.case_id}
    assert kept[0].content == PDF
    message = desk.message(message_id)
    assert "attachment_refused" in message.flags
    refused = {r["filename"]: r["reason"] for r in message.meta["refused_attachments"]}
    assert refused == {"claim.pdf": "content type application/x-msdownload is not accepted",
                       "scan.pdf": "larger than 1000 bytes"}


BOUNCE = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: care@reso.test\r\n"
          b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.example.com>\r\n"
          b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
          b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
          b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
          b"Final-Recipient: rfc822; lev@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
          b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
          b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: care@reso.test\r\nMessage-ID: %s\r\n"
          b"--B--\r\n")


def test_a_bounce_is_ignored_and_fails_the_message_it_returns(desk, sink, container):
    desk.receive(mail())
    ack_id = sink.messages()[0]["Message-ID"]
    bounce = desk.receive(BOUNCE % ack_id.encode())
    message = desk.message(bounce)
    assert message.status == "ignored" and "bounce" in message.flags and message.interaction_id is None
    [ack] = rows(container, m.OutboundMessage)
    assert ack.status == "failed" and "550 5.1.1 user unknown" in ack.error
    assert len(sink.received) == 1 and len(rows(container, m.Interaction)) == 1


@pytest.mark.parametrize("header", [{"Auto-Submitted": "auto-replied"}, {"X-Autoreply": "yes"},
                                    {"Precedence": "bulk"}, {"List-Id": "<news.example.com>"},
                                    {"X-Loop": SENDER}])
def test_auto_replies_and_list_mail_are_not_answered(desk, sink, header):
    message = desk.message(desk.receive(mail("Out of office", "I am away", headers=header)))
    assert message.status == "ignored" and sink.received == []


def test_our_own_message_coming_back_is_not_answered(desk, sink):
    message = desk.message(desk.receive(mail(sender=SENDER)))
    assert message.status == "ignored" and "own_message" in message.flags and sink.received == []


def test_acknowledgements_to_one_address_are_limited_per_hour(desk, sink, clock):
    for n in range(5):  # a robot sending new mail with no auto-reply signal: at most 3 answers an hour
        desk.receive(mail(f"Ticket {n}", "Automated notice number " + str(n)))
    assert len(sink.received) == 3
    assert "auto_reply_limited" in desk.message(desk.receive(mail("Ticket 6", "another"))).flags
    clock.advance(3601)
    desk.receive(mail("Ticket 7", "an hour later"))
    assert len(sink.received) == 4


def test_a_retry_after_a_crash_past_intake_makes_no_second_interaction(desk, container):
    message_id = desk.receive(mail())
    with container.uow() as uow:  # as if the worker died after intake's commit, before marking the message
        message = uow.session.get(m.InboundMessage, message_id)
        message.status = "pending"
        uow.commit()
    desk.worker.run_once()
    assert len(rows(container, m.Interaction)) == 1 and len(rows(container, m.OutboundMessage)) == 1
    assert desk.message(message_id).status == "processed"


def test_a_malformed_message_is_received_and_flagged(desk):
    raw = (b"From: =?koi8-r?B?broken <lev@example.com>\r\nSubject: \xf0\xd2\xc9\xd7\xc5\xd4\r\n"
           b"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n0J/RgNC40LLQtdGC!!!\r\n")
    message_id = desk.receive(raw)
    message = desk.message(message_id)
    assert message.status == "processed" and "malformed_mime" in message.flags
    assert interaction_of(desk, message_id).subject == "Привет"  # undeclared 8-bit KOI8-R header
