"""The composition root: builds settings, database and the app for API, web, worker, CLI and tests."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from helpline.adapters.db.engine import make_engine, make_session_factory
from helpline.config import Settings
from helpline.services.auth import ActorCache
from helpline.services.unit_of_work import Clock, UnitOfWork, utc_now


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = field(default=utc_now)
    actor_cache: ActorCache = field(default_factory=lambda: ActorCache(0))
    # set by the running channel worker: adapters call it after storing a message, to process it at once
    wake_channels: Callable[[], None] = field(default=lambda: None)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.clock)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, clock: Clock = utc_now) -> Container:
    settings = settings or Settings()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("helpline").setLevel(settings.log_level)  # libraries stay at WARNING
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    return Container(settings=settings, engine=engine, session_factory=make_session_factory(engine), clock=clock,
                     actor_cache=ActorCache(settings.auth_cache_ttl_s))
