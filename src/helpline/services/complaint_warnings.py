"""Warnings before a complaint's deadline (`warn_due`, run by `helpline complaints warn` from cron or
POST /complaints/warnings): every open complaint due within a few working days, or overdue, and not yet warned
about its current due date, is e-mailed to its handler (else to its site's supervisors) over the configured SMTP
sender, in the recipient's language and time zone (the user's record); `warned_at` and `warned_due_at` record it
only once an e-mail went out. A run claims each complaint before e-mailing (`warning_claimed_until`), so runs
at the same moment do not both warn, and a run that dies mid-way delays a warning by at most `CLAIM`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, or_, select, update

from helpline.adapters.db.models import Client, User, UserSite
from helpline.adapters.db.models_complaints import Complaint
from helpline.domain import complaints as rules_of
from helpline.domain.complaints import OPEN_STATUSES
from helpline.domain.deadlines import DeadlineRule
from helpline.domain.errors import Conflict, InvalidInput
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services.channels import configs, templates
from helpline.services.channels.outbox import OutgoingMessage, Sender
from helpline.services.complaint_schemas import ComplaintWarningView
from helpline.services.complaints import deadline_rules, due_soon_filter, record_change, rule_named, visible
from helpline.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

WARNING_TEMPLATE = "complaint_deadline_warning"  # messages/complaint_deadline_warning.<language>.txt
NO_SENDER = "no SMTP sender is configured: add one with `helpline channels add ... smtp-sender`"
NO_RECIPIENT = "nobody to warn: the handler has no e-mail address and the site's supervisors none either"
DUE_FORMAT = {"ru": "%d.%m.%Y %H:%M", "en": "%Y-%m-%d %H:%M"}
CLAIM = timedelta(minutes=15)  # far longer than e-mailing one complaint's recipients takes


@dataclass(frozen=True)
class _Recipient:
    user: User
    role: str  # handler | supervisor
    email: str
    time_zone: str | None


def configured_sender(uow: UnitOfWork) -> Sender:
    """The first enabled SMTP sender of the channel configuration (`helpline channels`), as the outbox uses it;
    InvalidInput when there is none."""
    from helpline.adapters.email.smtp_sender import SmtpSender
    from helpline.services.channels.kinds import SmtpSenderSettings

    for config in configs.all_configs(uow, enabled_only=True):
        if config.kind == "smtp-sender":
            settings = SmtpSenderSettings.model_validate(config.settings)
            return SmtpSender(name=config.name, **settings.model_dump())
    raise InvalidInput(NO_SENDER)


def warn_due(uow: UnitOfWork, actor: Actor, *, base_url: str, sender: Sender | None = None,
             within_days: int = rules_of.DUE_SOON_WORKING_DAYS) -> list[ComplaintWarningView]:
    """E-mail a warning about every open complaint the actor sees that is due by the end of the
    `within_days`-th working day (its rule's calendar, as the due-soon list counts) or overdue, and has not
    been warned about its current due date: to its handler, else (no handler, or one without an e-mail address)
    to the supervisors of its site. A complaint is marked warned (`warned_at`, `warned_due_at`, a `warned` line
    in its history; one commit per complaint) once at least one e-mail went out; a failed e-mail leaves it
    unwarned, for the next run, and the others go on. Returns every e-mail tried, with `sent` and `error`."""
    rules = deadline_rules()
    now = uow.now()
    sender = sender or configured_sender(uow)
    soon = due_soon_filter(uow, rules, now, within_days)
    query = select(Complaint.id).where(
        visible(actor), Complaint.status.in_([s.value for s in OPEN_STATUSES]), soon, _unwarned(now)
    ).order_by(Complaint.due_at, Complaint.id)
    results: list[ComplaintWarningView] = []
    for complaint_id in list(uow.session.scalars(query)):
        if not _claim(uow, complaint_id, now):
            continue  # warned meanwhile, or another run is warning it now
        complaint = uow.session.get(Complaint, complaint_id, populate_existing=True)  # as claimed, not as cached
        if complaint is None:
            continue
        results.extend(_warn_one(uow, actor, complaint, rule_named(rules, complaint.rule), now, base_url, sender,
                                 within_days))
    return results


def _unwarned(now: datetime) -> ColumnElement[bool]:
    """Not warned about its current due date, and claimed by no run (or by one whose claim has lapsed)."""
    return or_(Complaint.warned_due_at.is_(None), Complaint.warned_due_at != Complaint.due_at) & or_(
        Complaint.warning_claimed_until.is_(None), Complaint.warning_claimed_until <= now)


def _claim(uow: UnitOfWork, complaint_id: int, now: datetime) -> bool:
    """Take the complaint for this run, committed before any e-mail goes: an UPDATE that succeeds only while it is
    still unwarned and unclaimed, so of two runs at the same moment one warns it and the other moves on."""
    claimed = uow.session.execute(update(Complaint).where(Complaint.id == complaint_id, _unwarned(now)).values(
        warning_claimed_until=now + CLAIM).execution_options(synchronize_session=False))
    uow.commit()
    rows: int = claimed.rowcount  # type: ignore[attr-defined]
    return rows == 1


def _warn_one(uow: UnitOfWork, actor: Actor, complaint: Complaint, rule: DeadlineRule, now: datetime,
              base_url: str, sender: Sender, within_days: int) -> list[ComplaintWarningView]:
    session = uow.session
    client = session.get(Client, complaint.client_id)
    handler = session.get(User, complaint.handler_user_id) if complaint.handler_user_id else None
    state = rules_of.deadline_state(rule, complaint.status, complaint.due_at, now, within_days)
    recipients = _recipients(uow, complaint, handler)
    common: dict[str, Any] = {
        "complaint_id": complaint.id, "reference": f"№ {complaint.id}", "subject": complaint.subject,
        "complainant_name": complaint.complainant_name, "client_name": client.name if client else "",
        "due_at": complaint.due_at, "deadline_state": state}
    if not recipients:
        log.warning("complaint %s: %s", complaint.id, NO_RECIPIENT)
        complaint.warning_claimed_until = None
        uow.commit()
        return [ComplaintWarningView(**common, due_local=complaint.due_at.astimezone(rule.zone).isoformat(),
                                     recipient_user_id=None, recipient_name="", recipient_role="", to_address="",
                                     language="", sent=False, error=NO_RECIPIENT)]
    results = []
    for recipient in recipients:
        zone = _zone(recipient.time_zone) or rule.zone
        due_local = complaint.due_at.astimezone(zone)
        result = ComplaintWarningView(
            **common, due_local=due_local.isoformat(), recipient_user_id=recipient.user.id,
            recipient_name=recipient.user.full_name or recipient.user.username, recipient_role=recipient.role,
            to_address=recipient.email, language="", sent=False)
        try:
            language = templates.languages_to_try(recipient.user.language)[0]
            rendered = templates.render(WARNING_TEMPLATE, recipient.user.language, {
                "number": complaint.id, "subject": complaint.subject, "complainant": complaint.complainant_name,
                "client": client.name if client else "", "rule": complaint.rule,
                "due": due_local.strftime(DUE_FORMAT.get(language, DUE_FORMAT["en"])), "time_zone": str(zone),
                "received": complaint.received_at.astimezone(zone).strftime(
                    DUE_FORMAT.get(language, DUE_FORMAT["en"])),
                "overdue": state == rules_of.DeadlineState.OVERDUE, "to_supervisor": recipient.role == "supervisor",
                "handler": (handler.full_name or handler.username) if handler else "",
                "recipient": recipient.user.full_name or recipient.user.username,
                "url": f"{base_url.rstrip('/')}/complaints/{complaint.id}"})
            result.language = rendered.language
            sender.send(OutgoingMessage(
                id=0, channel="email", to_address=recipient.email, subject=rendered.subject, body=rendered.body,
                headers={"Auto-Submitted": "auto-generated", "Content-Language": rendered.language},
                message_id=None))
        except Exception as error:  # recorded in the result; the complaint stays unwarned and is tried again
            log.warning("complaint %s: warning to %s failed: %s", complaint.id, recipient.email, error)
            result.error = f"{type(error).__name__}: {error}"[:500]
        else:
            result.sent = True
        results.append(result)
    delivered = [r.to_address for r in results if r.sent]
    complaint.warning_claimed_until = None  # released whatever happened: a failure is retried by the next run
    if delivered:
        before = complaint.warned_due_at
        complaint.warned_at, complaint.warned_due_at = now, complaint.due_at
        record_change(uow, actor, complaint, "warned", {
            "warned_due_at": [before.isoformat() if before else None, complaint.due_at.isoformat()],
            "recipients": [None, ", ".join(delivered)]})
    try:
        uow.commit()
    except Conflict as error:  # changed at the same moment: the claim lapses, and the next run warns again
        for result in results:
            result.error = result.error or str(error)
    return results


def _recipients(uow: UnitOfWork, complaint: Complaint, handler: User | None) -> list[_Recipient]:
    """The handler when active and with an e-mail address (`users.email`); else the active supervisors of the
    complaint's site that have one. Each in their own time zone (`users.time_zone`)."""
    session = uow.session
    if handler is not None and handler.is_active and handler.email:
        return [_Recipient(handler, "handler", handler.email, handler.time_zone)]
    if complaint.site_id is None:
        return []
    rows = session.scalars(select(User).join(UserSite, UserSite.user_id == User.id).where(
        UserSite.site_id == complaint.site_id, User.role == Role.SUPERVISOR.value, User.is_active.is_(True),
        User.email.is_not(None), User.email != "").order_by(User.id))
    return [_Recipient(user, "supervisor", user.email or "", user.time_zone) for user in rows]


def _zone(name: str | None) -> ZoneInfo | None:
    """A recipient's time zone; None when unset, or no longer known to this machine's time zone database."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
