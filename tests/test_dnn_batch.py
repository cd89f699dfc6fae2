"""The batch grader on the deep-network assignment: the whole catalogue, graded in the sandbox
with the instructor's command, loses points exactly where each bug breaks, under its mistake
id in the class report; the solution, the blank release and the sample bugs get nbgrader's
scores function by function."""

from __future__ import annotations

import in_process

from autograder.catalogue.dnn_step_by_step import BUGS
from autograder.hidden_tests.dnn_step_by_step import POINTS


def test_the_catalogue_graded_in_the_sandbox_gets_nbgraders_scores(tmp_path, graded_dnn):
    in_process.check_catalogue_in_the_sandbox("dnn_step_by_step", BUGS, POINTS, graded_dnn,
                                              tmp_path)
