"""Tables of training and certification: courses, exams, questions, attempts, retraining."""

from helpline.adapters.db.models import Base  # noqa: F401
