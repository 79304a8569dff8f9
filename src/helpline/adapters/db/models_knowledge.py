"""Tables of the help section (knowledge base): categories, every version of an article, the search index
and readers' feedback. The article itself (its shown version) is `help_articles` in models.py."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.models import Base


class KnowledgeCategory(Base):
    """A category of articles; `parent_id` makes a tree (e.g. Motor › OSAGO)."""

    __tablename__ = "knowledge_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_categories.id"))


class ArticleVersion(Base):
    """One version of an article as it was saved; every edit adds the next one, none is ever changed."""

    __tablename__ = "help_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_help_article_versions_article_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_categories.id"))
    saved_at: Mapped[datetime]
    saved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class KnowledgeTerm(Base):
    """The search index: an article's normalised term (adapters/search/terms.py) and its field-weighted
    count. Rewritten whenever the article is saved."""

    __tablename__ = "knowledge_terms"
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id"), primary_key=True, index=True)
    weight: Mapped[float] = mapped_column(Float)


class ArticleFeedback(Base):
    """"Was this helpful?" from the public help page, the chat widget or an agent, with an optional comment.
    On the public page a yes means "this answered my question" (counted as a deflection)."""

    __tablename__ = "help_article_feedback"
    __table_args__ = (CheckConstraint("source IN ('help','widget','desk')", name="source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("help_articles.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
