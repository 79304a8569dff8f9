"""Receiving many interactions in one unit of work gives each request the answer it would get alone."""

from sqlalchemy import func, select

from helpline.adapters.db.models import Case, Event, Interaction
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.services import intake
from helpline.services.schemas import ReceiveInteraction


def voice(cc, **kw):
    return ReceiveInteraction(channel="voice", queue_id=cc.osago_queue.id, **kw)


def count(uow, model):
    return uow.session.scalar(select(func.count()).select_from(model))


def test_one_bad_request_does_not_spoil_the_batch(cc, make, uow):
    pbx = make.actor(cc.pbx.user)
    outcomes = intake.receive_interactions(uow, [
        (pbx, voice(cc, idempotency_key="a")),
        (pbx, ReceiveInteraction(channel="voice", queue_id=999_999)),
        (pbx, ReceiveInteraction(channel="email", queue_id=cc.osago_queue.id)),
        (pbx, voice(cc, idempotency_key="b")),
    ])
    assert isinstance(outcomes[1], NotFound) and isinstance(outcomes[2], InvalidInput)
    (first, created_a), (second, created_b) = outcomes[0], outcomes[3]
    assert created_a and created_b and first.id != second.id
    assert count(uow, Interaction) == 2 and count(uow, Event) == 2 * 3  # case_opened, received, entered_queue


def test_a_key_repeated_within_a_batch_and_across_batches(cc, make, uow):
    pbx = make.actor(cc.pbx.user)
    outcomes = intake.receive_interactions(uow, [
        (pbx, voice(cc, idempotency_key="k")), (pbx, voice(cc, idempotency_key="k")),
        (pbx, voice(cc, idempotency_key="k", subject="something else"))])
    (first, created), (again, created_again) = outcomes[0], outcomes[1]
    assert created and not created_again and again.id == first.id
    assert isinstance(outcomes[2], Conflict)
    later, created_later = intake.receive_interactions(uow, [(pbx, voice(cc, idempotency_key="k"))])[0]
    assert later.id == first.id and created_later is False
    assert count(uow, Interaction) == 1


def test_one_customer_on_one_topic_shares_a_new_case_within_a_batch(cc, make, uow):
    customer = make.customer("Ольга Кузнецова", phones=["+74957770000"])
    pbx = make.actor(cc.pbx.user)
    outcomes = intake.receive_interactions(uow, [
        (pbx, voice(cc, from_address="+7 495 777-00-00", topic="kasko")),
        (pbx, voice(cc, from_address="84957770000", topic="kasko")),
        (pbx, voice(cc, from_address="+74957770000", topic="renewal")),
        (pbx, voice(cc, from_address="+70000000000", topic="kasko"))])
    views = [view for view, _ in outcomes]
    assert [v.customer_id for v in views] == [customer.id, customer.id, customer.id, None]
    assert views[0].case_id == views[1].case_id
    assert len({views[0].case_id, views[2].case_id, views[3].case_id}) == 3
    assert count(uow, Case) == 3
    opened = uow.session.scalars(select(Event.case_id).where(Event.type == "case_opened")).all()
    assert sorted(opened) == sorted({v.case_id for v in views})


def test_a_shared_phone_identifies_no_one(cc, make, uow):
    make.customer("Муж", phones=["+74950001122"])
    make.customer("Жена", phones=["+74950001122"])
    view, _ = intake.receive_interaction(uow, make.actor(cc.pbx.user), voice(cc, from_address="+74950001122"))
    assert view.customer_id is None


def test_the_batch_is_written_in_request_order(cc, make, uow):
    pbx = make.actor(cc.pbx.user)
    outcomes = intake.receive_interactions(uow, [(pbx, voice(cc, idempotency_key=f"n{n}")) for n in range(20)])
    ids = [view.id for view, _ in outcomes]
    assert ids == sorted(ids)
    keys = uow.session.scalars(select(Interaction.idempotency_key).order_by(Interaction.id)).all()
    assert keys == [f"n{n}" for n in range(20)]


def test_a_key_stored_concurrently_makes_the_batch_settle_each_request_alone(cc, make, uow, monkeypatch):
    pbx = make.actor(cc.pbx.user)
    (stored, _), = intake.receive_interactions(uow, [(pbx, voice(cc, idempotency_key="raced"))])
    real_by_keys, calls = intake._by_keys, []

    def blind_first_look(unit, keys):  # as if another worker committed "raced" just after our look-up
        calls.append(keys)
        return {} if len(calls) == 1 else real_by_keys(unit, keys)

    monkeypatch.setattr(intake, "_by_keys", blind_first_look)
    outcomes = intake.receive_interactions(uow, [(pbx, voice(cc, idempotency_key="fresh")),
                                                 (pbx, voice(cc, idempotency_key="raced"))])
    (_, fresh_created), (raced, raced_created) = outcomes
    assert fresh_created and not raced_created and raced.id == stored.id
    assert count(uow, Interaction) == 2
