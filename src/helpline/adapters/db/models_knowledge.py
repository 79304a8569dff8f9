"""Tables of the help section: articles, versions, categories, search, feedback."""

from helpline.adapters.db.models import Base  # noqa: F401
