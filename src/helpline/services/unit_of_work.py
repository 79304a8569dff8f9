"""The unit of work: one database transaction per use case, rolled back unless the use case commits."""

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from helpline.domain.errors import Conflict

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock = utc_now) -> None:
        self._session_factory = session_factory
        self.clock = clock
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as error:
            self.session.rollback()
            raise Conflict("the record was changed by someone else at the same moment; try again") from error

    def flush(self) -> None:
        """Flush, turning a unique-key clash into a Conflict the caller can explain."""
        try:
            self.session.flush()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(_integrity_message(error)) from error

    def now(self) -> datetime:
        return self.clock()


def _integrity_message(error: IntegrityError) -> str:
    text = str(error.orig).lower()
    if "unique" in text or "duplicate" in text:
        return "a record with the same unique value already exists"
    if "foreign key" in text:
        return "a referenced record does not exist"
    return "the change breaks a database constraint"


UnitOfWorkFactory = Callable[[], UnitOfWork]
