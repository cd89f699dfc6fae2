"""The hidden tests, checks, data and figures of "Convolutional networks: fast layers, trained
in numpy", run in process.

The solution earns every point with nothing on stderr and an unfinished function a clean zero,
and loses points when any part of what a function returns is perturbed; every catalogue bug
loses points on exactly the functions it breaks, under its mistake id and with its hint, and
its reports and check messages hold no solution line its notebook does not; loop layers that
are right earn everything but the speed points; the loop layers and the oracles agree; the
visible checks pass on the solution and catch the catalogue bugs they can see.
"""

from __future__ import annotations

import contextlib
import functools
import io

import hint_policy
import in_process
import numpy as np
import pytest
import returned_values

from autograder.catalogue.numpy_training import BUGS, POSITION_LOOPS
from autograder.course import Course, read_notebook
from autograder.engine.harness import forget_scores
from autograder.hidden_tests import loop_layers, numpy_training, oracles
from autograder.probes.numpy_training import FUNCTIONS
from autograder.samples import solution_namespace, solution_sources, with_bugs
from utils import mnist, plotting
from utils import training_checks as checks
from utils.checks import NotImplementedYet
from utils.signs import DataError

ASSIGNMENT = "cnn_numpy_training"
NAMES = list(numpy_training.POINTS)
POINTS = numpy_training.POINTS


def grade(name, func):
    return getattr(numpy_training, f"grade_{name}")(func)


def grade_all(namespace, capsys):
    return in_process.grade_all(numpy_training, namespace, capsys)


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(assignment=ASSIGNMENT)


def test_solution_gets_full_points(solution, capsys):
    for name, (score, report, _) in grade_all(solution, capsys).items():
        assert type(score) is float and score == POINTS[name], report
        assert report.startswith(f"{name}: {POINTS[name]} / {POINTS[name]} points\n")
        assert "FAIL" not in report


@pytest.mark.parametrize("name", NAMES)
def test_every_returned_value_is_checked(name, solution, capsys):
    """Each part of what a graded function returns (each gradient, the cache's items, the
    relative error and the numerical gradient), perturbed in turn, costs points."""
    returned_values.assert_every_part_checked(
        lambda func: grade(name, func), solution[name], POINTS[name])


def test_unfinished_functions_get_a_clean_zero(capsys):
    def unfinished(*args, **kwargs):
        raise NotImplementedError()

    for name in NAMES:
        unfinished.__name__ = name
        assert grade(name, unfinished) == 0.0
        out, err = capsys.readouterr()
        assert err == "" and "not implemented yet" in out, out


@functools.cache
def learner_code(bug):
    """The code of the notebook with BUG: the lines its feedback may show."""
    sources = solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))
    return "\n".join(with_bugs(sources, [bug]).values())


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_loses_points_exactly_where_it_breaks(bug, capsys):
    graded = grade_all(solution_namespace([bug], ASSIGNMENT), capsys)
    lost = {name for name, (score, _, _) in graded.items() if score < POINTS[name]}
    assert lost == set(bug.breaks), {name: score for name, (score, _, _) in graded.items()}
    for name in bug.breaks:
        score, report, mistakes = graded[name]
        assert set(mistakes) == {bug.mistake}, mistakes
        assert sum(mistakes.values()) == pytest.approx(POINTS[name] - score)
        assert bug.hint in " ".join(report.split()), report
    for name, (_, report, _) in graded.items():  # the hint policy: no solution line
        hint_policy.assert_no_leak(report, learner_code(bug),
                                   where=f"the report of {name} for {bug.name}")


def test_the_catalogue_covers_every_part_with_at_least_twelve_mistakes():
    assert len(BUGS) >= 12
    assert {function for bug in BUGS for function in bug.breaks} == set(NAMES) - {
        "dense_forward"}


def test_loop_layers_that_are_right_lose_exactly_the_speed_points(solution, capsys):
    """The step-by-step assignment's way of writing the layers, with the fast layers'
    contracts: correct, and as slow as the yardstick."""
    def conv_forward_fast(A_prev, W, b, hparameters):
        return loop_layers.conv_forward(A_prev, W, b, hparameters), (A_prev, W, b, hparameters)

    def conv_backward_fast(dZ, cache):
        return loop_layers.conv_backward(dZ, cache)

    def pool_forward_fast(A_prev, hparameters):
        return loop_layers.pool_forward(A_prev, hparameters), (A_prev, hparameters)

    def pool_backward_fast(dA, cache):
        return loop_layers.pool_backward(dA, cache)

    loops = {**solution, "conv_forward_fast": conv_forward_fast,
             "conv_backward_fast": conv_backward_fast, "pool_forward_fast": pool_forward_fast,
             "pool_backward_fast": pool_backward_fast}
    graded = grade_all(loops, capsys)
    for name in NAMES:
        score, report, mistakes = graded[name]
        if name in numpy_training.SPEED_POINTS:
            assert score == POINTS[name] - numpy_training.SPEED_POINTS[name], report
            assert mistakes == {"not-vectorised": numpy_training.SPEED_POINTS[name]}
            assert "times faster; expected at least" in " ".join(report.split())
        else:
            assert score == POINTS[name]


def test_layers_that_loop_over_output_positions_lose_exactly_the_speed_points(solution, capsys):
    """Vectorised over the examples and the channels, but with a loop over every output
    position: 20 to 40 times faster than the loop layers, below what the speed points ask."""
    cells = dict(solution["conv_forward_fast"].__globals__)
    for code in POSITION_LOOPS.values():
        exec(code, cells)
    positions = {**solution, **{name: cells[name] for name in POSITION_LOOPS}}
    graded = grade_all(positions, capsys)
    for name, points in numpy_training.SPEED_POINTS.items():
        score, report, mistakes = graded[name]
        assert score == POINTS[name] - points, report
        assert mistakes == {"not-vectorised": points}


def test_a_gradient_check_that_adds_and_takes_away_epsilon_gets_full_points(solution, capsys):
    """x[j] += epsilon, then -= 2 * epsilon, then += epsilon leaves x right to rounding."""
    def gradient_check(f, x, analytic, epsilon=1e-4):
        numerical = np.zeros(x.shape)
        for index in np.ndindex(x.shape):
            x[index] += epsilon
            f_plus = f(x)
            x[index] -= 2 * epsilon
            f_minus = f(x)
            x[index] += epsilon
            numerical[index] = (f_plus - f_minus) / (2 * epsilon)
        total = np.linalg.norm(analytic) + np.linalg.norm(numerical)
        return (np.linalg.norm(analytic - numerical) / total if total else 0.0), numerical

    score = grade("gradient_check", gradient_check)
    assert score == POINTS["gradient_check"], capsys.readouterr().out
    assert "gradient_check: all checks passed." in run_check("gradient_check",
                                                            {"gradient_check": gradient_check})


def test_a_graded_cell_whose_helper_is_unwritten_is_left_to_the_hidden_tests(solution, capsys):
    def pool_forward_fast(A_prev, hparameters):
        raise NotImplementedError()

    namespace = {"np": np, "pool_forward_fast": pool_forward_fast}
    exec(compile(solution_source("pool_backward_fast"), "<cell>", "exec"), namespace)
    checks.assert_implemented(namespace["pool_backward_fast"])  # does not raise
    said = capsys.readouterr().out
    assert "pool_backward_fast calls pool_forward_fast, which is not implemented yet" in said
    forget_scores()
    assert grade("pool_backward_fast", namespace["pool_backward_fast"]) == POINTS[
        "pool_backward_fast"]


def solution_source(grade_id):
    from autograder.course import Course, read_notebook
    from autograder.samples import solution_sources

    return solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))[grade_id]


def test_a_fast_layer_that_remembers_its_results_gets_no_speed_points(solution, capsys):
    """The speed is timed on fresh inputs, whose results must be right."""
    remembered = {}

    def conv_forward_fast(A_prev, W, b, hparameters):
        key = A_prev.shape
        if key not in remembered:
            remembered[key] = solution["conv_forward_fast"](A_prev, W, b, hparameters)
        return remembered[key]

    forget_scores()
    score = grade("conv_forward_fast", conv_forward_fast)
    report = " ".join(capsys.readouterr().out.split())
    assert score < POINTS["conv_forward_fast"], report


def test_a_backward_pass_may_not_differentiate_numerically(solution, capsys):
    namespace = dict(solution)
    gradient_check = namespace["gradient_check"]

    def conv_backward_fast(dZ, cache):
        A_prev, W, b, hparameters = cache
        forward = namespace["conv_forward_fast"]
        dW = gradient_check(lambda x: np.sum(forward(A_prev, x, b, hparameters)[0] * dZ),
                            W.copy(), np.zeros(W.shape))[1]
        return solution["conv_backward_fast"](dZ, cache)[0], dW, solution[
            "conv_backward_fast"](dZ, cache)[2]

    namespace["conv_backward_fast"] = conv_backward_fast
    conv_backward_fast.__globals__["gradient_check"] = gradient_check
    forget_scores()
    score = grade("conv_backward_fast", conv_backward_fast)
    report = " ".join(capsys.readouterr().out.split())
    assert score < POINTS["conv_backward_fast"] and "derive the gradients" in report, report


# The yardstick and the oracles ----------------------------------------------------------------

CONV_CASES = [((2, 5, 6, 3), 3, 2, 1, 1), ((2, 7, 8, 2), 3, 3, 2, 0), ((2, 6, 7, 3), 2, 2, 3, 1),
              ((3, 9, 6, 2), 4, 2, 2, 2)]
POOL_CASES = [((2, 6, 8, 3), 2, 2), ((2, 5, 7, 2), 3, 1), ((2, 7, 8, 2), 2, 3)]


@pytest.mark.parametrize("A_shape, f, n_C, stride, pad", CONV_CASES)
def test_loop_convolution_agrees_with_the_oracles(A_shape, f, n_C, stride, pad):
    rng = np.random.default_rng(7)
    A_prev = rng.standard_normal(A_shape)
    W = rng.standard_normal((f, f, A_shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    hparameters = {"stride": stride, "pad": pad}
    Z = loop_layers.conv_forward(A_prev, W, b, hparameters)
    np.testing.assert_allclose(Z, oracles.conv_forward(A_prev, W, b, hparameters), atol=1e-12)
    dZ = rng.standard_normal(Z.shape)
    for loop, oracle in zip(loop_layers.conv_backward(dZ, (A_prev, W, b, hparameters)),
                            oracles.conv_backward(dZ, (A_prev, W, b, hparameters))):
        np.testing.assert_allclose(loop, oracle, atol=1e-12)


@pytest.mark.parametrize("A_shape, f, stride", POOL_CASES)
def test_loop_pooling_agrees_with_the_oracles(A_shape, f, stride):
    rng = np.random.default_rng(8)
    A_prev = oracles.distinct_values(rng, A_shape)
    hparameters = {"f": f, "stride": stride}
    A = loop_layers.pool_forward(A_prev, hparameters)
    np.testing.assert_allclose(A, oracles.pool_forward(A_prev, hparameters, "max"))
    dA = rng.standard_normal(A.shape)
    np.testing.assert_allclose(loop_layers.pool_backward(dA, (A_prev, hparameters)),
                               oracles.pool_backward(dA, (A_prev, hparameters), "max"))


def test_the_expected_numerical_gradients_are_the_test_functions_derivatives():
    for case in numpy_training._gradient_cases():
        function, params, x = case["function"], case["params"], case["x"]
        central = numpy_training._central(function, params, x, numpy_training.EPSILON)
        exact = _derivative(function, params, x)
        np.testing.assert_allclose(central, exact, atol=1e-7)
    assert set(FUNCTIONS) == {case["function"] for case in numpy_training._gradient_cases()}


def _derivative(function, params, x):
    """The test function's derivative, by hand."""
    if function == "sin_times_x":
        return params["a"] * (np.sin(x) + x * np.cos(x))
    if function == "cubic":
        return 3 * params["a"] * x ** 2
    if function == "quadratic_form":
        return params["M"] @ x + params["c"]
    return np.zeros(x.shape)


def test_the_speed_cases_cost_the_loops_far_more_than_the_course_layers(solution):
    """The ratio the speed points ask for is far below what the course's layers reach here,
    timed by the grader's own clock (each call's own time, which a busy machine does not
    lengthen, though a neighbour sharing the memory bus slows the layer more than the loops:
    226 times, with the suite's nbgrader runs beside it, against 200 to 477 alone)."""
    from autograder.engine.harness import timed_call

    A_prev, W, b, hparameters = numpy_training._speed_conv_inputs(1)
    _, loops = timed_call(loop_layers.conv_forward, A_prev, W, b, hparameters)
    fastest = min(timed_call(solution["conv_forward_fast"], A_prev, W, b, hparameters)[1]
                  for _ in range(3))
    assert loops / fastest > 2 * numpy_training.SPEED_RATIO["conv_forward_fast"]


# The visible checks ---------------------------------------------------------------------------

def run_check(name, namespace):
    uses = [namespace[other] for other in checks.CHECK_USES.get(name, ())]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        checks.CHECKS[name].raising(namespace[name], *uses)
    return out.getvalue()


@pytest.mark.parametrize("name", NAMES)
def test_checks_pass_on_the_solution(name, solution):
    assert f"{name}: all checks passed." in run_check(name, solution)


# A correct layer that is slow passes the visible checks (which print its time); the hidden
# tests take its speed points. A gradient_check that hands its work to the course's
# numerical_gradient gives the right values; the hidden tests withhold that helper.
NOT_SEEN_BY_THE_CHECKS = {"conv-forward-loops", "gradient-check-delegated"}


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_checks_catch_the_catalogue_bugs_they_can_see(bug):
    namespace = solution_namespace([bug], ASSIGNMENT)
    failing = []
    for name in NAMES:
        try:
            run_check(name, namespace)
        except checks.CheckFailed as failure:
            failing.append((name, str(failure)))
        except Exception as error:  # noqa: BLE001 - the student's code raised: a caught bug
            failing.append((name, f"{type(error).__name__}: {error}"))
    if bug.name in NOT_SEEN_BY_THE_CHECKS:
        assert failing == [], failing
    else:  # and the checks that run the broken function first say so
        assert failing and failing[0][0] == bug.function, failing
        for name, message in failing[1:]:
            assert bug.function in checks.CHECK_USES[name], failing
            assert f"This check runs your {bug.function} first" in message, message
    for name, message in failing:  # the hint policy: no solution line
        hint_policy.assert_no_leak(message, learner_code(bug),
                                   where=f"the check of {name} for {bug.name}")


def test_a_fresh_notebook_waits_in_one_line(capsys):
    def conv_forward_fast(A_prev, W, b, hparameters):
        raise NotImplementedError()

    checks.check_conv_forward_fast(conv_forward_fast)
    out = capsys.readouterr().out
    assert "conv_forward_fast is not implemented yet" in out and out.count("\n") == 1
    assert checks.is_implemented(conv_forward_fast) is False
    assert capsys.readouterr().out.startswith("This cell waits for conv_forward_fast")
    with pytest.raises(NotImplementedYet):
        checks.assert_implemented(conv_forward_fast)


# The data and the figures ---------------------------------------------------------------------

def test_the_digits_load_with_their_shapes():
    digits = mnist.load_digits()
    assert digits.train_x.shape == (4000, 28, 28, 1) and digits.test_x.shape == (1000, 28, 28, 1)
    assert digits.train_x.dtype == np.uint8
    assert np.array_equal(np.bincount(digits.test_y), np.full(10, 100))
    assert digits.classes.tolist() == list(range(10))


def test_a_missing_or_malformed_digits_file_says_what_was_expected(tmp_path):
    import h5py

    with pytest.raises(DataError, match=r"no such file \(expected an HDF5 file with keys"):
        mnist.load_digits(tmp_path / "absent.h5")
    path = tmp_path / "digits.h5"
    with h5py.File(path, "w") as f:
        f["train_x"] = np.zeros((2, 28, 28), np.uint8)
    with pytest.raises(DataError, match=r"lacks the array\(s\) \['train_y'"):
        mnist.load_digits(path)
    with h5py.File(path, "w") as f:
        for split in ("train", "test"):
            f[f"{split}_x"] = np.zeros((2, 28, 28), np.uint8)
            f[f"{split}_y"] = np.zeros(2, np.int64)
        f["classes"] = np.arange(10)
    with pytest.raises(DataError, match=r"train_x should be uint8 images of shape \(m, 28"):
        mnist.load_digits(path)


def test_the_figures_draw_and_refuse_bad_input():
    assert plotting.show_kernel_offset(5, 6, 3, 2, 1, (1, 2)).axes
    history = {"loss": [1.0, 0.5], "train_accuracy": [0.6, 0.9], "test_accuracy": [0.7, 0.85]}
    assert len(plotting.plot_training_curves(history).axes) == 2
    assert len(plotting.show_filters(np.ones((3, 3, 1, 4))).axes) == 4
    assert plotting.show_images(np.zeros((3, 28, 28, 1), np.uint8), [0, 1, 2]).axes
    with pytest.raises(ValueError, match=r"offset \(3, 0\) is outside the f x f kernel"):
        plotting.show_kernel_offset(5, 6, 3, 2, 1, (3, 0))
    with pytest.raises(ValueError, match="differ in length"):
        plotting.plot_training_curves({**history, "loss": [1.0]})
    with pytest.raises(ValueError, match="NaN or infinite"):
        plotting.plot_training_curves({**history, "loss": [1.0, float("nan")]})
    with pytest.raises(ValueError, match=r"expected numbers of shape \(f, f, n_C_prev, n_C\)"):
        plotting.show_filters(np.ones((3, 2, 1, 4)))
