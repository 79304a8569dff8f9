"""The e-mail API: an agent's reply to a case (POST /cases/{id}/email-replies) delivered over SMTP with the
threading headers, and attachment downloads (GET /attachments/{id}), each refused to the wrong roles."""

import pytest
from sqlalchemy import select

from helpline.adapters.db import models as m
from tests.email_support import email_desk, mail
from tests.test_email_intake import PDF


@pytest.fixture
def desk(container, make, cc, sink):
    return email_desk(container, make, cc.client, cc.moscow, sink.port, acknowledge=False)


def received(desk, raw) -> m.InboundMessage:
    return desk.message(desk.receive(raw))


def case_of(container, message) -> int:
    with container.uow() as uow:
        return uow.session.get(m.Interaction, message.interaction_id).case_id


def reply(client, who, case_id, **body):
    return client.post(f"/api/v1/cases/{case_id}/email-replies", json=body, headers=who.auth)


def test_an_agent_reply_threads_after_the_last_customer_e_mail(cc, client, desk, sink, container):
    first = received(desk, mail(message_id="<m1@example.com>"))
    case_id = case_of(container, first)
    received(desk, mail("Re: ОСАГО", "дополнение", message_id="<m2@example.com>",
                        headers={"In-Reply-To": "<m1@example.com>", "References": "<m1@example.com>"}))
    response = reply(client, cc.supervisor, case_id, text="Ваше заявление принято, ждём документы.")
    assert response.status_code == 201, response.text
    view = response.json()
    assert view["to_address"] == "lev@example.com" and view["status"] == "queued" and view["language"] == "ru"
    desk.worker.run_once()
    [sent] = sink.messages()
    assert sent["Subject"] == f"[#{case_id}] Re: ОСАГО"
    assert sent["In-Reply-To"] == "<m2@example.com>" and sent["References"] == "<m1@example.com> <m2@example.com>"
    assert sent["Message-ID"] == view["message_id"] and sent["Content-Language"] == "ru"
    assert "Auto-Submitted" not in sent  # a person wrote it
    assert "Ваше заявление принято, ждём документы." in sent.get_content()
    # the customer answers our reply: the same case
    answer = received(desk, mail("Re: Re: ОСАГО", "вот", headers={"In-Reply-To": view["message_id"]}))
    assert case_of(container, answer) == case_id
    with container.uow() as uow:
        assert uow.session.get(m.Case, case_id).first_response_at is not None


def test_a_reply_in_english_when_the_customer_wrote_english(cc, client, desk, sink, container):
    first = received(desk, mail("Claim for my car", "Hello, a truck hit my car on the highway this morning."))
    view = reply(client, cc.admin, case_of(container, first), text="We have opened your claim.").json()
    desk.worker.run_once()
    [sent] = sink.messages()
    assert view["language"] == "en" and sent["Content-Language"] == "en"
    assert sent["Subject"].endswith("Re: Claim for my car") and "Your request number is" in sent.get_content()


def test_an_agent_replies_only_to_cases_in_their_scope(cc, client, desk, container):
    case_id = case_of(container, received(desk, mail()))
    assert reply(client, cc.agent, case_id, text="hello").status_code == 404  # not their case
    with container.uow() as uow:
        uow.session.get(m.Case, case_id).assigned_agent_id = cc.agent.agent.id
        uow.commit()
    assert reply(client, cc.agent, case_id, text="hello").status_code == 201
    assert reply(client, cc.spb_supervisor, case_id, text="hello").status_code == 404


def test_the_wrong_roles_are_refused_a_reply(cc, client, desk, container):
    case_id = case_of(container, received(desk, mail()))
    assert reply(client, cc.qa, case_id, text="hello").status_code == 403
    assert reply(client, cc.pbx, case_id, text="hello").status_code == 403
    assert client.post(f"/api/v1/cases/{case_id}/email-replies", json={"text": "x"}).status_code == 401


def test_malformed_replies_are_refused_with_a_reason(cc, client, desk, container):
    case_id = case_of(container, received(desk, mail()))
    assert reply(client, cc.admin, case_id, text="").status_code == 422
    assert reply(client, cc.admin, case_id, text="hi", to_address="not an address").status_code == 422
    assert reply(client, cc.admin, case_id + 100, text="hi").status_code == 404
    voice = cc.http(client, cc.pbx, "POST", "/interactions", json={"channel": "voice", "queue_id": cc.osago_queue.id})
    refused = reply(client, cc.admin, voice["case_id"], text="hi")
    assert refused.status_code == 422 and "no e-mail address" in refused.text
    with container.uow() as uow:
        assert uow.session.scalars(select(m.OutboundMessage)).all() == []


def test_attachments_download_within_scope_only(cc, client, desk, container):
    message = received(desk, mail("Полис", "см. вложение", attachments=[("полис.pdf", "application/pdf", PDF)]))
    with container.uow() as uow:
        attachment_id = uow.session.scalar(select(m.Attachment.id))
    url = f"/api/v1/attachments/{attachment_id}"
    response = client.get(url, headers=cc.admin.auth)
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == "attachment; filename*=UTF-8''%D0%BF%D0%BE%D0%BB%D0%B8%D1%81.pdf"
    assert client.get(url, headers=cc.qa.auth).status_code == 200
    assert client.get(url, headers=cc.supervisor.auth).status_code == 200
    assert client.get(url, headers=cc.spb_supervisor.auth).status_code == 404
    with container.uow() as uow:  # answered by one agent: no longer waiting where a colleague may see it
        interaction = uow.session.get(m.Interaction, message.interaction_id)
        interaction.state, interaction.agent_id = "connected", cc.agent.agent.id
        uow.commit()
    assert client.get(url, headers=cc.agent.auth).status_code == 200
    assert client.get(url, headers=cc.colleague.auth).status_code == 404
    assert client.get(url, headers=cc.pbx.auth).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(f"/api/v1/attachments/{attachment_id + 1}", headers=cc.admin.auth).status_code == 404
    assert message.status == "processed"
