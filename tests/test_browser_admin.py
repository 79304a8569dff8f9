"""The administration pages in real Chromium, against a real server with live routing: what an administrator
sets on the pages changes who is offered the work."""

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.contact_centre import Person, build_centre
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow
REFRESH_S = 1.0


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """As tests/browser_support.py's, but skill and certification changes reach routing within 1 s
    (HELPLINE_ROUTING_REFRESH_S; 60 s by default), so the test need not wait a minute."""
    server = ServerProcess(database_url, log=tmp_path / "server.log",
                           env={"HELPLINE_ROUTING_ENABLED": "true", "HELPLINE_CHANNELS_ENABLED": "false",
                                "HELPLINE_AUTH_CACHE_TTL_S": "0", "HELPLINE_ROUTING_REFRESH_S": str(REFRESH_S)})
    server.start()
    yield server
    server.stop()


def interaction(cc, client, iid: int) -> dict:
    return cc.http(client, cc.admin, "GET", f"/interactions/{iid}")


def never_offered_to(cc, client, iid: int, agent_id: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if interaction(cc, client, iid)["agent_id"] == agent_id:
            return False
        time.sleep(0.2)
    return True


def test_a_skill_and_its_certification_granted_on_the_pages_bring_the_agent_that_queues_work(web, make, client):
    cc = build_centre(make)
    user = make.user("agent")
    fresh = make.agent(site=cc.moscow, user=user)  # no skills at all
    agent = Person(user, make.token(user), fresh)
    cc.http(client, agent, "POST", f"/agents/{fresh.id}/presence", json={"state": "ready"})
    call = cc.http(client, cc.pbx, "POST", "/interactions",
                   json={"channel": "voice", "queue_id": cc.osago_queue.id, "from_address": "+74950007788"})
    assert never_offered_to(cc, client, call["id"], fresh.id, 3 * REFRESH_S)
    assert interaction(cc, client, call["id"])["state"] == "queued"

    page = web.page_for(cc.admin.user.username, start=f"/admin/agents/{fresh.id}")
    page.fill(f"#skill_{cc.osago.id}", "5")
    page.click("form[action$='/skills'] button[type=submit]")
    page.locator("#notice", has_text="The skills have been saved.").wait_for()
    assert page.input_value(f"#skill_{cc.osago.id}") == "5"
    # OSAGO requires the exam: the skill alone does not bring the work
    assert never_offered_to(cc, client, call["id"], fresh.id, 3 * REFRESH_S)

    yesterday = (datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(days=1)).date()
    page.select_option("#cert_skill_id", str(cc.osago.id))
    page.fill("#passed_at", yesterday.isoformat())
    page.fill("#expires_at", (yesterday + timedelta(days=365)).isoformat())
    page.click("form[action$='/certifications'] button[type=submit]")
    page.locator("#notice", has_text="The certification has been granted.").wait_for()
    assert page.locator("#certification-list tbody tr").count() == 1
    web.shot(page, "admin-agent")

    deadline = time.monotonic() + 10 * REFRESH_S + 5
    while (now := interaction(cc, client, call["id"]))["state"] != "offered":
        assert time.monotonic() < deadline, f"not offered after the grant: {now}"
        time.sleep(0.2)
    assert now["agent_id"] == fresh.id


def test_invalid_input_is_shown_next_to_the_field_and_the_sections_render(web, make):
    cc = build_centre(make)
    page = web.page_for(cc.admin.user.username, start="/admin/sites")
    page.fill("#name", "Kazan")
    page.fill("#time_zone", "Mars/Olympus")
    page.click("form[action='/admin/sites'] button[type=submit]")
    error = page.locator("#time_zone-error")
    error.wait_for()
    assert error.inner_text() == "This value is not valid."
    assert page.get_attribute("#time_zone", "aria-describedby") == "time_zone-error"
    assert page.input_value("#name") == "Kazan" and page.input_value("#time_zone") == "Mars/Olympus"
    assert page.locator("#items").inner_text().count("Kazan") == 0  # nothing was stored
    page.fill("#time_zone", "Europe/Moscow")
    page.click("form[action='/admin/sites'] button[type=submit]")
    page.locator("#notice").wait_for()
    page.click("#items a:text('Kazan')")
    page.locator("table.holidays").first.wait_for()
    web.shot(page, "admin-sites")

    page.goto("/admin/users")
    assert page.locator("#users tbody tr").count() >= 8
    web.shot(page, "admin-users")
    page.goto(f"/admin/queues/{cc.osago_queue.id}")
    assert page.input_value("#sl_target") == "80"
    web.shot(page, "admin-queue")
    page.goto("/admin/wrap-up-codes")
    page.click("#items button:text('Deactivate')")
    page.locator("#notice").wait_for()
    assert "Deactivated" in page.locator("#items").inner_text()
    web.shot(page, "admin-reference")
