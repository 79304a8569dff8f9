"""Every KPI Helpline reports, defined once. docs/metrics.md states the same definitions and
tests/test_kpi_docs.py fails when the two drift apart.

A metric is computed in two steps: per group of events, *counts and sums* (the `Base` list: one Polars
expression each over the event rows, see `engine.py` for the columns), then the *metric* as an expression
over those sums. Rates are fractions 0-1; durations are seconds. Queue figures are attributed to the
interval in which the interaction entered the queue; handle times to the interval in which the work ended
(its `wrap_up_ended`); survey scores to the interval of the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from helpline.kpi.agent_time import AGENT_TIME_BASES
from helpline.kpi.case_figures import CASE_BASES

# --- the event rows (columns built by engine.py) -------------------------------------------------------
WAIT, THRESHOLD = pl.col("wait_s"), pl.col("threshold_s")
FROM_QUEUE = WAIT.is_not_null()  # an answer from a queue carries its wait; a transfer to an agent does not
HANDLED = pl.col("talk_s").is_not_null()
SCORED, NPS_ANSWERED = pl.col("score").is_not_null(), pl.col("nps").is_not_null()


@dataclass(frozen=True)
class Base:
    """A count or sum (or maximum) over the events of the types in `source`: `row` gives each such event's
    contribution (a number, or null), `combine` adds them up. Sums and maxima combine across groups and
    event types, so the engine aggregates each event type finely first and rolls up after."""

    name: str
    definition: str
    source: tuple[str, ...]  # event types
    row: Callable[[float], pl.Expr]  # given S, the short-abandon limit in seconds
    combine: str = "sum"


def _count(condition: pl.Expr | None = None) -> pl.Expr:
    return pl.lit(1, pl.UInt32) if condition is None else condition.cast(pl.UInt32)


def _value(column: str, condition: pl.Expr | None = None) -> pl.Expr:
    return pl.col(column) if condition is None else pl.when(condition).then(pl.col(column)).otherwise(None)


BASES: tuple[Base, ...] = (
    Base("offered", "interactions that entered a queue (`entered_queue`; a transfer to a queue enters again)",
         ("entered_queue",), lambda s: _count()),
    Base("answered", "connected to an agent from a queue (`answered` with a wait)", ("answered",),
         lambda s: _count(FROM_QUEUE)),
    Base("abandoned", "the customer left while queued (`abandoned`)", ("abandoned",), lambda s: _count()),
    Base("short_abandoned", "abandoned with wait ≤ S (default 5 s); also counted in `abandoned`", ("abandoned",),
         lambda s: _count(pl.col("wait_s") <= s)),
    Base("other_exits", "left the queue otherwise: timeout, queue empty, key press, withdraw, overflow "
         "(`exited`); never merged into `abandoned`", ("exited",), lambda s: _count()),
    Base("answered_within_t", "answered with wait ≤ T (T: `--answer-within`, else the queue's own target, "
         "else 20 s)", ("answered",), lambda s: _count(WAIT <= THRESHOLD)),
    Base("abandoned_within_t", "abandoned with wait ≤ T", ("abandoned",), lambda s: _count(WAIT <= THRESHOLD)),
    Base("transfers", "transfers to another queue or agent (`transferred`)", ("transferred",), lambda s: _count()),
    Base("handled", "interactions whose work ended (`wrap_up_ended` with its handling times)", ("wrap_up_ended",),
         lambda s: _count(HANDLED)),
    Base("wait_answered_s", "sum of the waits of answered interactions", ("answered",), lambda s: _value("wait_s")),
    Base("wait_abandoned_s", "sum of the waits of abandoned interactions", ("abandoned",),
         lambda s: _value("wait_s")),
    Base("max_wait_s", "the longest wait of an answered, abandoned or exited interaction",
         ("answered", "abandoned", "exited"), lambda s: _value("wait_s"), "max"),
    Base("talk_s", "sum of talk time (answer to end, less hold) of handled interactions", ("wrap_up_ended",),
         lambda s: _value("talk_s")),
    Base("hold_s", "sum of hold time of handled interactions", ("wrap_up_ended",), lambda s: _value("hold_s", HANDLED)),
    Base("wrap_s", "sum of wrap-up time (end to `wrap_up_ended`) of handled interactions", ("wrap_up_ended",),
         lambda s: _value("wrap_s", HANDLED)),
    Base("csat_responses", "survey answers with a 1-5 score", ("survey_answered",), lambda s: _count(SCORED)),
    Base("csat_sum", "sum of those scores", ("survey_answered",), lambda s: _value("score")),
    Base("csat_satisfied", "scores of 4 or 5", ("survey_answered",), lambda s: _count(pl.col("score") >= 4)),
    Base("nps_responses", "survey answers with a 0-10 recommendation score", ("survey_answered",),
         lambda s: _count(NPS_ANSWERED)),
    Base("nps_promoters", "recommendation scores of 9 or 10", ("survey_answered",),
         lambda s: _count(pl.col("nps") >= 9)),
    Base("nps_detractors", "recommendation scores of 0 to 6", ("survey_answered",),
         lambda s: _count(pl.col("nps") <= 6)),
    Base("complaints", "complaints registered (`complaint_registered`, at the moment received; its queue is the "
         "interaction's, its agent the one complained about)", ("complaint_registered",), lambda s: _count()),
)


# Per-agent time: seconds per agent and quarter-hour from `agent_time.py`, summed like the bases above.
AGENT_TIME_DIMENSIONS = frozenset({"agent", "site", "interval"})  # site: the agent's own


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Null, not an error, when there is nothing to divide by."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


c = pl.col

# --- service level: the formula is chosen by name ------------------------------------------------------
SL_FORMULAS: dict[str, tuple[str, pl.Expr]] = {
    "exclude-short-abandons": ("answered_within_t ÷ (offered − short_abandoned)",
                               _ratio(c("answered_within_t"), c("offered") - c("short_abandoned"))),
    "answered-only": ("answered_within_t ÷ answered", _ratio(c("answered_within_t"), c("answered"))),
    "abandon-negative": ("answered_within_t ÷ (answered + abandoned)",
                         _ratio(c("answered_within_t"), c("answered") + c("abandoned"))),
    "abandon-ignored-within-t": ("answered_within_t ÷ (answered + abandoned with wait > T)",
                                 _ratio(c("answered_within_t"),
                                        c("answered") + c("abandoned") - c("abandoned_within_t"))),
    "abandon-positive": ("(answered_within_t + abandoned with wait ≤ T) ÷ (answered + abandoned)",
                         _ratio(c("answered_within_t") + c("abandoned_within_t"), c("answered") + c("abandoned"))),
}
DEFAULT_SL_FORMULA = "exclude-short-abandons"


@dataclass(frozen=True)
class Metric:
    name: str
    definition: str
    expr: pl.Expr | None  # over the Base sums; None: computed apart (see `engine.py`)


METRICS: tuple[Metric, ...] = (
    *(Metric(b.name, b.definition, c(b.name)) for b in BASES if b.name in (
        "offered", "answered", "abandoned", "short_abandoned", "other_exits", "answered_within_t", "transfers",
        "handled", "max_wait_s")),
    Metric("service_level", "by the formula chosen with `--sl-formula` (default exclude-short-abandons): "
           + "; ".join(f"`{name}` = {text}" for name, (text, _) in SL_FORMULAS.items()), None),
    Metric("asa_s", "average speed of answer: mean wait of answered interactions",
           _ratio(c("wait_answered_s"), c("answered"))),
    Metric("avg_abandon_wait_s", "mean wait of abandoned interactions",
           _ratio(c("wait_abandoned_s"), c("abandoned"))),
    Metric("abandon_rate", "abandoned ÷ offered", _ratio(c("abandoned"), c("offered"))),
    Metric("answer_rate", "answered ÷ offered", _ratio(c("answered"), c("offered"))),
    Metric("aht_s", "average handle time: (talk + hold + wrap-up) ÷ handled",
           _ratio(c("talk_s") + c("hold_s") + c("wrap_s"), c("handled"))),
    Metric("avg_talk_s", "talk ÷ handled", _ratio(c("talk_s"), c("handled"))),
    Metric("avg_hold_s", "hold ÷ handled", _ratio(c("hold_s"), c("handled"))),
    Metric("avg_wrap_s", "wrap-up ÷ handled", _ratio(c("wrap_s"), c("handled"))),
    Metric("csat", "customer satisfaction index (CSI): mean of the 1-5 scores", _ratio(c("csat_sum"),
                                                                                     c("csat_responses"))),
    Metric("csat_share_4_5", "share of 1-5 scores that are 4 or 5", _ratio(c("csat_satisfied"),
                                                                         c("csat_responses"))),
    Metric("occupancy", "handling ÷ (handling + idle ready), concurrency-aware: busy_weighted_s ÷ available_s, "
           "where a chat of capacity 3 weighs a third of a call; per agent, site (the agent's) and interval only",
           _ratio(c("busy_weighted_s"), c("available_s"))),
    Metric("shrinkage", "paid time not available ÷ paid time: not_ready_paid_s ÷ (logged_in_s − "
           "not_ready_unpaid_s), from presence; per agent, site (the agent's) and interval only",
           _ratio(c("not_ready_paid_s"), c("logged_in_s") - c("not_ready_unpaid_s"))),
    Metric("cases_opened", "cases opened in the interval", c("cases_opened")),
    Metric("avg_first_response_s", "mean calendar time from a case's opening to its first response "
           "(by case type, site, client, product line, channel and interval of opening)",
           _ratio(c("first_response_sum_s"), c("cases_responded"))),
    Metric("avg_first_response_business_s", "the same in business time",
           _ratio(c("first_response_business_sum_s"), c("cases_responded"))),
    Metric("avg_resolution_s", "mean calendar time from a case's opening to its final resolution",
           _ratio(c("resolution_sum_s"), c("cases_resolved"))),
    Metric("avg_resolution_business_s", "the same in business time",
           _ratio(c("resolution_business_sum_s"), c("cases_resolved"))),
    Metric("fcr", "first-contact resolution: fcr_cases ÷ cases_resolved", _ratio(c("fcr_cases"),
                                                                                  c("cases_resolved"))),
    Metric("nps", "net promoter score: (promoters − detractors) ÷ answers, from −1 to 1",
           _ratio(c("nps_promoters") - c("nps_detractors"), c("nps_responses"))),
    Metric("complaints", "complaints registered in the period", c("complaints")),
    Metric("complaint_rate_per_1000", "complaints per 1,000 handled interactions: 1000 × complaints ÷ handled "
           "(RESO-Garantia's \"under 0.002 %\" is a rate below 0.02; not rounded)",
           1000 * _ratio(c("complaints"), c("handled"))),
)
METRIC_NAMES = tuple(m.name for m in METRICS)
DEFAULT_METRICS = ("offered", "answered", "abandoned", "short_abandoned", "other_exits", "service_level", "asa_s",
                   "avg_abandon_wait_s", "max_wait_s", "abandon_rate", "answer_rate", "aht_s", "transfers")


def reference_markdown() -> str:
    """The definitions as docs/metrics.md shows them, between its `metrics:start` and `metrics:end` marks."""
    lines = ["| metric | definition |", "|---|---|"]
    lines += [f"| `{m.name}` | {m.definition} |" for m in METRICS]
    lines += ["", "Service-level formulas (`--sl-formula`):", "", "| name | formula |", "|---|---|"]
    lines += [f"| `{name}`{' (default)' if name == DEFAULT_SL_FORMULA else ''} | {text} |"
              for name, (text, _) in SL_FORMULAS.items()]
    lines += ["", "The counts and sums they are computed from, per group of events:", "", "| sum | definition |",
              "|---|---|"]
    lines += [f"| `{b.name}` | {b.definition}{' (maximum)' if b.combine == 'max' else ''} |" for b in BASES]
    lines += [f"| `{name}` | {definition}; per agent and quarter-hour |" for name, definition in AGENT_TIME_BASES]
    lines += [f"| `{name}` | {definition} |" for name, definition in CASE_BASES]
    return "\n".join(lines)
