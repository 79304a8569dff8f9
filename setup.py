"""Helpline's build: the routing engine compiled with mypyc where possible, the Python sources everywhere.

`pip install .` and `pip install -e .` (what scripts/test and scripts/demo run) compile the engine's modules
listed in ENGINE with mypyc into extension modules, which Python imports instead of the sources beside them
(about 1.4 times the decisions a second: docs/benchmarks.md). The sources are installed too and stay the reference:
  - HELPLINE_PURE_PYTHON=1 when building skips compiling;
  - where compiling fails (no C compiler, no Python headers, another interpreter) the build warns and the
    package installs as pure Python;
  - HELPLINE_PURE_PYTHON=1 at run time, or a source edited since the build, loads the sources
    (helpline/routing/_build.py).
Every build first removes the compiled modules a previous build left in the source tree.
Everything else (metadata, dependencies, packages) is in pyproject.toml.
"""

import hashlib
import json
import os
import platform
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROUTING = Path("src/helpline/routing")
# The engine proper (with its slots' heaps), and the simulation's event loop (driver, with its event heap),
# compiled together so that the driver calls the engine natively. Not compiled: __init__ and _build, and the
# modules of the public dataclasses (decisions, model, views), which stay plain Python classes in both builds.
ENGINE = ["slot_heaps", "state", "heaps", "core", "flow", "eligibility", "inspection", "presence", "engine",
          "event_heap", "driver"]
# The engine's shared library, a top-level module as mypyc expects: src/helpline_routing__mypyc.*.so
GROUP = "helpline_routing"
MANIFEST = "_compiled.json"  # module -> SHA-256 of the source compiled, read by _build.py


def pure_python() -> bool:
    return os.environ.get("HELPLINE_PURE_PYTHON", "") not in ("", "0")


def compiled_extensions() -> list[Extension]:
    if pure_python():
        return []
    if platform.python_implementation() != "CPython":
        print(f"helpline: no mypyc build on {platform.python_implementation()}: installing the sources",
              file=sys.stderr)
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as exc:  # a build without the build-system requirements (--no-build-isolation)
        print(f"helpline: mypyc is not available ({exc}): installing the sources", file=sys.stderr)
        return []
    # No project mypy configuration: its plugins need packages the build environment does not have.
    return mypycify(["--config-file=", "--ignore-missing-imports", *(str(ROUTING / f"{m}.py") for m in ENGINE)],
                    opt_level="3", group_name=GROUP)


def remove_compiled() -> None:
    """Removes what a build in the source tree left there."""
    for path in [*ROUTING.iterdir(), *ROUTING.parent.parent.glob(f"{GROUP}__mypyc.*")]:
        if path.suffix in (".so", ".pyd") or path.name == MANIFEST:
            path.unlink()


class BuildPy(build_py):
    def run(self) -> None:
        remove_compiled()  # a build in the tree (an editable install) puts fresh ones back
        super().run()


class OptionalBuildExt(build_ext):
    """Builds the compiled engine, or nothing if any part of it fails to build: the sources then serve."""

    def run(self) -> None:
        in_tree = self.inplace or self.editable_mode
        try:
            super().run()
        except Exception as exc:  # any compiler or linker failure
            print(f"helpline: compiling the routing engine failed ({exc}): installing the sources", file=sys.stderr)
            for ext in self.extensions:
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            if in_tree:
                remove_compiled()
            return
        if self.extensions:
            target = ROUTING if in_tree else Path(self.build_lib, "helpline", "routing")
            hashes = {m: hashlib.sha256((ROUTING / f"{m}.py").read_bytes()).hexdigest() for m in ENGINE}
            (target / MANIFEST).write_text(json.dumps(hashes, indent=1) + "\n")


setup(ext_modules=compiled_extensions(), cmdclass={"build_py": BuildPy, "build_ext": OptionalBuildExt})
