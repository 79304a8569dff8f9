"""Tables of quality control: scorecards, criteria, sampling, evaluations, acknowledgement."""

from helpline.adapters.db.models import Base  # noqa: F401
