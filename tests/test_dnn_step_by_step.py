"""The hidden tests, checks, references and figures of "Deep neural networks, step by step", run
in process.

The solution earns every point with nothing on stderr and an unfinished function a clean zero;
every catalogue bug loses points on exactly the functions it breaks, under its mistake id and
with its hint; the course's references keep the notebook's contracts and agree with the oracles;
the visible checks' reference values are the oracles' own, the checks pass on the solution and
catch every catalogue bug, and a check whose helper fails says to fix the helper first.
"""

from __future__ import annotations

import contextlib
import io

import hint_policy
import in_process
import numpy as np
import pytest
import returned_values
from threadpoolctl import threadpool_limits

from autograder.catalogue.dnn_step_by_step import BUGS
from autograder.course import Course, read_notebook
from autograder.hidden_tests import dnn_oracles as oracles
from autograder.hidden_tests import dnn_references as references
from autograder.hidden_tests import dnn_step_by_step
from autograder.samples import Bug, solution_namespace, solution_sources, with_bugs
from utils import dnn_checks as checks
from utils import plotting
from utils.checks import NotImplementedYet

ASSIGNMENT = "dnn_step_by_step"
NAMES = list(dnn_step_by_step.POINTS)
POINTS = dnn_step_by_step.POINTS


def grade(name, func):
    return getattr(dnn_step_by_step, f"grade_{name}")(func)


def grade_all(namespace, capsys):
    return in_process.grade_all(dnn_step_by_step, namespace, capsys)


def learner_code(bug):
    """The code of the solution cells of a submission that holds BUG."""
    sources = solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))
    return "\n".join(with_bugs(sources, [bug]).values())


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(assignment=ASSIGNMENT)


def test_solution_gets_full_points(solution, capsys):
    for name, (score, report, _) in grade_all(solution, capsys).items():
        assert type(score) is float and score == POINTS[name], report
        assert report.startswith(f"{name}: {POINTS[name]} / {POINTS[name]} points\n")
        assert "FAIL" not in report
    assert sum(POINTS.values()) == 100


def test_unfinished_functions_get_a_clean_zero(capsys):
    def unfinished(*args, **kwargs):
        raise NotImplementedError()

    for name in NAMES:
        unfinished.__name__ = name
        assert grade(name, unfinished) == 0.0
        out, err = capsys.readouterr()
        assert err == "" and "not implemented yet" in out, out


@pytest.mark.parametrize("name", NAMES)
def test_every_returned_value_is_checked(name, solution):
    """Each part of what the solution's function returns (every array of its tuples, caches,
    dicts and cost lists), changed on every call, costs points."""
    returned_values.assert_every_part_checked(lambda func: grade(name, func), solution[name],
                                              POINTS[name])


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_loses_points_exactly_where_it_breaks(bug, capsys):
    graded = grade_all(solution_namespace([bug], ASSIGNMENT), capsys)
    lost = {name for name, (score, _, _) in graded.items() if score < POINTS[name]}
    assert lost == set(bug.breaks), {name: score for name, (score, _, _) in graded.items()}
    for name in bug.breaks:
        score, report, mistakes = graded[name]
        assert set(mistakes) == {bug.mistake}, (mistakes, report)
        assert sum(mistakes.values()) == pytest.approx(POINTS[name] - score)
        assert bug.hint in " ".join(report.split()), report
    feedback = "\n".join(report for _, report, _ in graded.values())
    hint_policy.assert_no_leak(feedback, learner_code(bug), where=f"the feedback of {bug.name}")


def test_the_catalogue_has_at_least_twelve_mistakes_over_the_assignment():
    assert len(BUGS) >= 12
    covered = {function for bug in BUGS for function in bug.breaks}
    assert len(covered) >= 12 and covered <= set(NAMES)
    assert len({bug.mistake for bug in BUGS}) == len(BUGS)


# Other starts than initialize_parameters_deep(layers_dims)'s, for L_layer_model (the catalogue
# holds one mistake per id: its two-layer entry is the one the batch grader proves).
OTHER_STARTS = {
    "by hand, randn * 0.01": (
        "    parameters = {}\n"
        "    for l in range(1, len(layers_dims)):\n"
        '        parameters["W" + str(l)] = (np.random.randn(layers_dims[l], layers_dims[l - 1])\n'
        "                                    * 0.01)\n"
        '        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))\n'),
    "by hand, the notebook's formula after another seed": (
        "    np.random.seed(1)\n"
        "    parameters = {}\n"
        "    for l in range(1, len(layers_dims)):\n"
        '        parameters["W" + str(l)] = (np.random.randn(layers_dims[l], layers_dims[l - 1])\n'
        "                                    / np.sqrt(layers_dims[l - 1]))\n"
        '        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))\n'),
}


@pytest.mark.parametrize("start", list(OTHER_STARTS))
def test_a_model_that_starts_elsewhere_is_told_so(start, capsys):
    bug = Bug(name="L-model-starts-elsewhere", function="L_layer_model",
              replace="    parameters = initialize_parameters_deep(layers_dims)\n",
              by=OTHER_STARTS[start], breaks=frozenset({"L_layer_model"}),
              hint="starts from other parameters than the notebook's initialisation gives",
              mistake="model-start", description=start)
    graded = grade_all(solution_namespace([bug], ASSIGNMENT), capsys)
    lost = {name for name, (score, _, _) in graded.items() if score < POINTS[name]}
    assert lost == {"L_layer_model"}
    score, report, mistakes = graded["L_layer_model"]
    assert mistakes == {"model-start": POINTS["L_layer_model"]}, report
    assert bug.hint in " ".join(report.split()), report
    assert "Your initialize_parameters_deep" not in report
    hint_policy.assert_no_leak(report, learner_code(bug), where=f"the feedback of {start}")
    with pytest.raises(checks.CheckFailed, match="starts from other parameters"):
        run_check("L_layer_model", solution_namespace([bug], ASSIGNMENT))


def test_a_helpers_mistake_costs_points_once(capsys):
    # relu_backward changes dA in place; linear_activation_backward, L_model_backward and the
    # models call it, and are graded with the course's version instead.
    [bug] = [bug for bug in BUGS if bug.name == "relu-backward-modifies-dA"]
    graded = grade_all(solution_namespace([bug], ASSIGNMENT), capsys)
    for name in ("linear_activation_backward", "L_model_backward", "two_layer_model",
                 "L_layer_model"):
        score, report, _ = graded[name]
        assert score == POINTS[name], report
        assert "relu_backward" in report, report


# The references and the oracles ----------------------------------------------------------------

def test_the_references_keep_the_notebooks_contracts(solution):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 6))
    Y = (rng.random((1, 6)) > 0.5).astype(float)
    parameters = solution["initialize_parameters_deep"]([4, 3, 2, 1])
    np.testing.assert_array_equal(references.initialize_parameters_deep([4, 3, 2, 1])["W2"],
                                  parameters["W2"])
    AL, caches = solution["L_model_forward"](X, parameters)
    ref_AL, ref_caches = references.L_model_forward(X, parameters)
    np.testing.assert_allclose(ref_AL, AL)
    for mine, theirs in zip(caches, ref_caches):
        np.testing.assert_allclose(theirs[1], mine[1])
        for a, b in zip(theirs[0], mine[0]):
            np.testing.assert_allclose(a, b)
    grads = solution["L_model_backward"](AL, Y, caches)
    ref_grads = references.L_model_backward(AL, Y, ref_caches)
    assert set(ref_grads) == set(grads)
    for key in grads:
        np.testing.assert_allclose(ref_grads[key], grads[key], err_msg=key)
    np.testing.assert_allclose(references.compute_cost(AL, Y), solution["compute_cost"](AL, Y))
    updated = references.update_parameters(parameters, grads, 0.1)
    for key, value in solution["update_parameters"](parameters, grads, 0.1).items():
        np.testing.assert_allclose(updated[key], value)


def test_the_references_refuse_what_no_notebook_passes():
    with pytest.raises(ValueError, match="activation must be 'sigmoid' or 'relu'"):
        references.linear_activation_forward(np.ones((2, 1)), np.ones((1, 2)), np.zeros((1, 1)),
                                             "tanh")
    with pytest.raises(ValueError, match="2-D array"):
        references.sigmoid(np.ones(3))
    with pytest.raises(ValueError, match=r"\(A_prev, W, b\)"):
        references.linear_backward(np.ones((1, 2)), (np.ones((2, 2)),))
    with pytest.raises(ValueError, match="more weights than grading needs"):
        references.initialize_parameters_deep([100_000, 200])


def test_the_reference_gradients_are_the_numerical_gradients():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((3, 4))
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    parameters = oracles.initialize_parameters_deep([3, 4, 2, 1], seed=2)
    AL, caches = references.L_model_forward(X, parameters)
    grads = references.L_model_backward(AL, Y, caches)
    numeric = oracles.numerical_gradients(X, Y, parameters)
    for key, value in numeric.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-5, atol=1e-8, err_msg=key)


# The visible checks ---------------------------------------------------------------------------

def test_the_checks_reference_values_are_the_oracles():
    """Every value of checks.REFERENCE, recomputed from DRAWS with the grader's oracles."""
    def draw(key):
        rng = np.random.RandomState(1)
        return {name: rng.randn(*shape) for name, shape in checks.DRAWS[key].items()}

    ref = checks.REFERENCE
    v = draw("activations")
    for name, compute in (("sigmoid", lambda: oracles.sigmoid(v["Z"])),
                          ("relu", lambda: oracles.relu(v["Z"])),
                          ("sigmoid_backward", lambda: oracles.sigmoid_backward(v["dA"], v["Z"])),
                          ("relu_backward", lambda: oracles.relu_backward(v["dA"], v["Z"]))):
        np.testing.assert_allclose(ref["activations"][name], compute(), err_msg=name)
    init = oracles.initialize_parameters_deep(checks.INIT_LAYER_DIMS)
    np.testing.assert_allclose(ref["init"]["W1[0]"], init["W1"][0])
    np.testing.assert_allclose(ref["init"]["W2"], init["W2"])
    v = draw("linear")
    Z = v["W"] @ v["A"] + v["b"]
    np.testing.assert_allclose(ref["linear"]["Z"], Z)
    np.testing.assert_allclose(ref["linear"]["sigmoid"], oracles.sigmoid(Z))
    v = draw("L_model_forward")
    X = v.pop("X")
    AL, _, pre = oracles.forward(X, v)
    np.testing.assert_allclose(ref["L_model_forward"]["AL"], AL)
    np.testing.assert_allclose(ref["L_model_forward"]["Z2[:, 0]"], pre[1][:, 0])
    cost = ref["compute_cost"]
    assert cost["cost"] == pytest.approx(oracles.cost(np.array(cost["AL"]),
                                                      np.array(cost["Y"], float)))
    v = draw("linear_backward")
    m = v["A_prev"].shape[1]
    np.testing.assert_allclose(ref["linear_backward"]["dW[0]"], (v["dZ"] @ v["A_prev"].T / m)[0])
    np.testing.assert_allclose(ref["linear_backward"]["db"],
                               v["dZ"].sum(axis=1, keepdims=True) / m)
    np.testing.assert_allclose(ref["linear_backward"]["dA_prev[:, 0]"], (v["W"].T @ v["dZ"])[:, 0])
    v = draw("linear_activation_backward")
    for activation, backward in (("sigmoid", oracles.sigmoid_backward),
                                 ("relu", oracles.relu_backward)):
        dZ = backward(v["dA"], v["Z"])
        expected = ref["linear_activation_backward"][activation]
        np.testing.assert_allclose(expected["dA_prev"], v["W"].T @ dZ)
        np.testing.assert_allclose(expected["dW"], dZ @ v["A_prev"].T / 2)
        np.testing.assert_allclose(expected["db"], dZ.sum(axis=1, keepdims=True) / 2)
    v = draw("L_model_backward")  # caches drawn at random, as the check builds them
    AL, Y = np.array(ref["L_model_backward"]["AL"]), np.array(ref["L_model_backward"]["Y"])
    caches = [((v["A0"], v["W1"], v["b1"]), v["Z1"]), ((v["A1"], v["W2"], v["b2"]), v["Z2"])]
    grads = references.L_model_backward(AL, Y, caches)
    for key in ("dW1", "db1", "dA1", "dW2", "db2"):
        np.testing.assert_allclose(ref["L_model_backward"][key], grads[key], err_msg=key)
    np.testing.assert_allclose(ref["L_model_backward"]["dA0[:, 0]"], grads["dA0"][:, 0])
    v = draw("update_parameters")
    params = {key: v[key] for key in ("W1", "b1", "W2", "b2")}
    updated = oracles.update_parameters(params, {f"d{k}": v[f"d{k}"] for k in params},
                                        checks.UPDATE_LEARNING_RATE)
    np.testing.assert_allclose(ref["update_parameters"]["W2"], updated["W2"])
    v = draw("predict")
    X = v.pop("X")
    v["b2"] = np.array([[checks.PREDICT_B2]])
    np.testing.assert_allclose(ref["predict"]["p"], oracles.predict(X, v))
    assert 0 < np.mean(ref["predict"]["p"]) < 1
    X = draw("models")["X"]
    Y = (np.arange(X.shape[1]) % 3 == 0).astype(float).reshape(1, -1)
    for name in ("two_layer_model", "L_layer_model"):
        trained, costs = oracles.train(X, Y, ref[name]["layers_dims"], checks.MODEL_LEARNING_RATE,
                                       checks.MODEL_ITERATIONS)
        np.testing.assert_allclose(ref[name]["costs"], costs)
        np.testing.assert_allclose(ref[name]["W1[0]"], trained["W1"][0])
        start = oracles.initialize_parameters_deep(ref[name]["layers_dims"])
        last = f"W{len(ref[name]['layers_dims']) - 1}"
        assert list(ref[name]["start"]) == ["W1[0]", last]
        np.testing.assert_allclose(ref[name]["start"]["W1[0]"], start["W1"][0])
        np.testing.assert_allclose(ref[name]["start"][last], start[last])


def test_the_faces_reference_table_is_the_oracles_training():
    """The four-layer model's costs on the faces, as compare_costs knows them."""
    from utils.catvnoncat import find_dataset, load_data

    if find_dataset().name != "faces":
        pytest.skip("data/ holds the cat files: the faces table is checked without them")
    train_x, train_y, _, _, _ = load_data()
    with threadpool_limits(limits=1, user_api="blas"):  # faster for these small matrices
        _, costs = oracles.train(oracles.flatten(train_x), train_y, [12288, 100, 20, 1], 0.001,
                                 1000)
    assert [round(cost, 6) for cost in costs] == checks.TRAINING_COSTS["faces"]


def run_check(name, namespace):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        checks.CHECKS[name].raising(namespace[name])
    return out.getvalue()


@pytest.mark.parametrize("name", NAMES)
def test_checks_pass_on_the_solution(name, solution):
    assert f"{name}: all checks passed." in run_check(name, solution)


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_checks_catch_every_catalogue_bug(bug):
    namespace = solution_namespace([bug], ASSIGNMENT)
    failing = []
    for name in NAMES:
        try:
            run_check(name, namespace)
        except checks.CheckFailed as failure:
            failing.append((name, str(failure)))
        except Exception as error:  # noqa: BLE001 - the student's code raised: a caught bug
            notes = " ".join(getattr(error, "__notes__", []))
            failing.append((name, f"{type(error).__name__}: {error} {notes}"))
    assert failing and failing[0][0] == bug.function, failing
    hint_policy.assert_no_leak("\n".join(message for _, message in failing), learner_code(bug),
                               where=f"the checks' messages on {bug.name}")
    for name, message in failing[1:]:  # a function that calls it, directly or not, says which
        helpers = checks.CALLS.get(name, ())  # of its own helpers to fix first
        assert any(f"calls your {helper}" in message for helper in helpers), message


def test_compare_costs_names_the_first_iteration_that_differs(capsys):
    reference = checks.TRAINING_COSTS["faces"]
    checks.compare_costs(reference, "faces")
    assert "match the reference on the faces pictures" in capsys.readouterr().out
    with pytest.raises(checks.CheckFailed, match="the cost at iteration 300 is"):
        checks.compare_costs(reference[:3] + [reference[3] + 1e-5] + reference[4:], "faces")
    checks.compare_costs(reference, "SIGNS")
    assert "No reference costs for the data set 'SIGNS'" in capsys.readouterr().out


def test_a_fresh_notebook_waits_in_one_line(capsys):
    def sigmoid(Z):
        raise NotImplementedError()

    checks.check_sigmoid(sigmoid)
    out = capsys.readouterr().out
    assert "sigmoid is not implemented yet" in out and out.count("\n") == 1
    assert checks.is_implemented(sigmoid) is False
    assert capsys.readouterr().out.startswith("This cell waits for sigmoid")
    with pytest.raises(NotImplementedYet):
        checks.assert_implemented(sigmoid)


def test_the_activation_figure_draws_both_functions_and_derivatives():
    figure = plotting.show_activations()
    left, right = figure.axes
    assert len(left.lines) == 2 and len(right.lines) == 3
    assert right.lines[0].get_ydata().max() == pytest.approx(0.25, abs=1e-4)
    with pytest.raises(ValueError, match="unit must be 'epoch' or 'iteration'"):
        plotting.plot_costs([1.0, 0.5], unit="step")
    assert plotting.plot_costs([1.0, 0.5], every=100, unit="iteration").axes[0].get_xlabel() == (
        "iteration")


def test_a_backward_pass_may_not_differentiate_numerically(solution, capsys):
    """A linear_backward that takes dW from utils.gradient_check instead of deriving it gets
    nothing for the cases that call it: the numerical gradient raises while it is graded."""
    from utils import gradient_check

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = gradient_check.numerical_gradient(lambda x: x @ A_prev + b, W.copy(), dZ) / m
        return W.T @ dZ, dW, np.sum(dZ, axis=1, keepdims=True) / m

    in_process.grade_all(dnn_step_by_step, solution, capsys)  # the rest earned in full
    score = grade("linear_backward", linear_backward)
    report = " ".join(capsys.readouterr().out.split())
    assert score == 0 and "derive the gradients" in report, report
    # The same code is right: outside grading the numerical gradient runs.
    rng = np.random.default_rng(0)
    A_prev, W, b, dZ = (rng.standard_normal(shape) for shape in ((3, 4), (2, 3), (2, 1), (2, 4)))
    np.testing.assert_allclose(linear_backward(dZ, (A_prev, W, b))[1],
                               solution["linear_backward"](dZ, (A_prev, W, b))[1], rtol=1e-6)
