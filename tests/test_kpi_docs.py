"""docs/metrics.md states the same metric definitions as the code (datasette's docs-drift idea)."""

from pathlib import Path

from helpline.kpi.metrics import reference_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def test_the_metric_definitions_in_the_docs_match_the_code():
    text = DOC.read_text()
    documented = text.split("<!-- metrics:start -->\n", 1)[1].split("\n<!-- metrics:end -->", 1)[0]
    assert documented == reference_markdown(), "regenerate the table with helpline.kpi.metrics.reference_markdown()"
