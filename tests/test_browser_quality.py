"""Quality control in real Chromium (issue 8): QA fills a scorecard evaluation of a handled interaction, the
agent logs in, sees it and acknowledges it, and QA then sees it acknowledged; the quality figures draw their
weekly chart."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from tests.contact_centre import build_centre

pytestmark = pytest.mark.slow
CRITERIA = [
    {"key": "greeting", "text": "Greets and names the company", "group": "Opening", "weight": 10},
    {"key": "identify", "text": "Identifies the customer and the policy", "group": "Opening", "weight": 30,
     "critical": True},
    {"key": "solution", "text": "Gives a correct and complete answer", "group": "Substance", "weight": 50},
    {"key": "closing", "text": "Summarises the next steps", "group": "Closing", "weight": 10},
]



def test_qa_evaluates_a_handled_call_and_the_agent_acknowledges_it(web, make, client, clock, container):
    cc = build_centre(make)
    card = cc.http(client, cc.qa, "POST", "/quality/scorecards",
                   json={"name": "Voice service", "channel": "voice", "criteria": CRITERIA})
    now = clock()
    with make.uow() as uow:
        call = m.Interaction(client_id=cc.client.id, channel="voice", state="completed", queue_id=cc.osago_queue.id,
                             agent_id=cc.agent.agent.id, subject="OSAGO claim notice", created_at=now,
                             queued_at=now, answered_at=now + timedelta(seconds=20),
                             ended_at=now + timedelta(minutes=4))
        uow.session.add(call)
        uow.commit()
        call_id = call.id

    qa = web.page_for(cc.qa.user.username, start="/quality")
    qa.fill("#interaction_id", str(call_id))
    qa.click("#pick-form button[type=submit]")
    qa.wait_for_url(f"**/quality/evaluate/{call_id}")
    assert qa.locator("#pick-scorecard").input_value() == str(card["id"])  # the voice scorecard fits the call
    for key in ("greeting", "identify", "solution"):
        qa.check(f"input[name=answer_{key}][value=met]")
    qa.check("input[name=answer_closing][value=not_met]")
    qa.fill("input[name=note_closing]", "No summary of the next steps")
    qa.fill("#comment", "A good call; close with the next steps")
    web.shot(qa, "quality-evaluate")
    qa.click("#evaluation-form button[type=submit]")
    qa.locator("#notice", has_text="The evaluation has been saved.").wait_for()
    assert qa.locator("#score").inner_text() == "90.0"
    assert qa.locator("#status").inner_text() == "Waiting for the agent"
    evaluation_url = qa.url

    agent = web.page_for(cc.agent.user.username, start="/quality/mine")
    row = agent.locator("#my-evaluations tbody tr")
    assert row.count() == 1 and "90.0" in row.inner_text()
    row.locator("a").click()
    agent.locator("#answers", has_text="No summary of the next steps").wait_for()
    agent.fill("#reply_comment", "Understood, I will summarise")
    agent.click("#acknowledge")
    agent.locator("#notice", has_text="You have acknowledged the evaluation.").wait_for()
    assert agent.locator("#status").inner_text() == "Acknowledged"
    assert agent.locator("#reply-form").count() == 0
    web.shot(agent, "quality-acknowledged")

    qa.goto(evaluation_url)
    assert qa.locator("#status").inner_text() == "Acknowledged"
    assert "Understood, I will summarise" in qa.locator("#history").inner_text()
    qa.goto("/quality")
    assert "Acknowledged" in qa.locator("#recent tbody tr").first.inner_text()

    day = (now + timedelta(hours=3)).date()
    qa.goto(f"/quality/agents?from={day - timedelta(days=7)}&to={day + timedelta(days=1)}")
    assert qa.locator("#total-score").inner_text() == "90.0"
    web.wait_until(qa, "document.getElementById('quality-chart').dataset.drawn === 'true'")
    web.shot(qa, "quality-agents")
    with container.uow() as uow:
        assert uow.session.scalar(select(m.QualityEvaluation.status)) == "acknowledged"
