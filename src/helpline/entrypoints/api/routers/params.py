"""Path and query parameter types shared by the administration routers. Ids are bounded so a huge number
is refused with 422 instead of overflowing a database integer."""

from typing import Annotated, Any

from fastapi import Path, Query

from helpline.services.admin_schemas import MAX_BIG_ID, MAX_ID

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
BigIdQuery = Annotated[int | None, Query(ge=1, le=MAX_BIG_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
SearchText = Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such record (or not in your scope)"}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "A record with the same code, name or number exists"}}
