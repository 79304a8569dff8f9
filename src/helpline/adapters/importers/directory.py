"""The site, client, queues and agents an import refers to by name, created when missing, so a centre can
import its history before configuring Helpline."""

import hashlib
import re
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helpline.adapters.db.models import Agent, Client, Queue, Site

DEFAULT_SITE = "Imported"
DEFAULT_CLIENT = "imported"


def queue_code(name: str, prefix: str = "") -> str:
    """A queue's code from its name: lower-case letters, digits and `_` (60 at most). A name that loses
    characters on the way (Cyrillic, say) also gets a digest, so two such names never share a code."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        slug = "q_" + _digest(name)
    elif re.search(r"[^A-Za-z0-9_\-. /]", name):
        slug = slug[:48] + "_" + _digest(name)
    return (prefix + slug)[:60]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


class Directory:
    def __init__(self, session: Session, *, site: str = DEFAULT_SITE, client: str = DEFAULT_CLIENT,
                 time_zone: str = "UTC") -> None:
        self.session, self.site_name, self.client_code, self.time_zone = session, site, client, time_zone
        self._site_id: int | None = None
        self._client_id: int | None = None
        self.queues_created = self.agents_created = 0

    @property
    def site_id(self) -> int:
        if self._site_id is None:
            site = self.session.scalar(select(Site).where(Site.name == self.site_name))
            if site is None:
                site = Site(name=self.site_name, time_zone=self.time_zone)
                self.session.add(site)
                self.session.flush()
            self._site_id = site.id
        return self._site_id

    @property
    def client_id(self) -> int:
        if self._client_id is None:
            client = self.session.scalar(select(Client).where(Client.code == self.client_code))
            if client is None:
                client = Client(code=self.client_code, name=self.client_code.replace("_", " ").title())
                self.session.add(client)
                self.session.flush()
            self._client_id = client.id
        return self._client_id

    def queues(self, names: dict[str, str], channel: str = "voice") -> dict[str, int]:
        """Queue ids by code ({code: name}); a missing queue is created on this site and client."""
        rows = self.session.execute(select(Queue.code, Queue.id).where(Queue.code.in_(list(names))))
        found = {code: queue_id for code, queue_id in rows}
        for code, name in names.items():
            if code not in found:
                queue = Queue(code=code, name=name[:200], client_id=self.client_id, site_id=self.site_id,
                              channel=channel)
                self.session.add(queue)
                self.session.flush()
                found[code] = queue.id
                self.queues_created += 1
        return found

    def agents(self, names: Iterable[str]) -> dict[str, int]:
        """Agent ids by member name: an agent whose employee number, else display name, is that name; a
        missing one is created on this site (logged out: an import writes history, not live presence)."""
        wanted = sorted(set(names))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            numbers = {employee_no(n): n for n in chunk}
            rows = self.session.execute(select(Agent.id, Agent.employee_no, Agent.display_name).where(
                or_(Agent.employee_no.in_(list(numbers)), Agent.display_name.in_(chunk))).order_by(Agent.id))
            by_name: dict[str, list[int]] = {}
            for agent_id, number, display in rows:
                if number in numbers:
                    found[numbers[number]] = agent_id
                if display in chunk:
                    by_name.setdefault(display, []).append(agent_id)
            for name, ids in by_name.items():
                if name not in found and len(ids) == 1:  # a display name two agents share names no one
                    found[name] = ids[0]
        for name in wanted:
            if name not in found:
                agent = Agent(employee_no=employee_no(name), display_name=name[:200], site_id=self.site_id,
                              presence="logged_out")
                self.session.add(agent)
                self.session.flush()
                found[name] = agent.id
                self.agents_created += 1
        return found


def employee_no(name: str) -> str:
    """employee_no holds 40 characters: a longer member name (a channel, say) keeps a digest of the rest."""
    return name if len(name) <= 40 else name[:31] + "~" + _digest(name)
