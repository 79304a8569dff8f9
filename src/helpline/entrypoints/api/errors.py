"""Domain errors become HTTP answers here, and nowhere else: use cases never speak HTTP."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from helpline.domain.errors import Conflict, DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound

log = logging.getLogger(__name__)

STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (NotFound, 404), (IllegalTransition, 409), (Conflict, 409), (Forbidden, 403), (InvalidInput, 422),
]


def _status(error: DomainError) -> int:
    return next((code for kind, code in STATUS_BY_ERROR if isinstance(error, kind)), 400)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse({"detail": str(error), "error": type(error).__name__}, status_code=_status(error))

    @app.exception_handler(DBAPIError)
    async def database_error(_request: Request, error: DBAPIError) -> JSONResponse:
        # Out-of-range numbers and similar input the schema let through: the client's mistake, not ours.
        if error.orig is not None and type(error.orig).__name__ in ("DataError", "NumericValueOutOfRange"):
            return JSONResponse({"detail": "a value is out of range for its field", "error": "DataError"}, 422)
        log.exception("database error")
        return JSONResponse({"detail": "the database is unavailable; try again", "error": "Unavailable"}, 503)
