"""The course's registry and the hidden-test contract: every assignment is declared once and
its hidden tests are checked, with a message naming what is wrong, before grading starts."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from autograder.course import ASSIGNMENTS, Course, get_assignment
from autograder.engine.contract import ContractError, checked


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_registered_assignment_follows_the_contract(assignment):
    entry = get_assignment(assignment)
    module = entry.grading()
    assert list(module.POINTS) and sum(module.POINTS.values()) == 100
    assert Course().source_notebook(assignment).is_file()
    assert entry.title in Course().source_notebook(assignment).read_text()
    names = {bug.name for bug in entry.bugs()}
    assert set(entry.samples) <= names, set(entry.samples) - names


def test_an_unknown_assignment_names_the_known_ones():
    with pytest.raises(ValueError, match="expected one of: dnn_step_by_step, "
                                         "conv_step_by_step, cnn_numpy_training, "
                                         "conv_application"):
        get_assignment("conv_steps")


def module(**attributes) -> types.ModuleType:
    made = types.ModuleType("hidden_tests_under_test")
    made.__dict__.update(attributes)
    return made


def release() -> Path:
    return Course().release_notebook("conv_step_by_step")


def test_a_module_that_follows_the_contract_passes():
    real = get_assignment("conv_step_by_step").grading()
    copy = module(POINTS=dict(real.POINTS),
                  **{f"grade_{name}": getattr(real, f"grade_{name}") for name in real.POINTS})
    assert checked(copy, "conv_step_by_step", release()) is copy


@pytest.mark.parametrize("attributes, said", [
    ({}, "POINTS must be a dict of graded function -> points, not NoneType"),
    ({"POINTS": {"zero_pad": 5}}, "grade_zero_pad is missing"),
    ({"POINTS": {"zero_pad": 0}, "grade_zero_pad": lambda func: 0.0},
     "POINTS['zero_pad'] must be a positive number, not 0"),
    ({"POINTS": {"zero_pad": 5}, "grade_zero_pad": lambda: 0.0},
     "grade_zero_pad must take one argument, the student's function"),
    ({"POINTS": {"zero_pad": 5}, "grade_zero_pad": lambda func: 0.0},
     "the release's graded cells"),
])
def test_a_module_that_breaks_the_contract_is_refused_with_what_is_wrong(attributes, said):
    with pytest.raises(ContractError, match="do not follow autograder.engine.contract") as error:
        checked(module(**attributes), "conv_step_by_step", release())
    assert said in str(error.value)


def test_a_missing_release_is_named(tmp_path):
    real = get_assignment("conv_step_by_step").grading()
    with pytest.raises(ContractError, match="run `make release`"):
        checked(real, "conv_step_by_step", tmp_path / "missing.ipynb")
