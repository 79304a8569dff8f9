"""SQLAlchemy 2 typed models: the tables behind Helpline. Changes here need an Alembic migration."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from helpline.adapters.db.types import BigId, JSONDocument, UTCDateTime

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


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin','supervisor','agent','qa','integration')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="ru")
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


class NotReadyReason(Base):
    __tablename__ = "not_ready_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    paid: Mapped[bool] = mapped_column(Boolean, default=True)  # unpaid reasons are not shrinkage


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


# --- imports ------------------------------------------------------------------------------------


class ImportedLine(Base):
    """Lines of an imported file that leave no interaction behind (queue_log agent events), by a digest of
    their text, so that importing the file again (or a grown copy of it) adds nothing for them. Call lines
    need no row here: their interaction's idempotency key and events already show what was imported."""

    __tablename__ = "imported_lines"
    source: Mapped[str] = mapped_column(String(20), primary_key=True)  # queue_log
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    imported_at: Mapped[datetime]
