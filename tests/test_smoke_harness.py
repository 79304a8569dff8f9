from sqlalchemy import select, text

from helpline.adapters.db.models import Site


def test_each_test_gets_an_empty_migrated_database(make, uow):
    make.site("Moscow")
    assert uow.session.scalars(select(Site.name)).all() == ["Moscow"]


def test_previous_test_left_nothing_behind(uow):
    assert uow.session.scalar(select(Site.id)) is None
    assert uow.session.execute(text("SELECT 1")).scalar() == 1
