"""KPI reports (supervisors for their sites, qa and administrators for all): the same parameters as
`helpline report`, as JSON, CSV or XLSX."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import ValidationError

from helpline.bootstrap import Container
from helpline.domain.errors import InvalidInput
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, get_container, require
from helpline.kpi.metrics import DEFAULT_SL_FORMULA
from helpline.services.reports import ReportRequest, run_report

router = APIRouter(prefix="/reports", tags=["reports"])
Names = Annotated[str, Query(max_length=400, pattern=r"^[a-z0-9_,=\s]*$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/kpi", response_model=list[dict[str, Any]],
            responses={200: {"content": {"text/csv": {}, XLSX: {}}}, 422: {"description": "Unknown name"}})
def kpi_report(uow: UoW, actor: Annotated[Actor, Depends(require(P.READ_REPORTS))],
               container: Annotated[Container, Depends(get_container)],
               from_date: Annotated[date, Query(alias="from", description="First day (centre's time zone)")],
               to_date: Annotated[date, Query(alias="to", description="Exclusive")],
               by: Names = "", metrics: Names = "",
               answer_within: Annotated[float | None, Query(gt=0, le=30 * 86400)] = None,
               short_abandon: Annotated[float, Query(ge=0, le=3600)] = 5.0,
               sl_formula: Annotated[str, Query(max_length=40)] = DEFAULT_SL_FORMULA,
               output: Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")] = "json") -> Any:
    """Rates are fractions from 0 to 1 and durations seconds; one object per group (one in all without `by`)."""
    try:
        request = ReportRequest(from_date=from_date, to_date=to_date, by=by, metrics=metrics,
                                answer_within=answer_within, short_abandon=short_abandon, sl_formula=sl_formula)
    except ValidationError as error:
        raise InvalidInput(error.errors()[0]["msg"]) from None
    result = run_report(uow, actor, request, container.settings.time_zone)
    if output == "csv":
        return Response(result.csv(), media_type="text/csv; charset=utf-8")
    if output == "xlsx":
        return Response(result.xlsx(), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="kpi.xlsx"'})
    return result.rows
