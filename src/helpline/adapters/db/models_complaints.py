"""Tables of the complaint register: complaints, their handlers, deadlines and outcomes."""

from helpline.adapters.db.models import Base  # noqa: F401
