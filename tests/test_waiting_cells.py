"""A cell that runs only once graded functions are written (``is_implemented`` of the checks
modules) names every function it waits for: the ones it calls, the graded functions those call,
and the ones the notebook asks them to use, the first four and how many more."""

from __future__ import annotations

import in_process
import pytest

from utils import checks, dnn_checks

ASSIGNMENT = "dnn_step_by_step"


def test_a_fresh_notebook_names_every_unwritten_function_the_cell_needs(capsys):
    # The release's L_layer_model calls initialize_parameters_deep before its own unwritten
    # part: it is named once that helper is written. The other 13 are named now.
    namespace = in_process.release_namespace(ASSIGNMENT)
    assert dnn_checks.is_implemented(namespace["L_layer_model"]) is False
    said = capsys.readouterr().out
    assert said == ("This cell waits for sigmoid, relu, sigmoid_backward, relu_backward and 9 "
                    "more: not implemented yet. Implement them, then run this cell again.\n")
    assert dnn_checks.is_implemented(namespace["sigmoid"]) is False
    assert capsys.readouterr().out.startswith("This cell waits for sigmoid: not implemented")


def test_a_written_function_names_each_unwritten_helper_it_calls(capsys):
    written = ("L_layer_model", "L_model_forward", "sigmoid", "relu",
               "linear_activation_forward", "linear_forward", "compute_cost",
               "initialize_parameters_deep")
    namespace = in_process.release_namespace(ASSIGNMENT, written=written)
    assert dnn_checks.is_implemented(namespace["L_layer_model"]) is False
    said = capsys.readouterr().out
    assert said.startswith("This cell waits for sigmoid_backward, relu_backward, "
                           "linear_backward, linear_activation_backward and 2 more:"), said


def test_every_function_written_is_implemented(capsys):
    namespace = in_process.release_namespace(ASSIGNMENT, written=dnn_checks.GRADED_FUNCTIONS)
    assert dnn_checks.is_implemented(namespace["L_layer_model"], namespace["predict"])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("names, said", [
    (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c"),
    (["a", "b", "c", "d"], "a, b, c and d"), (list("abcdefg"), "a, b, c, d and 3 more")])
def test_the_list_is_prose(names, said):
    assert checks._listed(names) == said
