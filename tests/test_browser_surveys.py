"""Satisfaction surveys in real Chromium against a real server: a customer answers a survey with a low score on
the public page (no log-in, in their language), the supervisor sees the review it opened on /surveys/reviews,
records the result, and the review shows as done."""

import re
from datetime import timedelta

import pytest

from helpline.adapters.db import models as m
from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow



def test_a_low_score_on_the_public_page_opens_a_review_the_supervisor_records(web, make, client, clock):
    cc = build_centre(make)
    ivan = make.customer("Иван Петров", phones=["+74951234567"], client=cc.client)
    now = clock()
    with make.uow() as uow:
        call = m.Interaction(client_id=cc.client.id, channel="voice", state="completed", queue_id=cc.osago_queue.id,
                             agent_id=cc.agent.agent.id, customer_id=ivan.id, created_at=now - timedelta(minutes=9),
                             queued_at=now - timedelta(minutes=9), answered_at=now - timedelta(minutes=8),
                             ended_at=now - timedelta(minutes=2))
        uow.session.add(call)
        uow.commit()
    survey = cc.http(client, cc.supervisor, "POST", "/surveys", json={"interaction_id": call.id, "channel": "sms"})
    token = survey["link"].rsplit("/s/", 1)[1]

    # the customer, on their phone's browser: Russian, as the customer's language says
    customer = web.page("ru")
    customer.goto(f"/s/{token}")
    assert customer.locator("h1").inner_text() == "Оцените нашу работу"
    customer.click("button[type=submit]")  # nothing chosen: the message is next to the scores
    assert customer.locator("#score-error").inner_text() == "Выберите оценку от 1 до 5."
    customer.check("input[name=score][value='2']")
    customer.fill("#comment", "Долго ждал ответа")
    customer.click("button[type=submit]")
    customer.locator("#thanks").wait_for()
    web.shot(customer, "survey-answered")
    customer.goto(f"/s/{token}")
    assert customer.locator("#already").is_visible() and customer.locator("input[name=score]").count() == 0

    # the Moscow supervisor sees the review the score opened
    supervisor = web.page_for(cc.supervisor.user.username, start="/surveys/reviews")
    row = supervisor.locator("#reviews tbody tr")
    assert row.count() == 1 and "2" in row.locator("td.num").inner_text()
    assert row.locator("td").nth(4).inner_text() == "me"
    row.locator("a").first.click()
    supervisor.wait_for_url(re.compile(r".*/surveys/reviews/\d+$"))
    assert supervisor.locator("#customer-comment").inner_text() == "Долго ждал ответа"
    supervisor.check("#customer_contacted")
    supervisor.fill("#cause", "The call-back promised was not made")
    supervisor.fill("#action", "Called the customer back; coached the agent")
    supervisor.select_option("#result", "resolved")
    supervisor.click("#close-form button[type=submit]")
    supervisor.locator("#notice", has_text="The review's result has been recorded.").wait_for()
    assert supervisor.locator("#review-status").inner_text() == "Done"
    assert "Resolved" in supervisor.locator("#review-result h2").inner_text()
    assert supervisor.locator("#history li").count() == 2
    web.shot(supervisor, "survey-review-done")
    supervisor.goto("/surveys/reviews")
    assert supervisor.locator("#no-reviews").is_visible()  # nothing open any more
    supervisor.goto("/surveys/reviews?state=done")
    assert supervisor.locator("#reviews td.status-done").inner_text() == "Done"
