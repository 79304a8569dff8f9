"""MIME parsing never fails: charsets right, wrong or missing; broken structure; huge messages; loops."""

import base64

import pytest

from helpline.adapters.email import loops
from helpline.adapters.email.parse import parse_email
from tests.email_support import mail

RU = "Здравствуйте! Прошу принять заявление о страховом случае по полису ОСАГО."
ZH = "您好，我的车辆在西宁发生交通事故，请尽快安排查勘员到现场。"


def plain(body: bytes, charset: str | None, subject: bytes = b"test") -> bytes:
    declared = f"; charset={charset}" if charset else ""
    return (b"From: client@example.com\r\nTo: support@reso.test\r\nSubject: " + subject +
            b"\r\nMessage-ID: <p1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain" +
            declared.encode() + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n")


@pytest.mark.parametrize(("text", "charset", "language"), [
    (RU, "koi8-r", "ru"), (RU, "windows-1251", "ru"), (ZH, "gb2312", "zh"), (ZH, "gbk", "zh"), (RU, "utf-8", "ru")])
def test_declared_charsets_decode(text, charset, language):
    parsed = parse_email(plain(text.encode(charset if charset != "gb2312" else "gbk"), charset))
    assert parsed.text == text and parsed.language == language and parsed.flags == []


@pytest.mark.parametrize(("text", "codec"), [(RU, "koi8-r"), (RU, "cp1251"), (ZH, "gbk"), (RU, "utf-8")])
def test_undeclared_8_bit_text_is_recognised_and_flagged(text, codec):
    parsed = parse_email(plain(text.encode(codec), None))
    assert parsed.text == text and "charset_fallback" in parsed.flags


@pytest.mark.parametrize(("text", "codec", "declared"), [
    (RU, "cp1251", "utf-8"), (RU, "koi8-r", "us-ascii"), (ZH, "gbk", "utf-8"), (RU, "cp1251", "x-unknown-charset")])
def test_a_declared_charset_the_bytes_do_not_fit_falls_back(text, codec, declared):
    parsed = parse_email(plain(text.encode(codec), declared))
    assert parsed.text == text and "charset_fallback" in parsed.flags


def test_encoded_words_in_subject_and_names():
    koi = base64.b64encode("Заявление".encode("koi8-r")).decode()
    gb = base64.b64encode("事故报案".encode("gbk")).decode()
    raw = (f"From: =?windows-1251?Q?=CB=E5=E2_=D2=EE=EB=F1=F2=EE=E9?= <Lev@Example.com>\r\n"
           f"Subject: =?koi8-r?B?{koi}?= =?gb2312?B?{gb}?= OSAGO\r\n\r\nbody\r\n").encode()
    parsed = parse_email(raw)
    assert parsed.from_name == "Лев Толстой" and parsed.from_address == "lev@example.com"
    assert parsed.subject == "Заявление事故报案 OSAGO"


def test_threading_headers_and_date():
    parsed = parse_email(mail(message_id="<a1@example.com>", headers={
        "In-Reply-To": "<b2@reso.test>", "References": "<x@y> <b2@reso.test>"}))
    assert parsed.message_id == "<a1@example.com>" and parsed.in_reply_to == "<b2@reso.test>"
    assert parsed.references == ["<x@y>", "<b2@reso.test>"] and parsed.date.isoformat() == "2026-02-02T12:00:00+03:00"


def test_html_only_mail_is_reduced_to_text():
    raw = (b"From: a@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{}</style>"
           b"</head><body><p>\xd0\x94\xd0\xbe\xd0\xb1\xd1\x80\xd1\x8b\xd0\xb9 &amp; day</p><div>line two<br>three"
           b"</div><script>alert(1)</script></body></html>")
    assert parse_email(raw).text == "Добрый & day\n\nline two\nthree"


def test_text_plain_is_preferred_over_html():
    raw = (b"From: a@example.com\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n--A\r\n"
           b"Content-Type: text/html\r\n\r\n<p>html</p>\r\n--A\r\nContent-Type: text/plain\r\n\r\nplain\r\n--A--\r\n")
    assert parse_email(raw).text == "plain"


@pytest.mark.parametrize("raw", [
    b"", b"\x00\xff\xfe\x00", b"garbage without headers",
    b"From: <<<@@>>>\r\nDate: not a date\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all",
    b"Content-Type: multipart/mixed; boundary=Z\r\n\r\n--Z\r\nContent-Type: text/plain; charset=\"\r\n\r\nx",
    b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64@@@",
    b"Subject: =?utf-8?B?broken\r\nFrom: =?x-nonsense?Q?=FF?= <a@b.c>\r\n\r\nbody",
    b"Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=Q\r\n\r\n--Q\r\n",
])
def test_broken_messages_never_raise(raw):
    parsed = parse_email(raw)
    assert isinstance(parsed.text, str) and isinstance(parsed.flags, list)


def test_broken_structure_is_flagged():
    parsed = parse_email(b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=Z\r\n\r\n"
                         b"--Z\r\nContent-Type: text/plain\r\n\r\nstart of the text, then the message ends")
    assert "malformed_mime" in parsed.flags and parsed.text.startswith("start of the text")
    assert "bad_header" in parse_email(b"From: <<<@@>>>\r\nDate: not a date\r\n\r\nx").flags


def test_a_huge_message_is_flagged_and_cut_not_refused():
    body = ("Заявление. " * 400_000).encode()  # ~8.4 MB
    parsed = parse_email(mail(body=body.decode(), attachments=[("a.pdf", "application/pdf", b"%PDF-1.4")]),
                         max_bytes=1024 * 1024, max_text=64 * 1024)
    assert {"too_large", "text_truncated"} <= set(parsed.flags)
    assert parsed.attachments == [] and len(parsed.text) <= 64 * 1024 and parsed.text.startswith("Заявление.")
    assert parsed.subject == "ОСАГО: ДТП на МКАД"  # the headers are read whole


def test_a_cut_base64_body_is_decoded_wherever_the_cut_falls():
    raw = mail(body="Заявление. " * 20_000)
    for extra in range(4):  # one of these cuts leaves 4n + 1 base64 characters
        parsed = parse_email(raw, max_bytes=64 * 1024 + extra)
        assert parsed.text.startswith("Заявление. Заявление.") and "too_large" in parsed.flags


def test_attachment_types_are_detected_from_content():
    parsed = parse_email(mail(attachments=[("claim.pdf", "application/pdf", b"MZ\x90\x00" + b"\x00" * 60),
                                           ("../../etc/passwd", "text/plain", b"root")]))
    first, second = parsed.attachments
    assert first.declared_type == "application/pdf" and first.detected_type == "application/x-msdownload"
    assert second.filename == "passwd"  # never a path


@pytest.mark.parametrize(("headers", "sender", "kind"), [
    ({"Auto-Submitted": "auto-generated"}, "a@example.com", loops.AUTO_REPLY),
    ({"Auto-Submitted": "no"}, "a@example.com", None),
    ({"X-Autorespond": "yes"}, "a@example.com", loops.AUTO_REPLY),
    ({"Precedence": "junk"}, "a@example.com", loops.BULK),
    ({"Precedence": "first-class"}, "a@example.com", None),
    ({"List-Id": "<list.example.com>"}, "a@example.com", loops.BULK),
    ({"Return-Path": "<>"}, "a@example.com", loops.BOUNCE),
    ({}, "MAILER-DAEMON@mx.example.com", loops.BOUNCE),
    ({}, "postmaster@example.com", loops.BOUNCE),
    ({}, "care@reso.test", loops.OWN),
    ({"X-Loop": "care@reso.test"}, "a@example.com", loops.OWN),
    ({"X-Loop": "someone-else@example.com"}, "a@example.com", None),
])
def test_loop_signals(headers, sender, kind):
    found = loops.detect(parse_email(mail(sender=sender, headers=headers)), ["care@reso.test"])
    assert (found.kind if found else None) == kind
