"""A small contact centre for API tests: one client, a Moscow site, an OSAGO voice queue, a chat queue,
and people in every role with tokens."""

from dataclasses import dataclass

from fastapi.testclient import TestClient

from helpline.adapters.db import models as m
from tests.factories import Factories


@dataclass
class Person:
    user: m.User
    token: str
    agent: m.Agent | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Centre:
    client: m.Client
    moscow: m.Site
    spb: m.Site
    osago: m.Skill
    osago_queue: m.Queue
    chat_queue: m.Queue
    spb_queue: m.Queue
    admin: Person
    supervisor: Person
    spb_supervisor: Person
    qa: Person
    pbx: Person
    agent: Person
    colleague: Person
    novice: Person  # holds the osago skill but never passed the exam

    def http(self, api: TestClient, who: Person, method: str, path: str, **kw) -> dict | list:
        response = api.request(method, f"/api/v1{path}", headers=who.auth, **kw)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json()


def build_centre(make: Factories) -> Centre:
    client = make.client("reso")
    moscow, spb = make.site("Moscow"), make.site("St Petersburg")
    osago = make.skill("osago")
    chat = make.skill("chat", requires_certification=False)
    osago_queue = make.queue(client=client, site=moscow, code="osago_msk", skills={osago: 3})
    chat_queue = make.queue(client=client, site=moscow, code="chat_msk", channel="chat", skills={chat: 1})
    spb_queue = make.queue(client=client, site=spb, code="osago_spb", skills={osago: 1})
    make.wrap_up_code("claim_registered", "Claim registered")
    make.not_ready_reason("break", "Break")
    make.not_ready_reason("no_answer", "No answer")

    def person(role: str, **kw) -> Person:
        user = make.user(role, sites=kw.pop("sites", None))
        agent = make.agent(site=kw.pop("site"), user=user, **kw) if role == "agent" else None
        return Person(user, make.token(user), agent)

    return Centre(
        client=client, moscow=moscow, spb=spb, osago=osago, osago_queue=osago_queue, chat_queue=chat_queue,
        spb_queue=spb_queue,
        admin=person("admin"), supervisor=person("supervisor", sites=[moscow]),
        spb_supervisor=person("supervisor", sites=[spb]), qa=person("qa"), pbx=person("integration"),
        agent=person("agent", site=moscow, skills={osago: 5, chat: 1}),
        colleague=person("agent", site=moscow, skills={osago: 7, chat: 1}),
        novice=person("agent", site=moscow, skills={osago: 9}, certified=False),
    )


def fields_named(response) -> set[str]:
    """The fields a 422 answer names."""
    return {str(part) for error in response.json()["detail"] for part in error["loc"]}
