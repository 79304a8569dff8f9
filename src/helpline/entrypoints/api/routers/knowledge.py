"""The help section (knowledge base): articles with versions, categories, search, feedback and deflection.

Agents and every other staff role read (internal articles included) and search; MANAGE_KNOWLEDGE writes and
reviews. Two routes need no log-in: the public search and feedback used by the public help page and the chat
widget (public, published articles only)."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from helpline.domain.errors import InvalidInput
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, public, require
from helpline.entrypoints.api.routers.params import NOT_FOUND, IdPath, IdQuery
from helpline.services import knowledge
from helpline.services.knowledge_schemas import (
    ArticleLanguage,
    ArticleView,
    ArticleWrite,
    CategoryCreate,
    CategoryView,
    DeflectionView,
    FeedbackCreate,
    FeedbackFigures,
    SearchHit,
    VersionView,
)

router = APIRouter(prefix="/knowledge", tags=["knowledge"])
Reader = Annotated[Actor, Depends(require(P.READ_KNOWLEDGE))]
Editor = Annotated[Actor, Depends(require(P.MANAGE_KNOWLEDGE))]
Question = Annotated[str, Query(min_length=1, max_length=1000, pattern=r"^[^\x00]*$")]
Limit = Annotated[int, Query(ge=1, le=50)]
Anyone = [Depends(public("the public help page and the chat widget: public, published articles only"))]


@router.get("/search", response_model=list[SearchHit], summary="Search the articles (internal ones included)")
def search(uow: UoW, _actor: Reader, q: Question, language: ArticleLanguage | None = None,
           limit: Limit = 10) -> list[SearchHit]:
    return knowledge.search(uow, q, language=language, internal=True, limit=limit)


@router.get("/public/search", response_model=list[SearchHit], dependencies=Anyone,
            summary="Search the public articles (no log-in)")
def public_search(uow: UoW, q: Question, language: ArticleLanguage | None = None, limit: Limit = 10) -> list[SearchHit]:
    return knowledge.search(uow, q, language=language, internal=False, limit=limit)


@router.post("/public/articles/{article_id}/feedback", status_code=status.HTTP_204_NO_CONTENT, dependencies=Anyone,
             responses=NOT_FOUND, summary="Was this public article helpful? (help page or chat widget)")
def public_feedback(article_id: IdPath, body: FeedbackCreate, uow: UoW,
                    source: Annotated[str, Query(pattern="^(help|widget)$")] = "help") -> None:
    knowledge.give_feedback(uow, article_id, body, "widget" if source == "widget" else "help")


@router.get("/suggestions", response_model=list[SearchHit],
            summary="Articles for a case or interaction's text (what the desk shows)")
def suggestions(uow: UoW, _actor: Reader, text: Annotated[str, Query(min_length=1, max_length=8000)],
                language: ArticleLanguage | None = None, limit: Limit = 5) -> list[SearchHit]:
    return knowledge.suggestions_for_text(uow, text, language, limit)


@router.get("/articles", response_model=list[ArticleView], summary="List articles")
def list_articles(uow: UoW, actor: Reader, language: ArticleLanguage | None = None, category_id: IdQuery = None,
                  every_status: bool = False) -> list[ArticleView]:
    """Published articles; `every_status` (editors only) adds drafts and archived ones."""
    everything = every_status and actor.can(P.MANAGE_KNOWLEDGE)
    return knowledge.list_articles(uow, language=language, category_id=category_id, internal=True,
                                   everything=everything)


@router.post("/articles", response_model=ArticleView, status_code=status.HTTP_201_CREATED,
             responses=NOT_FOUND, summary="Write an article (version 1)")
def create_article(body: ArticleWrite, uow: UoW, actor: Editor) -> ArticleView:
    return knowledge.create_article(uow, body, actor.user_id)


@router.get("/articles/{article_id}", response_model=ArticleView, responses=NOT_FOUND, summary="Read an article")
def get_article(article_id: IdPath, uow: UoW, actor: Reader) -> ArticleView:
    if actor.can(P.MANAGE_KNOWLEDGE):
        return knowledge.get_for_editing(uow, article_id)
    return knowledge.get_article(uow, article_id, internal=True)


@router.put("/articles/{article_id}", response_model=ArticleView, responses=NOT_FOUND,
            summary="Save the next version of an article")
def update_article(article_id: IdPath, body: ArticleWrite, uow: UoW, actor: Editor,
                   expected_version: Annotated[int | None, Query(ge=1)] = None) -> ArticleView:
    """The new version is the one shown; `expected_version` refuses (409) if someone saved another meanwhile."""
    return knowledge.update_article(uow, article_id, body, actor.user_id, expected_version)


@router.get("/articles/{article_id}/versions", response_model=list[VersionView], responses=NOT_FOUND,
            summary="Every saved version of an article, newest first")
def article_versions(article_id: IdPath, uow: UoW, _actor: Editor) -> list[VersionView]:
    return knowledge.versions(uow, article_id)


@router.post("/articles/{article_id}/feedback", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND,
             summary="An agent's feedback on an article")
def agent_feedback(article_id: IdPath, body: FeedbackCreate, uow: UoW, actor: Reader) -> None:
    knowledge.give_feedback(uow, article_id, body, "desk", internal=True, user_id=actor.user_id)


@router.get("/categories", response_model=list[CategoryView], summary="Categories, parents before children")
def categories(uow: UoW, _actor: Reader) -> list[CategoryView]:
    return knowledge.list_categories(uow)


@router.post("/categories", response_model=CategoryView, status_code=status.HTTP_201_CREATED,
             summary="Add a category")
def create_category(body: CategoryCreate, uow: UoW, _actor: Editor) -> CategoryView:
    return knowledge.create_category(uow, body)


@router.get("/review-due", response_model=list[ArticleView], summary="Articles due for review")
def review_due(uow: UoW, _actor: Editor) -> list[ArticleView]:
    return knowledge.review_due(uow, uow.now().date())


@router.get("/feedback", response_model=list[FeedbackFigures], summary="Feedback per article")
def feedback(uow: UoW, _actor: Editor) -> list[FeedbackFigures]:
    return knowledge.feedback_figures(uow)


@router.get("/deflection", response_model=DeflectionView,
            summary="Questions answered by an article without an operator, of those asked")
def deflection(uow: UoW, _actor: Editor, start: datetime | None = None, end: datetime | None = None) -> DeflectionView:
    """Over [start, end); by default the last 30 days."""
    end = end or uow.now()
    start = start or end - timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("give start and end with a time zone")
    return knowledge.deflection(uow, start, end)
