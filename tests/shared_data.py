"""The real call-centre data sets the project tests with (../shared/data beside the repository, BRIEF §4).

A checkout may live elsewhere than beside `shared/` (CI clones it to a scratch directory), so the data is
looked for in HELPLINE_SHARED_DATA, beside the repository, then at the machine's /work/shared/data. Missing
data fails the test that needs it, with the places looked at: it is never skipped."""

import os
from pathlib import Path

import pytest

PLACES = [Path(p) for p in (os.environ.get("HELPLINE_SHARED_DATA", ""),) if p] + [
    Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")]


def shared_data(name: str) -> Path:
    for place in PLACES:
        if (place / name).is_file():
            return place / name
    pytest.fail(f"{name} is not in {', '.join(map(str, PLACES))}: set HELPLINE_SHARED_DATA to its directory")
