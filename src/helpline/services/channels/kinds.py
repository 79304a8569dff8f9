"""The kinds of channel connector and each one's settings (validated when a channel is configured).

Each channel adds its kinds to KINDS below; the composition root (`entrypoints/channel_runtime.py`) builds
the running adapter for each kind. Settings whose name contains password, token or secret are never shown.
"""

from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from helpline.domain import opening_hours


class KindSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")


def known_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


@dataclass(frozen=True)
class KindSpec:
    channel: str  # the interaction channel it carries: email, sms, voice, chat, app
    settings: type[KindSettings]
    description: str
    needs_queue: bool = False  # inbound kinds: where the requests they bring wait


KINDS: dict[str, KindSpec] = {}

# --- e-mail -------------------------------------------------------------------------------------

Security = Literal["none", "starttls", "ssl"]


class EmailIntakeSettings(KindSettings):
    """What an inbound e-mail connector does with what it receives (see docs/channels/email.md)."""

    acknowledge: bool = Field(True, description="e-mail an acknowledgement when a message opens a new case")
    auto_replies_per_hour: int = Field(3, ge=0, description="automatic replies to one address per hour, at most")
    attachment_max_bytes: int | None = Field(None, gt=0, description="default: HELPLINE_ATTACHMENT_MAX_BYTES")
    max_message_bytes: int = Field(25 * 1024 * 1024, gt=0, description="larger messages are kept raw, flagged")
    addresses: list[str] = Field(default_factory=list, description="our own addresses here (never answered)")


class ImapKindSettings(EmailIntakeSettings):
    host: str = Field(min_length=1)
    port: int = Field(993, gt=0, lt=65536)
    security: Security = "ssl"
    ca_file: str = Field("", description="trust only this CA certificate file (PEM); empty: the system's CAs")
    username: str = Field(min_length=1)
    password: str = ""
    mailbox: str = "INBOX"
    poll_s: float = Field(60.0, gt=0, description="the poll interval, and the longest IDLE before re-IDLE")
    idle: bool = True
    processed_folder: str = Field("", description="move processed mail here; empty: mark it \\Seen")


class SmtpListenerSettings(EmailIntakeSettings):
    host: str = "127.0.0.1"
    port: int = Field(2525, gt=0, lt=65536)
    max_bytes: int = Field(25 * 1024 * 1024, gt=0, description="larger messages are refused with 552")
    recipients: list[str] = Field(min_length=1, description="accepted addresses, or domains as @insurer.ru")
    tls_cert_file: str = Field("", description="PEM certificate to offer STARTTLS with; empty: no STARTTLS")
    tls_key_file: str = Field("", description="its private key (PEM)")
    require_starttls: bool = Field(False, description="refuse mail until the sender has started TLS")

    @model_validator(mode="after")
    def _tls_files(self) -> "SmtpListenerSettings":
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError("tls_cert_file and tls_key_file go together")
        if self.require_starttls and not self.tls_cert_file:
            raise ValueError("require_starttls needs tls_cert_file and tls_key_file")
        return self


class SmtpSenderSettings(KindSettings):
    host: str = Field(min_length=1)
    port: int = Field(587, gt=0, lt=65536)
    security: Security = "starttls"
    ca_file: str = Field("", description="trust only this CA certificate file (PEM); empty: the system's CAs")
    username: str = ""
    password: str = ""
    from_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    from_name: str = ""
    timeout_s: float = Field(30.0, gt=0)


KINDS["imap"] = KindSpec(channel="email", settings=ImapKindSettings, needs_queue=True,
                         description="a mailbox polled over IMAP (IDLE when the server has it)")
KINDS["smtp-listener"] = KindSpec(channel="email", settings=SmtpListenerSettings, needs_queue=True,
                                  description="an SMTP server receiving the insurer's forwarded mail")
KINDS["smtp-sender"] = KindSpec(channel="email", settings=SmtpSenderSettings,
                                description="sends replies and notifications over SMTP")

# --- web chat -----------------------------------------------------------------------------------


class WebChatSettings(KindSettings):
    """The chat widget on the insurer's site (see docs/channels/chat.md)."""

    allowed_origins: list[str] = Field(default_factory=list, description="sites that may embed it; '*' = any")
    time_zone: str = "Europe/Moscow"
    business_hours: dict[str, list[list[str]]] = Field(
        default_factory=dict, description='{"mon": [["09:00", "18:00"]], ...}; empty: 24/7')
    max_file_bytes: int = Field(10 * 1024 * 1024, gt=0)
    allowed_file_types: list[str] = Field(default_factory=lambda: [
        "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"])
    languages: list[str] = Field(default_factory=lambda: ["ru", "en"], min_length=1)
    offline_queue: str | None = Field(None, description="queue code (web or email) for offline-form requests")

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        opening_hours.check_hours(value)
        return value

    _zone = field_validator("time_zone")(known_time_zone)


KINDS["web-chat"] = KindSpec(channel="chat", settings=WebChatSettings, needs_queue=True,
                             description="the chat widget on the insurer's site (WebSocket), with help articles")

# --- SMS ----------------------------------------------------------------------------------------


class SmsHttpSettings(KindSettings):
    """A generic HTTP SMS gateway: Helpline POSTs {to, from, text, reference} with a bearer token; the gateway
    POSTs receipts and customers' SMS back to /api/v1/sms/<name>/receipts and /inbound with the secret."""

    url: str = Field(pattern=r"^https?://\S+$")
    token: str = Field(min_length=1)
    sender_id: str = Field(min_length=1, max_length=20)  # the alphanumeric name or number customers see
    receipt_secret: str = Field(min_length=16)  # the gateway sends it in the X-Helpline-Secret header
    timeout_s: float = Field(10.0, gt=0, le=120)


class SmppSettings(KindSettings):
    """An SMPP 3.4 centre (SMSC), bound as a transceiver: sends, and receives receipts and customers' SMS."""

    host: str = Field(min_length=1)
    port: int = Field(2775, ge=1, le=65535)
    system_id: str = Field(min_length=1, max_length=15)
    password: str = Field("", max_length=8)
    system_type: str = Field("", max_length=12)
    source_addr: str = Field(min_length=1, max_length=20)
    source_ton: int = Field(5, ge=0, le=6)  # 5: alphanumeric sender name, 1: international number
    source_npi: int = Field(0, ge=0, le=18)
    enquire_link_s: float = Field(30.0, gt=0, le=600)  # keep-alive when the link is quiet
    timeout_s: float = Field(10.0, gt=0, le=120)  # waiting for the centre's answer


KINDS["sms-http"] = KindSpec(channel="sms", settings=SmsHttpSettings, needs_queue=True,
                             description="SMS through an HTTP gateway (JSON POST; receipts and replies by webhook)")
KINDS["smpp"] = KindSpec(channel="sms", settings=SmppSettings, needs_queue=True,
                         description="SMS through an SMPP 3.4 centre (transceiver bind; receipts and replies)")

# --- telephony ----------------------------------------------------------------------------------


class QueueLogSettings(KindSettings):
    """A live tail of an Asterisk queue_log file (docs/channels/telephony.md)."""

    path: str = Field(min_length=1, description="The queue_log file, e.g. /var/log/asterisk/queue_log")
    site: str = Field("Imported", min_length=1, description="The site its queues and agents belong to")
    client: str = Field("imported", min_length=1, description="The client (insurer) code its calls belong to")
    time_zone: str = Field("UTC", description="Reads date-time stamps (realtime exports); Unix stamps are UTC")
    poll_s: float = Field(1.0, gt=0, le=300, description="How often the file is looked at")

    _zone = field_validator("time_zone")(known_time_zone)


KINDS["queue-log"] = KindSpec(channel="voice", settings=QueueLogSettings,
                              description="Asterisk queue_log followed live (calls, answers, abandons, presence)")


class AppIntakeSettings(KindSettings):
    """Requests from the insurer's mobile app or web forms (docs/channels/app.md)."""

    channel: str = Field("app", pattern="^(app|web)$", description="app: the mobile app; web: web forms")
    category_queues: dict[str, str] = Field(default_factory=dict,
                                            description="Queue code per category (case type); else the channel's queue")


KINDS["app-intake"] = KindSpec(channel="app", settings=AppIntakeSettings, needs_queue=True,
                               description="Mobile-app and web-form requests (POST /api/v1/app/requests)")
