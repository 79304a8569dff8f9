"""The agent desk in real Chromium, with live routing running in the server: an offer arrives, is accepted
from the keyboard, a motor claim notice is filled in (first wrongly), the call is wrapped up; and two chats
side by side."""

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from tests.chat_helpers import add_channel, connect, hello, until
from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow


def agent_goes_ready(web, page) -> None:
    page.keyboard.press("Alt+r")  # the Ready button's access key
    page.locator("#presence-now[data-state='ready']").wait_for()


def test_an_offer_is_accepted_the_claim_notice_filled_in_and_the_call_wrapped_up(web, make, client, container):
    cc = build_centre(make)
    customer = make.customer("Olga Smirnova", phones=["+74951234567"], client=cc.client)
    make.policy(customer, cc.client, number="XXX0001234567", product_line="osago")
    page = web.page_for(cc.agent.user.username, start="/desk")
    assert page.locator("#desk-work > .empty").is_visible()
    agent_goes_ready(web, page)

    created = cc.http(client, cc.pbx, "POST", "/interactions",
                      json={"channel": "voice", "queue_id": cc.osago_queue.id, "from_address": "+74951234567",
                            "subject": "Accident on Tverskaya"})
    offer = page.locator(f"#offer-{created['id']}")
    offer.wait_for(timeout=5000)  # routing offered it; the live stream brought it to the page
    assert "Olga Smirnova" in offer.inner_text() and cc.osago_queue.name in offer.inner_text()
    web.wait_until(page, "document.querySelector('.countdown').textContent.length > 0")
    left = int(page.locator(".countdown").get_attribute("data-left") or "0")
    assert 0 < left <= 15  # the configured alert time-out (HELPLINE_ROUTING_ALERT_TIMEOUT_S, default 15 s)
    web.shot(page, "desk-offer")

    page.keyboard.press("Alt+a")  # Accept
    iid = created["id"]
    page.locator(f"#case-form-{iid}").wait_for()
    assert page.locator(f"#head-{iid} [data-state='connected']").is_visible()
    assert "XXX0001234567" in page.locator("#policies").inner_text()

    page.select_option(f"#case-type-{iid}", "motor_claim")
    page.locator("#vin").wait_for()
    page.select_option("#product", "osago")
    page.select_option("#europrotocol", "yes")
    page.fill("#accident_date", "2026-01-15")
    page.fill("#place", "Moscow, Tverskaya 1")
    page.fill("#plate", "А123ВС77")
    page.fill("#vin", "XTA21099")  # too short
    page.fill("#drivers", "Olga Smirnova")
    page.fill("#injured", "1")  # not allowed with the europrotocol
    page.select_option("#police_report", "none")
    page.fill("#damage", "Rear bumper and boot lid")
    page.click(f"#save-case-{iid}")
    page.locator("#vin-error").wait_for()
    assert "17" in page.locator("#vin-error").inner_text()
    assert "injured" in page.locator("#injured-error").inner_text()
    assert page.input_value("#place") == "Moscow, Tverskaya 1"  # nothing typed is lost
    assert page.get_attribute("#vin", "aria-invalid") == "true"
    web.shot(page, "desk-case-form-errors")

    page.fill("#vin", "XTA21099043576182")
    page.fill("#injured", "0")
    page.click(f"#save-case-{iid}")
    page.locator(".case-form .notice").wait_for()
    web.shot(page, "desk-case-form")

    page.locator("label.check", has_text="Full name").click()
    page.locator("label.check", has_text="Date of birth").click()
    page.click("text=Mark as verified")
    page.locator("#identity-verified").wait_for()

    page.keyboard.press("Alt+w")  # Wrap up without a code: refused next to the field
    page.locator("#wrap_up_code-error").wait_for()
    page.select_option("#wrap_up_code", "claim_registered")
    page.fill("#notes", "Claim notice registered")
    page.keyboard.press("Alt+w")
    page.locator("#desk-work > .empty").wait_for()
    web.shot(page, "desk-after-wrap-up")

    with container.uow() as uow:
        row = uow.session.get(m.Interaction, iid)
        assert (row.state, row.agent_id, row.wrap_up_code, row.notes) == (
            "completed", cc.agent.agent.id, "claim_registered", "Claim notice registered")
        case = uow.session.get(m.Case, row.case_id)
        assert (case.type, case.product_line) == ("motor_claim", "osago")
        assert case.details["vin"] == "XTA21099043576182" and case.details["europrotocol"] == "yes"
        assert case.details["injured"] == 0 and case.details["place"] == "Moscow, Tverskaya 1"
        assert case.details["identity_checks"][0]["checks"] == ["full_name", "date_of_birth"]
        assert "Identity verified" in case.notes
        kinds = uow.session.scalars(select(m.Event.type).where(m.Event.interaction_id == iid)
                                    .order_by(m.Event.seq)).all()
        assert kinds[-4:] == ["offered", "answered", "completed", "wrap_up_ended"]
        assert uow.session.get(m.Agent, cc.agent.agent.id).presence == "ready"
    assert page.locator("#presence-now[data-state='ready']").is_visible()


def visitor_asks(client, name: str, text: str) -> None:
    with connect(client) as ws:
        hello(ws, language="en")
        ws.send_json({"type": "person", "name": name, "email": f"{name.lower()}@example.ru", "text": text})
        until(ws, "status")
        until(ws, "message")


def test_two_chats_side_by_side(web, make, client, container):
    cc = build_centre(make)
    add_channel(container, cc.chat_queue.code)
    page = web.page_for(cc.agent.user.username, start="/desk")
    agent_goes_ready(web, page)
    visitor_asks(client, "Anna", "Where is my policy?")
    visitor_asks(client, "Boris", "I need a tow truck")
    for _ in range(2):  # routing offers each chat; accept them one after the other
        accept = page.locator(".offer button.accept").first
        accept.wait_for(timeout=5000)
        accept.click()
        page.wait_for_timeout(300)
    panels = page.locator(".chat-panel")
    web.wait_until(page, "document.querySelectorAll('.chat-panel').length === 2")
    first, second = panels.nth(0).bounding_box(), panels.nth(1).bounding_box()
    assert first and second and abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]  # side by side
    assert "Where is my policy?" in panels.nth(0).inner_text() and "Anna" in panels.nth(0).inner_text()
    assert "I need a tow truck" in panels.nth(1).inner_text()

    reply = panels.nth(1).locator("textarea")
    reply.fill("A tow truck is on its way")
    reply.press("Enter")  # Enter sends
    panels.nth(1).locator(".msg-agent", has_text="A tow truck is on its way").wait_for()
    assert reply.input_value() == ""
    panels.nth(0).locator("textarea").fill("Let me check")  # typing is kept while the page refreshes itself
    page.wait_for_timeout(2500)
    assert panels.nth(0).locator("textarea").input_value() == "Let me check"
    web.shot(page, "desk-chats")

    with container.uow() as uow:
        chats = uow.session.scalars(select(m.Interaction).where(m.Interaction.channel == "chat")).all()
        assert {(c.state, c.agent_id) for c in chats} == {("connected", cc.agent.agent.id)}
        assert uow.session.scalars(select(m.ChatMessage.body).where(m.ChatMessage.sender == "agent")).all() == [
            "A tow truck is on its way"]
