"""The help section's pages: /help (public: no log-in needed for public articles; staff also see internal
ones), /help/articles/{id} with "did this answer your question?", /help/manage (MANAGE_KNOWLEDGE: write and
version articles, categories, review dates, feedback, deflection) and the desk's suggestions fragment."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from helpline.domain.errors import DomainError, NotFound
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import Role
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import Posted, done, page, text
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FormErrors, domain_error, form_values, parse_form
from helpline.entrypoints.web.identity import WebUser, choose_language, page_user
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_, get_pages
from helpline.services import auth, directory, knowledge
from helpline.services.knowledge_schemas import LANGUAGES, ArticleView, ArticleWrite, CategoryCreate, FeedbackCreate
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Editor = Annotated[WebUser, Depends(page_user(P.MANAGE_KNOWLEDGE))]
Reader = Annotated[WebUser, Depends(page_user(P.READ_KNOWLEDGE))]
SearchQuery = Annotated[str, Query(max_length=500, pattern=r"^[^\x00]*$")]
ArticleLanguageQuery = Annotated[str, Query(pattern="^(ru|en|zh|uk|all)?$")]
LANGUAGE_NAMES = (("ru", "Русский"), ("en", "English"), ("zh", "中文"), ("uk", "Українська"))
CHOOSE_ANSWER = N_("Say whether the article answered your question.")
STATUSES = (("published", N_("Published")), ("draft", N_("Draft")), ("archived", N_("Archived")))
AUDIENCES = (("public", N_("Public: customers, chat widget, help page")), ("internal", N_("Internal: agents only")))


def visitor(request: Request, uow: UnitOfWork) -> WebUser | None:
    """The logged-in staff member reading the help section, if any (no log-in is needed here)."""
    user_id = request.session.get("user_id") if "session" in request.scope else None
    actor = auth.actor_for_user_id(uow, user_id) if isinstance(user_id, int) else None
    if actor is None or actor.role == Role.INTEGRATION:
        choose_language(request)
        return None
    found = directory.profile(uow, actor)
    choose_language(request, found.language)
    request.state.web_user = user = WebUser(actor=actor, username=found.username, full_name=found.full_name)
    return user


def _staff(user: WebUser | None) -> bool:
    return user is not None and user.actor.can(P.READ_KNOWLEDGE)


def _article_language(request: Request, asked: str) -> str | None:
    """The articles' language: ?language= (all: every language), else the page's language."""
    if asked == "all":
        return None
    return asked or str(request.state.language)


@router.get("/help")
def help_page(request: Request, uow: UoW, q: SearchQuery = "", language: ArticleLanguageQuery = "",
              category: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    user = visitor(request, uow)
    internal = _staff(user)
    chosen = _article_language(request, language)
    hits = knowledge.search(uow, q, language=chosen, internal=internal, limit=20) if q.strip() else None
    if hits is not None and category is not None:
        hits = [hit for hit in hits if hit.category_id == category]
    articles = None if hits is not None else knowledge.list_articles(uow, language=chosen, category_id=category,
                                                                      internal=internal)
    return page(request, "knowledge/help.html", q=q, hits=hits, articles=articles, chosen=chosen or "all",
                category=category, categories=knowledge.list_categories(uow), language_names=LANGUAGE_NAMES,
                internal=internal)


def _reader_article(request: Request, uow: UnitOfWork, article_id: int) -> tuple[ArticleView, bool]:
    internal = _staff(visitor(request, uow))
    return knowledge.get_article(uow, article_id, internal=internal), internal


@router.get("/help/articles/{article_id}")
def article_page(request: Request, article_id: SmallId, uow: UoW) -> Response:
    article, internal = _reader_article(request, uow, article_id)
    return page(request, "knowledge/article.html", article=article, internal=internal, values={},
                categories={c.id: c.name for c in knowledge.list_categories(uow)})


@router.post("/help/articles/{article_id}/feedback")
def article_feedback(request: Request, article_id: SmallId, uow: UoW, form: Posted) -> Response:
    article, internal = _reader_article(request, uow, article_id)
    values = form_values(form)
    cmd, errors = parse_form(FeedbackCreate, values)
    if "helpful" in errors:
        errors["helpful"] = CHOOSE_ANSWER
    if cmd is not None:
        user = getattr(request.state, "web_user", None)
        knowledge.give_feedback(uow, article_id, cmd, "desk" if internal else "help", internal=internal,
                                user_id=user.actor.user_id if user else None)
        return done(request, f"/help/articles/{article_id}", N_("Thank you: your answer has been recorded."))
    return page(request, "knowledge/article.html", article=article, internal=internal, values=values,
                errors=errors, categories={c.id: c.name for c in knowledge.list_categories(uow)})


# --- the desk's fragment ------------------------------------------------------------------------


@router.get("/help/suggestions")
def suggestions_fragment(request: Request, uow: UoW, user: Reader,
                         text: Annotated[str, Query(max_length=8000)] = "",
                         interaction_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None) -> Response:
    """Articles (internal and public) for a text, or for what an interaction is about (its subject, notes,
    case and chat messages): the fragment the desk loads next to the focused interaction."""
    if interaction_id is not None:
        text = knowledge.interaction_text(uow, user.actor, interaction_id)
    hits = knowledge.suggestions_for_text(uow, text, None, 5) if text.strip() else []
    return get_pages(request).render(request, "knowledge/suggestions.html", hits=hits)


# --- managing ------------------------------------------------------------------------------------


@router.get("/help/manage")
def manage_page(request: Request, uow: UoW, user: Editor,
                days: Annotated[int, Query(ge=1, le=366)] = 30) -> Response:
    return _manage(request, uow, days)


def _manage(request: Request, uow: UnitOfWork, days: int = 30, **context: Any) -> Response:
    now = uow.now()
    return page(request, "knowledge/manage.html", articles=knowledge.list_articles(uow, everything=True),
                due=knowledge.review_due(uow, now.date()), feedback=knowledge.feedback_figures(uow, limit=20),
                deflection=knowledge.deflection(uow, now - timedelta(days=days), now), days=days,
                categories=(categories := knowledge.list_categories(uow)),
                category_pairs=[(c.id, c.name) for c in categories], **context)


@router.post("/help/manage/categories")
def create_category(request: Request, uow: UoW, user: Editor, form: Posted) -> Response:
    values = form_values(form)
    cmd, errors = parse_form(CategoryCreate, values)
    if cmd is not None:
        try:
            knowledge.create_category(uow, cmd)
        except DomainError as refused:
            errors = domain_error(refused, "name")
        else:
            return done(request, "/help/manage", N_("The category has been added."))
    return _manage(request, uow, category_values=values, errors=errors)


def _form(request: Request, uow: UnitOfWork, item: ArticleView | None, values: dict[str, Any],
          errors: FormErrors | None = None) -> Response:
    return page(request, "knowledge/article_form.html", item=item, values=values, errors=errors,
                versions=knowledge.versions(uow, item.id) if item else [],
                category_options=[(c.id, c.name) for c in knowledge.list_categories(uow)],
                language_options=[(code, name) for code, name in LANGUAGE_NAMES if code in LANGUAGES],
                status_options=_translated(request, STATUSES), audience_options=_translated(request, AUDIENCES),
                status_names=dict(_translated(request, STATUSES)))


def _translated(request: Request, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    pages = get_pages(request)
    return [(value, pages.translate(request, label)) for value, label in pairs]


def _values(form_fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in form_fields.items() if key != "expected_version"}


@router.get("/help/manage/new")
def new_article(request: Request, uow: UoW, user: Editor) -> Response:
    return _form(request, uow, None, {"language": request.state.language, "audience": "public",
                                      "status": "published"})


@router.post("/help/manage/new")
def create_article(request: Request, uow: UoW, user: Editor, form: Posted) -> Response:
    values = form_values(form)
    cmd, errors = parse_form(ArticleWrite, values)
    if cmd is not None:
        try:
            created = knowledge.create_article(uow, cmd, user.actor.user_id)
        except NotFound as refused:
            errors = domain_error(refused, "category_id")
        else:
            return done(request, f"/help/manage/{created.id}", N_("The article has been saved."))
    return _form(request, uow, None, values, errors)


@router.get("/help/manage/{article_id}")
def edit_article(request: Request, article_id: SmallId, uow: UoW, user: Editor) -> Response:
    item = knowledge.get_for_editing(uow, article_id)
    return _form(request, uow, item, _current(item))


@router.post("/help/manage/{article_id}")
def save_article(request: Request, article_id: SmallId, uow: UoW, user: Editor, form: Posted) -> Response:
    item = knowledge.get_for_editing(uow, article_id)
    values = form_values(form)
    cmd, errors = parse_form(ArticleWrite, _values(values))
    expected = text(form, "expected_version")
    if cmd is not None:
        try:
            knowledge.update_article(uow, article_id, cmd, user.actor.user_id,
                                     int(expected) if expected.isdigit() else None)
        except DomainError as refused:
            errors = domain_error(refused, "category_id" if isinstance(refused, NotFound) else "__form__")
        else:
            return done(request, f"/help/manage/{article_id}", N_("A new version has been saved."))
    return _form(request, uow, item, values, errors)


def _current(item: ArticleView) -> dict[str, Any]:
    return {"language": item.language, "title": item.title, "body": item.body, "keywords": item.keywords,
            "audience": item.audience, "status": item.status, "category_id": item.category_id or "",
            "review_due": item.review_due.isoformat() if item.review_due else ""}
