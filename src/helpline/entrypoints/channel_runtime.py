"""The composition root of channels: builds the running adapter of each configured connector.

A connector contributes any of: an inbox handler (turns its stored messages into interactions), an outbox
sender (delivers its channel's messages), and background services (an IMAP poller, an SMTP listener, a
queue_log tail) with start() and stop().
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from helpline.adapters.email.imap import ImapPoller, ImapSettings
from helpline.adapters.email.smtp_listener import SmtpListener
from helpline.adapters.email.smtp_sender import SmtpSender
from helpline.adapters.sms.http_gateway import HttpGatewaySender
from helpline.adapters.sms.smpp import SmppConfig, SmppLink, SmppSender
from helpline.adapters.telephony.queue_log_tail import QueueLogTail
from helpline.bootstrap import Container
from helpline.services import app_intake, sms
from helpline.services.channels import configs, health, inbox
from helpline.services.channels.configs import ConfigView
from helpline.services.channels.email import EmailIntake
from helpline.services.channels.inbox import Handler, Inbound
from helpline.services.channels.kinds import (
    EmailIntakeSettings,
    ImapKindSettings,
    SmppSettings,
    SmsHttpSettings,
    SmtpListenerSettings,
    SmtpSenderSettings,
)
from helpline.services.channels.outbox import Sender
from helpline.services.chat import escalation as chat_escalation
from helpline.services.queue_log_feed import Feed


class Service(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Connector:
    handler: Handler | None = None
    sender: Sender | None = None
    services: list[Service] = field(default_factory=list)


Factory = Callable[[ConfigView, Container], Connector]
FACTORIES: dict[str, Factory] = {}

# --- e-mail -------------------------------------------------------------------------------------


def _smtp_sender(config: ConfigView, container: Container) -> Connector:
    settings = SmtpSenderSettings.model_validate(config.settings)
    return Connector(sender=SmtpSender(name=config.name, **settings.model_dump()))


def _imap(config: ConfigView, container: Container) -> Connector:
    imap = ImapKindSettings.model_validate(config.settings)
    poller = ImapPoller(container.uow, config.name, ImapSettings(
        host=imap.host, port=imap.port, username=imap.username, password=imap.password, security=imap.security,
        ca_file=imap.ca_file, mailbox=imap.mailbox, poll_s=imap.poll_s, idle=imap.idle,
        processed_folder=imap.processed_folder),
        wake=lambda: container.wake_channels())
    ours = {imap.username} if "@" in imap.username else set()
    return Connector(handler=_email_intake(config, container, imap, ours), services=[poller])


def _smtp_listener(config: ConfigView, container: Container) -> Connector:
    settings = SmtpListenerSettings.model_validate(config.settings)
    tls_files = (settings.tls_cert_file, settings.tls_key_file) if settings.tls_cert_file else None
    listener = SmtpListener(container.uow, config.name, settings.host, settings.port, settings.max_bytes,
                            settings.recipients, wake=lambda: container.wake_channels(), tls_files=tls_files,
                            require_starttls=settings.require_starttls)
    ours = set(listener.recipients.our_addresses)
    return Connector(handler=_email_intake(config, container, settings, ours), services=[listener])


def _email_intake(config: ConfigView, container: Container, settings: EmailIntakeSettings,
                  ours: set[str]) -> EmailIntake:
    assert config.queue_id is not None  # the kinds need a queue: configs.add refuses one without
    return EmailIntake(queue_id=config.queue_id, our_addresses=frozenset(a.lower() for a in ours | {
        *settings.addresses, *_sender_addresses(container)}), acknowledge=settings.acknowledge,
        auto_replies_per_hour=settings.auto_replies_per_hour,
        attachment_max_bytes=settings.attachment_max_bytes or container.settings.attachment_max_bytes,
        max_message_bytes=settings.max_message_bytes)


def _sender_addresses(container: Container) -> set[str]:
    """Every configured sender's From address: mail from it, or carrying it in X-Loop, is our own."""
    with container.uow() as uow:
        senders = [c for c in configs.all_configs(uow) if c.kind == "smtp-sender"]
    return {str(c.settings.get("from_address", "")).lower() for c in senders} - {""}


FACTORIES["imap"] = _imap
FACTORIES["smtp-listener"] = _smtp_listener
FACTORIES["smtp-sender"] = _smtp_sender

# --- web chat -----------------------------------------------------------------------------------


def _web_chat(_config: ConfigView, _container: Container) -> Connector:
    # The visitors' sockets are served by the API process itself (/api/v1/chat/ws); the worker only retries
    # the chat's stored requests (talk to a person, offline forms) that failed when first processed.
    return Connector(handler=chat_escalation.handle)


FACTORIES["web-chat"] = _web_chat

# --- SMS ----------------------------------------------------------------------------------------


def _sms_http(config: ConfigView, container: Container) -> Connector:
    settings = SmsHttpSettings.model_validate(config.settings)
    name = config.name
    sender = HttpGatewaySender(name, settings.url, settings.token, settings.sender_id, settings.timeout_s)
    return Connector(handler=sms.inbox_handler(config.queue_id, name), sender=sender)


def _smpp(config: ConfigView, container: Container) -> Connector:
    settings = SmppSettings.model_validate(config.settings)
    name = config.name

    def store(message: Inbound) -> None:
        with container.uow() as uow:
            inbox.store(uow, message)
        container.wake_channels()

    def on_health(ok: bool, detail: str) -> None:
        with container.uow() as uow:
            if ok:
                health.record_ok(uow, config.name, "sms", link=detail)
            else:
                health.record_error(uow, config.name, "sms", detail)

    link = SmppLink(config.name, SmppConfig(**settings.model_dump()), store, on_health)
    return Connector(handler=sms.inbox_handler(config.queue_id, name), sender=SmppSender(name, link, container.uow),
                     services=[link])


FACTORIES["sms-http"] = _sms_http
FACTORIES["smpp"] = _smpp

# --- telephony ----------------------------------------------------------------------------------


def _queue_log(config: ConfigView, container: Container) -> Connector:
    settings = config.settings
    feed = Feed(name=config.name, path=settings["path"], site=settings["site"], client=settings["client"],
                time_zone=settings["time_zone"])
    return Connector(services=[QueueLogTail(container.uow, feed, poll_s=settings["poll_s"])])


FACTORIES["queue-log"] = _queue_log


def _app_intake(config: ConfigView, container: Container) -> Connector:
    # requests are processed in the request that brings them; the worker retries those that failed there
    return Connector(handler=app_intake.handle)


FACTORIES["app-intake"] = _app_intake
