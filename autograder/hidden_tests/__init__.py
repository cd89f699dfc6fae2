"""Hidden tests: the autograded cells call ``grade_NAME(func)`` from the assignment's module.

harness    -- sub-tests with points, safe calls into student code, the printed report
oracles    -- independent reference computations (scipy, numerical gradients, definitions)
expected   -- costly expected values, computed once per batch worker and given to each kernel
step_by_step -- the graded functions of "Convolutional networks, step by step"
application  -- the graded functions of "Convolutional networks: application" (TensorFlow)
"""

import importlib
from types import ModuleType

# Assignment id -> the module whose POINTS and grade_NAME functions grade it.
MODULES = {
    "conv_step_by_step": "autograder.hidden_tests.step_by_step",
    "conv_application": "autograder.hidden_tests.application",
}


def for_assignment(assignment: str) -> ModuleType:
    """The hidden-test module of ASSIGNMENT; ValueError naming the known ones otherwise."""
    try:
        return importlib.import_module(MODULES[assignment])
    except KeyError:
        known = ", ".join(sorted(MODULES))
        raise ValueError(f"no hidden tests for assignment {assignment!r}; known: {known}") from None
