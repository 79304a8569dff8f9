"""Migrations match the models on this database; settings refuse insecure production use."""

import pytest
from alembic import command
from pydantic import ValidationError
from sqlalchemy import create_engine, inspect

from helpline.adapters.db.migrate import alembic_config, check, upgrade
from helpline.adapters.db.models import Base
from helpline.config import DEFAULT_SECRET, Settings


def test_models_and_migrations_agree(database_url):
    check(database_url)  # raises when autogenerate would produce any operation


def test_migrations_downgrade_to_nothing_and_back(database_url):
    command.downgrade(alembic_config(database_url), "base")
    engine = create_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(database_url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_production_refuses_the_default_or_a_short_secret():
    with pytest.raises(ValidationError, match="HELPLINE_SECRET_KEY"):
        Settings(environment="production", secret_key=DEFAULT_SECRET)
    with pytest.raises(ValidationError, match="HELPLINE_SECRET_KEY"):
        Settings(environment="production", secret_key="short")
    assert Settings(environment="production", secret_key="s" * 40).environment == "production"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("HELPLINE_TIME_ZONE", "Asia/Shanghai")
    monkeypatch.setenv("HELPLINE_LOG_LEVEL", "DEBUG")
    settings = Settings()
    assert (settings.database_url, settings.time_zone, settings.log_level) == (
        "postgresql+psycopg://u@h/db", "Asia/Shanghai", "DEBUG")
    assert Settings.model_fields["database_url"].default_factory().startswith("sqlite:///")
