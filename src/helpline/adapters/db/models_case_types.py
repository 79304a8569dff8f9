"""Tables of insurance case types: provider network, guarantee letters, costs, reviews."""

from helpline.adapters.db.models import Base  # noqa: F401
