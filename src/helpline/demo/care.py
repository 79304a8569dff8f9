"""The demo insurer's customer-care records, after its staff and history exist: the provider network, the
help section's categories and articles in four languages, courses and exams, answered satisfaction surveys
and their reviews, quality scorecards with a few weeks of evaluations, and the complaint register. Each
step adds nothing when its records are already there, so loading the demo twice changes nothing."""

from helpline.demo.complaints import ensure_complaints
from helpline.demo.help_articles import ensure_knowledge_articles
from helpline.demo.providers import ensure_providers
from helpline.demo.quality import ensure_quality
from helpline.demo.surveys import ensure_surveys
from helpline.demo.training import ensure_training
from helpline.services.unit_of_work import UnitOfWork


def ensure_care(uow: UnitOfWork) -> int:
    """Seed every care area; returns how many records were added."""
    added = ensure_providers(uow)
    uow.commit()
    for seed in (ensure_knowledge_articles, ensure_training, ensure_surveys, ensure_quality, ensure_complaints):
        added += seed(uow)
        uow.commit()
    return added
