"""Tables of satisfaction surveys: review tasks for low scores, call-back campaigns."""

from helpline.adapters.db.models import Base  # noqa: F401
