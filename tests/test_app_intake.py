"""Mobile-app and web-form intake: POST /api/v1/app/requests and the customer's status read-back."""

import json

import pytest
from sqlalchemy import func, select

from helpline.adapters.db.models import AppRequest, Attachment, Case, InboundMessage, Interaction
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services import lifecycle
from helpline.services.channels import configs, inbox
from helpline.services.schemas import AnswerCommand

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture
def app_queue(cc, make, container):
    queue = make.queue(client=cc.client, site=cc.moscow, code="app_msk", channel="app")
    web = make.queue(client=cc.client, site=cc.moscow, code="web_msk", channel="web")
    claims = make.queue(client=cc.client, site=cc.moscow, code="app_claims", channel="app")
    with container.uow() as uow:
        configs.add(uow, "app", "app-intake", {"category_queues": {"motor_claim": "app_claims"}}, queue=queue.id)
        configs.add(uow, "web-forms", "app-intake", {"channel": "web"}, queue=web.id)
    return {"app": queue, "web": web, "claims": claims}


def body(**fields):
    return {"category": "enquiry", "policy_number": "OSAGO-1", "text": "Where is my refund?\nThank you",
            "phone": "+74951234567", "language": "ru", **fields}


def submit(client, who, key="k1", **fields):
    return client.post("/api/v1/app/requests", json=body(**fields), headers={**who.auth, "Idempotency-Key": key})


def status_of(client, reference, token):
    return client.get(f"/api/v1/app/requests/{reference}", headers={"X-Status-Token": token})


def count(uow, model):
    uow.session.expire_all()
    return uow.session.scalar(select(func.count()).select_from(model))


def test_a_request_is_stored_received_and_queued(cc, client, uow, app_queue, make):
    customer = make.customer(phones=["+74951234567"])
    answer = submit(client, cc.pbx)
    assert answer.status_code == 201, answer.text
    accepted = answer.json()
    assert accepted["reference"].startswith("R-") and accepted["status"] == "in_queue"
    assert accepted["status_text"].startswith("Ваше обращение в очереди")
    message = uow.session.scalars(select(InboundMessage)).one()
    assert message.status == "processed" and message.source == "app"
    assert json.loads(message.raw)["text"].startswith("Where")
    interaction = uow.session.get(Interaction, message.interaction_id)
    assert (interaction.channel, interaction.queue_id, interaction.state) == ("app", app_queue["app"].id, "queued")
    assert interaction.customer_id == customer.id and interaction.subject == "Where is my refund?"
    stored = uow.session.scalars(select(AppRequest)).one()
    assert accepted["status_token"] not in json.dumps(stored.token_hashes)  # only its digest is kept


def test_the_same_key_gives_the_same_request_and_a_different_body_is_409(cc, client, uow, app_queue):
    first = submit(client, cc.pbx).json()
    again = submit(client, cc.pbx)
    assert again.status_code == 200 and again.json()["reference"] == first["reference"]
    assert again.json()["status_token"] != first["status_token"]
    for token in (first["status_token"], again.json()["status_token"]):  # a lost first answer loses nothing
        assert status_of(client, first["reference"], token).status_code == 200
    clash = submit(client, cc.pbx, text="Something else")
    assert clash.status_code == 409 and "k1" in clash.json()["detail"]
    by_field = client.post("/api/v1/app/requests", json=body(idempotency_key="k1"), headers=cc.pbx.auth)
    assert by_field.json()["reference"] == first["reference"]
    assert (count(uow, InboundMessage), count(uow, Interaction), count(uow, AppRequest)) == (1, 1, 1)


def test_attachments_are_kept_with_the_interaction_and_case(cc, client, uow, app_queue):
    files = [("attachments", ("europrotocol.pdf", PDF, "application/pdf")),
             ("attachments", ("../../damage.png", PNG, "image/png"))]
    answer = client.post("/api/v1/app/requests", data=body(category="motor_claim", channel="app"), files=files,
                         headers={**cc.pbx.auth, "Idempotency-Key": "claim-1"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["attachments"] == 2
    kept = uow.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.content_type, a.size) for a in kept] == [
        ("europrotocol.pdf", "application/pdf", len(PDF)), ("damage.png", "image/png", len(PNG))]
    interaction = uow.session.get(Interaction, kept[0].interaction_id)
    assert interaction.queue_id == app_queue["claims"].id  # by category
    assert kept[0].content == PDF and kept[1].case_id == interaction.case_id is not None
    assert uow.session.get(Case, interaction.case_id).type == "motor_claim"


def test_attachment_limits_store_nothing(cc, client, uow, app_queue, settings):
    def post(files, key):
        return client.post("/api/v1/app/requests", data=body(), files=files,
                           headers={**cc.pbx.auth, "Idempotency-Key": key})

    too_big = post([("attachments", ("big.pdf", PDF + b"0" * settings.attachment_max_bytes, "application/pdf"))], "a")
    assert too_big.status_code == 413 and "big.pdf" in too_big.json()["detail"]
    disguised = post([("attachments", ("invoice.pdf", b"MZ\x90\x00 an executable", "application/pdf"))], "b")
    assert disguised.status_code == 415 and "invoice.pdf" in disguised.json()["detail"]
    too_many = post([("attachments", (f"{i}.pdf", PDF, "application/pdf")) for i in range(11)], "c")
    assert too_many.status_code == 422
    assert (count(uow, InboundMessage), count(uow, AppRequest), count(uow, Attachment)) == (0, 0, 0)


def test_malformed_payloads_are_422_with_a_message_and_store_nothing(cc, client, uow, app_queue):
    no_contact = submit(client, cc.pbx, phone=None)
    assert no_contact.status_code == 422 and "phone or an email" in no_contact.text
    bad_category = submit(client, cc.pbx, category="lottery")
    assert bad_category.status_code == 422 and "category" in bad_category.text
    assert submit(client, cc.pbx, text="").status_code == 422
    assert submit(client, cc.pbx, surprise=1).status_code == 422
    no_key = client.post("/api/v1/app/requests", json=body(), headers=cc.pbx.auth)
    assert no_key.status_code == 422 and "idempotency key" in no_key.json()["detail"]
    not_json = client.post("/api/v1/app/requests", content=b"{oops", headers={
        **cc.pbx.auth, "Content-Type": "application/json", "Idempotency-Key": "x"})
    assert not_json.status_code == 422 and "JSON" in not_json.text
    plain = client.post("/api/v1/app/requests", content=b"hello", headers={**cc.pbx.auth, "Content-Type": "text/plain"})
    assert plain.status_code == 415
    differ = client.post("/api/v1/app/requests", json=body(idempotency_key="a"),
                         headers={**cc.pbx.auth, "Idempotency-Key": "b"})
    assert differ.status_code == 422
    assert (count(uow, InboundMessage), count(uow, AppRequest), count(uow, Interaction)) == (0, 0, 0)


def test_the_status_follows_the_case_in_the_request_language(cc, client, uow, app_queue, clock, container):
    accepted = submit(client, cc.pbx, language="en").json()
    reference, token = accepted["reference"], accepted["status_token"]
    seen = status_of(client, reference, token).json()
    assert (seen["status"], seen["status_text"]) == ("in_queue", "Your request is in the queue and will be taken by "
                                                                 "a specialist soon.")
    assert seen["case_reference"].startswith("#") and set(seen) == {
        "reference", "status", "status_text", "case_reference", "last_update"}  # no notes, no internals
    interaction = uow.session.scalars(select(Interaction)).one()
    clock.advance(60)
    with container.uow() as unit:
        lifecycle.answer(unit, inbox.channel_actor("app"), interaction.id, AnswerCommand(agent_id=cc.agent.agent.id))
    handled = status_of(client, reference, token).json()
    assert handled["status"] == "being_handled" and handled["last_update"] > seen["last_update"]
    case_id = interaction.case_id
    cc.http(client, cc.admin, "POST", f"/cases/{case_id}/status", json={"status": "pending"})
    assert status_of(client, reference, token).json()["status"] == "waiting_for_reply"
    cc.http(client, cc.admin, "POST", f"/cases/{case_id}/status", json={"status": "resolved"})
    assert status_of(client, reference, token).json()["status_text"] == "Your request has been resolved."


def test_a_wrong_token_is_refused(cc, client, app_queue):
    accepted = submit(client, cc.pbx).json()
    assert status_of(client, accepted["reference"], "guess").status_code == 404
    assert client.get(f"/api/v1/app/requests/{accepted['reference']}").status_code == 404
    assert status_of(client, "R-NOSUCH", accepted["status_token"]).status_code == 404
    # a staff token is not a status token either
    assert client.get(f"/api/v1/app/requests/{accepted['reference']}", headers=cc.admin.auth).status_code == 404


def test_only_the_app_backend_submits(cc, client, app_queue):
    for person in (cc.agent, cc.supervisor, cc.qa):
        assert submit(client, person).status_code == 403
    assert client.post("/api/v1/app/requests", json=body(), headers={"Idempotency-Key": "k"}).status_code == 401


def test_a_web_form_lands_in_the_web_queue(cc, client, uow, app_queue):
    answer = submit(client, cc.pbx, channel="web", email="ivan@example.ru", phone=None)
    assert answer.status_code == 201
    interaction = uow.session.scalars(select(Interaction)).one()
    assert (interaction.channel, interaction.queue_id, interaction.from_address) == (
        "web", app_queue["web"].id, "ivan@example.ru")


def test_unconfigured_intake_is_404_and_stores_nothing(cc, client, uow):
    answer = submit(client, cc.pbx)
    assert answer.status_code == 404 and "app intake" in answer.json()["detail"]
    assert count(uow, InboundMessage) == 0


def test_a_request_whose_processing_failed_is_answered_and_retried_by_the_worker(cc, client, uow, app_queue,
                                                                                   container, clock):
    with container.uow() as unit:  # the queue is switched off: intake refuses, the request waits in the inbox
        unit.session.get(type(app_queue["app"]), app_queue["app"].id).is_active = False
        unit.commit()
    answer = submit(client, cc.pbx)
    assert answer.status_code == 201 and answer.json()["status"] == "received"
    message = uow.session.scalars(select(InboundMessage)).one()
    assert message.status == "pending" and "not active" in message.error
    with container.uow() as unit:
        unit.session.get(type(app_queue["app"]), app_queue["app"].id).is_active = True
        unit.commit()
    clock.advance(10)
    worker = ChannelWorker(container)
    worker.configure()
    assert worker.run_once()[0] == {"processed": 1}
    accepted = answer.json()
    assert status_of(client, accepted["reference"], accepted["status_token"]).json()["status"] == "in_queue"
