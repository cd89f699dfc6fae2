"""What grading a submission produces, as plain data that crosses process boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field

GRADED = "graded"
GRADED_WITH_FLAGS = "graded-with-flags"
NOT_GRADABLE = "not-gradable"


@dataclass
class TestResult:
    """One graded function of one submission.

    name      -- the graded function, e.g. "conv_forward" (its test cell is NAME_tests)
    score     -- points earned
    max_score -- points available
    output    -- the hidden tests' report: sub-test names, points and messages, never source
    mistakes  -- the mistakes the hidden tests recognised, by stable id, with the points
                 each cost ("unnamed" for lost points no known mistake explains)
    """

    name: str
    score: float
    max_score: float
    output: str
    mistakes: dict[str, float] = field(default_factory=dict)


@dataclass
class SubmissionResult:
    """Everything the batch grader records for one student.

    status -- GRADED, GRADED_WITH_FLAGS or NOT_GRADABLE
    flags  -- short "kind: detail" strings, e.g. "edited-test-cell: conv_forward_tests restored"
    reason -- why a submission is not gradable ("" otherwise)
    """

    student_id: str
    tests: list[TestResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def status(self) -> str:
        if self.reason:
            return NOT_GRADABLE
        return GRADED_WITH_FLAGS if self.flags else GRADED

    @property
    def score(self) -> float:
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        return sum(test.max_score for test in self.tests)
