"""Tests of the students' visible checks (utils/checks.py).

The reference solution comes from the source notebook (autograder.samples); wrong
implementations are small wrappers around it.
"""

import ast
import contextlib
import io
import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

import utils
from autograder.samples import solution_namespace
from utils import checks
from utils.checks import BIAS_HINT, CheckFailed, NotImplementedYet

NAMES = checks.GRADED_FUNCTIONS
FORWARD = {"conv_backward": "conv_forward", "pool_backward": "pool_forward"}


@pytest.fixture(scope="module")
def sol():
    return solution_namespace()


def run_check(name, func, sol, forward=None, raw=False):
    """check_NAME(func), with the solution's forward function where the check needs one;
    RAW: the check itself, which raises NotImplementedYet where the notebook's check cell
    prints one line instead."""
    check = getattr(checks, f"check_{name}")
    check = check.__wrapped__ if raw else check
    if name in FORWARD:
        return check(func, forward if forward is not None else sol[FORWARD[name]])
    return check(func)


def failure(name, func, sol, forward=None, error=CheckFailed):
    """The message of the CheckFailed that check_NAME raises on FUNC."""
    with pytest.raises(error) as info:
        run_check(name, func, sol, forward, raw=error is NotImplementedYet)
    return str(info.value)


def rebind(func, **replacements):
    """FUNC, calling REPLACEMENTS instead of the functions of the same names."""
    return types.FunctionType(func.__code__, {**func.__globals__, **replacements},
                              func.__name__, func.__defaults__, func.__closure__)


def stub(name):
    """A function called NAME that is not implemented yet, like the release notebook's."""
    def not_written(*args, **kwargs):
        raise NotImplementedError()
    not_written.__code__ = not_written.__code__.replace(co_name=name)
    not_written.__name__ = name
    return not_written


def named(name, func):
    func.__name__ = name
    return func


# --- the solution passes ------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_check_passes_on_the_solution(name, sol, capsys):
    assert run_check(name, sol[name], sol) is None
    out = capsys.readouterr().out
    assert out.endswith(f"{name}: all checks passed.\n")
    assert out.count("ok: ") >= 2


def test_checks_leave_numpys_global_random_state_alone(sol):
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    for name in NAMES:
        run_check(name, sol[name], sol)
    assert np.array_equal(np.random.get_state()[1], state)


def test_inputs_are_drawn_as_np_random_seed_1_then_randn():
    ref = checks.REFERENCE["pool_backward"]
    A_prev, dA = checks._draw(ref["draws"])
    np.random.seed(1)
    assert np.array_equal(A_prev, np.random.randn(5, 5, 3, 2))
    assert np.array_equal(dA, np.random.randn(5, 4, 2, 2))
    assert np.mean(dA) == pytest.approx(ref["mean(dA)"], abs=1e-15)
    (x,) = checks._draw(checks.REFERENCE["zero_pad"]["draws"])
    assert np.allclose(x[1, 1], checks.REFERENCE["zero_pad"]["x[1, 1]"], atol=1e-8)


def test_bias_per_element_figures_are_what_that_bug_returns(sol):
    def conv_single_step(a_slice_prev, W, b):
        return np.sum(a_slice_prev * W + b)

    (a, W, b) = checks._draw(checks.REFERENCE["conv_single_step"]["draws"])
    assert conv_single_step(a, W, b) == pytest.approx(
        checks.BIAS_PER_ELEMENT["conv_single_step: Z"], abs=1e-12)
    conv_forward = rebind(sol["conv_forward"], conv_single_step=conv_single_step)
    A_prev, W, b = checks._draw(checks.REFERENCE["conv_forward"]["draws"])
    Z, _ = conv_forward(A_prev, W, b, {"pad": 2, "stride": 1})
    assert np.mean(Z) == pytest.approx(
        checks.BIAS_PER_ELEMENT["conv_forward stride 1: mean(Z)"], abs=1e-12)


# --- not implemented yet ------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_becomes_not_implemented_yet(name, sol):
    message = failure(name, stub(name), sol, error=NotImplementedYet)
    assert f"{name} is not implemented yet" in message
    assert "raise NotImplementedError()" in message
    assert "run this check again" in message


@pytest.mark.parametrize("name", NAMES)
def test_check_cell_says_not_implemented_in_one_line_and_goes_on(name, sol, capsys):
    assert run_check(name, stub(name), sol) is None
    lines = capsys.readouterr().out.splitlines()
    said = [line for line in lines if "not implemented" in line]
    assert said == [lines[-1]] and f"{name} is not implemented yet" in said[0], lines


def test_check_of_a_function_with_a_wrong_helper_says_to_fix_the_helper_first(sol):
    def conv_single_step(a_slice_prev, W, b):
        return np.sum(a_slice_prev * W + b)

    conv_forward = rebind(sol["conv_forward"], conv_single_step=conv_single_step)
    message = failure("conv_forward", conv_forward, sol)
    assert message.startswith("conv_forward calls your conv_single_step, which fails its own "
                              "check:\nmake check_conv_single_step pass first"), message
    assert BIAS_HINT in message
    broken_pad = rebind(sol["conv_forward"], zero_pad=lambda X, pad: X,
                        conv_single_step=conv_single_step)
    with pytest.raises(ValueError) as info:  # the student's own error, traceback kept
        run_check("conv_forward", broken_pad, sol)
    assert any(note.startswith("conv_forward calls your zero_pad and conv_single_step, which "
                               "fail their own check:\nmake check_zero_pad and "
                               "check_conv_single_step pass first")
               for note in info.value.__notes__), info.value.__notes__
    from autograder.catalogue.step_by_step import BUGS

    own_mistake = solution_namespace([bug for bug in BUGS
                                      if bug.name == "conv-output-size-missing-one"])
    message = failure("conv_forward", own_mistake["conv_forward"], sol)
    assert "calls your" not in message and "n_H = floor" in message


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_backward_check_says_when_the_forward_is_not_implemented(name, sol):
    forward = FORWARD[name]
    message = failure(name, sol[name], sol, forward=stub(forward), error=NotImplementedYet)
    assert f"runs your {forward} first" in message
    assert f"{forward} is not implemented yet" in message


def test_not_implemented_helper_is_named(sol):
    conv_forward = rebind(sol["conv_forward"], conv_single_step=stub("conv_single_step"))
    message = failure("conv_forward", conv_forward, sol, error=NotImplementedYet)
    assert "conv_forward calls conv_single_step, which is not implemented yet" in message
    assert "in the cell of conv_single_step" in message

    pool_backward = rebind(sol["pool_backward"],
                           create_mask_from_window=stub("create_mask_from_window"))
    message = failure("pool_backward", pool_backward, sol, error=NotImplementedYet)
    assert "pool_backward calls create_mask_from_window, which is not implemented yet" in message


# --- wrong shapes, types and dtypes -------------------------------------------------------------

def crop_first(func, index):
    """FUNC with the first item of its result replaced by item[index]."""
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        return (result[0][index], *result[1:])
    return wrapper


def test_wrong_shape_names_expected_and_actual_and_the_formula(sol):
    message = failure("zero_pad", lambda X, pad: np.pad(X, pad), sol)
    assert "(8, 7, 7, 6)" in message and "(4, 7, 7, 2)" in message
    assert "n_H + 2 * pad" in message

    message = failure("conv_forward", crop_first(sol["conv_forward"], np.s_[:, :3, :3]), sol)
    assert "returned Z with shape (10, 3, 3, 8); expected (10, 4, 4, 8)" in message
    assert "n_H = floor((n_H_prev - f + 2 * pad) / stride) + 1" in message

    message = failure("pool_forward", crop_first(sol["pool_forward"], np.s_[..., :2]), sol)
    assert "(2, 1, 1, 2)" in message and "(2, 1, 1, 3)" in message
    assert "n_H = floor((n_H_prev - f) / stride) + 1" in message

    def flat_db(dZ, cache):
        dA_prev, dW, db = sol["conv_backward"](dZ, cache)
        return dA_prev, dW, db.ravel()

    message = failure("conv_backward", flat_db, sol)
    assert "db with shape (8,); expected (1, 1, 1, 8)" in message

    message = failure("pool_backward",
                      lambda dA, cache, mode="max": sol["pool_backward"](dA, cache, mode)[:, :4],
                      sol)
    assert "(5, 4, 3, 2)" in message and "(5, 5, 3, 2)" in message

    message = failure("create_mask_from_window",
                      lambda x: sol["create_mask_from_window"](x).T, sol)
    assert "(3, 2)" in message and "(2, 3)" in message

    message = failure("distribute_value", lambda dz, shape: np.full(4, dz / 4), sol)
    assert "(4,)" in message and "(2, 2)" in message


def test_wrong_dtype_is_named(sol):
    def float32_first(func):
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            if isinstance(result, tuple):
                return (result[0].astype(np.float32), *result[1:])
            return result.astype(np.float32)
        return wrapper

    for name in ("zero_pad", "conv_forward", "conv_backward", "distribute_value",
                 "pool_forward", "pool_backward"):
        message = failure(name, float32_first(sol[name]), sol)
        assert "dtype float32; expected float64" in message, name


def test_conv_single_step_must_return_a_float64_scalar(sol):
    step = sol["conv_single_step"]
    message = failure("conv_single_step", lambda a, W, b: np.sum(a * W) + b, sol)
    assert "shape (1, 1, 1)" in message and "np.ndim(Z) == 0" in message
    message = failure("conv_single_step", lambda a, W, b: np.float32(step(a, W, b)), sol)
    assert "float32" in message and "float64" in message
    message = failure("conv_single_step", lambda a, W, b: int(step(a, W, b)), sol)
    assert "type int" in message
    message = failure("conv_single_step", lambda a, W, b: None, sol)
    assert "returned None" in message
    run_check("conv_single_step", lambda a, W, b: float(step(a, W, b)), sol)
    run_check("conv_single_step", lambda a, W, b: np.array(step(a, W, b)), sol)


def test_wrong_return_structure(sol):
    message = failure("conv_forward", lambda *args: sol["conv_forward"](*args)[0], sol)
    assert "expected a tuple (Z, cache)" in message and "ndarray" in message
    message = failure("conv_backward", lambda dZ, cache: sol["conv_backward"](dZ, cache)[:2],
                      sol)
    assert "tuple of length 2" in message and "(dA_prev, dW, db)" in message
    message = failure("zero_pad", lambda X, pad: None, sol)
    assert "type NoneType" in message and "return statement" in message
    message = failure("distribute_value", lambda dz, shape: [[0.5, 0.5], [0.5, 0.5]], sol)
    assert "type list; expected a numpy array" in message


# --- wrong values and their hints ---------------------------------------------------------------

def test_bias_per_element_gets_the_bias_hint(sol):
    def conv_single_step(a_slice_prev, W, b):
        return np.sum(a_slice_prev * W + b)

    message = failure("conv_single_step", conv_single_step, sol)
    assert BIAS_HINT in message
    assert "-6.999089450680221" in message and "-23.16021220252078" in message

    conv_forward = rebind(sol["conv_forward"], conv_single_step=conv_single_step)
    message = failure("conv_forward", conv_forward, sol)
    assert BIAS_HINT in message and "stride 2" in message
    with pytest.raises(CheckFailed) as info:
        checks._conv_forward_case(conv_forward, "stride 1")
    assert BIAS_HINT in str(info.value) and "0.15585932488906465" in str(info.value)

    message = failure("conv_backward", sol["conv_backward"], sol, forward=conv_forward)
    assert "runs your conv_forward first:\nmake its check" in message
    assert BIAS_HINT in message


def test_other_wrong_values_do_not_get_the_bias_hint(sol):
    step = sol["conv_single_step"]
    message = failure("conv_single_step", lambda a, W, b: step(a, W, b) + 1.0, sol)
    assert BIAS_HINT not in message
    assert "expected: -6.999089450680221" in message and "got:      -5.99908945068022" in message
    conv_forward = rebind(sol["conv_forward"], conv_single_step=lambda a, W, b: 2 * step(a, W, b))
    message = failure("conv_forward", conv_forward, sol)
    assert BIAS_HINT not in message and "vert_start = h * stride" in message


def test_zero_pad_values(sol):
    message = failure("zero_pad", lambda X, pad: sol["zero_pad"](X + 1, pad) - 1, sol)
    assert "constant_values=0" in message
    message = failure("zero_pad", lambda X, pad: np.pad(X, ((0, 0), (4, 0), (4, 0), (0, 0))),
                      sol)
    assert "on each side" in message


def test_conv_forward_cache_must_hold_the_inputs(sol):
    def padded_cache(A_prev, W, b, hparameters):
        Z, (_, W, b, hp) = sol["conv_forward"](A_prev, W, b, hparameters)
        return Z, (sol["zero_pad"](A_prev, hp["pad"]), W, b, hp)

    message = failure("conv_forward", padded_cache, sol)
    assert "cache[0] with shape (10, 8, 8, 3)" in message and "not padded" in message

    def short_cache(*args):
        Z, cache = sol["conv_forward"](*args)
        return Z, cache[:3]

    message = failure("conv_forward", short_cache, sol)
    assert "the cache as a tuple of length 3" in message


def test_conv_backward_values(sol):
    def doubled_dW(dZ, cache):
        dA_prev, dW, db = sol["conv_backward"](dZ, cache)
        return dA_prev, 2 * dW, db

    message = failure("conv_backward", doubled_dW, sol)
    assert "mean(dW)" in message and "1.7269914583139097" in message and "a_slice" in message

    def shifted_forward(*args):
        Z, cache = sol["conv_forward"](*args)
        return Z + 1, cache

    message = failure("conv_backward", sol["conv_backward"], sol, forward=shifted_forward)
    assert "This check runs your conv_forward first:\nmake its check" in message
    assert "mean(Z)" in message


def test_create_mask_values(sol):
    message = failure("create_mask_from_window", lambda x: x == np.min(x), sol)
    assert "x == np.max(x)" in message and "expected" in message and "got" in message
    run_check("create_mask_from_window", lambda x: (x == np.max(x)).astype(np.float64), sol)
    message = failure("create_mask_from_window", lambda x: 2 * (x == np.max(x)), sol)
    assert "values other than 0 and 1" in message


def test_distribute_value_hints(sol):
    def one_cell(dz, shape):
        a = np.zeros(shape)
        a[0, 0] = dz
        return a

    message = failure("distribute_value", one_cell, sol)
    assert "spread the value evenly" in message
    message = failure("distribute_value", lambda dz, shape: np.full(shape, dz / 2), sol)
    assert "add up to dz" in message


def test_pool_mode_mix_up_is_named(sol):
    def always_average(A_prev, hp, mode="max"):
        return sol["pool_forward"](A_prev, hp, "average")

    message = failure("pool_forward", always_average, sol)
    assert "these are the values of mode='average'" in message

    def swapped(dA, cache, mode="max"):
        return sol["pool_backward"](dA, cache, "max" if mode == "average" else "average")

    message = failure("pool_backward", swapped, sol)
    assert "these are the values of mode='average'" in message


def test_pool_backward_values_and_forward_first(sol):
    message = failure("pool_backward",
                      lambda dA, cache, mode="max": 2 * sol["pool_backward"](dA, cache, mode),
                      sol)
    assert "dA_prev[1, 1]" in message and "create_mask_from_window" in message

    def no_cache(A_prev, hparameters, mode="max"):
        A, _ = sol["pool_forward"](A_prev, hparameters, mode)
        return A, None

    message = failure("pool_backward", sol["pool_backward"], sol, forward=no_cache)
    assert "runs your pool_forward first" in message and "(A_prev, hparameters)" in message


def test_inputs_changed_in_place_are_named(sol):
    def scaling_forward(A_prev, W, b, hparameters):
        result = sol["conv_forward"](A_prev, W, b, hparameters)
        A_prev *= 2
        return result

    message = failure("conv_forward", scaling_forward, sol)
    assert "changed its argument A_prev in place" in message

    def popping_pool(A_prev, hparameters, mode="max"):
        result = sol["pool_forward"](A_prev, dict(hparameters), mode)
        hparameters.pop("f")
        return result

    message = failure("pool_forward", popping_pool, sol)
    assert "changed its argument hparameters in place" in message


def test_student_exceptions_keep_their_traceback_and_get_a_note(sol):
    def conv_forward(A_prev, W, b, hparameters):
        raise TypeError("unsupported operand")

    with pytest.raises(TypeError, match="unsupported operand") as info:
        run_check("conv_forward", conv_forward, sol)
    assert any("conv_forward (pad 2, stride 2)" in note for note in info.value.__notes__)
    assert info.traceback[-1].name == "conv_forward"

    with pytest.raises(TypeError) as info:
        run_check("conv_backward", sol["conv_backward"], sol, forward=conv_forward)
    assert any("runs your conv_forward first" in note for note in info.value.__notes__)


# --- how failures are shown ---------------------------------------------------------------------

def test_check_failed_renders_without_a_traceback():
    error = CheckFailed("conv_forward returned Z with shape (1,); expected (2,): look here.\n"
                        "  second line")
    assert isinstance(error, AssertionError)
    lines = error._render_traceback_()
    assert lines == ["CheckFailed: conv_forward returned Z with shape (1,); expected (2,): "
                     "look here.", "  second line"]
    assert NotImplementedYet("x")._render_traceback_() == ["NotImplementedYet: x"]


def test_ipython_shows_only_the_message():
    shell = InteractiveShell.instance()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = shell.run_cell("from utils import checks\n"
                                "checks.check_zero_pad(lambda X, pad: X)")
    assert isinstance(result.error_in_exec, CheckFailed)
    text = out.getvalue()
    assert text.startswith("CheckFailed: zero_pad (pad 2) returned X_pad with shape (4, 3, 3, 2)")
    assert "Traceback" not in text and "checks.py" not in text


def test_ipython_traceback_of_a_student_error_skips_the_checks_frames():
    shell = InteractiveShell.instance()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = shell.run_cell("from utils import checks\n"
                                "def conv_forward(A_prev, W, b, hparameters):\n"
                                "    return A_prev[10]\n"
                                "checks.check_conv_backward(None, conv_forward)")
    assert isinstance(result.error_in_exec, IndexError)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert "return A_prev[10]" in text and "checks.py" not in text
    assert "runs your conv_forward first" in text


# --- assert_implemented -------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_assert_implemented_is_quiet_on_the_solution(name, sol, capfd):
    assert checks.assert_implemented(sol[name]) is None
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("name", NAMES)
def test_assert_implemented_stops_unwritten_functions(name):
    with pytest.raises(NotImplementedYet) as info:
        checks.assert_implemented(stub(name))
    assert f"{name} is not implemented yet" in str(info.value)
    assert "run this cell again" in str(info.value)


def test_assert_implemented_reports_other_errors_in_one_line(capfd):
    def conv_forward(A_prev, W, b, hparameters):
        raise IndexError("index 5 is out of bounds\nfor axis 0")

    assert checks.assert_implemented(conv_forward) is None
    out, err = capfd.readouterr()
    assert err == ""
    assert out == ("conv_forward raised IndexError on a small example: index 5 is out of "
                   "bounds; the tests below grade each case.\n")


def test_assert_implemented_lets_a_missing_helper_go_to_the_tests(sol, capfd):
    pool_backward = rebind(sol["pool_backward"],
                           create_mask_from_window=stub("create_mask_from_window"))
    assert checks.assert_implemented(pool_backward) is None
    out, err = capfd.readouterr()
    assert err == ""
    assert out.startswith("pool_backward calls create_mask_from_window, which is not "
                          "implemented yet")


def test_assert_implemented_keeps_stderr_clean(sol, capfd):
    def zero_pad(X, pad):
        print("debugging", file=sys.stderr)
        print("more debugging")
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
        return sol["zero_pad"](X, pad)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checks.assert_implemented(zero_pad)
    assert caught == []
    assert capfd.readouterr() == ("", "")


def test_assert_implemented_rejects_other_functions():
    with pytest.raises(ValueError, match="graded functions"):
        checks.assert_implemented(lambda x: x)
    with pytest.raises(ValueError, match="graded functions"):
        checks.assert_implemented(named("conv_forward_fast", lambda *args: None))


# --- no solutions in utils ----------------------------------------------------------------------

def test_utils_defines_none_of_the_graded_functions():
    for path in Path(utils.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert not defined & set(NAMES), path


# --- the graded cells: validate ----------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_validate_passes_the_solution_in_one_line(name, sol, capfd):
    checks.validate(sol[name])
    out, err = capfd.readouterr()
    assert out == f"{name}: its checks pass. The hidden tests grade it when you submit.\n"
    assert err == ""


@pytest.mark.parametrize("name", NAMES)
def test_validate_writes_not_implemented_to_stderr_in_one_sentence(name, sol, capfd):
    namespace = {**sol, name: stub(name)}
    func = rebind(namespace[name], **namespace)
    checks.validate(func)
    out, err = capfd.readouterr()
    assert out == "" and err == checks.wrapped(" ".join(err.split())) + "\n", err
    assert err.count("is not implemented yet") == 1 and err.count(".") == 1, err


def test_validate_writes_the_checks_message_and_the_helper_to_fix_first(sol, capfd):
    from autograder.catalogue.step_by_step import BUGS

    buggy = solution_namespace([bug for bug in BUGS if bug.name == "bias-per-element"])
    checks.validate(buggy["conv_single_step"])
    out, err = capfd.readouterr()
    assert out == "" and BIAS_HINT in err
    checks.validate(buggy["conv_forward"])
    out, err = capfd.readouterr()
    assert err.startswith("conv_forward calls your conv_single_step, which fails its own "
                          "check:\nmake check_conv_single_step pass first") and BIAS_HINT in err


def test_validate_when_nbgrader_autogrades_only_stops_an_unwritten_function(
        sol, capfd, monkeypatch):
    from autograder.catalogue.step_by_step import BUGS

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    buggy = solution_namespace([bug for bug in BUGS if bug.name == "bias-per-element"])
    checks.validate(buggy["conv_single_step"])  # the hidden tests grade the rest
    assert capfd.readouterr() == ("", "")
    with pytest.raises(NotImplementedYet):
        checks.validate(stub("conv_single_step"))
