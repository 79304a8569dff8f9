"""The wallboard in real Chromium against a real server with routing on: it changes within a second of the
event that caused it, and its waits tick in the browser."""

import pytest

from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow


def cell(queue_id: int, name: str) -> str:
    return f"document.querySelector('#wb-queue-{queue_id} .wb-{name}')"


def text_is(queue_id: int, name: str, expected: str) -> str:
    return f"({cell(queue_id, name)} || {{}}).textContent && {cell(queue_id, name)}.textContent.trim() === {expected!r}"


def test_the_wallboard_follows_calls_and_agents_within_a_second(web, make, client, clock):
    cc = build_centre(make)
    queue = cc.osago_queue.id
    page = web.page_for(cc.supervisor.user.username, start="/wallboard")
    web.wait_until(page, "document.body.dataset.liveSeq !== undefined")
    assert page.locator(f"#wb-queue-{queue} .wb-waiting").inner_text() == "0"

    # (1) a call arrives: "waiting now" changes within a second, and its wait ticks in the browser
    call = cc.http(client, cc.pbx, "POST", "/interactions",
                   json={"channel": "voice", "queue_id": queue, "from_address": "+74950000001"})
    assert web.wait_until(page, text_is(queue, "waiting", "1")) < 1.0
    # nobody is ready: the queue is flagged at once
    assert page.locator(f".wb-alert[data-queue='{queue}']").is_visible()
    first = page.locator(f"#wb-queue-{queue} .wb-longest .wb-tick").inner_text()
    web.wait_until(page, f"{cell(queue, 'longest')}.textContent.trim() !== {first!r}", timeout_s=2.5)

    # (2) an agent who cannot take OSAGO calls (not certified) goes ready: the agents panel shows them ready
    cc.http(client, cc.novice, "POST", f"/agents/{cc.novice.agent.id}/presence", json={"state": "ready"})
    ready = f"document.querySelector('.wb-state-ready li[data-agent=\"{cc.novice.agent.id}\"]') !== null"
    assert web.wait_until(page, ready) < 1.0
    assert page.locator(f".wb-state-logged_out li[data-agent='{cc.novice.agent.id}']").count() == 0
    web.shot(page, "wallboard")

    # (3) a qualified agent goes ready, the router offers the call, the agent accepts: answered today = 1 and
    # the service level is 100 %
    cc.http(client, cc.agent, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"})
    web.wait_until(page, f"document.querySelector('.wb-state-offered li[data-agent=\"{cc.agent.agent.id}\"]')")
    cc.http(client, cc.agent, "POST", f"/interactions/{call['id']}/accept", json={})
    assert web.wait_until(page, text_is(queue, "answered", "1")) < 1.0
    assert page.locator(f"#wb-queue-{queue} .wb-sl-today").inner_text() == "100 %"
    assert page.locator(f"#wb-queue-{queue} .wb-waiting").inner_text() == "0"
    web.wait_until(page, f"document.querySelector('.wb-state-busy li[data-agent=\"{cc.agent.agent.id}\"]')")

    # a second call is abandoned after 30 s (more than S = 5 s): abandoned = 1, service level 1 ÷ 2 = 50 %
    second = cc.http(client, cc.pbx, "POST", "/interactions",
                     json={"channel": "voice", "queue_id": queue, "from_address": "+74950000002"})
    web.wait_until(page, text_is(queue, "waiting", "1"))
    clock.advance(30)
    cc.http(client, cc.pbx, "POST", f"/interactions/{second['id']}/abandon", json={})
    assert web.wait_until(page, text_is(queue, "abandoned", "1")) < 1.0
    assert page.locator(f"#wb-queue-{queue} .wb-sl-today").inner_text() == "50 %"
    assert page.locator(f"#wb-queue-{queue} .wb-sl-today span").get_attribute("class") == "sl-bad"
    web.shot(page, "wallboard-after-calls")


def test_the_wallboard_in_russian_is_keyboard_usable(web, make):
    cc = build_centre(make)
    page = web.page_for(cc.qa.user.username, language="ru", start="/wallboard")
    assert page.locator("h1").inner_text().startswith("Табло")
    page.keyboard.press("Tab")  # the skip link first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    for _ in range(30):  # the queue links are reachable by keyboard
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.wb-queues') !== null"):
            break
    else:
        raise AssertionError("no queue link is reachable with Tab")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways at 1366"
    web.shot(page, "wallboard-ru")
