"""Grading a notebook: the student's cells run in a sandboxed process, the hidden tests in ours.

Real sandboxed worker processes throughout. The solution gets full points and the blank
release none; catalogue bugs score what they score in process; and a notebook that tampers
with the grading in its own kernel (numpy, the grade functions, builtins, input transformers,
always-equal objects) gets the score of its real functions, while a function that ends the
process, loops for ever, exhausts memory or floods the output costs only its own points.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import io
import os
import time

import nbformat
import numpy as np
import pytest

from autograder import results
from autograder.catalogue.step_by_step import BUGS
from autograder.course import ASSIGNMENTS, Course, get_assignment, notebook_files
from autograder.engine import session as engine_session
from autograder.engine.harness import OpaqueValue, describe_exception
from autograder.engine.sandbox import GIB, Limits
from autograder.engine.session import NotebookRun, copy_back, grade_notebook, remote_error
from autograder.engine.wire import DecodeError, decode, encode
from autograder.hidden_tests import step_by_step
from autograder.samples import sample_submissions, solution_namespace

ASSIGNMENT = "conv_step_by_step"
POINTS = {name: float(points) for name, points in step_by_step.POINTS.items()}
# Short limits: nothing here needs long, and the slow cases must fail fast.
LIMITS = {"time_limit": 60.0, "call_timeout": 10}


def grade(notebook: nbformat.NotebookNode, assignment: str, *, time_limit: float,
          call_timeout: float, memory_limit: int | None = 2 * GIB) -> NotebookRun:
    """NOTEBOOK graded with ASSIGNMENT's hidden tests under these limits, in the sandbox."""
    limits = Limits(time_limit=time_limit, cell_timeout=call_timeout,
                    memory_limit=memory_limit)
    graded = get_assignment(assignment)
    return grade_notebook(notebook, graded.grading(), limits, notebook_files(),
                          graded.skipped_cells)


BUGS_BY_NAME = {bug.name: bug for bug in BUGS}
# One bug per kind of check: values, in-place changes, a raised exception, keyword
# arguments (mode), a helper.
COMPARED_BUGS = ["single-step-modifies-input", "conv-window-ends-at-stride",
                 "conv-backward-unpads-with-negative-index", "pool-forward-ignores-mode",
                 "distribute-divides-by-height"]
CONV_FORWARD_BUG = BUGS_BY_NAME["conv-window-ends-at-stride"]
SINGLE_STEP_BUG = BUGS_BY_NAME["single-step-returns-array"]


@pytest.fixture(scope="module")
def samples() -> dict[str, nbformat.NotebookNode]:
    bugs = {BUGS_BY_NAME[name] for name in COMPARED_BUGS} | {CONV_FORWARD_BUG, SINGLE_STEP_BUG}
    return sample_submissions(Course(), ASSIGNMENT, sorted(bugs, key=lambda bug: bug.name))


def scores(outcome: NotebookRun) -> dict[str, float]:
    return {test.name: test.score for test in outcome.tests}


def report(outcome: NotebookRun, name: str) -> str:
    return next(test.output for test in outcome.tests if test.name == name)


def in_process_scores(bug) -> dict[str, float]:
    """The hidden tests' scores for BUG's functions, run in this process."""
    functions = solution_namespace(bugs=[bug])
    with contextlib.redirect_stdout(io.StringIO()):
        return {name: getattr(step_by_step, f"grade_{name}")(functions[name])
                for name in POINTS}


def with_code(notebook: nbformat.NotebookNode, grade_id: str, code: str,
              replace: bool = False) -> nbformat.NotebookNode:
    """A copy of NOTEBOOK with CODE appended to (or replacing) the cell GRADE_ID."""
    edited = copy.deepcopy(notebook)
    cell = _cell(edited, grade_id)
    cell.source = code if replace else cell.source + "\n" + code
    return edited


def with_cell(notebook: nbformat.NotebookNode, after: str, code: str,
              cell_id: str = "student_cell") -> nbformat.NotebookNode:
    """A copy of NOTEBOOK with a new code cell CODE after the cell AFTER (a grade_id)."""
    edited = copy.deepcopy(notebook)
    position = edited.cells.index(_cell(edited, after)) + 1
    cell = nbformat.v4.new_code_cell(code)
    cell.id = cell_id
    edited.cells.insert(position, cell)
    return edited


def _cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"no cell {grade_id!r}")


def others_full(outcome: NotebookRun, *names: str) -> dict[str, float]:
    """The scores of the functions other than NAMES, to compare with full points."""
    return {name: score for name, score in scores(outcome).items() if name not in names}


def full_except(*names: str) -> dict[str, float]:
    return {name: points for name, points in POINTS.items() if name not in names}


# The plain cases ------------------------------------------------------------------------

def test_solution_gets_full_points_without_notes(samples):
    outcome = grade(samples["solution"], ASSIGNMENT, **LIMITS)
    assert [test.name for test in outcome.tests] == list(POINTS)
    assert all(isinstance(test, results.TestResult) for test in outcome.tests)
    assert scores(outcome) == POINTS
    assert outcome.notes == []
    for test in outcome.tests:
        points = f"{test.max_score:g}"
        assert test.max_score == POINTS[test.name]
        assert test.output.startswith(f"{test.name}: {points} / {points} points\n"), test.output
        assert "FAIL" not in test.output


def test_blank_release_gets_zero_everywhere(samples):
    outcome = grade(samples["blank"], ASSIGNMENT, **LIMITS)
    assert scores(outcome) == {name: 0.0 for name in POINTS}
    for test in outcome.tests:
        assert f"{test.name} raised NotImplementedError: it is not implemented yet" in \
            test.output.replace("\n    ", " "), test.output
    assert outcome.notes == []


@pytest.mark.parametrize("bug_name", COMPARED_BUGS)
def test_catalogue_bug_scores_as_in_process(samples, bug_name):
    bug = BUGS_BY_NAME[bug_name]
    outcome = grade(samples[bug_name], ASSIGNMENT, **LIMITS)
    expected = in_process_scores(bug)
    assert scores(outcome) == expected
    assert any(expected[name] < POINTS[name] for name in bug.breaks)
    if bug.hint:
        assert any(bug.hint in report(outcome, name) for name in bug.breaks)


def test_student_error_names_the_line_of_the_cell(samples):
    outcome = grade(samples["conv-backward-unpads-with-negative-index"], ASSIGNMENT,
                            **LIMITS)
    text = report(outcome, "conv_backward").replace("\n            ", " ")
    assert ("raised ValueError: \"could not broadcast input array from shape (0,0,3) into "
            "shape (5,6,3)\" (in conv_backward, line 27 of your cell: `dA_prev[i, :, :, :] = "
            "da_prev_pad[pad:-pad, pad:-pad, :]`)") in text, text


def test_missing_function_is_not_defined(samples):
    notebook = copy.deepcopy(samples["solution"])
    notebook.cells.remove(_cell(notebook, "pool_forward"))
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome)["pool_forward"] == 0.0
    assert "pool_forward is not defined: run the cell that defines it" in \
        report(outcome, "pool_forward")
    assert others_full(outcome, "pool_forward") == full_except("pool_forward")


# Tampering in the student's kernel ------------------------------------------------------

def test_patched_allclose_does_not_reach_the_grader(samples):
    notebook = with_code(samples[CONV_FORWARD_BUG.name], "conv_forward",
                         "np.allclose = lambda *a, **k: True\nnp.isclose = np.allclose")
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome) == in_process_scores(CONV_FORWARD_BUG)
    assert scores(outcome)["conv_forward"] < POINTS["conv_forward"]
    assert np.allclose(0.0, 1.0) is False


def test_replaced_grade_function_does_not_reach_the_grader(samples):
    original = step_by_step.grade_conv_forward
    notebook = with_code(samples[CONV_FORWARD_BUG.name], "conv_forward",
                         "import autograder.hidden_tests.step_by_step as hidden\n"
                         "hidden.grade_conv_forward = lambda func: 20.0\n"
                         "hidden.POINTS['conv_forward'] = 0")
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome) == in_process_scores(CONV_FORWARD_BUG)
    assert step_by_step.grade_conv_forward is original
    assert step_by_step.POINTS["conv_forward"] == 20


def test_always_equal_result_cannot_pass(samples):
    notebook = with_code(samples["solution"], "create_mask_from_window", (
        "class AlwaysEqual:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __array_priority__ = 1000\n"
        "def create_mask_from_window(x):\n"
        "    return AlwaysEqual()"), replace=True)
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome)["create_mask_from_window"] == 0.0
    assert 'an object of type "AlwaysEqual" that cannot be checked outside the notebook' in \
        report(outcome, "create_mask_from_window")
    # pool_backward's max mode uses the mask
    assert others_full(outcome, "create_mask_from_window", "pool_backward") == \
        full_except("create_mask_from_window", "pool_backward")


def test_patched_builtins_do_not_reach_the_grader(samples):
    notebook = with_cell(samples[SINGLE_STEP_BUG.name], "pool_backward", (
        "import builtins\n"
        "real_isinstance = builtins.isinstance\n"
        "def lenient_isinstance(obj, kind):  # any number passes as a scalar\n"
        "    if kind is bool:\n"
        "        return False\n"
        "    if real_isinstance(kind, tuple) and float in kind:\n"
        "        return True\n"
        "    return real_isinstance(obj, kind)\n"
        "builtins.isinstance = lenient_isinstance\n"
        "builtins.abs = lambda x: 0.0"))
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome) == in_process_scores(SINGLE_STEP_BUG)
    assert scores(outcome)["conv_single_step"] < POINTS["conv_single_step"]
    assert builtins.isinstance("text", int) is False
    assert builtins.abs(-2) == 2


def test_input_transformer_cannot_rewrite_the_tests(samples):
    notebook = with_cell(samples[CONV_FORWARD_BUG.name], "imports", (
        "def full_marks(lines):\n"
        "    if any('grade_' in line or 'assert' in line for line in lines):\n"
        "        return ['score = 20.0\\n']\n"
        "    return lines\n"
        "get_ipython().input_transformers_cleanup.append(full_marks)"))
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome) == in_process_scores(CONV_FORWARD_BUG)


# Functions that break the process ------------------------------------------------------

def test_function_that_ends_the_process_loses_only_its_points(samples):
    notebook = with_code(samples["solution"], "conv_backward", (
        "import os\n"
        "def conv_backward(dZ, cache):\n"
        "    os._exit(0)"), replace=True)
    notebook = with_cell(notebook, "conv_backward", "conv_backward(None, None)", "calls_it")
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome)["conv_backward"] == 0.0
    assert others_full(outcome, "conv_backward") == full_except("conv_backward")
    assert ("process-ended: the process running the student's code ended during a call of "
            "conv_backward (exit code 0); conv_backward was not called again") in outcome.notes
    # A cell of the student's calls it too: that cell is skipped when the cells run again.
    assert ("process-ended: the process running the student's code ended in cell "
            "calls_it (exit code 0); that cell was skipped") in outcome.notes
    assert "raised ProcessEnded: \"the process running conv_backward ended during the call" in \
        report(outcome, "conv_backward")


def test_endless_loop_costs_one_timeout(samples):
    call_timeout = 2.0
    notebook = with_code(samples["solution"], "pool_backward", (
        "def pool_backward(dA, cache, mode='max'):\n"
        "    while True:\n"
        "        pass"), replace=True)
    notebook = with_cell(notebook, "pool_backward", "pool_backward(None, None)", "calls_it")
    start = time.perf_counter()
    outcome = grade(notebook, ASSIGNMENT, time_limit=60.0, call_timeout=call_timeout)
    elapsed = time.perf_counter() - start
    text = report(outcome, "pool_backward")
    sub_tests = text.count("\n  FAIL ") + text.count("\n  ok ")
    assert sub_tests >= 8, text
    assert scores(outcome)["pool_backward"] == 0.0
    assert others_full(outcome, "pool_backward") == full_except("pool_backward")
    # A cell of the student's ran into the loop first; the hidden tests never called it.
    assert outcome.notes == ["time-limit: cell calls_it ran longer than 2 s in "
                             "pool_backward; pool_backward was stopped and not called again"]
    assert "raised TimeoutError: \"pool_backward did not return within 2 s" in text
    assert elapsed < call_timeout + 4.0, f"took {elapsed:.1f} s"
    assert elapsed < call_timeout * sub_tests / 2


def test_endless_loop_in_a_helper_costs_the_helper_only(samples):
    notebook = with_code(samples["solution"], "conv_single_step", (
        "def conv_single_step(a_slice_prev, W, b):\n"
        "    while True:\n"
        "        pass"), replace=True)
    notebook = with_cell(notebook, "conv_single_step", "conv_single_step(None, None, None)",
                         "calls_it")
    # conv_forward, graded with the course's conv_single_step, asks the grader for each of its
    # windows: 5 s a call leaves it room on a busy machine.
    outcome = grade(notebook, ASSIGNMENT, time_limit=60.0, call_timeout=5.0)
    assert scores(outcome)["conv_single_step"] == 0.0
    assert others_full(outcome, "conv_single_step") == full_except("conv_single_step")
    # One timeout: a call of the stopped function that timed out again would add a note.
    assert outcome.notes == ["time-limit: cell calls_it ran longer than 5 s in "
                             "conv_single_step; conv_single_step was stopped and not called "
                             "again"]
    assert ("Your conv_single_step lost points in its own tests; conv_forward was graded with a "
            "correct conv_single_step") in " ".join(report(outcome, "conv_forward").split())


def test_functions_are_graded_with_the_course_versions_of_broken_helpers(samples):
    # zero_pad's cell defines something else; conv_single_step aliases a wrong function that
    # conv_forward also keeps as a default argument; the create_mask_from_window helper
    # is right. After grading, the notebook's names are what the student made them.
    notebook = with_code(samples["solution"], "zero_pad", "pad_it = None", replace=True)
    notebook = with_code(notebook, "conv_single_step", (
        "def wrong_step(a_slice_prev, W, b):\n"
        "    return float(np.sum(a_slice_prev * W + b))\n"
        "conv_single_step = wrong_step"), replace=True)
    forward = _cell(notebook, "conv_forward")
    forward.source = forward.source.replace("def conv_forward(A_prev, W, b, hparameters):",
                                            "def conv_forward(A_prev, W, b, hparameters, "
                                            "step=conv_single_step):").replace(
        "conv_single_step(a_slice_prev", "step(a_slice_prev")
    assert "step(a_slice_prev" in forward.source
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome)["zero_pad"] == 0.0
    assert scores(outcome)["conv_single_step"] == 0.0
    assert others_full(outcome, "zero_pad", "conv_single_step") == \
        full_except("zero_pad", "conv_single_step")
    forward_report = " ".join(report(outcome, "conv_forward").split())
    for helper in ("zero_pad", "conv_single_step"):
        assert (f"Your {helper} lost points in its own tests; conv_forward was graded with a "
                f"correct {helper}") in forward_report
    assert "Your" not in report(outcome, "pool_backward")


def test_substituting_reaches_every_reference_and_puts_everything_back():
    from autograder.engine.worker import substituting

    namespace: dict = {}
    exec("def helper(x, scale=2):\n    return 'own'\n"
         "alias = helper\n"
         "def caller(x, keep=helper):\n    return (helper(x), alias(x), keep(x), missing(x))\n",
         namespace)
    helper = namespace["helper"]
    code, defaults = helper.__code__, helper.__defaults__
    versions = {"helper": lambda x: f"course {x}", "missing": lambda x: f"course missing {x}"}
    with substituting(versions, namespace):
        assert namespace["caller"](1) == ("course 1", "course 1", "course 1", "course missing 1")
    assert namespace["caller"].__defaults__[0] is helper
    assert (helper.__code__, helper.__defaults__, helper.__kwdefaults__) == (code, defaults, None)
    assert "missing" not in namespace
    assert helper(1) == "own"


def test_course_code_runs_in_a_namespace_of_its_own_and_names_its_functions():
    from autograder.engine.worker import SUBSTITUTED_FILE, course_functions

    assert course_functions(None) == {}
    functions = course_functions({"source": "SCALE = 3\ndef triple(x):\n    return SCALE * x\n",
                                  "names": ["triple"]})
    assert functions["triple"](2) == 6
    assert functions["triple"].__code__.co_filename == SUBSTITUTED_FILE
    with pytest.raises(KeyError):
        course_functions({"source": "x = 1", "names": ["missing"]})


def test_a_course_version_refuses_what_a_grading_never_needs():
    from autograder.hidden_tests import references

    with pytest.raises(ValueError, match="more than grading needs"):
        references.distribute_value(1.0, (10**5, 10**5))
    with pytest.raises(ValueError, match="more than grading needs"):
        references.conv_single_step(np.ones((3000, 1, 1)), np.ones((1, 3000, 3000)),
                                    np.ones((1, 1, 1)))
    with pytest.raises(TypeError, match="pad must be an integer, got float"):
        references.zero_pad(np.ones((1, 2, 2, 1)), 1.5)
    with pytest.raises(ValueError, match="one number"):
        references.conv_single_step(np.ones((2, 2, 3)), np.ones((2, 2, 3)), np.ones((1, 1, 3)))
    assert references.conv_single_step(np.ones((2, 2, 3)), np.ones((2, 2, 3)), 0.5) == 12.5


def test_slow_cell_does_not_stop_the_fast_function_it_calls(samples):
    notebook = with_cell(samples["solution"], "pool_backward", (
        "for _ in range(10**9):\n"
        "    distribute_value(1.0, (2, 2))"), cell_id="slow_cell")
    outcome = grade(notebook, ASSIGNMENT, time_limit=60.0, call_timeout=2.0)
    assert scores(outcome) == POINTS
    assert outcome.notes == ["time-limit: cell slow_cell ran longer than 2 s; it was stopped "
                             "and skipped"]


def test_loop_that_cannot_be_interrupted_is_killed(samples):
    call_timeout = 2.0
    notebook = with_code(samples["solution"], "conv_backward", (
        "import time\n"
        "def conv_backward(dZ, cache):\n"
        "    while True:\n"
        "        try:\n"
        "            time.sleep(1)\n"
        "        except BaseException:\n"
        "            pass"), replace=True)
    notebook = with_cell(notebook, "conv_backward", "conv_backward(None, None)", "calls_it")
    start = time.perf_counter()
    outcome = grade(notebook, ASSIGNMENT, time_limit=60.0, call_timeout=call_timeout)
    elapsed = time.perf_counter() - start
    text = report(outcome, "conv_backward")
    sub_tests = text.count("\n  FAIL ") + text.count("\n  ok ")
    assert scores(outcome)["conv_backward"] == 0.0
    assert others_full(outcome, "conv_backward") == full_except("conv_backward")
    assert outcome.notes == [
        "time-limit: cell calls_it ran longer than 2 s; it was stopped and skipped",
        "time-limit: conv_backward did not return within 2 s; it was stopped and not called "
        "again",
    ]
    # Two kills (the cell, the first call) and restarts, not one per sub-test.
    assert elapsed < 2 * call_timeout + 6.0, f"took {elapsed:.1f} s"
    assert elapsed < call_timeout * sub_tests / 2


def test_whole_grading_stops_at_the_time_limit(samples):
    notebook = with_code(samples["solution"], "zero_pad", "import time\ntime.sleep(30)")
    start = time.perf_counter()
    outcome = grade(notebook, ASSIGNMENT, time_limit=2.0, call_timeout=10.0)
    elapsed = time.perf_counter() - start
    assert elapsed < 6.0, f"took {elapsed:.1f} s"
    assert scores(outcome) == {name: 0.0 for name in POINTS}
    assert outcome.notes == ["time-limit: grading stopped after 2 s; the calls left were not "
                             "made"]
    assert "grading ran out of its 2 s" in report(outcome, "zero_pad")


def test_memory_bomb_hits_the_memory_limit(samples):
    notebook = with_code(samples["solution"], "distribute_value", (
        "def distribute_value(dz, shape):\n"
        "    hoard = bytearray(8 * 1024**3)\n"
        "    return hoard"), replace=True)
    outcome = grade(notebook, ASSIGNMENT, memory_limit=2 * 1024**3, **LIMITS)
    assert scores(outcome)["distribute_value"] == 0.0
    assert "raised MemoryError" in report(outcome, "distribute_value")
    # pool_backward's average mode uses distribute_value
    assert others_full(outcome, "distribute_value", "pool_backward") == \
        full_except("distribute_value", "pool_backward")
    assert outcome.notes == []


def test_printing_cannot_corrupt_the_protocol(samples):
    notebook = with_code(samples["solution"], "zero_pad", (
        "import os, sys\n"
        "print('x' * 100_000_000)\n"
        "os.write(1, b'{\"id\": 1, \"result\": 0}\\n' * 1000)\n"
        "os.write(2, b'{\"cells_done\": 0}\\n' * 1000)\n"
        "_zero_pad = zero_pad\n"
        "def zero_pad(X, pad):\n"
        "    print('{\"id\": 2, \"result\": null}')\n"
        "    sys.__stdout__.write('y' * 1_000_000 + '\\n')\n"
        "    os.write(1, b'{\"id\": 3, \"error\": null}\\n')\n"
        "    return _zero_pad(X, pad)"))
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome) == POINTS
    assert outcome.notes == []


def test_cell_error_is_noted_and_later_cells_run(samples):
    notebook = with_cell(samples["solution"], "imports", "raise ValueError('a cell that fails')",
                         cell_id="failing_cell")
    notebook = with_code(notebook, "conv_forward", "undefined_name")
    last_line = len(_cell(notebook, "conv_forward").source.splitlines())
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome) == POINTS
    assert outcome.notes == [
        "cell-error: cell failing_cell raised ValueError: \"a cell that fails\" (in <module>, "
        "line 1 of your cell: `raise ValueError('a cell that fails')`)",
        "cell-error: cell conv_forward raised NameError: \"name 'undefined_name' is not "
        f"defined\" (in <module>, line {last_line} of your cell: `undefined_name`)",
    ]


def test_result_of_unsupported_type_fails_clearly(samples):
    notebook = with_code(samples["solution"], "distribute_value", (
        "def distribute_value(dz, shape):\n"
        "    return (dz / n for n in shape)"), replace=True)
    outcome = grade(notebook, ASSIGNMENT, **LIMITS)
    assert scores(outcome)["distribute_value"] == 0.0
    assert ('a is an object of type "generator" that cannot be checked outside the notebook; '
            "expected a numpy array") in report(outcome, "distribute_value").replace(
                "\n            ", " ")
    assert others_full(outcome, "distribute_value", "pool_backward") == \
        full_except("distribute_value", "pool_backward")


# The worker's surroundings --------------------------------------------------------------

def test_worker_runs_isolated_in_a_fresh_folder():
    probe = ("import os, socket, resource\n"
             "def probe():\n"
             "    return {'cwd': os.listdir('.'),\n"
             "            'interfaces': [name for _, name in socket.if_nameindex()],\n"
             "            'memory': resource.getrlimit(resource.RLIMIT_AS)[0],\n"
             "            'processes': resource.getrlimit(resource.RLIMIT_NPROC)[0],\n"
             "            'backend': os.environ.get('MPLBACKEND'),\n"
             "            'execution': os.environ.get('NBGRADER_EXECUTION'),\n"
             "            'variables': sorted(os.environ)}\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(probe)])
    cells = engine_session.student_cells(notebook)
    limits = Limits(time_limit=30.0, cell_timeout=10, memory_limit=GIB, processes=64)
    os.environ["INSTRUCTOR_SECRET_TOKEN"] = "never in the sandbox"
    try:
        with engine_session._Session(cells, limits, []) as session:
            assert session.start()
            found = session.call("probe", (), {})
    finally:
        del os.environ["INSTRUCTOR_SECRET_TOKEN"]
    assert found["cwd"] == []
    assert found["backend"] == "Agg" and found["execution"] == "autograde"
    assert found["memory"] == GIB and found["processes"] == 64
    assert found["interfaces"] == ["lo"]
    assert "INSTRUCTOR_SECRET_TOKEN" not in found["variables"]


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_left_out_cells_are_read_only_cells_of_the_release(assignment):
    skips = get_assignment(assignment).skipped_cells
    release = nbformat.read(Course().release_notebook(assignment), as_version=4)
    locked = {cell.metadata["nbgrader"]["grade_id"] for cell in release.cells
              if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("locked")
              and not cell.metadata["nbgrader"].get("solution")}
    assert set(skips) <= locked, set(skips) - locked
    kept = {cell["name"] for cell in engine_session.student_cells(release, skip=skips)}
    assert not kept & set(skips)


def test_a_left_out_name_on_a_student_cell_does_not_hide_it():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    notebook.cells[0].metadata["nbgrader"] = {"grade_id": "zero_pad_figure", "locked": True,
                                              "solution": True}
    cells = engine_session.student_cells(notebook, skip=get_assignment(ASSIGNMENT).skipped_cells)
    assert [cell["source"] for cell in cells] == ["x = 1"]


# The pieces ------------------------------------------------------------------------------

def test_values_survive_the_round_trip():
    values = [None, True, 3, -2.5, float("inf"), "text", b"raw", 1 + 2j, (1, [2.0, "x"]),
              {"f": 2, "stride": 1}, np.float64(0.5), np.int32(-7), np.bool_(True),
              np.arange(6, dtype=np.float32).reshape(2, 3),
              np.asfortranarray(np.ones((2, 3))), np.zeros((0, 4), dtype=np.int8),
              np.array(["ab", "c"])]
    for value in values:
        back = decode(encode(value))
        assert type(back) is type(value), (value, back)
        if isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and back.shape == value.shape
            assert back.flags.f_contiguous == value.flags.f_contiguous
            np.testing.assert_array_equal(back, value)
        else:
            assert back == value
    nan = decode(encode(float("nan")))
    assert nan != nan


def test_unsupported_values_come_back_opaque():
    for value, kind in [(object(), "object"), ({1: 2}, "dict"), (iter([]), "list_iterator"),
                        (np.array([1, None]), "numpy.ndarray with dtype object")]:
        back = decode(encode(value), OpaqueValue)
        assert isinstance(back, OpaqueValue)
        assert repr(back) == (f'an object of type "{kind}" that cannot be checked outside '
                              "the notebook")
        assert back != back.__class__(kind)


@pytest.mark.parametrize("data", [
    {"__ndarray__": "AAAA", "dtype": "O", "shape": [1], "order": "C"},
    {"__ndarray__": "AAAA", "dtype": "<f8", "shape": [2], "order": "C"},
    {"__ndarray__": "AAAA", "dtype": "[('a', 'O')]", "shape": [1], "order": "C"},
    {"__scalar__": "AAAA", "dtype": "<f8"},
    {"__reduce__": ["os.system", ["true"]]},
    {"__tuple__": "not a list"},
])
def test_malformed_values_are_rejected(data):
    with pytest.raises(DecodeError):
        decode(data)


def test_copy_back_mirrors_changes_in_place():
    array, table, cache = np.zeros(3), {"f": 2, "stride": 1}, (np.ones(2), {"pad": 1})
    copy_back(array, np.array([1.0, 2.0, 3.0]))
    copy_back(table, {"f": 3})
    copy_back(cache, (np.full(2, 5.0), {"pad": 0, "extra": True}))
    np.testing.assert_array_equal(array, [1.0, 2.0, 3.0])
    assert table == {"f": 3}
    np.testing.assert_array_equal(cache[0], [5.0, 5.0])
    assert cache[1] == {"pad": 0, "extra": True}


def test_remote_errors_keep_type_message_and_place():
    error = remote_error({"type": "KeyError", "bases": ["KeyError", "LookupError", "Exception"],
                          "message": "'stride'", "where": "in pool_forward, line 3 of your cell",
                          "function": "pool_forward"})
    assert isinstance(error, KeyError) and type(error).__name__ == "KeyError"
    assert describe_exception(error) == \
        "raised KeyError: \"'stride'\" (in pool_forward, line 3 of your cell)"
    custom = remote_error({"type": "CheckFailed", "bases": ["CheckFailed", "AssertionError"],
                           "message": "no", "where": None, "function": None})
    assert isinstance(custom, AssertionError) and describe_exception(custom) == \
        "raised CheckFailed: \"no\""
    odd = remote_error({"type": "SystemExit", "bases": ["SystemExit", "BaseException"],
                        "message": "1", "where": None, "function": None})
    assert isinstance(odd, RuntimeError) and type(odd).__name__ == "SystemExit"
    assert isinstance(remote_error({"type": "NotImplementedError",
                                    "bases": ["NotImplementedError", "RuntimeError"],
                                    "message": "", "where": None, "function": "zero_pad"}),
                      NotImplementedError)


def test_no_worker_is_left_running(samples):
    before = _children()
    grade(samples["solution"], ASSIGNMENT, **LIMITS)
    assert _children() <= before


def _children() -> set[int]:
    """Process ids whose parent is this process."""
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                        children.add(int(entry))
    return children


def test_worker_that_cannot_start_is_noted(samples, monkeypatch):
    monkeypatch.setattr(engine_session, "WORKER", [
        engine_session.sys.executable, "-c", "import sys; sys.exit('no IPython here')"])
    outcome = grade(samples["solution"], ASSIGNMENT, **LIMITS)
    assert scores(outcome) == {name: 0.0 for name in POINTS}
    assert outcome.notes == ["worker-error: the grading process did not start (it ended; "
                             "exit code 1): no IPython here"]
    assert "not called: the grading process did not start" in report(outcome, "zero_pad")


def test_only_functions_of_the_probes_package_can_be_named_as_probes():
    from autograder.engine.worker import resolve_probe
    from autograder.probes.application import probe_compute_cost

    probe = resolve_probe("autograder.probes.application:probe_compute_cost")
    assert probe is probe_compute_cost
    for name in ("os:system", "builtins:eval", "autograder.engine.session:grade_notebook",
                 "autograder.hidden_tests.application:grade_model",
                 "autograder.hidden_tests.application:probe_compute_cost",
                 "autograder.probes:application",
                 "autograder.probes.application:",
                 "autograder.probes.application:no_such_probe",
                 "autograder.probes.application:probe_compute_cost()", None):
        with pytest.raises(ValueError):
            resolve_probe(name)
