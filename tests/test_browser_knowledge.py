"""The help section in real Chromium: a chat visitor's question, in other word forms than the article's
title, is answered by the article; the deflection is counted on /help/manage and no operator gets work. Then
the public help page finds a Chinese article and counts "this answered my question"."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpline.adapters.db.models import ChatSession, Interaction
from helpline.demo.help_articles import ensure_help_articles, ensure_knowledge_articles
from helpline.services.channels import configs
from tests.contact_centre import build_centre
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow
CHANNEL = "site-chat"
ARTICLE = "Какие документы нужны для выплаты"


@pytest.fixture
def live_server(database_url: str, tmp_path: Path, clock) -> Iterator[ServerProcess]:
    """As tests/browser_support.py's (routing on: an escalated chat would reach a queue), with more time to
    start on a busy machine."""
    clock.follow_real_time()
    server = ServerProcess(database_url, log=tmp_path / "server.log",
                           env={"HELPLINE_ROUTING_ENABLED": "true", "HELPLINE_CHANNELS_ENABLED": "false",
                                "HELPLINE_AUTH_CACHE_TTL_S": "0", "HELPLINE_ROUTING_REFRESH_S": "0.5"})
    server.start(timeout=120)
    yield server
    server.stop()


@pytest.fixture
def centre(make, container, live_server):
    cc = build_centre(make)
    with container.uow() as uow:
        configs.add(uow, CHANNEL, "web-chat", {"allowed_origins": [live_server.url]}, queue=cc.chat_queue.code)
        ensure_help_articles(uow)
        uow.commit()
        ensure_knowledge_articles(uow)
    return cc


def test_a_chat_question_is_answered_by_an_article_without_an_operator(web, centre, container):
    page = web.page("ru")
    page.goto(f"/chat-demo?channel={CHANNEL}&lang=ru")
    page.locator("button.btn").click()
    # "документов" and "выплат": neither is the form in the title ("документы", "выплаты")
    page.locator("input.text").fill("Какой список документов нужен для выплат?")
    page.locator("button.send").click()
    first = page.locator(".art").first
    first.wait_for()
    assert first.locator("b").inner_text() == ARTICLE
    web.shot(page, "knowledge-chat-suggestion")
    first.locator("button.s").click()
    page.locator(".log").get_by_text("Рады, что помогли!").wait_for()
    web.shot(page, "knowledge-chat-answered")

    with container.uow() as uow:
        session = uow.session.scalars(select(ChatSession)).one()
        assert session.deflected_by_article_id is not None and session.interaction_id is None
        assert uow.session.scalar(select(func.count()).select_from(Interaction)) == 0  # no work for an operator

    manager = web.page_for(centre.qa.user.username, language="ru", start="/help/manage")
    manager.goto("/help/manage")
    assert manager.locator("#deflection-chat").inner_text() == "1 / 1"
    assert manager.locator("#deflection-rate").inner_text() == "100.0 %"
    web.shot(manager, "knowledge-manage-deflection")


def test_the_public_help_page_finds_a_chinese_article_and_counts_the_answer(web, centre):
    page = web.page("ru")
    page.goto("/help?language=zh")
    page.fill("#q", "车险理赔需要什么材料")
    page.locator("form[role=search] button").click()
    page.locator("#results a").first.wait_for()
    assert page.locator("#results a").first.inner_text() == "车险理赔需要哪些材料"
    page.locator("#results a").first.click()
    page.locator("#article-body").wait_for()
    page.locator("#feedback button[type=submit]").click()  # nothing chosen: the message is next to the choice
    assert "Укажите, ответила ли статья" in page.locator("#helpful-error").inner_text()
    page.check("input[name=helpful][value=true]")
    page.locator("#feedback button[type=submit]").click()
    page.locator("#notice").wait_for()
    web.shot(page, "knowledge-help-answered")
    manager = web.page_for(centre.qa.user.username, language="ru", start="/help/manage")
    manager.goto("/help/manage")
    assert manager.locator("#deflection-help").inner_text() == "1 / 1"
