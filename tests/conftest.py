"""Test harness: a fresh database per test on SQLite (default) or PostgreSQL
(HELPLINE_TEST_DATABASE_URL), a controllable clock, and the app's container."""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from helpline.adapters.db.migrate import upgrade
from helpline.adapters.db.models import Base
from helpline.bootstrap import Container, bootstrap
from helpline.config import Settings
from helpline.services.unit_of_work import UnitOfWork
from tests.factories import Factories

PG_URL = os.environ.get("HELPLINE_TEST_DATABASE_URL")


class TestClock:
    """A clock the test moves by hand; use cases read time only through it."""

    def __init__(self, start: datetime = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a template SQLite file, or the PostgreSQL test database reset once."""
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    return str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if PG_URL:
        engine = create_engine(PG_URL)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    path = tmp_path / "helpline.sqlite3"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, environment="test", secret_key="test-secret-" + "x" * 32)


@pytest.fixture
def container(settings: Settings, clock: TestClock) -> Iterator[Container]:
    container = bootstrap(settings, clock=clock)
    yield container
    container.engine.dispose()


@pytest.fixture
def uow(container: Container) -> Iterator[UnitOfWork]:
    with container.uow() as unit:
        yield unit


@pytest.fixture
def make(container: Container, clock: TestClock) -> Factories:
    return Factories(container, clock)
