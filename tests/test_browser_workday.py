"""The issue's whole scenario in real Chromium, two people at two screens: an agent works a call on the desk
while their supervisor watches the wallboard, which shows every step within one second."""

import pytest

from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow


def agent_shown_as(state: str, agent_id: int) -> str:
    return f"!!document.querySelector('#wallboard [data-state=\"{state}\"] li[data-agent=\"{agent_id}\"]')"


def figure(queue_id: int, name: str, expected: str) -> str:
    cell = f"document.querySelector('#wb-queue-{queue_id} .wb-{name}')"
    return f"!!{cell} && {cell}.textContent.trim() === {expected!r}"


def test_the_supervisor_sees_each_step_of_the_agents_call_within_a_second(web, make, client, container):
    cc = build_centre(make)
    agent_id, queue_id = cc.agent.agent.id, cc.osago_queue.id
    customer = make.customer("Olga Smirnova", phones=["+74951234567"], client=cc.client)
    make.policy(customer, cc.client, number="XXX0001234567", product_line="osago")
    board = web.page_for(cc.supervisor.user.username, start="/wallboard")
    desk = web.page_for(cc.agent.user.username, start="/desk")
    assert board.locator(f"#wb-queue-{queue_id}").is_visible()
    web.wait_until(board, agent_shown_as("logged_out", agent_id))

    desk.keyboard.press("Alt+r")  # ready
    assert web.wait_until(board, agent_shown_as("ready", agent_id)) < 1.0

    call = cc.http(client, cc.pbx, "POST", "/interactions",
                   json={"channel": "voice", "queue_id": queue_id, "from_address": "+74951234567"})
    desk.locator(f"#offer-{call['id']}").wait_for(timeout=5000)  # routing offered it to the agent
    assert web.wait_until(board, agent_shown_as("offered", agent_id)) < 1.0

    desk.keyboard.press("Alt+a")  # accept
    assert web.wait_until(board, figure(queue_id, "answered", "1")) < 1.0
    assert web.wait_until(board, agent_shown_as("busy", agent_id)) < 1.0
    web.shot(board, "workday-wallboard-talking")

    iid = call["id"]
    desk.select_option(f"#case-type-{iid}", "motor_claim")
    desk.locator("#vin").wait_for()
    for field, value in (("#accident_date", "2026-01-15"), ("#place", "Moscow, Tverskaya 1"),
                         ("#plate", "А123ВС77"), ("#vin", "XTA21099043576182"), ("#drivers", "Olga Smirnova"),
                         ("#injured", "0"), ("#damage", "Rear bumper")):
        desk.fill(field, value)
    desk.select_option("#product", "osago")
    desk.select_option("#europrotocol", "yes")
    desk.select_option("#police_report", "none")
    desk.click(f"#save-case-{iid}")
    desk.locator(".case-form .notice").wait_for()
    desk.select_option("#wrap_up_code", "claim_registered")
    desk.keyboard.press("Alt+w")  # wrap up: the agent is ready for the next call
    assert web.wait_until(board, agent_shown_as("ready", agent_id)) < 1.0
    assert board.locator(f"#wb-queue-{queue_id} .wb-sl-today").inner_text().strip() == "100 %"
    web.shot(board, "workday-wallboard-after")
