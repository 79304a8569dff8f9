"""Which build of the engine `import helpline.routing` loads: the mypyc-compiled modules or the sources.

setup.py compiles the engine's modules with mypyc when it can, into extension modules beside their sources
(`core.cpython-311-x86_64-linux-gnu.so` beside `core.py`), and records in `_compiled.json` the SHA-256 of each
source it compiled. Python prefers an extension module to a source file of the same name; the sources are
loaded instead when HELPLINE_PURE_PYTHON is set (to anything but "" or "0"), or, with a warning, when a
compiled module no longer matches its source (edited since the last build: rebuild with `pip install -e .`).
Imported first by the package's __init__, before any engine module.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, SOURCE_SUFFIXES, FileFinder, ModuleSpec, SourceFileLoader
from pathlib import Path
from types import ModuleType

PACKAGE = __name__.rpartition(".")[0]
HERE = Path(__file__).resolve().parent
MANIFEST = "_compiled.json"


def pure_python_requested() -> bool:
    return os.environ.get("HELPLINE_PURE_PYTHON", "") not in ("", "0")


def compiled_modules() -> list[str]:
    """The modules that have an extension module beside their source."""
    names = {entry.name[: -len(suffix)] for entry in HERE.iterdir() for suffix in EXTENSION_SUFFIXES
             if entry.name.endswith(suffix)}
    return sorted(name for name in names if (HERE / f"{name}.py").is_file())


def stale_modules(names: list[str]) -> list[str]:
    """Those of `names` whose source differs from the one they were compiled from (or is not on record)."""
    try:
        recorded = json.loads((HERE / MANIFEST).read_text())
    except (OSError, ValueError):
        recorded = {}
    return [name for name in names
            if recorded.get(name) != hashlib.sha256((HERE / f"{name}.py").read_bytes()).hexdigest()]


class _Sources(MetaPathFinder):
    """Finds the engine's modules as source files, ahead of the default finder (which prefers extensions)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        package, _, _ = fullname.rpartition(".")
        if package != PACKAGE:
            return None
        return FileFinder(str(HERE), (SourceFileLoader, SOURCE_SUFFIXES)).find_spec(fullname)


def _choose() -> None:
    names = compiled_modules()
    if not names:
        return
    if not pure_python_requested():
        stale = stale_modules(names)
        if not stale:
            return
        warnings.warn(f"{PACKAGE}: compiled modules no longer match their sources ({', '.join(stale)}); using "
                      "the sources. Rebuild with `pip install -e .`, or set HELPLINE_PURE_PYTHON=1.", RuntimeWarning,
                      stacklevel=2)
    sys.meta_path.insert(0, _Sources())


_choose()
