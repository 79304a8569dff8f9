"""Warnings before a complaint's legal deadline: e-mailed once per due date to the handler (else the site's
supervisors) over the real SMTP sender, in the recipient's language; a failure leaves the complaint unwarned;
the CLI, the API and the pages."""

from contextlib import ExitStack
from datetime import datetime
from email.message import Message
from zoneinfo import ZoneInfo

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.adapters.db.models_complaints import Complaint, ComplaintChange
from helpline.domain.deadlines import BUILT_IN_RULES, due
from helpline.services import complaint_warnings
from helpline.services.channels import configs
from tests.email_support import Sink
from tests.server_process import free_port
from tests.test_web import signed_in

MSK = ZoneInfo("Europe/Moscow")
RU = BUILT_IN_RULES["ru-complaint"]
# The test clock starts on Monday 2 February 2026, 12:00 in Moscow. Received on 14 January, a complaint is due
# by the end of Wednesday 4 February (15 working days): within 2 working days.
SOON = datetime(2026, 1, 14, 12, 0, tzinfo=MSK)
LATE = datetime(2025, 12, 1, 12, 0, tzinfo=MSK)
SITE = "http://helpline.test"


def mail_out(container, port: int) -> None:
    with container.uow() as uow:
        configs.add(uow, "mail-out", "smtp-sender", {"host": "127.0.0.1", "port": port, "security": "none",
                                                     "from_address": "care@reso.test", "timeout_s": 5})


def contact(container, user: m.User, email: str, time_zone: str | None = None, language: str | None = None) -> None:
    """Where the user is e-mailed, on their own record (as the admin users form and the users API set it)."""
    with container.uow() as uow:
        record = uow.session.get(m.User, user.id)
        record.email, record.time_zone = email, time_zone
        if language is not None:
            record.language = language
        uow.commit()


def register(cc, client, received: datetime, **extra) -> dict:
    return cc.http(client, cc.supervisor, "POST", "/complaints", json={
        "client_id": cc.client.id, "complainant_name": "Ivan Petrov", "channel": "voice",
        "category": "claim_settlement", "subject": "Payment delayed", "facts": "The claim was filed a month ago.",
        "received_at": received.isoformat(), **extra})


def warn(container, make, who, **kw) -> list:
    with container.uow() as uow:
        return complaint_warnings.warn_due(uow, make.actor(who.user), base_url=SITE, **kw)


def stored(container, complaint_id: int) -> tuple[Complaint, list[str]]:
    with container.uow() as uow:
        found = uow.session.get(Complaint, complaint_id)
        actions = list(uow.session.scalars(select(ComplaintChange.action).where(
            ComplaintChange.complaint_id == complaint_id).order_by(ComplaintChange.id)))
        uow.session.expunge(found)
        return found, actions


def text_of(message: Message) -> str:
    return message.get_content()  # type: ignore[attr-defined]


def test_a_complaint_due_soon_is_warned_once_in_the_handlers_language_and_again_after_an_extension(
        cc, client, container, make, clock, sink):
    mail_out(container, sink.port)
    given = client.patch(f"/api/v1/users/{cc.colleague.user.id}", json={"email": " Colleague@Reso.test "},
                         headers=cc.admin.auth)  # on the user's own record; the language is Russian, the default
    assert given.status_code == 200 and given.json()["email"] == "colleague@reso.test"
    soon = register(cc, client, SOON, handler_user_id=cc.colleague.user.id)
    later = register(cc, client, clock(), handler_user_id=cc.colleague.user.id, subject="Later")

    [sent] = warn(container, make, cc.admin)
    assert (sent.complaint_id, sent.sent, sent.to_address, sent.recipient_role, sent.language) == (
        soon["id"], True, "colleague@reso.test", "handler", "ru")
    assert sent.due_at == due(RU, SOON) and sent.deadline_state.value == "due_soon"
    [message] = sink.messages()
    assert message["To"] == "colleague@reso.test" and message["Content-Language"] == "ru"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == f"[Жалоба № {soon['id']}] Ответить до 04.02.2026 23:59: Payment delayed"
    body = text_of(message)
    assert "04.02.2026 23:59 (Europe/Moscow" in body and "Ivan Petrov" in body and "Payment delayed" in body
    assert f"{SITE}/complaints/{soon['id']}" in body
    warned, actions = stored(container, soon["id"])
    assert warned.warned_at == clock() and warned.warned_due_at == warned.due_at
    assert actions == ["registered", "warned"]
    assert stored(container, later["id"])[0].warned_at is None  # due on 24 February: not yet

    assert warn(container, make, cc.admin) == []  # the same moment again: nothing new
    assert len(sink.received) == 1

    cc.http(client, cc.supervisor, "POST", f"/complaints/{soon['id']}/documents-requested", json={"note": "Police"})
    assert warn(container, make, cc.admin) == []  # due on 18 February now: not soon
    clock.advance((datetime(2026, 2, 16, 9, 0, tzinfo=MSK) - clock()).total_seconds())
    [again] = warn(container, make, cc.admin)
    assert again.complaint_id == soon["id"] and again.due_at == due(RU, SOON, extended=True)
    assert "18.02.2026 23:59" in sink.messages()[1]["Subject"]
    warned, actions = stored(container, soon["id"])
    assert warned.warned_due_at == due(RU, SOON, extended=True)
    assert actions == ["registered", "warned", "documents_requested", "warned"]


def test_an_overdue_never_warned_complaint_is_warned_in_english_in_the_handlers_time_zone(
        cc, client, container, make, sink):
    mail_out(container, sink.port)
    contact(container, cc.colleague.user, "colleague@reso.test", time_zone="Asia/Shanghai", language="en")
    late = register(cc, client, LATE, handler_user_id=cc.colleague.user.id)
    [sent] = warn(container, make, cc.admin)
    shanghai = due(RU, LATE).astimezone(ZoneInfo("Asia/Shanghai"))
    assert sent.sent and sent.deadline_state.value == "overdue" and sent.language == "en"
    assert sent.due_local == shanghai.isoformat()
    [message] = sink.messages()
    assert message["Subject"] == (f"[Complaint № {late['id']}] Overdue since {shanghai:%Y-%m-%d %H:%M}: "
                                  "Payment delayed")
    assert f"{shanghai:%Y-%m-%d %H:%M} (Asia/Shanghai" in text_of(message) and "OVERDUE" in text_of(message)
    assert stored(container, late["id"])[0].warned_due_at == due(RU, LATE)


def test_without_a_handlers_address_the_sites_supervisors_are_warned(cc, client, container, make, sink):
    mail_out(container, sink.port)
    contact(container, cc.supervisor.user, "moscow.lead@reso.test")
    contact(container, cc.spb_supervisor.user, "spb.lead@reso.test")  # another site: never
    no_address = register(cc, client, SOON, handler_user_id=cc.agent.user.id)  # the agent has no address
    nobody = register(cc, client, SOON, subject="Unassigned")
    sent = warn(container, make, cc.admin)
    assert {(w.complaint_id, w.to_address, w.recipient_role, w.sent) for w in sent} == {
        (no_address["id"], "moscow.lead@reso.test", "supervisor", True),
        (nobody["id"], "moscow.lead@reso.test", "supervisor", True)}
    assert sorted(message["To"] for message in sink.messages()) == ["moscow.lead@reso.test"] * 2
    bodies = " ".join(text_of(message) for message in sink.messages())
    assert "нет адреса электронной почты" in bodies and "ещё нет исполнителя" in bodies
    assert stored(container, nobody["id"])[0].warned_at is not None


def test_nobody_to_warn_is_reported_and_the_complaint_stays_unwarned(cc, client, container, make, sink):
    mail_out(container, sink.port)
    made = register(cc, client, SOON)
    [result] = warn(container, make, cc.admin)
    assert result.complaint_id == made["id"] and not result.sent and "nobody" in result.error
    assert sink.received == [] and stored(container, made["id"])[0].warned_at is None


def test_an_smtp_failure_leaves_the_complaint_unwarned_for_the_next_run(cc, client, container, make, sink):
    mail_out(container, free_port())  # nothing listens there: the connection is refused
    contact(container, cc.colleague.user, "colleague@reso.test")
    made = register(cc, client, SOON, handler_user_id=cc.colleague.user.id)
    [failed] = warn(container, make, cc.admin)
    assert not failed.sent and "Connection" in failed.error
    warned, actions = stored(container, made["id"])
    assert warned.warned_at is None and warned.warned_due_at is None and actions == ["registered"]
    with container.uow() as uow:
        configs.update(uow, "mail-out", {"port": sink.port})
    [sent] = warn(container, make, cc.admin)  # the next run retries
    assert sent.sent and len(sink.received) == 1 and stored(container, made["id"])[0].warned_at is not None


class AnotherRunMidway:
    """The configured SMTP sender, except that just before its first e-mail another warning run starts and
    finishes: two runs at the same moment (two cron hosts, or cron and the API)."""

    def __init__(self, container, make, who) -> None:
        self.name = "mail-out"
        self.other: list | None = None
        self.start_other = lambda: warn(container, make, who)
        with container.uow() as uow:
            self.smtp = complaint_warnings.configured_sender(uow)

    def send(self, message) -> str:
        if self.other is None:
            self.other = self.start_other()
        return self.smtp.send(message)


def test_two_runs_at_the_same_moment_warn_each_complaint_once(cc, client, container, make, sink):
    mail_out(container, sink.port)
    contact(container, cc.colleague.user, "colleague@reso.test")
    first = register(cc, client, LATE, handler_user_id=cc.colleague.user.id)
    second = register(cc, client, SOON, handler_user_id=cc.colleague.user.id)
    sender = AnotherRunMidway(container, make, cc.admin)
    mine = warn(container, make, cc.admin, sender=sender)
    # the other run found the first complaint claimed by this one and warned the second; this one then found the
    # second warned and left it alone
    assert [w.complaint_id for w in mine] == [first["id"]] and mine[0].sent
    assert [w.complaint_id for w in sender.other] == [second["id"]] and sender.other[0].sent
    assert sorted(m["Subject"].split("]")[0] for m in sink.messages()) == [
        f"[Жалоба № {first['id']}", f"[Жалоба № {second['id']}"]
    for made in (first, second):
        warned, actions = stored(container, made["id"])
        assert warned.warned_due_at == warned.due_at and warned.warning_claimed_until is None
        assert actions == ["registered", "warned"]


def test_a_claim_left_by_a_run_that_died_lapses_and_the_next_run_warns(cc, client, clock, container, make, sink):
    mail_out(container, sink.port)
    contact(container, cc.colleague.user, "colleague@reso.test")
    made = register(cc, client, SOON, handler_user_id=cc.colleague.user.id)
    with container.uow() as uow:  # a run claimed it and died before e-mailing
        uow.session.get(Complaint, made["id"]).warning_claimed_until = clock() + complaint_warnings.CLAIM
        uow.commit()
    assert warn(container, make, cc.admin) == [] and sink.received == []
    clock.advance(complaint_warnings.CLAIM.total_seconds())
    [sent] = warn(container, make, cc.admin)
    assert sent.sent and len(sink.received) == 1
    assert stored(container, made["id"])[0].warning_claimed_until is None


class Picky(Sink):
    """A mail server that refuses one mailbox (550) and accepts the others."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_one_refused_e_mail_does_not_stop_the_others(cc, client, container, make):
    picky = Picky()
    picky.controller.start()
    try:
        mail_out(container, picky.port)
        contact(container, cc.colleague.user, "gone@reso.test")
        contact(container, cc.agent.user, "agent@reso.test")
        refused = register(cc, client, LATE, handler_user_id=cc.colleague.user.id)  # the first in line
        fine = register(cc, client, SOON, handler_user_id=cc.agent.user.id)
        results = {w.complaint_id: w for w in warn(container, make, cc.admin)}
    finally:
        picky.controller.stop()
    assert not results[refused["id"]].sent and "gone@reso.test" in results[refused["id"]].error
    assert results[fine["id"]].sent and [message["To"] for message in picky.messages()] == ["agent@reso.test"]
    assert stored(container, refused["id"])[0].warned_at is None
    assert stored(container, fine["id"])[0].warned_at is not None


def test_the_cli_prints_the_warnings_sent_as_json_and_sends_nothing_twice(cc, client, clock, container, settings,
                                                                         sink, monkeypatch):
    from typer.testing import CliRunner

    from helpline.entrypoints.cli import app

    mail_out(container, sink.port)
    contact(container, cc.colleague.user, "colleague@reso.test")
    made = register(cc, client, SOON, handler_user_id=cc.colleague.user.id)
    register(cc, client, clock(), handler_user_id=cc.colleague.user.id)
    monkeypatch.setenv("HELPLINE_DATABASE_URL", settings.database_url)
    command = ["complaints", "warn", "--json", "--at", clock().isoformat(), "--base-url", SITE]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    [sent] = orjson.loads(result.output)
    assert (sent["complaint_id"], sent["sent"], sent["to_address"], sent["due_local"]) == (
        made["id"], True, "colleague@reso.test", "2026-02-04T23:59:59+03:00")
    assert f"{SITE}/complaints/{made['id']}" in text_of(sink.messages()[0])
    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0 and orjson.loads(again.output) == [] and len(sink.received) == 1
    wider = CliRunner().invoke(app, [*command[:2], "--within-days", "20", *command[2:]])
    assert wider.exit_code == 0 and len(orjson.loads(wider.output)) == 1  # the later one, within 20 working days


def test_the_cli_without_a_sender_exits_2(cc, client, settings, monkeypatch):
    from typer.testing import CliRunner

    from helpline.entrypoints.cli import app

    monkeypatch.setenv("HELPLINE_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(app, ["complaints", "warn"])
    assert result.exit_code == 2 and "SMTP sender" in result.output


def test_the_api_lets_supervisors_warn_and_refuses_agents(cc, client, container, sink):
    mail_out(container, sink.port)
    contact(container, cc.colleague.user, "colleague@reso.test")
    made = register(cc, client, SOON, handler_user_id=cc.colleague.user.id)
    for refused in (cc.agent, cc.qa):
        response = client.post("/api/v1/complaints/warnings", headers=refused.auth)
        assert response.status_code == 403
    assert sink.received == [] and stored(container, made["id"])[0].warned_at is None
    response = client.post("/api/v1/complaints/warnings", headers=cc.supervisor.auth, json={"within_days": 2})
    assert response.status_code == 200, response.text
    [sent] = response.json()
    assert sent["complaint_id"] == made["id"] and sent["sent"] is True
    assert "http://testserver/complaints/" in text_of(sink.messages()[0])
    assert client.post("/api/v1/complaints/warnings", headers=cc.supervisor.auth).json() == []
    bad = client.post("/api/v1/complaints/warnings", headers=cc.supervisor.auth, json={"within_days": -1})
    assert bad.status_code == 422
    view = cc.http(client, cc.supervisor, "GET", f"/complaints/{made['id']}")
    assert view["warned"] is True and view["warned_due_local"] == "2026-02-04T23:59:59+03:00"


@pytest.fixture
def browsers(app):
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def test_the_pages_show_the_warning(cc, client, container, make, sink, browsers):
    mail_out(container, sink.port)
    contact(container, cc.colleague.user, "colleague@reso.test")
    warned = register(cc, client, SOON, handler_user_id=cc.colleague.user.id)
    unwarned = register(cc, client, SOON, subject="No address")
    warn(container, make, cc.admin)
    browser = signed_in(browsers, cc.supervisor)
    listing = browser.get("/complaints?state=due_soon").text
    row = listing.split(f'id="complaint-{warned["id"]}"')[1].split("</tr>")[0]
    assert 'class="badge warned"' in row and "предупреждение отправлено" in row
    assert 'class="badge warned"' not in listing.split(f'id="complaint-{unwarned["id"]}"')[1].split("</tr>")[0]
    detail = browser.get(f"/complaints/{warned['id']}").text
    warning = detail.split('id="warning"')[1].split("</p>")[0]
    assert "о сроке" in warning and 'datetime="2026-02-04T23:59:59+03:00"' in warning
    assert "Предупреждение о сроке отправлено" in detail  # the history line
    assert "ещё не отправлялось" in browser.get(f"/complaints/{unwarned['id']}").text
