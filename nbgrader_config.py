"""nbgrader configuration for the course.

nbgrader commands run from the repository root (the Makefile and the
``autograder`` package take care of that), so every path here is relative to it.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "conv-step-by-step"
# The exchange that release, fetch, submit, collect and feedback go through: the variable
# NBGRADER_EXCHANGE (`make ... EXCHANGE=/srv/nbgrader/exchange`), or this course's
# autograder/exchange (see autograder/exchange.py).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE") or str(
    Path(__file__).resolve().parent / "autograder" / "exchange")
# Students kept apart in the exchange (autograder/exchange_guards.py): release makes sure
# inbound is sticky and set-group-id, submit leaves a submission to its owner and the
# instructor (nbgrader's: readable and writable by everyone who learns its name), collect
# takes only plain submissions of the students they name (nbgrader's only warns about one
# made by another user, and copies what a link points to).
c.ExchangeFactory.release_assignment = "autograder.exchange_guards.GuardedRelease"
c.ExchangeFactory.submit = "autograder.exchange_guards.SealedSubmit"
c.ExchangeFactory.collect = "autograder.exchange_guards.GuardedCollect"
# Submission times in UTC, which collect compares with the times the system records.
c.Exchange.timezone = "UTC"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
# The instructor's working folders live under autograder/ and are ignored by git.
c.CourseDirectory.submitted_directory = "autograder/submitted"
c.CourseDirectory.autograded_directory = "autograder/autograded"
c.CourseDirectory.feedback_directory = "autograder/feedback"
c.CourseDirectory.db_url = "sqlite:///autograder/gradebook.db"
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
]

# What a student finds in place of each solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Seconds one cell may run while nbgrader executes a notebook.
c.ExecutePreprocessor.timeout = 60

# Feedback shows each hidden-test cell without its hidden part (nbgrader writes the
# hidden tests' source into the feedback otherwise, its issue #917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
