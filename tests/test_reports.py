"""What a function's report says about the helpers it was graded with: a helper that is simply
not written yet is reported once, in its own report, and a function's report names only the
course's helpers it called (autograder.engine.harness.Grader.report)."""

from __future__ import annotations

import in_process

from autograder.course import Course, read_notebook
from autograder.hidden_tests import dnn_step_by_step
from autograder.samples import solution_namespace, solution_sources

ASSIGNMENT = "dnn_step_by_step"


def unwritten(name):
    def function(*args, **kwargs):
        raise NotImplementedError()

    function.__name__ = name
    function.__code__ = function.__code__.replace(co_name=name)
    return function


def test_an_unwritten_helper_is_reported_once_and_nowhere_else(capsys):
    namespace = solution_namespace(assignment=ASSIGNMENT)
    for name in ("sigmoid_backward", "relu_backward"):
        namespace[name] = unwritten(name)
    graded = in_process.grade_all(dnn_step_by_step, namespace, capsys)
    reports = "\n".join(report for _, report, _ in graded.values())
    assert reports.count("not implemented yet") == 2, reports
    assert "sigmoid_backward raised NotImplementedError" in " ".join(
        graded["sigmoid_backward"][1].split())
    assert "graded with a correct" not in reports, reports
    assert graded["linear_activation_backward"][0] == dnn_step_by_step.POINTS[
        "linear_activation_backward"]


def test_a_wrong_helper_is_named_where_the_course_s_version_was_called(capsys):
    namespace = solution_namespace(assignment=ASSIGNMENT)
    right = namespace["sigmoid_backward"]

    def sigmoid_backward(dA, cache):
        return 2 * right(dA, cache)

    namespace["sigmoid_backward"] = sigmoid_backward
    graded = in_process.grade_all(dnn_step_by_step, namespace, capsys)
    said = ("Your sigmoid_backward lost points in its own tests; linear_activation_backward was "
            "graded with a correct sigmoid_backward")
    assert said in " ".join(graded["linear_activation_backward"][1].split())
    assert graded["sigmoid_backward"][0] < dnn_step_by_step.POINTS["sigmoid_backward"]


def test_a_helper_the_function_never_calls_is_not_named(capsys):
    # initialize_parameters_deep is wrong; two_layer_model starts from the right parameters
    # without calling it (under another name), L_layer_model calls it.
    namespace = solution_namespace(assignment=ASSIGNMENT)
    cells = namespace["two_layer_model"].__globals__
    right = cells["initialize_parameters_deep"]

    def initialize_parameters_deep(layer_dims):
        return {key: 2 * value for key, value in right(layer_dims).items()}

    cells["initialize_parameters_deep"] = namespace["initialize_parameters_deep"] = \
        initialize_parameters_deep
    cells["start_from"] = right
    source = solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))
    code = source["two_layer_model"].replace("initialize_parameters_deep(", "start_from(")
    assert "start_from(" in code
    exec(code, cells)
    namespace["two_layer_model"] = cells["two_layer_model"]

    graded = in_process.grade_all(dnn_step_by_step, namespace, capsys)
    points = dnn_step_by_step.POINTS
    assert graded["initialize_parameters_deep"][0] < points["initialize_parameters_deep"]
    assert graded["two_layer_model"][0] == points["two_layer_model"]
    assert graded["L_layer_model"][0] == points["L_layer_model"]
    assert "Your initialize_parameters_deep" in graded["L_layer_model"][1]
    assert "Your initialize_parameters_deep" not in graded["two_layer_model"][1]


def test_under_nbgrader_s_validate_a_function_that_lost_points_shows_its_report_on_stderr(
        capsys, monkeypatch):
    # nbgrader's validate shows a cell's stderr; without it only "Partial credit".
    namespace = solution_namespace(assignment=ASSIGNMENT)
    right = namespace["sigmoid"]

    def sigmoid(Z):
        A, cache = right(Z)
        return 2 * A, cache

    monkeypatch.setenv("NBGRADER_VALIDATING", "1")
    dnn_step_by_step.grade_sigmoid(sigmoid)
    out, err = capsys.readouterr()
    assert err == out and err.startswith("sigmoid: ") and "FAIL" in err
    dnn_step_by_step.grade_sigmoid(right)
    out, err = capsys.readouterr()
    assert err == "" and "FAIL" not in out
    monkeypatch.delenv("NBGRADER_VALIDATING")
    dnn_step_by_step.grade_sigmoid(sigmoid)
    assert capsys.readouterr().err == ""
