"""SQLAlchemy 2 typed models: the tables behind Helpline. Changes here need an Alembic migration."""

import copy
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from helpline.adapters.db.types import BigId, JSONDocument, UTCDateTime
from helpline.domain.calendars import OFFICE_HOURS

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONDocument, list[Any]: JSONDocument}


# --- organisation -------------------------------------------------------------------------------


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    holiday_country: Mapped[str] = mapped_column(String(2), default="RU")
    # {"mon": [["09:00", "18:00"]], ...} in the site's time zone, as queues' opening hours; empty: 24/7
    business_hours: Mapped[dict[str, Any]] = mapped_column(default=lambda: copy.deepcopy(OFFICE_HOURS))


class SiteCalendarDay(Base):
    """A date a site's calendar treats apart from its country's: a `day_off` (a regional holiday, the insurer's
    own closed day) or a `working_day` (a Saturday worked because a holiday moved)."""

    __tablename__ = "site_calendar_days"
    __table_args__ = (UniqueConstraint("site_id", "date"),
                      CheckConstraint("kind IN ('day_off','working_day')", name="kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))


class Client(Base):
    """The insurer on whose behalf requests are handled (an assistance company serves several)."""

    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # the complaint deadline rule of the client's jurisdiction (domain/deadlines.py; migration 0013)
    complaint_rule: Mapped[str | None] = mapped_column(String(64))
    # the satisfaction survey sent when one of its cases is resolved: sms, email, auto (SMS to a phone, else
    # e-mail), or null: none (services/surveys.py send_after_resolve; migration 0019)
    survey_after_resolve: Mapped[str | None] = mapped_column(String(16))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin','supervisor','agent','qa','integration')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="ru")
    # where complaint deadline warnings are e-mailed, and the IANA zone their dates are written in (None: none /
    # the rule's own); set on the admin users form and the users API (migration 0020)
    email: Mapped[str | None] = mapped_column(String(254))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    sites: Mapped[list[Site]] = relationship(secondary="user_sites", lazy="selectin")


class UserSite(Base):
    """The sites a supervisor oversees."""

    __tablename__ = "user_sites"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)


class ApiToken(Base):
    """Bearer tokens are random; only their SHA-256 is stored, so a database leak reveals none."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


# --- agents and skills --------------------------------------------------------------------------


class Skill(Base):
    __tablename__ = "skills"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    requires_certification: Mapped[bool] = mapped_column(Boolean, default=True)


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (
        CheckConstraint("presence IN ('logged_out','ready','not_ready')", name="presence"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    employee_no: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    presence: Mapped[str] = mapped_column(String(20), default="logged_out")
    presence_reason: Mapped[str | None] = mapped_column(String(60))
    presence_since: Mapped[datetime | None]
    skills: Mapped[list["AgentSkill"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    certifications: Mapped[list["Certification"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    capacities: Mapped[list["AgentCapacity"]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class AgentSkill(Base):
    __tablename__ = "agent_skills"
    __table_args__ = (CheckConstraint("proficiency BETWEEN 1 AND 10", name="proficiency"),)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)
    proficiency: Mapped[int] = mapped_column(Integer)
    skill: Mapped[Skill] = relationship(lazy="joined")


class Certification(Base):
    """A passed exam for a skill; without a valid one the agent never receives that skill's work."""

    __tablename__ = "certifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    passed_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    # suspended until retraining (a QA finding, a manager's decision): counts no more from that moment
    # (services/training.py; the retraining requirement and its history are in models_training.py)
    suspended_at: Mapped[datetime | None]
    suspended_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    suspended_reason: Mapped[str | None] = mapped_column(Text)
    skill: Mapped[Skill] = relationship(lazy="joined")


class AgentCapacity(Base):
    __tablename__ = "agent_capacities"
    __table_args__ = (CheckConstraint("capacity BETWEEN 0 AND 50", name="capacity"),)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)


# --- customers and policies ---------------------------------------------------------------------


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="ru")
    vip_tier: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    phones: Mapped[list["CustomerPhone"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    emails: Mapped[list["CustomerEmail"]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class CustomerPhone(Base):
    __tablename__ = "customer_phones"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)  # E.164 digits with leading +


class CustomerEmail(Base):
    __tablename__ = "customer_emails"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # stored lower-case


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (UniqueConstraint("client_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(60), index=True)
    product_line: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    insured_objects: Mapped[list[Any]] = mapped_column(default=list)


# --- queues and configuration -------------------------------------------------------------------


class Queue(Base):
    __tablename__ = "queues"
    __table_args__ = (
        CheckConstraint("sl_target > 0 AND sl_target <= 1", name="sl_target"),
        CheckConstraint("sl_threshold_s > 0", name="sl_threshold"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    product_line: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    sl_threshold_s: Mapped[int] = mapped_column(Integer, default=20)
    sl_target: Mapped[float] = mapped_column(default=0.8)
    # {"mon": [["09:00", "18:00"]], ...}; empty means 24/7
    business_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # routing: how an agent is chosen, and the expansion / overflow steps in order of time
    # ([{"after_s": 30, "min_proficiency": {"osago": 3}}, {"after_s": 60, "any_site": true},
    #   {"after_s": 300, "move_to_queue": "other_queue_code"}])
    agent_choice: Mapped[str] = mapped_column(String(20), default="best_proficiency",
                                              server_default="best_proficiency")
    expansion: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    required_skills: Mapped[list["QueueSkill"]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class QueueSkill(Base):
    __tablename__ = "queue_skills"
    __table_args__ = (CheckConstraint("min_proficiency BETWEEN 1 AND 10", name="min_proficiency"),)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)
    min_proficiency: Mapped[int] = mapped_column(Integer, default=1)
    skill: Mapped[Skill] = relationship(lazy="joined")


class WrapUpCode(Base):
    __tablename__ = "wrap_up_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # False: not for new use


class NotReadyReason(Base):
    __tablename__ = "not_ready_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    paid: Mapped[bool] = mapped_column(Boolean, default=True)  # unpaid reasons are not shrinkage
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # False: not for new use


# --- cases, interactions and the event log ------------------------------------------------------


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_customer_open", "customer_id", "status", "topic"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    product_line: Mapped[str | None] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(100), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_queue_waiting", "queue_id", "state", "queued_at"),
        Index("ix_interactions_agent_state", "agent_id", "state"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    channel: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(3), default="in")
    state: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # imported history or a queue_log tail: the system it came from routed it, so live routing leaves it alone
    routed_elsewhere: Mapped[bool] = mapped_column(default=False, server_default=false())
    from_address: Mapped[str | None] = mapped_column(String(254))
    to_address: Mapped[str | None] = mapped_column(String(254))
    topic: Mapped[str] = mapped_column(String(100), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str | None] = mapped_column(String(8))
    exit_reason: Mapped[str | None] = mapped_column(String(20))
    wrap_up_code: Mapped[str | None] = mapped_column(String(60))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class Event(Base):
    """The append-only interaction event log (BRIEF §2); database triggers refuse UPDATE and DELETE.

    `seq` is the monotonic order of recording; `occurred_at` is when it happened in the world
    (a PBX or an import may report events later than they happened).
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_interaction", "interaction_id", "seq"),
        Index("ix_events_agent", "agent_id", "seq"),
        Index("ix_events_occurred", "occurred_at"),
    )
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Survey(Base):
    """A satisfaction survey sent after an interaction or a resolved case; its answer is also the event
    `survey_answered`, from which CSAT, CSI and NPS are computed."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score"),
        CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="nps"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    channel: Mapped[str] = mapped_column(String(10))  # how it was sent: sms, email, chat, voice (a call-back)
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None] = mapped_column(Integer)  # CSAT 1-5
    nps: Mapped[int | None] = mapped_column(Integer)  # 0-10 where the client asks it
    comment: Mapped[str] = mapped_column(Text, default="")
    # satisfaction surveys (migration 0014, models_surveys.py, services/surveys.py): the SHA-256 digest of the
    # public answer link's token, when the link expires, the customer's language, whether NPS is asked, the
    # campaign that sent it and the call-back task of a voice survey
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(8))
    ask_nps: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("survey_campaigns.id"), index=True)
    call_task_id: Mapped[int | None] = mapped_column(ForeignKey("call_tasks.id"))


class AuditEntry(Base):
    """Who read or changed sensitive records (health data reads above all), and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QualityEvaluation(Base):
    """A quality reviewer's evaluation of one handled interaction (scorecards come with quality control)."""

    __tablename__ = "quality_evaluations"
    __table_args__ = (CheckConstraint("score >= 0 AND score <= 100", name="score"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("interactions.id"), index=True)
    evaluator_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[float]
    critical_error: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # quality control (migration 0015, models_quality.py): the scorecard filled in, each criterion's answer
    # ({key: {"answer": met|not_met|na, "comment": ...}}), the agent evaluated, and the acknowledgement status
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("quality_scorecards.id"))
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    error_free: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(12), default="submitted", server_default="submitted")
    updated_at: Mapped[datetime | None]


# --- imports ------------------------------------------------------------------------------------


class ImportedLine(Base):
    """Lines of an imported file that leave no interaction behind (queue_log agent events), by a digest of
    their text, so that importing the file again (or a grown copy of it) adds nothing for them. Call lines
    need no row here: their interaction's idempotency key and events already show what was imported."""

    __tablename__ = "imported_lines"
    source: Mapped[str] = mapped_column(String(20), primary_key=True)  # queue_log
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    imported_at: Mapped[datetime]


# --- channels: what comes in and goes out, stored before it is processed ------------------------


class InboundMessage(Base):
    """One message as a channel received it (an e-mail's raw bytes, an SMS, an app request), stored and
    committed before it is processed, so a failure or a crash in processing loses nothing.

    status: pending (to process), processed (became or joined `interaction_id`), ignored (no interaction on
    purpose: a bounce, an auto-reply, a duplicate), failed (gave up after retries; `error` says why).
    `flags` mark what intake noticed (malformed_mime, charset_fallback, too_large, auto_reply, ...).
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_inbound_messages_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(100))  # imap:support@insurer, smtp, sms:http, app, ...
    external_id: Mapped[str | None] = mapped_column(String(300))  # Message-ID, SMS id: the same one is stored once
    received_at: Mapped[datetime]
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    flags: Mapped[list[Any]] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
    processed_at: Mapped[datetime | None]
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"), index=True)


class Attachment(Base):
    """A file that came with a message (e-mail, chat, app request) or was uploaded to a case."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inbound_message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("inbound_messages.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class OutboundMessage(Base):
    """An e-mail or SMS to a customer, in the outbox until a sender delivers it (retries with back-off).

    status: queued, sent (the gateway took it), delivered (a receipt said so), failed, suppressed (never
    sent: no consent for a marketing message, or the customer refused the channel).
    purpose: service (about their case or policy) or marketing (needs the customer's consent).
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (
        Index("ix_outbound_messages_due", "status", "next_attempt_at"),
        Index("ix_outbound_messages_provider", "provider", "provider_message_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(12), default="service")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str | None] = mapped_column(String(60))
    language: Mapped[str | None] = mapped_column(String(8))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e-mail: In-Reply-To, References
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)  # e-mail Message-ID, for threading
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    provider: Mapped[str | None] = mapped_column(String(100))  # the connector that sent it
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class ChannelConsent(Base):
    """A customer's yes or no to being contacted on a channel for a purpose (service or marketing)."""

    __tablename__ = "channel_consents"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(12), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(60), default="")  # how it was given: app, call, sms STOP, ...


class ChannelHealth(Base):
    """The last success, failure and activity of each channel connector (mailbox, gateway, PBX feed)."""

    __tablename__ = "channel_health"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # imap:support@insurer, sms:http, cti, ...
    channel: Mapped[str] = mapped_column(String(10))
    last_ok_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_activity_at: Mapped[datetime | None]  # the last message in or out
    failing: Mapped[bool] = mapped_column(Boolean, default=False)  # the latest attempt failed
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)



class ChannelConfig(Base):
    """One configured connector: a mailbox to poll, an SMTP listener or sender, an SMS gateway, the PBX
    feed. `settings` holds the kind's own options (see `helpline channels kinds`)."""

    __tablename__ = "channel_configs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # imap, smtp-listener, smtp-sender, sms-http, smpp, queue-log
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))  # where inbound requests wait
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

# --- channel: web chat and help articles -------------------------------------------------------


class ChatSession(Base):
    """One visitor's chat from the widget. The token the widget holds is stored only as its sha256 digest.

    status: browsing (reading suggested articles), queued (asked for a person), connected (an agent answered),
    ended, offline (outside business hours: the offline form was offered).
    `last_seq` is the last message number given out in the session (messages are numbered 1, 2, ...).
    Typing times are kept here, not as messages: the other side shows "typing" while they are recent.
    """

    __tablename__ = "chat_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    channel_name: Mapped[str] = mapped_column(String(100))  # the web-chat channel config
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"), index=True)
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(8), default="ru")
    status: Mapped[str] = mapped_column(String(12), default="browsing")
    question: Mapped[str] = mapped_column(Text, default="")
    deflected_by_article_id: Mapped[int | None] = mapped_column(ForeignKey("help_articles.id"))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    customer_typing_at: Mapped[datetime | None]
    agent_typing_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ChatMessage(Base):
    """A message in a chat, numbered per session. `client_msg_id` is the customer's own id for a message, so
    a resend after a dropped connection is recognised and stored once."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        UniqueConstraint("session_id", "client_msg_id", name="uq_chat_messages_client_msg_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigId, ForeignKey("chat_sessions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    client_msg_id: Mapped[str | None] = mapped_column(String(100))
    sender: Mapped[str] = mapped_column(String(10))  # customer, agent, system
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("attachments.id"))
    created_at: Mapped[datetime]


class HelpArticle(Base):
    """A help-section article shown to chat visitors before they ask for a person (a simple table until the
    knowledge base exists). `keywords` are extra search terms, space-separated."""

    __tablename__ = "help_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # the audience: customers too, or agents only
    updated_at: Mapped[datetime]
    # the knowledge base (models_knowledge.py): the shown version, its status, category and next review
    category_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_categories.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="published", server_default="published")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    review_due: Mapped[date | None] = mapped_column(Date)


# --- channel: SMS ------------------------------------------------------------------------------


class SmsPart(Base):
    """One part of a long SMS sent through an SMPP centre, which acknowledges and reports each part under its
    own id: the message is delivered when every part is, and failed as soon as one part fails."""

    __tablename__ = "sms_parts"
    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    part_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    outbound_message_id: Mapped[int] = mapped_column(BigId, ForeignKey("outbound_messages.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="sent")  # sent, delivered, failed


# --- channel: telephony and app intake ---------------------------------------------------------


class QueueLogPosition(Base):
    """How far a live queue_log tail has read its file (the file's device, inode and byte offset), stored
    in the transaction that stores the lines' events, so a restart neither re-reads nor skips a line."""

    __tablename__ = "queue_log_positions"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # the channel config's name
    path: Mapped[str] = mapped_column(String(500))
    device: Mapped[int] = mapped_column(BigInteger, default=0)
    inode: Mapped[int] = mapped_column(BigInteger, default=0)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    lines_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    parse_errors: Mapped[int] = mapped_column(BigInteger, default=0)
    last_line_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CallTask(Base):
    """An outbound call an agent makes from a list: a survey call-back, a complaint call-back.

    status: open (waiting, maybe until next_attempt_at), in_progress (taken by taken_by_agent_id), done,
    failed (attempts exhausted, wrong number, refused), cancelled. A reached attempt is an outbound voice
    interaction (`interaction_id`: the last one), so KPI reports count it."""

    __tablename__ = "call_tasks"
    __table_args__ = (
        Index("ix_call_tasks_due", "status", "due_at"),
        Index("ix_call_tasks_agent", "assigned_agent_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # survey_callback, complaint_callback, other
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"))  # who may take it
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    phone: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime]
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))  # a supervisor's choice
    taken_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))  # working on it, or last did
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    last_result: Mapped[str | None] = mapped_column(String(20))
    next_attempt_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"))


class AppRequest(Base):
    """A request from the insurer's mobile app or a web form: its public reference and the digests of the
    status tokens the customer reads its status with (a retried request gets a token of its own). What it
    became (interaction, case) is its inbound message's."""

    __tablename__ = "app_requests"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(10))  # app or web
    idempotency_key: Mapped[str] = mapped_column(String(250), unique=True)  # per posting user
    fingerprint: Mapped[str] = mapped_column(String(64))
    token_hashes: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(8))
    inbound_message_id: Mapped[int] = mapped_column(BigId, ForeignKey("inbound_messages.id"), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class PlanningRun(Base):
    """A workforce-planning run of the planning pages (services/planning.py): a forecast of a queue, its staffing
    plan and schedule, or a what-if simulation. `scope` is the queue code; `parameters` what was asked, `result`
    what came out (JSON shapes in docs/web/planning.md)."""

    __tablename__ = "planning_runs"
    __table_args__ = (
        CheckConstraint("kind IN ('forecast','schedule','simulation')", name="kind"),
        Index("ix_planning_runs_lookup", "kind", "scope", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    scope: Mapped[str] = mapped_column(String(200))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --- customer care (issue 8): each area keeps its tables in its own module; imported here so that
# Base.metadata (and the migrations check) sees every table ---------------------------------------
from helpline.adapters.db import (  # noqa: E402
    models_case_types,  # noqa: F401
    models_complaints,  # noqa: F401
    models_knowledge,  # noqa: F401
    models_quality,  # noqa: F401
    models_surveys,  # noqa: F401
    models_training,  # noqa: F401
)
