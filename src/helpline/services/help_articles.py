"""The help section shown in the chat before a visitor asks for a person: a simple article table, searched by
shared terms (the knowledge base of the care-workflows issue will replace the search).

Ranking: the question and each article are cut into terms (lower-case words of 3+ letters, cut to their
first 5 letters, so "документы" and "документов" or "claims" and "claim" meet). An article scores 3 per
question term in its title, 2 in its keywords, 1 in its body; the best few with a score above zero are shown.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select

from helpline.adapters.db.models import ChatSession, HelpArticle
from helpline.domain.errors import NotFound
from helpline.services.chat.schemas import ArticleCreate, ArticleView
from helpline.services.unit_of_work import UnitOfWork

_WORD = re.compile(r"\w+", re.UNICODE)
STEM = 5
SUGGESTED = 3


def terms(text: str) -> set[str]:
    return {word[:STEM] for word in _WORD.findall(text.lower()) if len(word) >= 3 and not word.isdigit()}


@dataclass(frozen=True)
class Suggestion:
    id: int
    title: str
    body: str
    score: int


def suggest(uow: UnitOfWork, language: str, question: str, limit: int = SUGGESTED) -> list[Suggestion]:
    """The public articles in `language` that best match the question, best first."""
    wanted = terms(question)
    if not wanted:
        return []
    articles = uow.session.scalars(select(HelpArticle).where(HelpArticle.language == language,
                                                             HelpArticle.public.is_(True)))
    ranked = []
    for article in articles:
        score = (3 * len(wanted & terms(article.title)) + 2 * len(wanted & terms(article.keywords))
                 + len(wanted & terms(article.body)))
        if score > 0:
            ranked.append(Suggestion(article.id, article.title, article.body, score))
    ranked.sort(key=lambda s: (-s.score, s.id))
    return ranked[:limit]


def create(uow: UnitOfWork, cmd: ArticleCreate) -> ArticleView:
    article = HelpArticle(**cmd.model_dump(), updated_at=uow.now())
    uow.session.add(article)
    uow.commit()
    return ArticleView.model_validate(article)


def list_articles(uow: UnitOfWork, language: str | None = None) -> list[ArticleView]:
    query = select(HelpArticle).order_by(HelpArticle.language, HelpArticle.id)
    if language:
        query = query.where(HelpArticle.language == language)
    return [ArticleView.model_validate(a) for a in uow.session.scalars(query)]


def record_deflection(uow: UnitOfWork, session: ChatSession, article_id: int) -> None:
    """The visitor said the article answered them: kept on the session (the deflection reports count these)."""
    article = uow.session.get(HelpArticle, article_id)
    if article is None or not article.public:
        raise NotFound("article", article_id)
    session.deflected_by_article_id = article_id
    session.last_seen_at = uow.now()
    uow.commit()
