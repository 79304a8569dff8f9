"""The `helpline` command line against the test database."""

import pytest
from typer.testing import CliRunner

from helpline.entrypoints.cli import app
from helpline.services import auth

runner = CliRunner()


@pytest.fixture
def env(database_url, monkeypatch):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "test")


def test_every_command_has_help():
    for args in (["--help"], ["serve", "--help"], ["db", "upgrade", "--help"], ["db", "check", "--help"],
                 ["demo", "load", "--help"], ["user", "create", "--help"], ["token", "create", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.output, args


def test_create_a_user_and_a_token_that_authenticates(env, container):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(app, ["user", "create", "--username", "pbx", "--role", "integration",
                                  "--password", "pbx-password-1"])
    assert created.exit_code == 0, created.output
    result = runner.invoke(app, ["token", "create", "--username", "pbx"])
    token = result.output.strip().splitlines()[-1]
    with container.uow() as uow:
        actor = auth.actor_for_token(uow, token)
    assert actor is not None and actor.username == "pbx" and actor.role == "integration"


def test_clear_errors_for_a_duplicate_user_an_unknown_user_and_a_bad_role(env):
    runner.invoke(app, ["user", "create", "--username", "x", "--role", "qa", "--password", "password-1"])
    duplicate = runner.invoke(app, ["user", "create", "--username", "x", "--role", "qa", "--password", "password-1"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert runner.invoke(app, ["token", "create", "--username", "ghost"]).exit_code == 1
    assert runner.invoke(app, ["user", "create", "--username", "y", "--role", "boss"]).exit_code == 2


def test_production_without_a_secret_refuses_to_start(env, monkeypatch):
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "production")
    monkeypatch.delenv("HELPLINE_SECRET_KEY", raising=False)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and "HELPLINE_SECRET_KEY" in result.output
