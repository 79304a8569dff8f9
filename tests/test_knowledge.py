"""The help section (knowledge base): search for Russian morphology and Chinese, versions, audience, review
dates, feedback, deflection, the API's permissions and the pages."""

from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from helpline.adapters.search.terms import terms
from helpline.demo.help_articles import ensure_help_articles, ensure_knowledge_articles
from helpline.services import help_articles, knowledge
from helpline.services.knowledge_schemas import ArticleWrite, CategoryCreate, FeedbackCreate
from tests.test_web import csrf_of, signed_in

API = "/api/v1/knowledge"


def article(**kw) -> ArticleWrite:
    fields = {"language": "ru", "title": "Заголовок", "body": "Текст статьи."} | kw
    return ArticleWrite(**fields)


@pytest.fixture
def browsers(app):
    """Separate cookie jars, one per person at the keyboard."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


@pytest.fixture
def seeded(uow):
    ensure_help_articles(uow)
    uow.commit()
    ensure_knowledge_articles(uow)
    return uow


# --- normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(("one", "other"), [
    ("документы", "документов"), ("документ", "документами"), ("страховой случай", "страхового случая"),
    ("полис", "полисы"), ("выплата", "выплату"), ("claims", "claim"), ("Ёлка", "елки"),
    ("страхові", "страхового"),
])
def test_word_forms_meet_on_one_term(one, other):
    assert terms(one) == terms(other)


def test_chinese_text_without_spaces_becomes_character_pairs():
    assert terms("车险理赔") == ["车险", "险理", "理赔"]
    assert terms("险") == ["险"]
    assert "95518" in terms("拨打95518报案")


def test_function_words_are_left_out():
    assert terms("как и что в документы") == ["документ"]


# --- search ---------------------------------------------------------------------------------------


def test_russian_question_in_another_word_form_finds_the_article(seeded):
    hits = knowledge.search(seeded, "какие документов надо для выплаты?", language="ru", internal=False)
    assert hits[0].title == "Какие документы нужны для выплаты"
    hits = knowledge.search(seeded, "страхового случая осаго", language="ru", internal=False)
    assert hits[0].title == "Как заявить о страховом случае по ОСАГО"


def test_chinese_question_finds_the_chinese_article(seeded):
    hits = knowledge.search(seeded, "车险理赔需要什么材料", language="zh", internal=False)
    assert hits[0].title == "车险理赔需要哪些材料"
    assert knowledge.search(seeded, "续保", language="zh", internal=False)[0].title == "保单续保提醒"


def test_ukrainian_question_finds_the_ukrainian_article(seeded):
    hits = knowledge.search(seeded, "документів для виплати", language="uk", internal=False)
    assert hits[0].title == "Які документи потрібні для виплати"


def test_internal_articles_are_found_only_for_staff(seeded):
    question = "проверка европротокола"
    public = knowledge.search(seeded, question, language="ru", internal=False)
    staff = knowledge.search(seeded, question, language="ru", internal=True)
    assert "Проверка европротокола оператором" not in [h.title for h in public]
    assert staff[0].title == "Проверка европротокола оператором" and staff[0].audience == "internal"


def test_drafts_and_archived_articles_are_not_found_nor_shown(uow):
    draft = knowledge.create_article(uow, article(title="Черновик про франшизу", status="draft"))
    assert knowledge.search(uow, "франшиза", language="ru", internal=True) == []
    with pytest.raises(knowledge.NotFound):
        knowledge.get_article(uow, draft.id, internal=True)
    knowledge.update_article(uow, draft.id, article(title="Черновик про франшизу"))
    assert [h.id for h in knowledge.search(uow, "франшизы", language="ru", internal=True)] == [draft.id]
    knowledge.update_article(uow, draft.id, article(title="Черновик про франшизу", status="archived"))
    assert knowledge.search(uow, "франшизы", language="ru", internal=True) == []


def test_the_chat_suggests_by_the_new_search(seeded):
    found = help_articles.suggest(seeded, "ru", "Что делать при страховом случае?")
    assert found and found[0].title == "Как заявить о страховом случае по ОСАГО"
    assert help_articles.suggest(seeded, "ru", "???") == []


def test_desk_suggestions_include_internal_articles(seeded):
    hits = knowledge.suggestions_for_text(seeded, "Клиент просит гарантийное письмо в клинику по ДМС")
    titles = [h.title for h in hits]
    assert "Гарантийное письмо ДМС: кто принимает решение" in titles  # internal
    assert "Гарантийное письмо по ДМС" in titles  # public


# --- versions, categories, review ------------------------------------------------------------------


def test_every_edit_is_a_new_version_and_the_history_is_kept(uow, clock):
    created = knowledge.create_article(uow, article(title="Первая редакция", body="Старый текст про лимит."))
    clock.advance(60)
    updated = knowledge.update_article(uow, created.id, article(title="Вторая редакция", body="Новый текст."),
                                       expected_version=1)
    assert updated.version == 2 and updated.title == "Вторая редакция"
    assert [(v.version, v.title) for v in knowledge.versions(uow, created.id)] == [
        (2, "Вторая редакция"), (1, "Первая редакция")]
    assert knowledge.search(uow, "лимит", language="ru", internal=True) == []  # the old text is not indexed
    with pytest.raises(knowledge.Conflict):
        knowledge.update_article(uow, created.id, article(), expected_version=1)


def test_categories_form_a_tree(uow):
    motor = knowledge.create_category(uow, CategoryCreate(name="Авто"))
    knowledge.create_category(uow, CategoryCreate(name="ОСАГО", parent_id=motor.id))
    knowledge.create_category(uow, CategoryCreate(name="Ань"))
    assert [c.name for c in knowledge.list_categories(uow)] == ["Авто", "ОСАГО", "Ань"]
    with pytest.raises(knowledge.Conflict):
        knowledge.create_category(uow, CategoryCreate(name="Авто"))
    with pytest.raises(knowledge.NotFound):
        knowledge.create_article(uow, article(category_id=999))


def test_articles_due_for_review(uow):
    knowledge.create_article(uow, article(title="Пора", review_due=date(2026, 1, 1)))
    knowledge.create_article(uow, article(title="Рано", review_due=date(2027, 1, 1)))
    knowledge.create_article(uow, article(title="В архиве", review_due=date(2025, 1, 1), status="archived"))
    assert [a.title for a in knowledge.review_due(uow, date(2026, 2, 2))] == ["Пора"]


# --- feedback and deflection -----------------------------------------------------------------------


def test_feedback_per_article_and_the_deflection_figure(seeded, clock):
    start = clock()
    first = knowledge.search(seeded, "документы", language="ru", internal=False)[0].id
    knowledge.give_feedback(seeded, first, FeedbackCreate(helpful=True), "help")
    knowledge.give_feedback(seeded, first, FeedbackCreate(helpful=False, comment="Нет про ПТС"), "help")
    knowledge.give_feedback(seeded, first, FeedbackCreate(helpful=True), "desk", internal=True)
    figures = knowledge.feedback_figures(seeded)
    assert (figures[0].article_id, figures[0].helpful, figures[0].not_helpful, figures[0].comments) == (
        first, 2, 1, ["Нет про ПТС"])
    clock.advance(10)
    figure = knowledge.deflection(seeded, start, clock())
    assert (figure.help_votes, figure.help_answered, figure.questions, figure.deflected, figure.rate) == (
        2, 1, 2, 1, 0.5)


# --- API -------------------------------------------------------------------------------------------


def test_api_writes_versions_and_searches(client, cc):
    created = cc.http(client, cc.admin, "POST", "/knowledge/articles", json={
        "language": "ru", "title": "Как продлить полис каско", "body": "Продление за 30 дней.",
        "audience": "internal"})
    assert created["version"] == 1 and created["audience"] == "internal"
    updated = cc.http(client, cc.qa, "PUT", f"/knowledge/articles/{created['id']}?expected_version=1", json={
        "language": "ru", "title": "Как продлить полис КАСКО", "body": "Продление за 30 дней до окончания."})
    assert updated["version"] == 2 and updated["audience"] == "public"
    stale = client.put(f"{API}/articles/{created['id']}?expected_version=1", headers=cc.qa.auth, json={
        "language": "ru", "title": "x", "body": "y"})
    assert stale.status_code == 409
    hits = cc.http(client, cc.agent, "GET", "/knowledge/search", params={"q": "продлении полисов"})
    assert [h["id"] for h in hits] == [created["id"]]
    versions = cc.http(client, cc.admin, "GET", f"/knowledge/articles/{created['id']}/versions")
    assert [v["version"] for v in versions] == [2, 1]
    public = client.get(f"{API}/public/search", params={"q": "продлить полис", "language": "ru"})
    assert public.status_code == 200 and [h["id"] for h in public.json()] == [created["id"]]


def test_api_refuses_invalid_articles_with_the_field_named(client, cc):
    from tests.contact_centre import fields_named
    response = client.post(f"{API}/articles", headers=cc.admin.auth,
                           json={"language": "fr", "title": "", "body": "x", "audience": "everyone"})
    assert response.status_code == 422
    assert {"language", "title", "audience"} <= fields_named(response)
    missing = client.post(f"{API}/articles", headers=cc.admin.auth,
                          json={"language": "ru", "title": "t", "body": "b", "category_id": 12345})
    assert missing.status_code == 404


def test_api_refuses_the_wrong_roles(client, cc):
    body = {"language": "ru", "title": "t", "body": "b"}
    assert client.post(f"{API}/articles", headers=cc.agent.auth, json=body).status_code == 403
    assert client.post(f"{API}/categories", headers=cc.agent.auth, json={"name": "x"}).status_code == 403
    for path in ("/review-due", "/feedback", "/deflection", "/articles/1/versions"):
        assert client.get(f"{API}{path}", headers=cc.agent.auth).status_code == 403, path
    assert client.get(f"{API}/search", headers=cc.pbx.auth, params={"q": "x"}).status_code == 403
    assert client.get(f"{API}/search", params={"q": "x"}).status_code == 401


def test_internal_articles_are_hidden_from_the_public_api(client, cc, uow):
    internal = knowledge.create_article(uow, article(title="Внутренняя памятка о лимитах", audience="internal"))
    assert client.get(f"{API}/public/search", params={"q": "памятка лимит"}).json() == []
    answer = client.post(f"{API}/public/articles/{internal.id}/feedback", json={"helpful": True})
    assert answer.status_code == 404
    assert cc.http(client, cc.agent, "GET", f"/knowledge/articles/{internal.id}")["title"] == internal.title


def test_api_feedback_and_deflection(client, cc, uow, clock):
    start = clock() - timedelta(hours=1)
    shown = knowledge.create_article(uow, article(title="Публичная статья"))
    assert client.post(f"{API}/public/articles/{shown.id}/feedback", json={"helpful": True}).status_code == 204
    assert client.post(f"{API}/public/articles/{shown.id}/feedback?source=widget",
                       json={"helpful": False, "comment": "мало"}).status_code == 204
    assert client.post(f"{API}/articles/{shown.id}/feedback", headers=cc.agent.auth,
                       json={"helpful": True}).status_code == 204
    figures = cc.http(client, cc.admin, "GET", "/knowledge/feedback")
    assert (figures[0]["helpful"], figures[0]["not_helpful"], figures[0]["comments"]) == (2, 1, ["мало"])
    end = clock() + timedelta(hours=1)
    figure = cc.http(client, cc.admin, "GET", "/knowledge/deflection",
                     params={"start": start.isoformat(), "end": end.isoformat()})
    assert (figure["questions"], figure["deflected"], figure["rate"]) == (1, 1, 1.0)
    backwards = client.get(f"{API}/deflection", headers=cc.admin.auth,
                           params={"start": end.isoformat(), "end": start.isoformat()})
    assert backwards.status_code == 422
    naive = client.get(f"{API}/deflection", headers=cc.admin.auth,
                       params={"start": datetime(2026, 1, 1).isoformat()})
    assert naive.status_code == 422
    assert datetime(2026, 1, 1, tzinfo=UTC) < end


# --- pages -----------------------------------------------------------------------------------------


def test_the_public_help_page_needs_no_log_in_and_hides_internal_articles(client, seeded):
    listing = client.get("/help?language=ru")
    assert listing.status_code == 200
    assert "Какие документы нужны для выплаты" in listing.text
    assert "Проверка европротокола оператором" not in listing.text
    found = client.get("/help", params={"q": "документов для выплаты", "language": "ru"})
    assert found.status_code == 200 and 'id="results"' in found.text
    assert found.text.index("Какие документы нужны для выплаты") < found.text.index("</ol>")
    chinese = client.get("/help", params={"q": "车险理赔需要什么材料", "language": "zh"})
    assert "车险理赔需要哪些材料" in chinese.text
    assert client.get("/help", params={"q": "zzzz"}).text.count('id="no-results"') == 1
    internal = knowledge.search(seeded, "европротокол проверка", language="ru", internal=True)[0]
    assert client.get(f"/help/articles/{internal.id}").status_code == 404
    assert "Русский" in listing.text and "中文" in listing.text  # the article language switch


def test_staff_see_internal_articles_on_the_help_page(browsers, cc, seeded):
    agent = signed_in(browsers, cc.agent)
    page = agent.get("/help?language=ru")
    assert "Проверка европротокола оператором" in page.text
    internal = knowledge.search(seeded, "европротокол проверка", language="ru", internal=True)[0]
    assert agent.get(f"/help/articles/{internal.id}").status_code == 200
    assert "/help/manage" not in page.text  # agents do not manage articles
    assert agent.get("/help/manage").status_code == 403
    assert agent.get("/help/manage/new").status_code == 403


def test_this_answered_my_question_is_counted_and_a_missing_answer_is_shown_next_to_the_field(client, seeded):
    shown = knowledge.search(seeded, "продление полиса", language="ru", internal=False)[0]
    page = client.get(f"/help/articles/{shown.id}")
    assert page.status_code == 200 and "Статья ответила на ваш вопрос?" in page.text
    token = csrf_of(page.text)
    refused = client.post(f"/help/articles/{shown.id}/feedback", data={"csrf": token, "comment": "?"})
    assert refused.status_code == 422
    assert 'id="helpful-error"' in refused.text and "Укажите, ответила ли статья" in refused.text
    assert client.post(f"/help/articles/{shown.id}/feedback", data={"helpful": "true"}).status_code == 403  # CSRF
    sent = client.post(f"/help/articles/{shown.id}/feedback", data={"csrf": token, "helpful": "true"},
                       follow_redirects=False)
    assert sent.status_code == 303
    assert "Спасибо, ваш ответ учтён." in client.get(f"/help/articles/{shown.id}").text
    figure = knowledge.deflection(seeded, seeded.now() - timedelta(days=1), seeded.now() + timedelta(days=1))
    assert (figure.help_votes, figure.help_answered) == (1, 1)


def test_managing_articles_on_the_page(browsers, cc, seeded):
    anonymous = browsers()
    assert anonymous.get("/help/manage", follow_redirects=False).status_code in (302, 303)
    qa = signed_in(browsers, cc.qa)
    manage = qa.get("/help/manage")
    assert manage.status_code == 200 and 'id="deflection-rate"' in manage.text and 'id="review-due"' in manage.text
    form = qa.get("/help/manage/new")
    token = csrf_of(form.text)
    invalid = qa.post("/help/manage/new", data={"csrf": token, "language": "ru", "title": "", "body": "Текст",
                                                "audience": "public", "status": "published",
                                                "review_due": "не дата"})
    assert invalid.status_code == 422
    assert 'id="title-error"' in invalid.text and 'id="review_due-error"' in invalid.text
    assert 'value="не дата"' in invalid.text  # what was typed is kept
    created = qa.post("/help/manage/new", data={
        "csrf": token, "language": "ru", "title": "Франшиза по КАСКО", "body": "Франшиза — часть убытка.",
        "audience": "public", "status": "published"}, follow_redirects=False)
    assert created.status_code == 303
    edit_url = created.headers["location"]
    edited = qa.post(edit_url, data={
        "csrf": token, "expected_version": "1", "language": "ru", "title": "Безусловная франшиза по КАСКО",
        "body": "Франшиза — часть убытка, которую вы оплачиваете сами.", "audience": "public",
        "status": "published"}, follow_redirects=False)
    assert edited.status_code == 303
    page = qa.get(edit_url)
    assert 'id="versions"' in page.text and page.text.count("франшиза по КАСКО") >= 2
    stale = qa.post(edit_url, data={"csrf": token, "expected_version": "1", "language": "ru", "title": "x",
                                    "body": "y", "audience": "public", "status": "published"})
    assert stale.status_code == 422 and "form-error" in stale.text
    bad_category = qa.post("/help/manage/categories", data={"csrf": token, "name": ""})
    assert bad_category.status_code == 422 and 'id="name-error"' in bad_category.text
    assert qa.post("/help/manage/categories", data={"csrf": token, "name": "КАСКО"},
                   follow_redirects=False).status_code == 303
    assert "КАСКО" in qa.get("/help").text


def test_the_desk_suggestions_fragment(browsers, cc, seeded):
    agent = signed_in(browsers, cc.agent)
    fragment = agent.get("/help/suggestions", params={"text": "гарантийное письмо ДМС в клинику"})
    assert fragment.status_code == 200
    assert "Гарантийное письмо ДМС: кто принимает решение" in fragment.text and "<html" not in fragment.text
    assert "Подходящих статей нет." in agent.get("/help/suggestions").text
    anonymous = browsers()
    assert anonymous.get("/help/suggestions?text=x", follow_redirects=False).status_code in (302, 303)


def test_the_desk_fragment_reads_what_the_interaction_is_about(browsers, client, cc, seeded):
    from tests.test_web import call
    made = call(cc, client, subject="Клиент спрашивает, какие документы нужны для выплаты", idempotency_key="kb-1")
    supervisor = signed_in(browsers, cc.supervisor)
    fragment = supervisor.get("/help/suggestions", params={"interaction_id": made["id"]})
    assert fragment.status_code == 200 and "Какие документы нужны для выплаты" in fragment.text
    elsewhere = signed_in(browsers, cc.spb_supervisor)  # a Moscow call is outside the St Petersburg sites
    assert elsewhere.get("/help/suggestions", params={"interaction_id": made["id"]}).status_code == 404
