"""Machinery shared by the hidden tests: sub-tests with points, safe calls, the report.

A grade function opens a ``Grader``, runs sub-tests through it, and returns its score:

    with Grader("conv_forward", 20) as grader:
        grader.run("pad 0, stride 2", 2.5, some_test, f=3, stride=2, pad=0)
        grader.explain(RULES)
    return grader.score

Each sub-test is a function that returns on success and raises ``Failure(message, hint)``
otherwise. Student code is called through ``call`` or ``Attempt``: whatever it prints is
captured, its warnings are recorded, and an exception becomes a ``StudentError`` naming the
exception and the line of the student's code it came from. When the ``with`` block ends,
the report is printed to stdout (a header "NAME: x / P points", then one line per sub-test;
for a failure, what was expected, what came back and a hint). Nothing reaches stderr, since
nbgrader gives no points to a cell that writes to it, and the global ``np.random`` state and
numpy error settings are restored, so grading does not change the student's random numbers.
The score is a Python float, which nbgrader reads as the cell's partial credit.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import linecache
import os
import sys
import textwrap
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

import autograder
import utils
from autograder.engine import wire, worker

REPORT_WIDTH = 100

# Code in these folders is ours; an exception's "student line" is never one of them.
_OWN_DIRS = tuple(str(Path(folder).resolve())
                  for package in (autograder, utils) for folder in package.__path__)
# Text that came from a student's code (an exception's message, a warning) is cut at this
# many characters in a report, and a sub-test's whole message at MESSAGE_LIMIT.
STUDENT_TEXT = 200
MESSAGE_LIMIT = 1000

# The scores of the functions graded so far in this grading, name -> (score, points): a
# function graded with the course's versions of its helpers says when one of the student's
# own helpers lost points. A grading of another submission starts with forget_scores().
_SCORES: dict[str, tuple[float, float]] = {}
# The mistakes recognised in each function graded so far in this grading: name -> {mistake
# id: points its failed sub-tests cost} (see Hint; UNNAMED for failures without an id).
_MISTAKES: dict[str, dict[str, float]] = {}
# The helpers that ``substituting`` stood the course's versions in for whose versions the
# graded function has not called: its report does not say it was graded with them.
_UNCALLED: set[str] = set()

NOT_IMPLEMENTED_HINT = ("replace `raise NotImplementedError()` in its cell with your code, "
                        "then run that cell")


class Hint(str):
    """A hint, which is its text, and the stable id of the mistake it points at: the class
    report counts mistakes by id, not by wording. Every Hint made is listed in HINTS.

    mistake -- a short id, such as "bias-per-element"
    """

    mistake: str

    def __new__(cls, mistake: str, text: str) -> Hint:
        hint = super().__new__(cls, text)
        hint.mistake = mistake
        HINTS.setdefault(mistake, hint)
        return hint


# Every Hint made, by mistake id (the first made under an id describes it).
HINTS: dict[str, Hint] = {}
# The id under which a failure is counted whose hint names no mistake (or that has none).
UNNAMED = "unnamed"


class Failure(Exception):
    """A sub-test failed.

    message -- what was expected and what came back
    hint    -- what to look at, or None
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class StudentError(Failure):
    """The student's code raised an exception.

    error -- the exception it raised
    """

    def __init__(self, message: str, error: BaseException, hint: str | None = None):
        super().__init__(message, hint)
        self.error = error


class OpaqueValue:
    """Stands for a value a student's function returned in another process that cannot be
    rebuilt here as data (autograder.engine.session): it equals nothing but itself, and messages
    describe it as what it was.

    type_name -- the type of the value in the student's process, e.g. "generator"
    """

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return (f"an object of type {student_text(self.type_name, 60)} that cannot be "
                "checked outside the notebook")

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__


@dataclass
class Outcome:
    """The result of one sub-test.

    label   -- what it checks, as printed
    points  -- what it is worth
    passed  -- whether it passed
    message -- for a failure: what was expected and what came back
    hint    -- for a failure: what to look at, or None
    error   -- the exception the student's code raised, if that is why it failed
    tags    -- the case's parameters (f, stride, pad, mode, part...), for ``Grader.explain``
    warning -- the first warning recorded while it ran, if any
    """

    label: str
    points: float
    passed: bool
    message: str = ""
    hint: str | None = None
    error: BaseException | None = None
    tags: dict = field(default_factory=dict)
    warning: str | None = None

    @property
    def earned(self) -> float:
        return self.points if self.passed else 0.0


@dataclass(frozen=True)
class Rule:
    """A pattern across a sweep of cases and the hint it suggests.

    applies -- predicate on a sub-test's tags, true for the cases the suspected mistake breaks
    hint    -- the hint given to the failing sub-tests when the pattern fits
    """

    applies: Callable[[dict], bool]
    hint: str


class Grader:
    """Runs the sub-tests of one graded function and prints their report.

    name    -- the graded function's name, printed in the header
    total   -- its points; the sub-tests' points must add up to it
    helpers -- the graded functions it is graded with the course's versions of (see
               ``substituting``): the report says which of the student's own lost points
    """

    def __init__(self, name: str, total: float, helpers: Iterable[str] = ()):
        self.name = name
        self.total = float(total)
        self.helpers = tuple(helpers)
        self.outcomes: list[Outcome] = []
        self._exits = contextlib.ExitStack()

    def __enter__(self) -> Grader:
        self._exits.enter_context(_restored_numpy_state())
        self._exits.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        self._exits.enter_context(contextlib.redirect_stderr(io.StringIO()))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._exits.close()
        if exc_type is None:
            _SCORES[self.name] = (self.score, self.total)
            _MISTAKES[self.name] = self.mistakes()
            print(self.report())
            if os.environ.get("NBGRADER_VALIDATING") and self.score < self.total:
                # nbgrader's validate shows a cell's stderr instead of "Partial credit": an
                # instructor validating the source sees which sub-tests failed, and why.
                print(self.report(), file=sys.stderr)

    def run(self, label: str, points: float, test: Callable[[], Any], **tags) -> Outcome:
        """Run TEST (no arguments) as a sub-test worth POINTS; TAGS describe its case."""
        outcome = Outcome(label, float(points), passed=False, tags=tags)
        with warnings.catch_warnings(record=True) as caught, _captured_output():
            warnings.simplefilter("always")
            try:
                test()
                outcome.passed = True
            except Failure as failure:
                outcome.message, outcome.hint = _capped(failure.message), failure.hint
                if isinstance(failure, StudentError):
                    outcome.error = failure.error
            except Exception as error:  # the grader must survive whatever came back
                outcome.message = ("could not check what came back: "
                                   f"{_name(type(error).__name__)}: {student_text(error)}")
        if caught and not outcome.passed:
            first = caught[0]
            outcome.warning = (f"{_name(first.category.__name__)}: "
                               f"{student_text(first.message)}")
        self.outcomes.append(outcome)
        return outcome

    def attempt(self, func: Callable, args: Sequence[tuple[str, Any]],
                kwargs: dict | None = None, label: str = "") -> Attempt:
        """An Attempt of FUNC, the function this grader grades (see Attempt)."""
        return Attempt(func, args, kwargs, label, name=self.name)

    def explain(self, rules: Sequence[Rule],
                where: Callable[[Outcome], bool] | None = None) -> Rule | None:
        """Give the first rule that fits the failures a hint; return that rule, or None.

        Only tagged sub-tests (for which WHERE holds, if given) take part. A rule fits when
        every failing sub-test is a case it applies to and some passing one is not: the
        failures then point at what those cases have in common. Failures that already have
        a hint keep it.
        """
        chosen = [o for o in self.outcomes if o.tags and (where is None or where(o))]
        failing = [o for o in chosen if not o.passed]
        passing = [o for o in chosen if o.passed]
        if not failing or not passing:
            return None
        for rule in rules:
            if (all(rule.applies(o.tags) for o in failing)
                    and any(not rule.applies(o.tags) for o in passing)):
                for outcome in failing:
                    if outcome.hint is None:
                        outcome.hint = rule.hint
                self._share_hints(failing)
                return rule
        return None

    def _share_hints(self, sources: Sequence[Outcome]) -> None:
        """Sub-tests that failed on the very same exception as one of SOURCES take its hint."""
        for source in sources:
            if source.error is None or source.hint is None:
                continue
            for outcome in self.outcomes:
                if outcome.error is source.error and outcome.hint is None:
                    outcome.hint = source.hint

    def explain_all_failing(self, where: Callable[[Outcome], bool], hint: str) -> bool:
        """Give HINT to the sub-tests selected by WHERE if they all failed; say whether they did."""
        chosen = [o for o in self.outcomes if where(o)]
        if not chosen or any(o.passed for o in chosen):
            return False
        for outcome in chosen:
            if outcome.hint is None:
                outcome.hint = hint
        return True

    def explain_errors(self, table: Iterable[tuple[str, str]]) -> None:
        """Hints for failures caused by an exception whose text contains a known phrase.

        table -- (phrase, hint) pairs, first match wins (NotImplementedError gets no hint:
                 the report ends with a line saying the function is not implemented yet)
        """
        table = list(table)
        for outcome in self.outcomes:
            if outcome.passed or outcome.hint is not None or outcome.error is None:
                continue
            if isinstance(outcome.error, NotImplementedError):
                continue
            text = f"{type(outcome.error).__name__}: {outcome.error}"
            for phrase, hint in table:
                if phrase in text:
                    outcome.hint = hint
                    break

    def mistakes(self) -> dict[str, float]:
        """Mistake id -> the points its failed sub-tests cost (see Hint). A function not
        implemented yet loses its points under "not-implemented". Failures whose hint names
        no mistake (a dtype or an unchanged-input sub-test that could not be checked, say)
        count under the named mistake that cost the most, which explains them; with none,
        under UNNAMED."""
        lost: dict[str, float] = {}
        unnamed = 0.0
        for outcome in self.outcomes:
            if outcome.passed:
                continue
            if isinstance(outcome.error, NotImplementedError):
                mistake = "not-implemented"
            else:
                mistake = getattr(outcome.hint, "mistake", None)
            if mistake is None:
                unnamed += outcome.points
                continue
            lost[mistake] = lost.get(mistake, 0.0) + outcome.points
        if unnamed:
            main = max(lost, key=lost.get) if lost else UNNAMED
            lost[main] = lost.get(main, 0.0) + unnamed
        return {mistake: round(points, 6) for mistake, points in lost.items()}

    @property
    def score(self) -> float:
        """The earned points, a Python float."""
        return float(round(sum(o.earned for o in self.outcomes), 6))

    def report(self) -> str:
        """The printed report: a header, then one line per sub-test, details for failures."""
        lines = [f"{self.name}: {_points(self.score)} / {_points(self.total)} points"]
        width = max((len(f"{_points(o.earned)} / {_points(o.points)}")
                     for o in self.outcomes), default=0)
        shown: set[str] = set()
        for outcome in self.outcomes:
            status = "ok  " if outcome.passed else "FAIL"
            points = f"{_points(outcome.earned)} / {_points(outcome.points)}".ljust(width)
            lines.append(f"  {status}  {points}  {outcome.label}")
            if outcome.passed or isinstance(outcome.error, NotImplementedError):
                continue
            indent = " " * 10
            details = [outcome.message]
            if outcome.warning:
                details.append(f"warning while it ran: {outcome.warning}")
            if outcome.hint and outcome.hint in shown:
                details.append("hint: as above")
            elif outcome.hint:
                details.append(f"hint: {outcome.hint}")
                shown.add(outcome.hint)
            for detail in details:
                lines.append(textwrap.fill(detail, REPORT_WIDTH, initial_indent=indent,
                                           subsequent_indent=indent + "  ",
                                           break_long_words=False, break_on_hyphens=False))
        unfinished = {}
        for outcome in self.outcomes:
            if isinstance(outcome.error, NotImplementedError):
                unfinished.setdefault(raised_in(outcome.error) or self.name, None)
        for name in unfinished:
            lines.append(textwrap.fill(
                f"{name} raised NotImplementedError: it is not implemented yet; "
                f"{NOT_IMPLEMENTED_HINT}.", REPORT_WIDTH, initial_indent="  ",
                subsequent_indent="    "))
        for helper in self.helpers:
            score, points = _SCORES.get(helper, (None, None))
            unwritten = set(_MISTAKES.get(helper, {})) == {"not-implemented"}
            if (score is not None and score < points and not unwritten
                    and helper not in _UNCALLED):
                lines.append(textwrap.fill(
                    f"Your {helper} lost points in its own tests; {self.name} was graded "
                    f"with a correct {helper}, so that mistake costs points there only.",
                    REPORT_WIDTH, initial_indent="  ", subsequent_indent="    "))
        return "\n".join(lines)


def forget_scores() -> None:
    """Start a new grading: no function has been graded in it yet (see Grader's helpers)."""
    _SCORES.clear()
    _MISTAKES.clear()
    _UNCALLED.clear()


def mistakes_of(name: str) -> dict[str, float]:
    """The mistakes recognised when NAME was last graded in this grading (see Hint)."""
    return dict(_MISTAKES.get(name, {}))


def call(func: Callable, *args, name: str | None = None, **kwargs) -> Any:
    """FUNC(*ARGS, **KWARGS) with its output captured; StudentError if it raises.

    name -- how to call the function in messages (default: its __name__)
    """
    name = name or getattr(func, "__name__", "the function")
    if not callable(func):
        raise Failure(f"{name} is {describe(func)}, not a function",
                      hint="run the cell that defines it")
    with _captured_output():
        try:
            return func(*args, **kwargs)
        except (Exception, SystemExit) as error:  # reported to the student
            raise StudentError(describe_exception(error), error) from None


def timed_call(func: Callable, *args, name: str | None = None) -> tuple[Any, float]:
    """(FUNC(*ARGS) as ``call`` makes it, the seconds it took): its own time, which other
    processes busy on the machine do not lengthen (``worker.Stopwatch``: the calling
    thread's CPU time, or, if the call gave up the CPU by itself, as by sleeping or waiting
    for work handed off, its wall time less its waits for a CPU).

    For a proxy of the sandboxed process it is the time the call took there, measured by the
    worker with clocks kept before any student code ran, without the time its arguments and
    result take to cross to it. For a function of this process (nbgrader's kernel, where the
    student's code ran in this interpreter before the tests and could have replaced any
    clock, the tests themselves too) it is measured here, numpy's BLAS held to one thread
    while it runs, as in the sandbox.
    """
    timed = getattr(func, "timed", None)
    if callable(timed) and not callable(getattr(func, "__code__", None)):
        return call(timed, *args, name=name or getattr(func, "__name__", None))
    with _one_blas_thread(), worker.Stopwatch() as stopwatch:
        start = stopwatch.reading()
        result = call(func, *args, name=name)
        return result, worker.own_seconds(start, stopwatch.reading())


def _one_blas_thread():
    """A context in which numpy's BLAS runs on one thread (nothing where threadpoolctl is
    missing)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def alternate(first: Callable[[int], Any], second: Callable[[int], Any], times_first: int,
              times_second: int) -> tuple[list, list]:
    """([FIRST(k) for k < TIMES_FIRST], [SECOND(k) for k < TIMES_SECOND]), called in turn
    (FIRST(0), SECOND(0), FIRST(1), SECOND(1), ...; then the rest of the one with more), so
    that two things timed against each other meet the same load on the machine."""
    firsts: list = []
    seconds: list = []
    for k in range(max(times_first, times_second)):
        if k < times_first:
            firsts.append(first(k))
        if k < times_second:
            seconds.append(second(k))
    return firsts, seconds


def probe_call(func: Callable, probe: Callable, *args: Any) -> Any:
    """PROBE(FUNC, *ARGS) (see ``probed``), with its output captured; StudentError if it
    raises. The result is plain data either way."""
    return call(probed(func, probe), *args, name=getattr(func, "__name__", "the function"))


def probed(func: Callable, probe: Callable) -> Callable:
    """A function of ARGS that runs PROBE(FUNC, *ARGS): in this process for the student's own
    function, in the student's process for a proxy of the grader (autograder.engine.session),
    whose ``probe`` runs it there by its name, "MODULE:NAME" of the probe (a module of
    ``autograder.probes``)."""
    remote = getattr(func, "probe", None)
    if remote is not None and not callable(getattr(func, "__code__", None)):
        return lambda *args: remote(f"{probe.__module__}:{probe.__name__}", *args)
    return lambda *args: probe(func, *args)


def withholding(func: Callable, names: Sequence[str], message: str) -> Callable:
    """FUNC, whose calls make the functions NAMES raise RuntimeError(MESSAGE) while they run.

    NAMES are names of the student's notebook or "module:attribute" of a module it
    imported (``autograder.engine.worker.resolve_function``): a backward pass graded so
    cannot call the forward pass, or a numerical gradient, to differentiate it. FUNC is the
    student's function: a proxy of the sandboxed process, or a function of this process.
    """
    if not callable(func):
        return func  # its sub-tests say it is not a function
    return _graded(func).withholding(list(names), message)


def substituting(func: Callable, versions: Mapping[str, Callable]) -> Callable:
    """FUNC, whose calls run with the notebook's functions named as VERSIONS' keys standing
    for the course's correct versions VERSIONS gives: a function is graded with correct
    helpers, so a mistake in a helper costs points in the helper's own tests only.

    FUNC is the student's function: a proxy of the sandboxed process (the versions then run
    here and only their results enter the sandbox) or a function of this process. A helper
    that earned all its points in its own tests earlier in this grading stays the student's
    own: it did all a correct one does there, and its calls cost no trips to this process.
    """
    needed = {name: _recorded(name, versions[name]) for name in _not_earned_in_full(versions)}
    if not callable(func) or not needed:
        return func
    _UNCALLED.update(needed)
    return _graded(func).substituting(needed)


def _recorded(name: str, version: Callable) -> Callable:
    """VERSION, which notes when it is called that the graded function used it (see
    Grader.report)."""

    @functools.wraps(version)
    def recorded(*args, **kwargs):
        _UNCALLED.discard(name)
        return version(*args, **kwargs)

    return recorded


def substituting_there(func: Callable, module: ModuleType, names: Sequence[str]) -> Callable:
    """FUNC, whose calls run with the notebook's functions NAMES standing for MODULE's
    functions of the same names, run where FUNC runs: for helpers whose results cannot leave
    the student's process (TensorFlow graphs). The sandbox then gets MODULE's source for the
    call, so MODULE must hold nothing of the tests. As with ``substituting``, a helper that
    earned all its points in its own tests earlier in this grading stays the student's own.
    """
    needed = _not_earned_in_full(names)
    if not callable(func) or not needed:
        return func
    remote = getattr(func, "substituting_there", None)
    if callable(remote):
        return remote(Path(module.__file__).read_text(), needed)
    return _graded(func).substituting({name: getattr(module, name) for name in needed})


def _not_earned_in_full(names: Iterable[str]) -> list[str]:
    """The graded functions of NAMES that lost points in their own tests earlier in this
    grading, or were not graded in it."""
    return [name for name in names
            if name not in _SCORES or _SCORES[name][0] < _SCORES[name][1]]


def _graded(func: Callable):
    """FUNC if it is a proxy of the sandboxed process or a LocalFunction, else FUNC as a
    LocalFunction."""
    if callable(getattr(func, "withholding", None)) and callable(getattr(func, "substituting",
                                                                           None)):
        return func
    return LocalFunction(func)


class LocalFunction:
    """A student's function of this process (nbgrader runs the hidden tests in the
    notebook's kernel) with what ``withholding`` and ``substituting`` ask for its calls."""

    def __init__(self, func: Callable, withheld: tuple[list[str], str] | None = None,
                 versions: dict[str, Callable] | None = None):
        self._func = func
        self._withheld = withheld
        self._versions = dict(versions or {})
        self.__name__ = self.__qualname__ = getattr(func, "__name__", "function")

    def withholding(self, names: list[str], message: str) -> LocalFunction:
        return LocalFunction(self._func, (list(names), message), self._versions)

    def substituting(self, versions: dict[str, Callable]) -> LocalFunction:
        return LocalFunction(self._func, self._withheld, {**self._versions, **versions})

    def __call__(self, *args, **kwargs):
        namespace = getattr(self._func, "__globals__", {})
        names, message = self._withheld or ([], "")
        with worker.withholding(names, namespace, message), \
                worker.substituting(self._versions, namespace):
            return self._func(*args, **kwargs)


class Attempt:
    """One call of a student function, made when first needed and then remembered.

    Sub-tests that look at different parts of one result share an Attempt: the function runs
    once, and if it raised, every one of them reports the same error. The function gets deep
    copies of the inputs, so the originals stay intact for the oracles, and ``modified`` says
    which of them it changed in place.

    func   -- the student's function
    args   -- (name, value) pairs, passed positionally in this order
    kwargs -- passed by keyword
    label  -- the case, for messages ("f 3, stride 2, pad 0")
    name   -- the function's name, for messages (default: its __name__)
    """

    def __init__(self, func: Callable, args: Sequence[tuple[str, Any]], kwargs: dict | None = None,
                 label: str = "", name: str | None = None):
        self.func = func
        self.name = name
        self.args = list(args)
        self.kwargs = dict(kwargs or {})
        self.label = label
        self.given: dict[str, Any] = {}
        self.modified: list[str] = []
        self._done = False
        self._result: Any = None
        self._failure: Failure | None = None

    def __call__(self) -> Any:
        """The function's result; raises its Failure again on every use if it failed."""
        if not self._done:
            self._done = True
            self.given = {name: copy.deepcopy(value) for name, value in self.args}
            try:
                self._result = call(self.func, *self.given.values(), name=self.name,
                                    **self.kwargs)
            except Failure as failure:
                self._failure = failure
            for name, value in self.args:
                path = changed_part(value, self.given[name], name)
                if path is not None:
                    self.modified.append(path)
        if self._failure is not None:
            raise self._failure
        return self._result


def expect_some_passed(outcomes: Iterable[Outcome], what: str = "the cases above") -> None:
    """Failure unless one of OUTCOMES passed.

    Secondary properties (dtype, cache, inputs left alone) earn points only for a function
    that gets some case right: a function that returns nothing useful must not score on them.
    """
    if not any(outcome.passed for outcome in outcomes):
        raise Failure(f"not checked until at least one of {what} passes")


def expect_unmodified(attempts: Iterable[Attempt], name: str, hint: str) -> None:
    """Failure if any of the ATTEMPTS changed one of its inputs in place.

    The attempts are made if they have not been yet. When none of them returned normally
    there is nothing to judge, and the first one's failure is raised again.
    """
    attempts = list(attempts)
    failures = []
    for attempt in attempts:
        try:
            attempt()
        except Failure as failure:
            failures.append(failure)
        if attempt.modified:
            where = f" (case: {attempt.label})" if attempt.label else ""
            raise Failure(f"{name} changed its input {', '.join(attempt.modified)} in place"
                          f"{where}; the inputs must come back unchanged", hint)
    if attempts and len(failures) == len(attempts):
        raise failures[0]


def changed_part(before: Any, after: Any, path: str) -> str | None:
    """The first part of AFTER that differs from BEFORE ("cache[0]"), or None if equal."""
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        if not (isinstance(before, np.ndarray) and isinstance(after, np.ndarray)):
            return path
        if before.shape != after.shape or before.dtype != after.dtype:
            return path
        equal_nan = before.dtype.kind in "fc"
        return None if np.array_equal(before, after, equal_nan=equal_nan) else path
    if isinstance(before, dict) and isinstance(after, dict):
        if set(before) != set(after):
            return path
        for key in before:
            part = changed_part(before[key], after[key], f"{path}[{key!r}]")
            if part is not None:
                return part
        return None
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if len(before) != len(after):
            return path
        for index, (old, new) in enumerate(zip(before, after)):
            part = changed_part(old, new, f"{path}[{index}]")
            if part is not None:
                return part
        return None
    try:
        return None if bool(before == after) else path
    except (TypeError, ValueError):
        return None if repr(before) == repr(after) else path


def describe(value: Any) -> str:
    """A short description of VALUE's type and shape, for messages."""
    if isinstance(value, OpaqueValue):
        return repr(value)
    return wire.describe(value)


def expect_array(value: Any, what: str) -> np.ndarray:
    """VALUE if it is a numpy array, else a Failure naming what it is instead."""
    if isinstance(value, np.ndarray):
        return value
    if value is None:
        raise Failure(f"{what} is None; expected a numpy array",
                      hint="the function returned None: does it reach its return statement "
                           "with the value its description in the notebook names?")
    raise Failure(f"{what} is {describe(value)}; expected a numpy array")


def expect_tuple(value: Any, what: str, names: Sequence[str]) -> tuple:
    """VALUE as a tuple of len(NAMES) items, else a Failure saying what came back."""
    if isinstance(value, (tuple, list)) and len(value) == len(names):
        return tuple(value)
    expected = f"a tuple ({', '.join(names)})"
    hint = (f"the function returns {len(names)} values together, {', '.join(names)}, in that "
            "order, as its description in the notebook says")
    raise Failure(f"{what} is {describe(value)}; expected {expected}", hint)


def expect_shape(array: np.ndarray, shape: tuple, what: str,
                 known: dict[tuple, str] | None = None, hint: str | None = None) -> None:
    """Failure if ARRAY's shape is not SHAPE; KNOWN maps tell-tale wrong shapes to hints."""
    shape = tuple(int(n) for n in shape)
    if array.shape != shape:
        hint = (known or {}).get(array.shape, hint)
        raise Failure(f"{what} has shape {array.shape}; expected {shape}", hint)


def expect_dtype(array: np.ndarray, dtype: Any, what: str, hint: str | None = None) -> None:
    """Failure if ARRAY's dtype is not DTYPE."""
    if array.dtype != np.dtype(dtype):
        raise Failure(f"{what} has dtype {array.dtype}; expected {np.dtype(dtype)}", hint)


def is_close(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-5,
             atol: float = 1e-7) -> bool:
    """Whether ACTUAL matches EXPECTED; ATOL is relative to the largest expected magnitude."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return False
    if actual.dtype.kind not in "biuf" or expected.dtype.kind not in "biuf":
        return False
    actual, expected = actual.astype(np.float64), expected.astype(np.float64)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return bool(np.allclose(actual, expected, rtol=rtol, atol=atol * scale))


def expect_close(actual: np.ndarray, expected: np.ndarray, what: str, *,
                 known: Iterable[tuple[Any, str]] = (), hint: str | None = None,
                 rtol: float = 1e-5, atol: float = 1e-7) -> None:
    """Failure if ACTUAL does not match EXPECTED (same shape assumed).

    known -- (values a known mistake gives, hint) pairs: when ACTUAL matches one of them,
             its hint is given instead of HINT. The values may be given as a function of no
             arguments, called only when ACTUAL is wrong.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.dtype.kind not in "biuf":
        raise Failure(f"{what} has dtype {actual.dtype}; expected numbers", hint)
    if is_close(actual, expected, rtol, atol):
        return
    for mistake, mistake_hint in known:
        if is_close(actual, mistake() if callable(mistake) else mistake, rtol, atol):
            hint = mistake_hint
            break
    else:
        if actual.dtype.kind == "f" and np.isnan(actual).any() and hint is None:
            hint = ("it holds nan: None stored into a numpy array becomes nan; does every "
                    "function it calls end with `return`?")
    raise Failure(mismatch_message(actual, expected, what, rtol, atol), hint)


def mismatch_message(actual: np.ndarray, expected: np.ndarray, what: str,
                     rtol: float = 1e-5, atol: float = 1e-7) -> str:
    """Where and how ACTUAL differs from EXPECTED (same shape), in one or two sentences."""
    if expected.size <= 8:
        return f"{what} is {_short(actual)}; expected {_short(expected)}"
    values, wanted = actual.astype(np.float64), expected.astype(np.float64)
    scale = max(1.0, float(np.max(np.abs(wanted), initial=0.0)))
    wrong = ~np.isclose(values, wanted, rtol=rtol, atol=atol * scale)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    index = ", ".join(str(i) for i in first)
    return (f"{what} differs from the expected values at {int(wrong.sum())} of {wrong.size} "
            f"entries; first at {what}[{index}]: expected {_entry(expected[first])}, "
            f"got {_entry(actual[first])}")


def _entry(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return f"{float(value):.8g}"


def describe_exception(error: BaseException) -> str:
    """'raised TypeError: "message" (in conv_forward, line 12 of your cell: `code`)'.

    The message is the student's code's own text: its first line, quoted, cut at
    STUDENT_TEXT characters. An exception that stands for one raised in another process
    (autograder.engine.session) has no student frames in its traceback; its
    ``student_where`` attribute gives the place instead.
    """
    try:
        message = str(error)
    except Exception:  # a student's exception whose __str__ breaks
        message = ""
    text = f"raised {_name(type(error).__name__)}"
    if message.strip():
        text += f": {student_text(message)}"
    where = getattr(error, "student_where", None)
    if where is None:
        frame = student_frame(error.__traceback__)
        where = _where(frame) if frame is not None else None
    if where:
        text += f" ({student_text(where, quoted=False)})"
    return text


def student_text(text: str, limit: int | None = None, quoted: bool = True) -> str:
    """TEXT, which came from a student's code, as a report shows it: its first line, cut
    at LIMIT (default STUDENT_TEXT) characters, in double quotes (unless not QUOTED)."""
    limit = STUDENT_TEXT if limit is None else limit
    lines = str(text).strip().splitlines()
    line = lines[0] if lines else ""
    if len(line) > limit or len(lines) > 1:
        line = line[:limit].rstrip() + " [...]"
    return f'"{line}"' if quoted else line


def _capped(message: str) -> str:
    """MESSAGE, cut at MESSAGE_LIMIT characters: a message may quote what a student's
    function returned."""
    return message if len(message) <= MESSAGE_LIMIT else message[:MESSAGE_LIMIT] + " [...]"


def _name(name: str) -> str:
    """An exception's class name as reports show it (a student may name a class anything)."""
    return name[:60] if name.isidentifier() else "Exception"


def raised_in(error: BaseException) -> str | None:
    """The name of the student's function ERROR was raised in, or None if unknown.

    For an exception that stands for one raised in another process, its
    ``student_function`` attribute; otherwise the innermost student frame's name.
    """
    name = getattr(error, "student_function", None)
    if name is not None:
        return name
    frame = student_frame(error.__traceback__)
    return frame.name if frame is not None else None


def student_frame(tb) -> traceback.FrameSummary | None:
    """The innermost frame of TB in the student's code: not ours, not a library's."""
    return worker.student_frame(traceback.extract_tb(tb), _OWN_DIRS)


def _where(frame: traceback.FrameSummary) -> str:
    filename = frame.filename
    if "ipykernel_" in filename or filename.startswith("<"):
        place = "your cell" if "ipykernel_" in filename else filename
    else:
        place = Path(filename).name
    text = f"in {frame.name}, line {frame.lineno} of {place}"
    code = (frame.line or linecache.getline(filename, frame.lineno or 0)).strip()
    if code:
        text += f": `{code}`"
    return text


def _short(value: np.ndarray) -> str:
    return np.array2string(np.asarray(value), precision=6, separator=", ",
                           threshold=12, edgeitems=2, max_line_width=10_000)


def _points(value: float) -> str:
    return f"{value:g}"


@contextlib.contextmanager
def _captured_output():
    """Swallow what the code in the block prints to stdout or stderr."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield sink


@contextlib.contextmanager
def _restored_numpy_state():
    """Put back the global np.random state and numpy's error settings after the block."""
    random_state = np.random.get_state()
    error_settings = np.geterr()
    try:
        yield
    finally:
        np.random.set_state(random_state)
        np.seterr(**error_settings)
