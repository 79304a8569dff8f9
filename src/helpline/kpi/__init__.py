"""KPIs from the event log: every metric defined once (`metrics`), computed by a columnar engine (`engine`)."""

from helpline.kpi.engine import DIMENSIONS, INTERVALS, ReportError, ReportSpec, report
from helpline.kpi.metrics import DEFAULT_METRICS, METRIC_NAMES, METRICS, SL_FORMULAS

__all__ = ["DEFAULT_METRICS", "DIMENSIONS", "INTERVALS", "METRICS", "METRIC_NAMES", "SL_FORMULAS", "ReportError",
           "ReportSpec", "report"]
