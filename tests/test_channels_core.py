"""What every channel shares: the inbox stores before it processes and retries; the outbox renders templates,
respects consent, retries and takes receipts; connector configuration, health, and their API and CLI."""

from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from helpline.adapters.db.models import InboundMessage, Interaction, OutboundMessage
from helpline.domain.errors import InvalidInput
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.entrypoints.cli import app as cli_app
from helpline.services import intake
from helpline.services.channels import configs, health, inbox, outbox, templates
from helpline.services.channels.inbox import Inbound
from helpline.services.channels.kinds import KINDS, KindSettings, KindSpec
from helpline.services.channels.outbox import OutboundRequest, OutgoingMessage, PermanentFailure
from helpline.services.schemas import ReceiveInteraction


class LoopSettings(KindSettings):
    address: str
    password: str = ""
    retries: int = 3


@pytest.fixture
def loop_kind(monkeypatch):
    """A connector kind for these tests: the shared core must work before any real channel is registered."""
    monkeypatch.setitem(KINDS, "test-loop", KindSpec(channel="sms", settings=LoopSettings,
                                                      description="a loopback connector", needs_queue=True))


def receiving_handler(queue_id, calls=None, fail_times=0):
    """Receives each stored message as an SMS interaction; fails its first `fail_times` calls after intake
    has committed, as a crash between intake and the message's own commit would."""
    state = {"calls": 0}

    def handle(uow, message):
        state["calls"] += 1
        cmd = ReceiveInteraction(channel="sms", queue_id=queue_id, from_address=message.meta["from"],
                                 body=message.raw.decode(), idempotency_key=inbox.idempotency_key(message.id))
        view, _ = intake.receive_interaction(uow, inbox.channel_actor("sms"), cmd)
        if state["calls"] <= fail_times:
            raise ConnectionError("lost the database after intake committed")
        return view.id

    return handle


def store(container, text="Hello", external_id="sms-1", source="gw"):
    with container.uow() as uow:
        return inbox.store(uow, Inbound(channel="sms", source=source, raw=text.encode(), external_id=external_id,
                                        meta={"from": "+79161234567"}))


def test_a_message_is_stored_once_and_processed_into_one_interaction(container, make):
    queue = make.queue(channel="sms")
    first, created = store(container)
    again, created_again = store(container)
    assert created and not created_again and again == first
    counts = inbox.process_due(container.uow, {"sms": receiving_handler(queue.id)})
    assert counts == {"processed": 1}
    with container.uow() as uow:
        message = uow.session.get(InboundMessage, first)
        assert message.status == "processed" and message.interaction_id is not None
        interaction = uow.session.get(Interaction, message.interaction_id)
        assert interaction.channel == "sms" and interaction.body == "Hello" and interaction.state == "queued"


def test_a_failure_after_intake_retries_without_a_second_interaction(container, make, clock):
    queue = make.queue(channel="sms")
    message_id, _ = store(container)
    handlers = {"sms": receiving_handler(queue.id, fail_times=1)}
    assert inbox.process_due(container.uow, handlers) == {"pending": 1}
    with container.uow() as uow:
        message = uow.session.get(InboundMessage, message_id)
        assert message.attempts == 1 and "ConnectionError" in message.error and message.next_attempt_at is not None
    assert inbox.process_due(container.uow, handlers) == {}  # not due yet
    clock.advance(inbox.RETRY_DELAYS_S[0])
    assert inbox.process_due(container.uow, handlers) == {"processed": 1}
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Interaction)) == 1
        assert [h.status for h in health.statuses(uow)] == ["ok"]  # the success after the error


def test_a_message_that_keeps_failing_waits_for_a_person_and_can_be_retried(container, make, clock):
    queue = make.queue(channel="sms")
    message_id, _ = store(container)
    broken = {"sms": lambda uow, message: 1 / 0}
    for _ in range(inbox.MAX_ATTEMPTS):
        inbox.process_due(container.uow, broken)
        clock.advance(3600)
    with container.uow() as uow:
        message = uow.session.get(InboundMessage, message_id)
        assert message.status == "failed" and message.attempts == inbox.MAX_ATTEMPTS
        assert "ZeroDivisionError" in message.error
        assert [h.status for h in health.statuses(uow)] == ["failing"]
        inbox.retry(uow, message_id)
    assert inbox.process_due(container.uow, {"sms": receiving_handler(queue.id)}) == {"processed": 1}


def test_a_handler_may_ignore_a_message_and_an_unknown_channel_is_an_error(container):
    ignored, _ = store(container, external_id="bounce")
    orphan, _ = store(container, external_id="x", source="nobody")
    counts = inbox.process_due(container.uow, {"gw": lambda uow, message: None})
    assert counts == {"ignored": 1, "pending": 1}
    with container.uow() as uow:
        assert uow.session.get(InboundMessage, ignored).status == "ignored"
        assert "no handler for nobody" in uow.session.get(InboundMessage, orphan).error


@dataclass
class RecordingSender:
    """Stands in for the outside gateway: the senders of each channel are tested against real servers."""

    name: str = "recording"
    sent: list[OutgoingMessage] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    def send(self, message: OutgoingMessage) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"p-{message.id}"


def queue_message(container, **kw):
    with container.uow() as uow:
        message = outbox.enqueue(uow, OutboundRequest(**kw))
        uow.commit()
        return message.id, message.status, message.error


def test_templates_render_in_the_customers_language_with_a_fallback():
    params = {"case_ref": "#42", "subject": "ДТП", "customer_name": "Иван", "signature": "—"}
    russian = templates.render("acknowledgement", "ru-RU", params)
    assert russian.language == "ru" and russian.subject == "[#42] Ваше обращение получено"
    assert "Здравствуйте, Иван!" in russian.body
    assert templates.render("acknowledgement", "fr", params).language == "en"
    with pytest.raises(InvalidInput, match=r"customer_name|signature|undefined"):
        templates.render("acknowledgement", "en", {"case_ref": "#1"})
    with pytest.raises(InvalidInput, match="no message template"):
        templates.render("no-such-template", "en", {})


def test_marketing_needs_consent_and_a_refusal_stops_service_messages(container, make):
    customer = make.customer(phones=["+79161234567"])
    base = {"channel": "sms", "to_address": "+79161234567", "customer_id": customer.id, "body": "Renew now"}
    assert queue_message(container, purpose="marketing", **base)[1:] == ("suppressed", "no marketing consent for sms")
    assert queue_message(container, **base)[1] == "queued"
    with container.uow() as uow:
        outbox.set_consent(uow, customer.id, "sms", "marketing", True, "app")
        outbox.set_consent(uow, customer.id, "sms", "service", False, "call")
        uow.commit()
    assert queue_message(container, purpose="marketing", **base)[1] == "queued"
    assert queue_message(container, **base)[1:] == ("suppressed", "the customer refused service messages by sms")
    with pytest.raises(InvalidInput):
        queue_message(container, purpose="spam", **base)


def test_the_outbox_retries_then_delivers_and_takes_a_receipt(container, clock):
    message_id, status, _ = queue_message(container, channel="email", to_address="a@example.ru",
                                          template="acknowledgement", language="en", idempotency_key="ack-1",
                                          params={"case_ref": "#7", "subject": "Hi", "customer_name": None,
                                                  "signature": ""})
    assert status == "queued" and queue_message(container, channel="email", to_address="a@example.ru",
                                                body="again", idempotency_key="ack-1")[0] == message_id
    sender = RecordingSender(failures=[TimeoutError("gateway slow")])
    assert outbox.deliver_due(container.uow, {"email": sender}) == {"queued": 1}
    assert outbox.deliver_due(container.uow, {"email": sender}) == {}
    clock.advance(outbox.RETRY_DELAYS_S[0])
    assert outbox.deliver_due(container.uow, {"email": sender}) == {"sent": 1}
    assert sender.sent[0].subject == "[#7] We have received your request"
    with container.uow() as uow:
        delivered = outbox.record_receipt(uow, "recording", f"p-{message_id}", delivered=True)
        assert delivered.status == "delivered" and delivered.attempts == 2 and delivered.delivered_at is not None


def test_a_permanent_failure_is_not_retried(container, clock):
    message_id, _, _ = queue_message(container, channel="sms", to_address="+7000", body="x")
    sender = RecordingSender(failures=[PermanentFailure("invalid number")])
    assert outbox.deliver_due(container.uow, {"sms": sender}) == {"failed": 1}
    clock.advance(86400)
    assert outbox.deliver_due(container.uow, {"sms": sender}) == {}
    with container.uow() as uow:
        assert "invalid number" in uow.session.get(OutboundMessage, message_id).error


def test_connector_settings_are_validated_and_secrets_hidden(container, make, loop_kind):
    make.queue(code="sms_in", channel="sms")
    with container.uow() as uow:
        with pytest.raises(InvalidInput, match="unknown channel kind"):
            configs.add(uow, "x", "no-kind", {})
        with pytest.raises(InvalidInput, match="address: Field required"):
            configs.add(uow, "x", "test-loop", {}, "sms_in")
        with pytest.raises(InvalidInput, match="needs the queue"):
            configs.add(uow, "x", "test-loop", {"address": "a"})
        view = configs.add(uow, "gw", "test-loop", {"address": "a", "password": "s3cret"}, "sms_in")
        assert view.public().settings == {"address": "a", "password": "***", "retries": 3}
        assert configs.update(uow, "gw", {"retries": 5}).settings["password"] == "s3cret"


def test_the_worker_runs_the_configured_connectors(container, make, loop_kind, monkeypatch):
    from helpline.entrypoints import channel_runtime

    queue = make.queue(code="sms_in", channel="sms")
    sender = RecordingSender()
    monkeypatch.setitem(channel_runtime.FACTORIES, "test-loop", lambda config, box: channel_runtime.Connector(
        handler=receiving_handler(config.queue_id), sender=sender))
    with container.uow() as uow:
        configs.add(uow, "gw", "test-loop", {"address": "a"}, "sms_in")
        configs.add(uow, "off", "test-loop", {"address": "b"}, "sms_in", enabled=False)
    store(container, source="gw")
    queue_message(container, channel="sms", to_address="+7000", body="x")
    worker = ChannelWorker(container)
    worker.configure()
    assert list(worker.handlers) == ["gw"] and worker.run_once() == ({"processed": 1}, {"sent": 1})
    with container.uow() as uow:
        assert uow.session.scalar(select(Interaction.queue_id)) == queue.id


def test_channel_api_admins_configure_supervisors_read_others_are_refused(cc, client, loop_kind):
    body = {"name": "gw", "kind": "test-loop", "queue": "chat_msk", "settings": {"address": "a", "password": "p"}}
    for person in (cc.supervisor, cc.qa, cc.agent, cc.pbx):
        assert client.post("/api/v1/channels", json=body, headers=person.auth).status_code == 403
    created = client.post("/api/v1/channels", json=body, headers=cc.admin.auth)
    assert created.status_code == 201 and created.json()["settings"]["password"] == "***"
    assert client.post("/api/v1/channels", json=body, headers=cc.admin.auth).status_code == 409
    bad = client.post("/api/v1/channels", json={**body, "name": "gw2", "settings": {}}, headers=cc.admin.auth)
    assert bad.status_code == 422 and "address" in bad.text
    assert cc.http(client, cc.supervisor, "GET", "/channels")[0]["name"] == "gw"
    assert "test-loop" in {k["kind"] for k in cc.http(client, cc.qa, "GET", "/channels/kinds")}
    changed = cc.http(client, cc.admin, "PATCH", "/channels/gw", json={"enabled": False})
    assert changed["enabled"] is False
    for path in ("/channels", "/channels/health", "/channels/inbox"):
        assert client.get(f"/api/v1{path}", headers=cc.agent.auth).status_code == 403
        assert client.get(f"/api/v1{path}").status_code == 401
    assert client.delete("/api/v1/channels/gw", headers=cc.supervisor.auth).status_code == 403
    assert client.delete("/api/v1/channels/gw", headers=cc.admin.auth).status_code == 204
    assert client.delete("/api/v1/channels/gw", headers=cc.admin.auth).status_code == 404


def test_inbox_and_health_through_the_api(cc, client, container, clock):
    message_id, _ = store(container)
    inbox.process_due(container.uow, {})
    listed = cc.http(client, cc.supervisor, "GET", "/channels/inbox?status=pending")
    assert [(m["id"], m["attempts"], m["size"]) for m in listed] == [(message_id, 1, 5)]
    assert cc.http(client, cc.supervisor, "GET", "/channels/health")[0]["status"] == "failing"
    assert client.post(f"/api/v1/channels/inbox/{message_id}/retry", headers=cc.supervisor.auth).status_code == 403
    assert client.post(f"/api/v1/channels/inbox/{message_id}/retry", headers=cc.admin.auth).status_code == 204
    assert client.post("/api/v1/channels/inbox/999/retry", headers=cc.admin.auth).status_code == 404


def test_the_cli_configures_connectors_and_shows_their_health(database_url, monkeypatch, make, loop_kind, container):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "test")
    make.queue(code="sms_in", channel="sms")
    runner = CliRunner()
    added = runner.invoke(cli_app, ["channels", "add", "gw", "--kind", "test-loop", "--queue", "sms_in",
                                    "--set", "address=gw.example", "--set", "retries=4", "--set", "password=x"])
    assert added.exit_code == 0, added.output
    with container.uow() as uow:
        assert configs.get(uow, "gw").settings == {"address": "gw.example", "retries": 4, "password": "x"}
    listed = runner.invoke(cli_app, ["channels", "list"])
    assert listed.exit_code == 0 and "test-loop" in listed.output and '"x"' not in listed.output
    wrong = runner.invoke(cli_app, ["channels", "add", "gw2", "--kind", "test-loop", "--set", "nonsense"])
    assert wrong.exit_code == 2 and "key=value" in wrong.output
    assert runner.invoke(cli_app, ["channels", "set", "gw", "--disable"]).exit_code == 0
    assert "test-loop" in runner.invoke(cli_app, ["channels", "kinds"]).output
    assert runner.invoke(cli_app, ["channels", "status"]).exit_code == 0
    missing = runner.invoke(cli_app, ["channels", "remove", "nope"])
    assert missing.exit_code == 1 and "not found" in missing.output
