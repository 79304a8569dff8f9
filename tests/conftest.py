"""Test harness: a fresh database per test on SQLite (default) or PostgreSQL
(HELPLINE_TEST_DATABASE_URL), a controllable clock, and the app's container."""

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from helpline.adapters.db.migrate import upgrade
from helpline.adapters.db.models import Base
from helpline.bootstrap import Container, bootstrap
from helpline.config import Settings
from helpline.services.unit_of_work import UnitOfWork
from tests.factories import Factories

PG_URL = os.environ.get("HELPLINE_TEST_DATABASE_URL")
pytest_plugins = ["tests.email_support",  # the `sink` fixture: an SMTP server on loopback
                  "tests.browser_support"]  # `browser`, `live_server`, `web`: Playwright and Chromium


class TestClock:
    """A clock the test moves by hand; use cases read time only through it."""

    def __init__(self, start: datetime = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start
        self.real_time = False
        self.ahead = timedelta()  # in real time: how far `advance` has moved this clock past the wall clock

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead if self.real_time else self.now

    def follow_real_time(self) -> None:
        """For tests beside a server process, which lives in real time: what this process records must not
        happen months before what the server records (the routing engine's time only moves forwards)."""
        self.real_time = True

    def advance(self, seconds: float) -> datetime:
        if self.real_time:
            self.ahead += timedelta(seconds=seconds)
            return self()
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a template SQLite file, or a scratch PostgreSQL database created beside
    HELPLINE_TEST_DATABASE_URL for this test session (so concurrent runs never meet) and dropped after."""
    if PG_URL:
        name = f"helpline_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    yield str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if PG_URL:
        engine = create_engine(migrated_template)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return migrated_template
    path = tmp_path / "helpline.sqlite3"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # no token cache: tests change roles and tokens and expect the next request to see it
    return Settings(database_url=database_url, environment="test", secret_key="test-secret-" + "x" * 32,
                    auth_cache_ttl_s=0, routing_enabled=False,  # routing tests drive the router themselves
                    channels_enabled=False)  # channel tests drive the channel worker themselves


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


@pytest.fixture
def app(container: Container):
    from helpline.entrypoints.app import create_app

    return create_app(container)


@pytest.fixture
def client(app) -> Iterator:
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def cc(make):
    """A small contact centre with people in every role (tests/contact_centre.py)."""
    from tests.contact_centre import build_centre

    return build_centre(make)
