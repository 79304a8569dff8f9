"""The complaint register in real Chromium against a real server: a supervisor registers a complaint on the form
and sees its deadline, computed independently here by the rule engine, then finds it in the list."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpline.domain.deadlines import BUILT_IN_RULES, due
from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow
MOSCOW = ZoneInfo("Europe/Moscow")



def test_registering_a_complaint_shows_its_deadline_and_lists_it(web, make):
    cc = build_centre(make)
    received = datetime(2026, 4, 28, 10, 0, tzinfo=MOSCOW)  # before the May holidays
    expected = due(BUILT_IN_RULES["ru-complaint"], received)
    assert expected == datetime(2026, 5, 21, 23, 59, 59, tzinfo=MOSCOW)  # 15 working days, 1 and 11 May off

    page = web.page_for(cc.supervisor.user.username, start="/complaints/new")
    page.select_option("#client_id", str(cc.client.id))
    page.select_option("#channel", "email")
    page.fill("#received_at", "2026-04-28T10:00")
    page.select_option("#rule", "ru-complaint")
    page.fill("#complainant_name", "Maria Ivanova")
    page.fill("#complainant_contact", "maria@example.ru")
    page.select_option("#category", "claim_payment_amount")
    page.fill("#subject", "The payment is too low")
    page.fill("#facts", "The assessor ignored the second invoice.")
    page.fill("#remedy_sought", "Pay the difference")
    page.fill("#evidence", "invoice 17\nassessor's report")
    page.select_option("#handler_user_id", str(cc.supervisor.user.id))
    page.click("form.complaint-form button[type=submit]")

    page.locator("#notice", has_text="The complaint has been registered.").wait_for()
    shown = page.locator("#deadline time.due")
    assert shown.get_attribute("datetime") == expected.isoformat()
    assert shown.inner_text() == "21.05.2026 23:59"
    assert page.locator("#deadline .deadline-state").inner_text() == "Overdue"  # the server lives in real time
    web.shot(page, "complaint-registered")
    complaint_id = page.url.rsplit("/", 1)[1]

    page.goto("/complaints")
    row = page.locator(f"#complaint-{complaint_id}")
    assert row.get_attribute("class") == "overdue"
    assert row.locator("time").get_attribute("datetime") == expected.isoformat()
    assert "Maria Ivanova" in row.inner_text()
    web.shot(page, "complaints-list")
    assert not web.script_errors
