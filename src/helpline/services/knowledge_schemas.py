"""What the help section's use cases accept and return (the API exposes these shapes)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from helpline.services.schemas import Command, View

ArticleLanguage = Literal["ru", "en", "zh", "uk"]
LANGUAGES: tuple[str, ...] = ("ru", "en", "zh", "uk")
Audience = Literal["public", "internal"]
Status = Literal["draft", "published", "archived"]
FeedbackSource = Literal["help", "widget", "desk"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ArticleWrite(Command):
    """A new article, or the next version of one (every field is saved again)."""

    language: ArticleLanguage
    title: Title
    body: Body
    keywords: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    audience: Audience = "public"
    status: Status = "published"
    category_id: int | None = None
    review_due: date | None = None


class ArticleView(View):
    id: int
    language: str
    title: str
    body: str
    keywords: str
    audience: Audience
    status: Status
    version: int
    category_id: int | None
    review_due: date | None
    updated_at: datetime


class VersionView(View):
    version: int
    language: str
    title: str
    body: str
    keywords: str
    audience: Audience
    status: Status
    category_id: int | None
    saved_at: datetime
    saved_by_user_id: int | None


class CategoryCreate(Command):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    parent_id: int | None = None


class CategoryView(View):
    id: int
    name: str
    parent_id: int | None


class SearchHit(View):
    id: int
    language: str
    title: str
    snippet: str
    audience: Audience
    category_id: int | None
    score: float


class FeedbackCreate(Command):
    """"Was this helpful?" On the public page a yes means the article answered the question."""

    helpful: bool
    comment: Comment = ""


class FeedbackFigures(View):
    article_id: int
    title: str
    language: str
    helpful: int
    not_helpful: int
    comments: list[str]


class DeflectionView(View):
    """Questions answered by an article without an operator, of the questions asked, in [start, end)."""

    start: datetime
    end: datetime
    chat_questions: int  # chat visitors who typed a question (articles were suggested)
    chat_deflected: int  # ... and said an article answered it (no interaction created)
    help_votes: int  # "did this answer your question?" on the public help page
    help_answered: int  # ... yes
    questions: int
    deflected: int
    rate: float | None  # deflected / questions
