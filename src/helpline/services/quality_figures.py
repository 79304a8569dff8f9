"""Quality figures: per agent, team or site, the mean evaluation score, the share of error-free evaluations,
the critical errors, and the same by week; and per scorecard criterion how often it was not met. An
evaluation counts in the week its interaction was handled (the centre's time zone). Supervisors see the agents
of their sites, an agent themselves."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Interaction, QualityEvaluation, Site, Team
from helpline.adapters.db.models_quality import Scorecard
from helpline.domain.errors import InvalidInput
from helpline.domain.permissions import Actor
from helpline.domain.quality import Answer
from helpline.services import scope
from helpline.services.quality_schemas import CriterionFigure, QualityFigures, QualityReport, WeekFigure
from helpline.services.unit_of_work import UnitOfWork

GroupBy = Literal["agent", "team", "site"]
ANSWERS = frozenset(a.value for a in Answer)
MAX_DAYS = 366


def quality_report(uow: UnitOfWork, actor: Actor, date_from: date, date_to: date, time_zone: str,
                   group_by: GroupBy = "agent") -> QualityReport:
    """Evaluations of the interactions handled from `date_from` to `date_to` (exclusive)."""
    if date_to <= date_from or (date_to - date_from).days > MAX_DAYS:
        raise InvalidInput(f"the period must run forwards and last at most {MAX_DAYS} days")
    zone = ZoneInfo(time_zone)
    start = datetime.combine(date_from, time(), zone).astimezone(UTC)
    end = datetime.combine(date_to, time(), zone).astimezone(UTC)
    key_column = {"agent": Agent.id, "team": Agent.team_id, "site": Agent.site_id}[group_by]
    rows = uow.session.execute(
        select(key_column, Interaction.answered_at, QualityEvaluation.score, QualityEvaluation.error_free,
               QualityEvaluation.critical_error, QualityEvaluation.scorecard_id, QualityEvaluation.answers)
        .join(Agent, Agent.id == QualityEvaluation.agent_id)
        .join(Interaction, Interaction.id == QualityEvaluation.interaction_id)
        .where(Interaction.answered_at >= start, Interaction.answered_at < end, scope.agent_filter(actor))).all()
    samples = [(key, _monday(answered_at, zone), score, error_free, critical)
               for key, answered_at, score, error_free, critical, _, _ in rows if answered_at is not None]
    names = _names(uow, group_by, {s[0] for s in samples if s[0] is not None})
    grouped: dict[int | None, list[tuple[date, float, bool, bool]]] = defaultdict(list)
    for key, week, score, error_free, critical in samples:
        grouped[key].append((week, score, error_free, critical))
    figures = [_figures(key, names.get(key, "—") if key is not None else "—", items)
               for key, items in grouped.items()]
    figures.sort(key=lambda f: (f.mean_score, f.name))
    total = _figures(None, "", [(w, s, e, c) for _, w, s, e, c in samples])
    criteria = _criteria(uow, [(card, answers) for *_, card, answers in rows if card is not None and answers])
    return QualityReport(group_by=group_by, date_from=date_from, date_to=date_to, total=total, rows=figures,
                         criteria=criteria)


def _criteria(uow: UnitOfWork, filled: list[tuple[int, dict[str, Any]]]) -> list[CriterionFigure]:
    """Per (scorecard name, criterion key), the answers met, not met and n/a, the most often not met first."""
    cards = {card.id: card for card in uow.session.scalars(
        select(Scorecard).where(Scorecard.id.in_({card_id for card_id, _ in filled})))}
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    wording: dict[tuple[str, str], tuple[int, str, bool]] = {}  # (version, text, critical) of the latest version
    for card_id, answers in filled:
        card = cards[card_id]
        for criterion in card.criteria:
            named = (card.name, criterion["key"])
            if named not in wording or wording[named][0] < card.version:
                wording[named] = (card.version, criterion.get("text", ""), bool(criterion.get("critical")))
            given = answers.get(criterion["key"])
            if isinstance(given, dict) and given.get("answer") in ANSWERS:
                counts[named][given["answer"]] += 1
    found = []
    for (name, code), counted in counts.items():
        answered = counted[Answer.MET] + counted[Answer.NOT_MET]
        _, text, critical = wording[(name, code)]
        found.append(CriterionFigure(
            scorecard=name, key=code, text=text, critical=critical, answered=answered,
            not_met=counted[Answer.NOT_MET], not_applicable=counted[Answer.NOT_APPLICABLE],
            not_met_share=round(counted[Answer.NOT_MET] / answered, 4) if answered else 0.0))
    found.sort(key=lambda f: (-f.not_met_share, -f.not_met, f.scorecard, f.key))
    return found


def _figures(key: int | None, name: str, items: Iterable[tuple[date, float, bool, bool]]) -> QualityFigures:
    items = list(items)
    by_week: dict[date, list[tuple[date, float, bool, bool]]] = defaultdict(list)
    for item in items:
        by_week[item[0]].append(item)
    weeks = [WeekFigure(week=week, evaluations=len(found), mean_score=_mean(s for _, s, _, _ in found),
                        error_free_share=_share(e for _, _, e, _ in found)) for week, found in sorted(by_week.items())]
    return QualityFigures(key=key, name=name, evaluations=len(items), mean_score=_mean(s for _, s, _, _ in items),
                          error_free_share=_share(e for _, _, e, _ in items),
                          critical_errors=sum(1 for _, _, _, c in items if c), weeks=weeks)


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return round(sum(found) / len(found), 1) if found else 0.0


def _share(flags: Iterable[bool]) -> float:
    found = list(flags)
    return round(sum(1 for f in found if f) / len(found), 4) if found else 0.0


def _monday(moment: datetime, zone: ZoneInfo) -> date:
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def _names(uow: UnitOfWork, group_by: GroupBy, keys: set[int]) -> dict[int | None, str]:
    if group_by == "agent":
        query = select(Agent.id, Agent.display_name).where(Agent.id.in_(keys))
    elif group_by == "team":
        query = select(Team.id, Team.name).where(Team.id.in_(keys))
    else:
        query = select(Site.id, Site.name).where(Site.id.in_(keys))
    return {key: str(name) for key, name in uow.session.execute(query)}
