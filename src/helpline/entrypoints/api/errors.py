"""Domain errors become HTTP answers here, and nowhere else: use cases never speak HTTP."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

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

    @app.exception_handler(OverflowError)
    async def number_too_large(_request: Request, _error: OverflowError) -> JSONResponse:
        # SQLite's driver refuses integers past 64 bits before the query runs
        return JSONResponse({"detail": "a number is too large for its field", "error": "OverflowError"}, 422)

    @app.exception_handler(DataError)
    async def bad_value(_request: Request, _error: DataError) -> JSONResponse:
        # a value the schema let through but the database cannot store (out of range, NUL in text, ...)
        return JSONResponse({"detail": "a value cannot be stored in its field", "error": "DataError"}, 422)

    @app.exception_handler(IntegrityError)
    async def constraint_clash(_request: Request, _error: IntegrityError) -> JSONResponse:
        return JSONResponse({"detail": "the change clashes with a stored record", "error": "Conflict"}, 409)

    @app.exception_handler(DBAPIError)
    async def database_error(_request: Request, error: DBAPIError) -> JSONResponse:
        log.exception("database error")
        return JSONResponse({"detail": "the database is unavailable; try again", "error": "Unavailable"}, 503)
