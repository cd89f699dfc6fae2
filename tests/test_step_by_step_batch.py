"""The batch grader on the step-by-step assignment: the whole catalogue, graded in the sandbox
with the instructor's command, loses points exactly where each bug breaks, under its mistake
id in the class report; the solution, the blank release and the sample bugs get nbgrader's
scores function by function."""

from __future__ import annotations

import in_process

from autograder.catalogue.step_by_step import BUGS
from autograder.hidden_tests.step_by_step import POINTS


def test_the_catalogue_graded_in_the_sandbox_gets_nbgraders_scores(tmp_path, graded_batch):
    in_process.check_catalogue_in_the_sandbox("conv_step_by_step", BUGS, POINTS, graded_batch,
                                              tmp_path)
