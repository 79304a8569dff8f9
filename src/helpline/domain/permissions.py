"""Who may do what. Every API endpoint names one permission; record-level scope is in `Actor`."""

from dataclasses import dataclass, field
from enum import StrEnum

from helpline.domain.vocabulary import Role


class Permission(StrEnum):
    READ_REFERENCE = "read_reference"  # sites, teams, clients, skills, wrap-up codes, reasons
    MANAGE_REFERENCE = "manage_reference"
    MANAGE_USERS = "manage_users"
    READ_AGENTS = "read_agents"
    MANAGE_AGENTS = "manage_agents"  # skills, certifications, capacity
    READ_QUEUES = "read_queues"
    MANAGE_QUEUES = "manage_queues"
    READ_CUSTOMERS = "read_customers"
    WRITE_CUSTOMERS = "write_customers"
    CREATE_INTERACTIONS = "create_interactions"
    READ_INTERACTIONS = "read_interactions"
    HANDLE_INTERACTIONS = "handle_interactions"  # lifecycle actions by people
    REPORT_INTERACTION_EVENTS = "report_interaction_events"  # lifecycle facts from a channel or PBX
    ASSIGN_INTERACTIONS = "assign_interactions"  # offer a queued interaction to another agent
    READ_CASES = "read_cases"
    WRITE_CASES = "write_cases"
    CHANGE_PRESENCE = "change_presence"
    READ_EVENTS = "read_events"
    WRITE_QUALITY = "write_quality"
    READ_QUALITY = "read_quality"
    READ_AUDIT = "read_audit"
    READ_REPORTS = "read_reports"  # KPI reports
    SEND_NOTIFICATIONS = "send_notifications"  # SMS to customers outside a conversation (reminders, dispatch)
    MANAGE_CALL_TASKS = "manage_call_tasks"  # create outbound call tasks, list them all, see completion
    WORK_CALL_TASKS = "work_call_tasks"  # take due call tasks and record attempts
    READ_CHANNELS = "read_channels"  # channel connectors, their health and the inbox
    MANAGE_CHANNELS = "manage_channels"  # configure connectors (they hold passwords), retry failed messages
    PLAN_WORKFORCE = "plan_workforce"  # run forecasts, staffing plans, schedules and what-if simulations
    READ_COMPLAINTS = "read_complaints"  # the complaint register
    WRITE_COMPLAINTS = "write_complaints"  # register complaints, handle them, record the outcome
    WARN_COMPLAINTS = "warn_complaints"  # e-mail the deadline warnings of the complaints in scope (a scheduler)
    READ_SURVEYS = "read_surveys"  # satisfaction surveys, their answers, review tasks and campaigns
    MANAGE_SURVEYS = "manage_surveys"  # send surveys, run call-back campaigns
    REVIEW_SURVEYS = "review_surveys"  # work the review task a low score opens and record its result
    ACKNOWLEDGE_QUALITY = "acknowledge_quality"  # an agent reads, acknowledges or disputes their own evaluations
    READ_TRAINING = "read_training"  # courses, exams and every agent's results
    MANAGE_TRAINING = "manage_training"  # write courses and exams, require retraining
    TAKE_EXAMS = "take_exams"  # an agent sits an exam (passing grants the skill's certification)
    READ_KNOWLEDGE = "read_knowledge"  # the help section, internal articles included
    MANAGE_KNOWLEDGE = "manage_knowledge"  # write, version and review articles
    MANAGE_PROVIDERS = "manage_providers"  # the provider network: clinics, tow services, assistance partners


P = Permission
# what quality reviewers change: evaluations and scorecards, the reviews of low scores, the retraining their
# findings require, and the articles they correct
QUALITY_WORK = frozenset({P.WRITE_QUALITY, P.REVIEW_SURVEYS, P.MANAGE_TRAINING, P.MANAGE_KNOWLEDGE})
_READ_ALL = {P.READ_REFERENCE, P.READ_AGENTS, P.READ_QUEUES, P.READ_CUSTOMERS, P.READ_INTERACTIONS,
             P.READ_CASES, P.READ_EVENTS, P.READ_QUALITY, P.READ_REPORTS, P.READ_CHANNELS, P.READ_COMPLAINTS,
             P.READ_SURVEYS, P.READ_TRAINING, P.READ_KNOWLEDGE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(_READ_ALL | {
        P.MANAGE_AGENTS, P.WRITE_CUSTOMERS, P.CREATE_INTERACTIONS, P.HANDLE_INTERACTIONS,
        P.ASSIGN_INTERACTIONS, P.WRITE_CASES, P.CHANGE_PRESENCE, P.SEND_NOTIFICATIONS,
        P.MANAGE_CALL_TASKS, P.WORK_CALL_TASKS, P.PLAN_WORKFORCE, P.WRITE_COMPLAINTS, P.WARN_COMPLAINTS,
        P.MANAGE_SURVEYS, P.REVIEW_SURVEYS, P.MANAGE_TRAINING, P.MANAGE_KNOWLEDGE, P.MANAGE_PROVIDERS}),
    Role.AGENT: frozenset({
        P.READ_REFERENCE, P.READ_QUEUES, P.READ_CUSTOMERS, P.WRITE_CUSTOMERS, P.CREATE_INTERACTIONS,
        P.READ_INTERACTIONS, P.HANDLE_INTERACTIONS, P.READ_CASES, P.WRITE_CASES, P.CHANGE_PRESENCE,
        P.WORK_CALL_TASKS, P.READ_COMPLAINTS, P.WRITE_COMPLAINTS, P.ACKNOWLEDGE_QUALITY, P.TAKE_EXAMS,
        P.READ_KNOWLEDGE}),
    Role.QA: frozenset(_READ_ALL | QUALITY_WORK),
    Role.INTEGRATION: frozenset({P.CREATE_INTERACTIONS, P.REPORT_INTERACTION_EVENTS, P.SEND_NOTIFICATIONS}),
}


def role_allows(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]


@dataclass(frozen=True)
class Actor:
    """The person or integration acting, with what limits the records they see.

    site_ids: the sites a supervisor oversees (empty for others).
    agent_id: the agent record of an agent user, if any.
    """

    user_id: int | None  # None only for Helpline's own routing service
    username: str
    role: Role
    site_ids: frozenset[int] = field(default_factory=frozenset)
    agent_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.QA)
