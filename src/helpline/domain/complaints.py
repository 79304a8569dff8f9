"""The complaint register's rules (issue 8, BRIEF §5): who may handle a complaint, how its status moves, which
deadline rule applies, when it is due (the rule engine of `deadlines`, extended when documents are requested)
and when it counts as due soon or overdue.

Pure: stdlib and the deadline rules only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from helpline.domain.deadlines import DeadlineRule, due, maximum_due
from helpline.domain.errors import IllegalTransition, InvalidInput

DEFAULT_RULE = "ru-complaint"
DUE_SOON_WORKING_DAYS = 2  # a complaint due within this many working days is "due soon"

# The rule of a jurisdiction, when the client names none: the country of the site that handles the work.
RULE_BY_COUNTRY = {"RU": "ru-complaint", "CN": "cn-complaint", "IE": "ie-complaint", "GB": "uk-complaint"}


class ComplaintStatus(StrEnum):
    REGISTERED = "registered"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"  # the response has gone to the complainant: the deadline is met (or missed) here
    CLOSED = "closed"
    REJECTED = "rejected"  # not a complaint, or not admissible: the reason is the response


class Outcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


class DeadlineState(StrEnum):
    """Where an open complaint stands against its deadline; a complaint answered or closed has none."""

    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


OPEN_STATUSES = frozenset({ComplaintStatus.REGISTERED, ComplaintStatus.IN_PROGRESS})  # the clock runs
FINAL_STATUSES = frozenset({ComplaintStatus.CLOSED, ComplaintStatus.REJECTED})
TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    ComplaintStatus.REGISTERED: frozenset({ComplaintStatus.IN_PROGRESS, ComplaintStatus.ANSWERED,
                                           ComplaintStatus.CLOSED, ComplaintStatus.REJECTED}),
    ComplaintStatus.IN_PROGRESS: frozenset({ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED,
                                            ComplaintStatus.REJECTED}),
    ComplaintStatus.ANSWERED: frozenset({ComplaintStatus.CLOSED}),
    ComplaintStatus.CLOSED: frozenset(),
    ComplaintStatus.REJECTED: frozenset(),
}
NEEDS_OUTCOME = frozenset({ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED})  # unless already answered

# The configurable lists offered on the form; free text is accepted too.
CATEGORIES = ("claim_settlement", "claim_payment_amount", "service_quality", "agent_behaviour", "waiting_time",
              "policy_terms", "medical_assistance", "data_protection", "other")
ROOT_CAUSES = ("process_breach", "agent_error", "agent_behaviour", "it_failure", "partner_provider",
               "policy_terms_unclear", "customer_misunderstanding", "no_fault_found", "other")


def check_transition(current: ComplaintStatus | str, target: ComplaintStatus | str) -> None:
    """Raises IllegalTransition unless the complaint may move from `current` to `target`."""
    current, target = ComplaintStatus(current), ComplaintStatus(target)
    if target not in TRANSITIONS[current]:
        raise IllegalTransition("complaint", current.value, f"move to {target.value}")


def check_outcome(current: ComplaintStatus | str, target: ComplaintStatus | str, outcome: Outcome | str | None,
                  response: str) -> None:
    """Answering (or closing an unanswered complaint) needs the outcome and the response given; a rejection
    needs its reason, in the response."""
    current, target = ComplaintStatus(current), ComplaintStatus(target)
    answering = target in NEEDS_OUTCOME and current != ComplaintStatus.ANSWERED
    if answering and outcome is None:
        raise InvalidInput("give the outcome: upheld, partly_upheld or not_upheld")
    if (answering or target == ComplaintStatus.REJECTED) and not response.strip():
        raise InvalidInput("give the response sent to the complainant")


def check_handler(handler_agent_id: int | None, subject_agent_id: int | None) -> None:
    """The handler may not be the person complained about."""
    if subject_agent_id is not None and handler_agent_id == subject_agent_id:
        raise InvalidInput("the handler may not be the agent the complaint is about")


def rule_name_for(explicit: str | None, client_rule: str | None, site_country: str | None) -> str:
    """The rule asked for, else the client's, else the one of the handling site's country, else RU's."""
    if explicit:
        return explicit
    if client_rule:
        return client_rule
    return RULE_BY_COUNTRY.get((site_country or "").upper(), DEFAULT_RULE)


def pick_rule(rules: Mapping[str, DeadlineRule], name: str) -> DeadlineRule:
    rule = rules.get(name)
    if rule is None:
        raise InvalidInput(f"unknown deadline rule {name!r}; the rules are: {', '.join(sorted(rules))}")
    return rule


def due_dates(rule: DeadlineRule, received_at: datetime, documents_requested: bool
              ) -> tuple[datetime, datetime | None]:
    """When the answer is due, and the longest the rule allows. Requesting documents extends the deadline as
    `helpline deadline --extended` does (RU: 15 + 10 working days); a rule with no extension keeps its own."""
    extended = documents_requested and rule.extensible
    return due(rule, received_at, extended), maximum_due(rule, received_at)


def deadline_state(rule: DeadlineRule, status: ComplaintStatus | str, due_at: datetime, now: datetime,
                   due_soon_days: int = DUE_SOON_WORKING_DAYS) -> DeadlineState | None:
    """Overdue once `due_at` has passed; due soon when it ends no later than the end of the `due_soon_days`-th
    working day after today (the rule's calendar and time zone: 0 = due today); None once answered or closed."""
    if ComplaintStatus(status) not in OPEN_STATUSES:
        return None
    if now > due_at:
        return DeadlineState.OVERDUE
    if due_at <= soon_limit(rule, now, due_soon_days):
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TRACK


def soon_limit(rule: DeadlineRule, now: datetime, due_soon_days: int = DUE_SOON_WORKING_DAYS) -> datetime:
    """The end of the `due_soon_days`-th working day after today, in the rule's calendar: a complaint due by
    then is due soon."""
    if due_soon_days < 0:
        raise InvalidInput("due_soon_days must be 0 or more")
    today = now.astimezone(rule.zone).date()
    last = rule.calendar.add_working_days(today, due_soon_days) if due_soon_days else today
    return datetime.combine(last, datetime.max.time(), tzinfo=rule.zone)
