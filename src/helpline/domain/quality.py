"""Quality control rules, pure: a scorecard's weighted score, critical errors, error-free work, which
interactions a week's sample takes, and what an evaluation may become next.

Scoring rule (docs/care/quality.md):
- each criterion is answered met, not met or n.a.; n.a. criteria leave the calculation;
- score = 100 × (weight of the criteria met) ÷ (weight of the criteria met or not met); all n.a. → 100;
- a critical criterion not met is a critical error: the score is capped at the scorecard's `critical_cap`
  (0 by default, so a critical error zeroes the score);
- an evaluation is error-free when no criterion at all is not met.
"""

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Answer(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "na"


class EvaluationStatus(StrEnum):
    SUBMITTED = "submitted"  # written by QA, waiting for the agent
    ACKNOWLEDGED = "acknowledged"  # the agent has read and accepted it
    DISPUTED = "disputed"  # the agent disagrees; back to QA
    UPHELD = "upheld"  # QA kept it after the dispute
    REVISED = "revised"  # QA changed the answers after the dispute


# what may follow each status, and who moves it: the agent acknowledges or disputes what QA wrote, QA decides
# a dispute; the agent may still acknowledge a decided dispute
AGENT_MOVES: dict[EvaluationStatus, frozenset[EvaluationStatus]] = {
    EvaluationStatus.SUBMITTED: frozenset({EvaluationStatus.ACKNOWLEDGED, EvaluationStatus.DISPUTED}),
    EvaluationStatus.UPHELD: frozenset({EvaluationStatus.ACKNOWLEDGED}),
    EvaluationStatus.REVISED: frozenset({EvaluationStatus.ACKNOWLEDGED}),
}
QA_MOVES: dict[EvaluationStatus, frozenset[EvaluationStatus]] = {
    EvaluationStatus.DISPUTED: frozenset({EvaluationStatus.UPHELD, EvaluationStatus.REVISED}),
}


def may_move(status: EvaluationStatus | str, to: EvaluationStatus, *, by_agent: bool) -> bool:
    moves = AGENT_MOVES if by_agent else QA_MOVES
    return to in moves.get(EvaluationStatus(status), frozenset())


class SampleReason(StrEnum):
    RANDOM = "random"  # the random share per agent per week
    LOW_SCORE = "low_score"  # the customer's survey score was below 4
    COMPLAINT = "complaint"  # the interaction's case has a complaint
    MEDICAL = "medical"  # a DMS guarantee letter or travel-assistance case (health data)


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: float
    critical: bool = False
    skill_id: int | None = None


@dataclass(frozen=True)
class Score:
    score: float  # 0-100, rounded to one decimal
    critical_error: bool
    error_free: bool
    failed: tuple[str, ...]  # the keys of the criteria not met
    failed_critical: tuple[str, ...]


def weighted_score(criteria: Sequence[Criterion], answers: Mapping[str, Answer | str], *,
                   critical_cap: float = 0.0) -> Score:
    """The score of one evaluation; every criterion must be answered (KeyError names the first missing)."""
    met = counted = 0.0
    failed: list[str] = []
    failed_critical: list[str] = []
    for criterion in criteria:
        answer = Answer(answers[criterion.key])
        if answer == Answer.NOT_APPLICABLE:
            continue
        counted += criterion.weight
        if answer == Answer.MET:
            met += criterion.weight
        else:
            failed.append(criterion.key)
            if criterion.critical:
                failed_critical.append(criterion.key)
    score = 100.0 if counted == 0 else 100.0 * met / counted
    if failed_critical:
        score = min(score, critical_cap)
    return Score(score=round(score, 1), critical_error=bool(failed_critical), error_free=not failed,
                 failed=tuple(failed), failed_critical=tuple(failed_critical))


# --- sampling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A handled interaction of the week, with what the targeted rules look at."""

    interaction_id: int
    agent_id: int
    low_score: bool = False
    complaint: bool = False
    medical: bool = False


@dataclass(frozen=True)
class SamplingRules:
    share_percent: float = 5.0  # of each agent's handled interactions that week, rounded up
    per_agent_min: int = 0  # at least this many per agent (when the agent has that many)
    low_scores: bool = True
    complaints: bool = True
    medical: bool = True


def draw(candidates: Iterable[Candidate], rules: SamplingRules, *, seed: int | str,
         already: frozenset[int] = frozenset()) -> list[tuple[int, SampleReason]]:
    """The interactions to evaluate, each with the first rule that took it: every targeted one (medical,
    complaint, low score), then a random share of each agent's remaining ones. The same candidates, rules and
    seed always give the same sample; interactions in `already` are never taken again."""
    fresh = sorted((c for c in candidates if c.interaction_id not in already), key=lambda c: c.interaction_id)
    taken: list[tuple[int, SampleReason]] = []
    rest_by_agent: dict[int, list[Candidate]] = {}
    handled_by_agent: dict[int, int] = {}
    for c in fresh:
        handled_by_agent[c.agent_id] = handled_by_agent.get(c.agent_id, 0) + 1
        reason = _targeted(c, rules)
        if reason is not None:
            taken.append((c.interaction_id, reason))
        else:
            rest_by_agent.setdefault(c.agent_id, []).append(c)
    chance = random.Random(f"quality-sample:{seed}")
    for agent_id in sorted(rest_by_agent):
        rest = rest_by_agent[agent_id]
        wanted = max(_ceil_share(handled_by_agent[agent_id], rules.share_percent), rules.per_agent_min)
        for c in sorted(chance.sample(rest, min(wanted, len(rest))), key=lambda c: c.interaction_id):
            taken.append((c.interaction_id, SampleReason.RANDOM))
    return sorted(taken)


def _targeted(c: Candidate, rules: SamplingRules) -> SampleReason | None:
    if rules.medical and c.medical:
        return SampleReason.MEDICAL
    if rules.complaints and c.complaint:
        return SampleReason.COMPLAINT
    if rules.low_scores and c.low_score:
        return SampleReason.LOW_SCORE
    return None


def _ceil_share(count: int, percent: float) -> int:
    if percent <= 0:
        return 0
    return -(-round(count * percent * 100) // 10_000)  # ceil(count × percent ÷ 100) in integers
