"""The benchmark scripts load: each imports what it uses (they run only under `make benchmark`,
so a broken import would otherwise surface there first)."""

from __future__ import annotations

import importlib
import sys

import pytest

from autograder.course import REPO_ROOT

SCRIPTS = sorted(path.stem for path in (REPO_ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_script_imports(script, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO_ROOT / "benchmarks"))  # as when run as a script
    module = importlib.import_module(script)
    assert callable(module.main), f"benchmarks/{script}.py has no main()"
    sys.modules.pop(script, None)
