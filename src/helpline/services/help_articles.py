"""The articles the chat widget suggests before a visitor asks for a person: the knowledge base's public,
published articles in the chat's language, found by its full-text search (services/knowledge.py)."""

from dataclasses import dataclass

from helpline.adapters.db.models import ChatSession, HelpArticle
from helpline.domain.errors import InvalidInput, NotFound
from helpline.services import knowledge
from helpline.services.chat.schemas import ArticleCreate, ArticleView
from helpline.services.knowledge_schemas import LANGUAGES, ArticleWrite
from helpline.services.unit_of_work import UnitOfWork

SUGGESTED = 3


@dataclass(frozen=True)
class Suggestion:
    id: int
    title: str
    body: str
    score: float


def suggest(uow: UnitOfWork, language: str, question: str, limit: int = SUGGESTED) -> list[Suggestion]:
    """The public articles in `language` that best match the question, best first."""
    hits = knowledge.search(uow, question, language=language, internal=False, limit=limit)
    bodies = {hit.id: knowledge.get_for_editing(uow, hit.id).body for hit in hits}
    return [Suggestion(hit.id, hit.title, bodies[hit.id], hit.score) for hit in hits]


def create(uow: UnitOfWork, cmd: ArticleCreate) -> ArticleView:
    if cmd.language not in LANGUAGES:
        raise InvalidInput(f"articles are written in {', '.join(LANGUAGES)}")
    created = knowledge.create_article(uow, ArticleWrite(
        language=cmd.language, title=cmd.title, body=cmd.body, keywords=cmd.keywords,
        audience="public" if cmd.public else "internal"))
    return ArticleView.model_validate(uow.session.get(HelpArticle, created.id))


def list_articles(uow: UnitOfWork, language: str | None = None) -> list[ArticleView]:
    return [ArticleView.model_validate(uow.session.get(HelpArticle, a.id))
            for a in knowledge.list_articles(uow, language=language, everything=True)]


def record_deflection(uow: UnitOfWork, session: ChatSession, article_id: int) -> None:
    """The visitor said the article answered them: kept on the session (the deflection figure counts these)."""
    article = uow.session.get(HelpArticle, article_id)
    if article is None or not article.public or article.status != "published":
        raise NotFound("article", article_id)
    session.deflected_by_article_id = article_id
    session.last_seen_at = uow.now()
    uow.commit()
