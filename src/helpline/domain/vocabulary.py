"""The contact-centre vocabulary shared by every layer."""

from enum import StrEnum


class Channel(StrEnum):
    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    APP = "app"
    SMS = "sms"
    WEB = "web"


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    QA = "qa"
    INTEGRATION = "integration"


class ProductLine(StrEnum):
    OSAGO = "osago"
    KASKO = "kasko"
    DMS = "dms"
    TRAVEL = "travel"
    PROPERTY = "property"
    ACCIDENT = "accident"
    OTHER = "other"


class PolicyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    PENDING = "pending"


class CaseType(StrEnum):
    ENQUIRY = "enquiry"
    MOTOR_CLAIM = "motor_claim"
    PROPERTY_CLAIM = "property_claim"
    DMS_GUARANTEE_LETTER = "dms_guarantee_letter"
    TRAVEL_ASSISTANCE = "travel_assistance"
    ROADSIDE_ASSISTANCE = "roadside_assistance"
    COMPLAINT = "complaint"
    OTHER = "other"


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CasePriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class InteractionState(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    OFFERED = "offered"
    CONNECTED = "connected"
    ON_HOLD = "on_hold"
    WRAP_UP = "wrap_up"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    EXITED = "exited"


class ExitReason(StrEnum):
    """Ways out of a queue other than answer or abandon; counted apart from abandons."""

    TIMEOUT = "timeout"
    QUEUE_EMPTY = "queue_empty"
    KEY_PRESS = "key_press"
    WITHDRAW = "withdraw"
    OVERFLOW = "overflow"


class EventType(StrEnum):
    # interaction lifecycle
    RECEIVED = "received"
    ENTERED_QUEUE = "entered_queue"
    OFFERED = "offered"
    OFFER_REJECTED = "offer_rejected"
    OFFER_NOT_ANSWERED = "offer_not_answered"
    ANSWERED = "answered"
    HELD = "held"
    RESUMED = "resumed"
    TRANSFERRED = "transferred"
    COMPLETED = "completed"
    WRAP_UP_ENDED = "wrap_up_ended"
    ABANDONED = "abandoned"
    EXITED = "exited"
    # agent presence
    AGENT_LOGGED_IN = "agent_logged_in"
    AGENT_READY = "agent_ready"
    AGENT_NOT_READY = "agent_not_ready"
    AGENT_LOGGED_OUT = "agent_logged_out"
    # cases
    CASE_OPENED = "case_opened"
    CASE_STATUS_CHANGED = "case_status_changed"
    # customer satisfaction: data.score 1-5 and/or data.nps 0-10
    SURVEY_ANSWERED = "survey_answered"
    # the complaint register (services/complaints.py): data.complaint_id, client_id, site_id, channel, rule;
    # closed: status, outcome, root_cause, on_time
    COMPLAINT_REGISTERED = "complaint_registered"
    COMPLAINT_CLOSED = "complaint_closed"
    # training: an exam passed grants or renews a skill's certification; retraining suspends it (data: skill,
    # certification_id, reason / attempt_id, score, expires_at); routing re-reads the agent's skills at once
    CERTIFICATION_GRANTED = "certification_granted"
    CERTIFICATION_SUSPENDED = "certification_suspended"


class PresenceState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"


HEALTH_PRODUCT_LINES = frozenset({ProductLine.DMS, ProductLine.TRAVEL})
HEALTH_CASE_TYPES = frozenset({CaseType.DMS_GUARANTEE_LETTER, CaseType.TRAVEL_ASSISTANCE})


def is_health_related(case_type: CaseType | str, product_line: ProductLine | str | None) -> bool:
    """Health data (DMS, travel medical) is a special category of personal data: its reads are audited."""
    return case_type in HEALTH_CASE_TYPES or (product_line is not None and product_line in HEALTH_PRODUCT_LINES)
