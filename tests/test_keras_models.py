"""The Keras assignment's tests that need Keras 3 (tests/keras_in_process.py), run by pytest in a
fresh interpreter: the other assignments' tests set TensorFlow up for the graph API in this
process, and a process holds one Keras."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_the_keras_tests_pass_in_a_process_of_their_own():
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(TESTS / "keras_in_process.py")],
        cwd=TESTS.parent, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert " passed" in run.stdout.splitlines()[-1], run.stdout[-2000:]
