"""What intake stores and answers, field by field, on whichever database the run uses (on PostgreSQL the
batch is written as JSON documents: adapters/db/bulk.py)."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from helpline.adapters.db.models import Case, Event, Interaction
from helpline.domain.errors import Conflict
from helpline.services import intake
from helpline.services.schemas import InteractionView, ReceiveInteraction


def test_a_batch_identifies_stores_every_field_and_answers_with_what_it_stored(cc, make, uow, clock):
    by_phone = make.customer("Ольга", phones=["+74957770000"])
    by_email = make.customer("Пётр", emails=["petr@example.ru"])
    by_policy = make.customer("Анна")
    make.policy(by_policy, cc.client, number="ХХХ 0000000042", product_line="kasko")
    pbx = make.actor(cc.pbx.user)
    at = datetime(2026, 11, 20, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))

    def voice(**kw):
        return ReceiveInteraction(channel="voice", queue_id=cc.osago_queue.id, **kw)

    outcomes = intake.receive_interactions(uow, [
        (pbx, voice(idempotency_key="p", from_address="+7 495 777-00-00", topic="kasko", priority=7,
                    to_address="+74950000001", body="Текст «с кавычками» \"и\" \\ обратной чертой", language="ru",
                    external_id="pbx-1", subject="ДТП", occurred_at=at)),
        (pbx, ReceiveInteraction(channel="chat", queue_id=cc.chat_queue.id, from_address="Petr@Example.RU")),
        (pbx, voice(policy_number=" ХХХ 0000000042 ", from_address=None)),
        (pbx, voice(from_address="+70000000000")),
        (pbx, voice(idempotency_key="p", from_address="+7 495 777-00-00", topic="kasko", priority=7,
                    to_address="+74950000001", body="Текст «с кавычками» \"и\" \\ обратной чертой", language="ru",
                    external_id="pbx-1", subject="ДТП", occurred_at=at)),
        (pbx, voice(idempotency_key="p", subject="другое")),
    ])
    views = [outcome[0] for outcome in outcomes[:5]]  # type: ignore[index]
    assert [v.customer_id for v in views] == [by_phone.id, by_email.id, by_policy.id, None, by_phone.id]
    assert [outcome[1] for outcome in outcomes[:5]] == [True, True, True, True, False]  # type: ignore[index]
    assert views[4].id == views[0].id and isinstance(outcomes[5], Conflict)

    stored = {i.id: i for i in uow.session.scalars(select(Interaction))}
    assert len(stored) == 4
    for view in views[:4]:
        assert InteractionView.model_validate(stored[view.id]) == view
    first = stored[views[0].id]
    assert first.created_at == at and first.queued_at == at and first.created_at.tzinfo is not None
    assert (first.to_address, first.language, first.version) == ("+74950000001", "ru", 1)
    assert first.body == "Текст «с кавычками» \"и\" \\ обратной чертой"
    assert first.created_by_user_id == cc.pbx.user.id and len(first.request_fingerprint or "") == 64
    assert (first.agent_id, first.exit_reason, first.wrap_up_code, first.answered_at, first.ended_at,
            first.completed_at) == (None,) * 6
    assert stored[views[3].id].created_at == clock()

    case = uow.session.get(Case, views[0].case_id)
    assert case is not None
    assert (case.status, case.priority, case.topic, case.subject, case.notes, case.details, case.version) == (
        "new", "normal", "kasko", "ДТП", "", {}, 1)
    assert (case.assigned_agent_id, case.first_response_at, case.resolved_at, case.closed_at) == (None,) * 4
    assert case.created_at == at and case.site_id == cc.osago_queue.site_id
    policy_case = uow.session.get(Case, views[2].case_id)
    assert policy_case is not None and policy_case.policy_id is not None

    events = uow.session.scalars(select(Event).order_by(Event.seq)).all()
    assert len(events) == 4 * 3
    mine = [e for e in events if e.interaction_id == first.id or (e.case_id == case.id and e.type == "case_opened")]
    assert [(e.type, e.data) for e in mine] == [
        ("case_opened", {"type": "enquiry"}), ("received", {"channel": "voice", "direction": "in"}),
        ("entered_queue", {"priority": 7})]
    assert all(e.occurred_at == at and e.recorded_at == clock() and e.actor_user_id == cc.pbx.user.id for e in mine)
    assert [e.queue_id for e in mine] == [None, cc.osago_queue.id, cc.osago_queue.id]


def test_the_api_answers_with_the_same_json_as_a_read(cc, client):
    body = {"channel": "voice", "queue_id": cc.osago_queue.id, "idempotency_key": "json-1",
            "from_address": "+74951112233", "subject": "Полис"}
    created = client.post("/api/v1/interactions", json=body, headers=cc.pbx.auth)
    again = client.post("/api/v1/interactions", json=body, headers=cc.pbx.auth)
    assert (created.status_code, again.status_code) == (201, 200)
    assert created.headers["content-type"] == again.headers["content-type"] == "application/json"
    read = client.get(f"/api/v1/interactions/{created.json()['id']}", headers=cc.admin.auth)
    assert created.content == again.content == read.content


def test_a_number_no_column_can_hold_is_refused_as_invalid(cc, client):
    response = client.post("/api/v1/interactions", headers=cc.pbx.auth,
                           json={"channel": "voice", "direction": "out", "client_id": 2**70})
    assert response.status_code == 422
    assert client.post("/api/v1/interactions", headers=cc.pbx.auth,
                       json={"channel": "voice", "queue_id": cc.osago_queue.id}).status_code == 201
