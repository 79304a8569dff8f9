"""The help section (knowledge base): articles in several languages with categories, versions, review dates
and an audience (public: customers, the chat widget, the public help page; internal: agents only), the
full-text search over them, readers' feedback and the deflection figure.

Search: the question and each article are cut into normalised terms (adapters/search/terms.py: Snowball
stems for Russian, Ukrainian and English, character pairs for Chinese); an article's terms, weighted by field
(title ×3, keywords ×2, body ×1), are kept in `knowledge_terms`. A question scores each article with BM25-like
saturation: Σ idf(term) · w·(k+1)/(w+k), idf over the searchable articles in that language; the database sums
and sorts (two indexed queries: the terms' document counts, then the scores), so SQLite and PostgreSQL rank
alike.
"""

import math
from datetime import date, datetime

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.sql import Select

from helpline.adapters.db.models import Case, ChatMessage, ChatSession, HelpArticle, Interaction
from helpline.adapters.db.models_knowledge import ArticleFeedback, ArticleVersion, KnowledgeCategory, KnowledgeTerm
from helpline.adapters.search.terms import terms, weighted_terms
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.services import scope
from helpline.services.knowledge_schemas import (
    ArticleView,
    ArticleWrite,
    CategoryCreate,
    CategoryView,
    DeflectionView,
    FeedbackCreate,
    FeedbackFigures,
    FeedbackSource,
    SearchHit,
    VersionView,
)
from helpline.services.unit_of_work import UnitOfWork

SATURATION = 1.2  # k of BM25: a term's weight counts less and less as it repeats
SNIPPET = 240
MAX_QUERY_TERMS = 40


def _view(article: HelpArticle) -> ArticleView:
    return ArticleView(id=article.id, language=article.language, title=article.title, body=article.body,
                       keywords=article.keywords, audience="public" if article.public else "internal",
                       status=article.status,
                       version=article.version, category_id=article.category_id, review_due=article.review_due,
                       updated_at=article.updated_at)


def _check_category(uow: UnitOfWork, category_id: int | None) -> None:
    if category_id is not None and uow.session.get(KnowledgeCategory, category_id) is None:
        raise NotFound("category", category_id)


def _save_version(uow: UnitOfWork, article: HelpArticle, user_id: int | None) -> None:
    uow.session.add(ArticleVersion(article_id=article.id, version=article.version, language=article.language,
                                   title=article.title, body=article.body, keywords=article.keywords,
                                   public=article.public, status=article.status, category_id=article.category_id,
                                   saved_at=article.updated_at, saved_by_user_id=user_id))
    reindex(uow, article)


def reindex(uow: UnitOfWork, article: HelpArticle) -> None:
    """Rewrite the article's search terms (only published articles are found, but all are indexed)."""
    uow.session.execute(delete(KnowledgeTerm).where(KnowledgeTerm.article_id == article.id))
    rows = [{"term": term, "article_id": article.id, "weight": weight}
            for term, weight in weighted_terms(article.title, article.keywords, article.body).items()]
    if rows:
        uow.session.execute(insert(KnowledgeTerm), rows)


def _apply(article: HelpArticle, cmd: ArticleWrite) -> None:
    article.language, article.title, article.body = cmd.language, cmd.title, cmd.body
    article.keywords, article.public, article.status = cmd.keywords, cmd.audience == "public", cmd.status
    article.category_id, article.review_due = cmd.category_id, cmd.review_due


def create_article(uow: UnitOfWork, cmd: ArticleWrite, user_id: int | None = None, *,
                   commit: bool = True) -> ArticleView:
    _check_category(uow, cmd.category_id)
    article = HelpArticle(version=1, updated_at=uow.now())
    _apply(article, cmd)
    uow.session.add(article)
    uow.flush()
    _save_version(uow, article, user_id)
    if commit:
        uow.commit()
    return _view(article)


def update_article(uow: UnitOfWork, article_id: int, cmd: ArticleWrite, user_id: int | None = None,
                   expected_version: int | None = None) -> ArticleView:
    """Save the next version (the one shown from now on); the earlier ones stay in the history. With
    `expected_version`, refuses (Conflict) when someone saved another version meanwhile."""
    article = _article(uow, article_id)
    if expected_version is not None and expected_version != article.version:
        raise Conflict(f"article {article_id} is at version {article.version}, not {expected_version}")
    _check_category(uow, cmd.category_id)
    _apply(article, cmd)
    article.version += 1
    article.updated_at = uow.now()
    _save_version(uow, article, user_id)
    uow.commit()
    return _view(article)


def _article(uow: UnitOfWork, article_id: int) -> HelpArticle:
    article = uow.session.get(HelpArticle, article_id)
    if article is None:
        raise NotFound("article", article_id)
    return article


def get_article(uow: UnitOfWork, article_id: int, *, internal: bool) -> ArticleView:
    """An article as a reader sees it: published ones only, internal ones only for `internal` readers
    (others get NotFound, as if it did not exist)."""
    article = _article(uow, article_id)
    if article.status != "published" or (not article.public and not internal):
        raise NotFound("article", article_id)
    return _view(article)


def get_for_editing(uow: UnitOfWork, article_id: int) -> ArticleView:
    return _view(_article(uow, article_id))


def versions(uow: UnitOfWork, article_id: int) -> list[VersionView]:
    _article(uow, article_id)
    rows = uow.session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                               .order_by(ArticleVersion.version.desc()))
    return [VersionView(version=v.version, language=v.language, title=v.title, body=v.body, keywords=v.keywords,
                        audience="public" if v.public else "internal",
                        status=v.status,
                        category_id=v.category_id, saved_at=v.saved_at, saved_by_user_id=v.saved_by_user_id)
            for v in rows]


def list_articles(uow: UnitOfWork, *, language: str | None = None, category_id: int | None = None,
                  internal: bool = False, everything: bool = False, limit: int = 500) -> list[ArticleView]:
    """Published articles (all statuses with `everything`), public ones unless `internal`."""
    query = select(HelpArticle).order_by(HelpArticle.language, HelpArticle.title, HelpArticle.id).limit(limit)
    query = _visible(query, internal=internal) if not everything else query
    if language:
        query = query.where(HelpArticle.language == language)
    if category_id is not None:
        query = query.where(HelpArticle.category_id == category_id)
    return [_view(a) for a in uow.session.scalars(query)]


def _visible(query: Select[HelpArticle], *, internal: bool) -> Select[HelpArticle]:
    query = query.where(HelpArticle.status == "published")
    return query if internal else query.where(HelpArticle.public.is_(True))


def review_due(uow: UnitOfWork, today: date) -> list[ArticleView]:
    """Articles not archived whose review date has come (oldest first)."""
    query = (select(HelpArticle).where(HelpArticle.review_due.is_not(None), HelpArticle.review_due <= today,
                                       HelpArticle.status != "archived")
             .order_by(HelpArticle.review_due, HelpArticle.id))
    return [_view(a) for a in uow.session.scalars(query)]


# --- search ---------------------------------------------------------------------------------------


def search(uow: UnitOfWork, question: str, *, language: str | None, internal: bool,
           limit: int = 10) -> list[SearchHit]:
    """Published articles matching the question, best first; public ones only unless `internal`; in one
    language, or every language when `language` is None."""
    wanted = list(dict.fromkeys(terms(question)))[:MAX_QUERY_TERMS]
    if not wanted:
        return []
    searchable = [HelpArticle.status == "published"]
    if not internal:
        searchable.append(HelpArticle.public.is_(True))
    if language:
        searchable.append(HelpArticle.language == language)
    total = uow.session.scalar(select(func.count()).select_from(HelpArticle).where(*searchable)) or 0
    matched = select(KnowledgeTerm).join(HelpArticle, HelpArticle.id == KnowledgeTerm.article_id).where(
        KnowledgeTerm.term.in_(wanted), *searchable)
    frequency = dict(uow.session.execute(
        matched.with_only_columns(KnowledgeTerm.term, func.count()).group_by(KnowledgeTerm.term)).all())
    if not frequency:
        return []
    idf = {term: math.log(1 + (total - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}
    relevance = func.sum(KnowledgeTerm.weight * (SATURATION + 1) / (KnowledgeTerm.weight + SATURATION)
                         * case(idf, value=KnowledgeTerm.term, else_=0.0)).label("relevance")
    best = uow.session.execute(matched.with_only_columns(KnowledgeTerm.article_id, relevance)
                               .group_by(KnowledgeTerm.article_id)
                               .order_by(relevance.desc(), KnowledgeTerm.article_id).limit(limit)).all()
    articles = {a.id: a for a in uow.session.scalars(select(HelpArticle).where(
        HelpArticle.id.in_([article_id for article_id, _ in best])))}
    return [SearchHit(id=article_id, language=articles[article_id].language, title=articles[article_id].title,
                      snippet=_snippet(articles[article_id].body),
                      audience="public" if articles[article_id].public else "internal",
                      category_id=articles[article_id].category_id, score=round(score, 4))
            for article_id, score in best]


def _snippet(body: str) -> str:
    return body if len(body) <= SNIPPET else body[:SNIPPET].rsplit(" ", 1)[0] + "…"


# --- categories -----------------------------------------------------------------------------------


def create_category(uow: UnitOfWork, cmd: CategoryCreate) -> CategoryView:
    if cmd.parent_id is not None and uow.session.get(KnowledgeCategory, cmd.parent_id) is None:
        raise NotFound("category", cmd.parent_id)
    if uow.session.scalar(select(KnowledgeCategory.id).where(KnowledgeCategory.name == cmd.name)) is not None:
        raise Conflict(f"a category named {cmd.name!r} exists")
    category = KnowledgeCategory(name=cmd.name, parent_id=cmd.parent_id)
    uow.session.add(category)
    uow.commit()
    return CategoryView.model_validate(category)


def list_categories(uow: UnitOfWork) -> list[CategoryView]:
    """Every category, parents before their children (a tree walked depth first, names in order)."""
    every = list(uow.session.scalars(select(KnowledgeCategory).order_by(KnowledgeCategory.name)))
    children: dict[int | None, list[KnowledgeCategory]] = {}
    for category in every:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[CategoryView] = []

    def walk(parent: int | None) -> None:
        for category in children.get(parent, []):
            ordered.append(CategoryView.model_validate(category))
            walk(category.id)
    walk(None)
    return ordered


# --- feedback and deflection ----------------------------------------------------------------------


def give_feedback(uow: UnitOfWork, article_id: int, cmd: FeedbackCreate, source: FeedbackSource, *,
                  internal: bool = False, user_id: int | None = None) -> None:
    get_article(uow, article_id, internal=internal)
    uow.session.add(ArticleFeedback(article_id=article_id, at=uow.now(), source=source, helpful=cmd.helpful,
                                    comment=cmd.comment, user_id=user_id))
    uow.commit()


def feedback_figures(uow: UnitOfWork, limit: int = 200, comments: int = 3) -> list[FeedbackFigures]:
    """Per article with any feedback: yes and no counts and the latest comments (most feedback first)."""
    counts = uow.session.execute(
        select(ArticleFeedback.article_id, ArticleFeedback.helpful, func.count())
        .group_by(ArticleFeedback.article_id, ArticleFeedback.helpful)).all()
    tally: dict[int, list[int]] = {}
    for article_id, helpful, count in counts:
        tally.setdefault(article_id, [0, 0])[0 if helpful else 1] += count
    if not tally:
        return []
    articles = {a.id: a for a in uow.session.scalars(select(HelpArticle).where(HelpArticle.id.in_(tally)))}
    remarks: dict[int, list[str]] = {}
    for article_id, comment in uow.session.execute(
            select(ArticleFeedback.article_id, ArticleFeedback.comment)
            .where(ArticleFeedback.comment != "").order_by(ArticleFeedback.at.desc(), ArticleFeedback.id.desc())):
        if len(found := remarks.setdefault(article_id, [])) < comments:
            found.append(comment)
    figures = [FeedbackFigures(article_id=i, title=articles[i].title, language=articles[i].language,
                               helpful=yes, not_helpful=no, comments=remarks.get(i, []))
               for i, (yes, no) in tally.items()]
    figures.sort(key=lambda f: (-(f.helpful + f.not_helpful), f.article_id))
    return figures[:limit]


def deflection(uow: UnitOfWork, start: datetime, end: datetime) -> DeflectionView:
    """Questions answered by an article without an operator, of the questions asked, in [start, end): chat
    visitors who typed a question (and were shown articles) and said one answered them, plus the public help
    page's "did this answer your question?" votes."""
    if end <= start:
        raise InvalidInput("the period ends before it starts")
    in_period = (ChatSession.created_at >= start, ChatSession.created_at < end, ChatSession.question != "")
    chat_questions = uow.session.scalar(select(func.count()).select_from(ChatSession).where(*in_period)) or 0
    chat_deflected = uow.session.scalar(select(func.count()).select_from(ChatSession).where(
        *in_period, ChatSession.deflected_by_article_id.is_not(None), ChatSession.interaction_id.is_(None))) or 0
    votes = (ArticleFeedback.source == "help", ArticleFeedback.at >= start, ArticleFeedback.at < end)
    help_votes = uow.session.scalar(select(func.count()).select_from(ArticleFeedback).where(*votes)) or 0
    help_answered = uow.session.scalar(select(func.count()).select_from(ArticleFeedback).where(
        *votes, ArticleFeedback.helpful.is_(True))) or 0
    questions, deflected = chat_questions + help_votes, chat_deflected + help_answered
    return DeflectionView(start=start, end=end, chat_questions=chat_questions, chat_deflected=chat_deflected,
                          help_votes=help_votes, help_answered=help_answered, questions=questions,
                          deflected=deflected, rate=round(deflected / questions, 4) if questions else None)


def suggestions_for_text(uow: UnitOfWork, text: str, language: str | None = None, limit: int = 5) -> list[SearchHit]:
    """What the desk shows an agent for a case or interaction's text: internal and public articles."""
    return search(uow, text, language=language, internal=True, limit=limit)


def interaction_text(uow: UnitOfWork, actor: Actor, interaction_id: int, messages: int = 20) -> str:
    """What an interaction is about, for the desk's suggestions: its subject and notes, its case's subject
    and notes, and the customer's chat question and latest messages. Out of the actor's scope: NotFound."""
    found = uow.session.execute(
        select(Interaction.subject, Interaction.notes, Interaction.case_id)
        .where(Interaction.id == interaction_id, scope.interaction_filter(uow, actor))).first()
    if found is None:
        raise NotFound("interaction", interaction_id)
    parts = [found.subject, found.notes]
    if found.case_id is not None:
        case = uow.session.get(Case, found.case_id)
        if case is not None:
            parts += [case.subject, case.notes]
    chat = uow.session.scalar(select(ChatSession).where(ChatSession.interaction_id == interaction_id))
    if chat is not None:
        parts.append(chat.question)
        parts += list(uow.session.scalars(
            select(ChatMessage.body).where(ChatMessage.session_id == chat.id, ChatMessage.sender == "customer")
            .order_by(ChatMessage.seq.desc()).limit(messages)))
    return "\n".join(part for part in parts if part)
