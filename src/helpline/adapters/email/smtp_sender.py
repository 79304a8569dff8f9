"""The outbox's e-mail sender: one SMTP session per message (replies are rare enough; a pooled connection
would go stale between them), UTF-8 bodies, threading and anti-loop headers."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from helpline.services.channels.outbox import OutgoingMessage, PermanentFailure

SECURITY = ("none", "starttls", "ssl")
# 5xx answers that are about our connection (530: STARTTLS or AUTH required first), not about the message:
# the configuration is fixed and the message retried, never dropped
NOT_PERMANENT = (530,)


@dataclass
class SmtpSender:
    host: str
    port: int
    from_address: str
    from_name: str = ""
    security: str = "starttls"
    username: str = ""
    password: str = ""
    timeout_s: float = 30.0
    name: str = "smtp"
    ca_file: str = ""  # trust only this CA (PEM); empty: the system's CAs
    ssl_context: ssl.SSLContext | None = None  # tests trust their own certificate

    def send(self, message: OutgoingMessage) -> str:
        email = self.compose(message)
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600 and error.smtp_code not in NOT_PERMANENT:  # 5xx is final (RFC 5321)
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
        if refused:
            raise PermanentFailure(f"recipient refused: {refused}")
        return str(email["Message-ID"])

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = formataddr((self.from_name, self.from_address)) if self.from_name else self.from_address
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = message.message_id or make_msgid(domain=self.from_address.rpartition("@")[2])
        for header in ("In-Reply-To", "References", "Auto-Submitted"):
            if message.headers.get(header):
                email[header] = str(message.headers[header])
        # Our address in X-Loop: a message that comes back carrying it is ours and is never answered.
        email["X-Loop"] = self.from_address
        email.set_content(message.body, charset="utf-8")
        if message.headers.get("Content-Language"):  # after set_content, which clears every Content-* header
            email["Content-Language"] = str(message.headers["Content-Language"])
        return email

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context(cafile=self.ca_file or None)
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.security == "starttls":
            try:
                smtp.starttls(context=context)
            except Exception:
                smtp.close()
                raise
        return smtp
