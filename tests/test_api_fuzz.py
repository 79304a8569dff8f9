"""Schemathesis generates requests from the OpenAPI document, valid and invalid: none may get a 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.contact_centre import build_centre

# schemathesis copies the schema per operation; the fixture leaves the admin's headers here instead
ADMIN_HEADERS: dict[str, str] = {}


@pytest.fixture
def api_schema(app, make):
    ADMIN_HEADERS.clear()
    ADMIN_HEADERS.update(build_centre(make).admin.auth)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                 HealthCheck.too_slow])
def test_no_request_gets_a_server_error(case):
    headers = dict(case.headers or {})
    headers["Authorization"] = ADMIN_HEADERS["Authorization"]  # reach the handlers, not the 401
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
