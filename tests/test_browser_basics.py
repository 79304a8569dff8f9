"""The browser harness itself, in real Chromium: logging in, the vendored assets, the live stream."""

import pytest

from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow


def test_log_in_and_the_pages_load_their_assets_from_this_server(web, make):
    cc = build_centre(make)
    page = web.page("en")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/login?lang=en")
    web.shot(page, "login")
    page.fill("#username", cc.supervisor.user.username)
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Queues"
    assert page.evaluate("typeof htmx") == "object", "htmx from static/vendor did not load"
    web.shot(page, "queues")
    assert requests and all(url.startswith(web.server.url) for url in requests), "a page asked another host"


def test_the_live_stream_reports_a_new_event_within_a_second(web, make, client):
    cc = build_centre(make)
    page = web.page_for(cc.supervisor.user.username)
    web.wait_until(page, "document.body.dataset.liveSeq !== undefined")
    before = int(page.evaluate("document.body.dataset.liveSeq"))
    cc.http(client, cc.pbx, "POST", "/interactions",
            json={"channel": "voice", "queue_id": cc.osago_queue.id, "from_address": "+74950000001"})
    assert web.wait_until(page, f"Number(document.body.dataset.liveSeq) > {before}") < 1.0
    # the queue list refreshed itself: the call is waiting
    row = page.locator("#queue-list tr", has_text=cc.osago_queue.name)
    row.locator("td.num").first.filter(has_text="1").wait_for(timeout=1000)
