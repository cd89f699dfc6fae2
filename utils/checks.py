"""Checks that students run in the notebook before their work is graded.

Each ``check_NAME`` runs the student's NAME on the reference cases of the course (inputs
drawn as with ``np.random.seed(1)`` followed by ``np.random.randn`` in a fixed order),
prints one line per passed check and a final "NAME: all checks passed.", and otherwise
raises ``CheckFailed``. Its message says what was expected, what came back and what to
look at, and, when a graded function NAME calls fails its own check, which check to make
pass first. Jupyter shows a ``CheckFailed`` as its message only, without a traceback. While
NAME is not implemented yet, the check says so in one line and returns, so Run All on a
fresh notebook reaches its last cell.

The graded cells call ``validate(NAME)``: it runs NAME's check and writes a failure (or
"not implemented yet") to stderr, which nbgrader's Validate reports with its message; Run
All goes on. When nbgrader autogrades, it only stops the cell while NAME is not implemented
(``assert_implemented``); the hidden tests that follow in the cell grade the rest.

These checks compare with stored reference values; they hold no implementation of the
layers themselves.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import os
import sys
import textwrap
import traceback
import warnings

import numpy as np

__all__ = [
    "CheckFailed",
    "NotImplementedYet",
    "assert_implemented",
    "validate",
    "check_zero_pad",
    "check_conv_single_step",
    "check_conv_forward",
    "check_conv_backward",
    "check_create_mask_from_window",
    "check_distribute_value",
    "check_pool_forward",
    "check_pool_backward",
]

# ---------------------------------------------------------------------------------------------
# Reference values. Each case lists the shapes of its inputs in the order they are drawn from
# a generator seeded with 1 (the same numbers as np.random.seed(1) followed by one
# np.random.randn(*shape) per shape), then the values a correct implementation returns.
# ---------------------------------------------------------------------------------------------

REFERENCE = {
    "zero_pad": {
        "draws": {"x": (4, 3, 3, 2)},
        "pad": 2,
        "x_pad.shape": (4, 7, 7, 2),
        "x[1, 1]": [[0.90085595, -0.68372786],
                    [-0.12289023, -0.93576943],
                    [-0.26788808, 0.53035547]],
        "x_pad[1, 1]": [[0.0, 0.0]] * 7,
    },
    "conv_single_step": {
        "draws": {"a_slice_prev": (4, 4, 3), "W": (4, 4, 3), "b": (1, 1, 1)},
        "Z": -6.999089450680221,
    },
    "conv_forward": {
        "draws": {"A_prev": (10, 4, 4, 3), "W": (2, 2, 3, 8), "b": (1, 1, 1, 8)},
        "cases": {
            "stride 2": {
                "hparameters": {"pad": 2, "stride": 2},
                "Z.shape": (10, 4, 4, 8),
                "mean(Z)": 0.048995203528855794,
                "Z[3, 2, 1]": [-0.6149074114497312, -6.743923604750415, -2.5515389700232336,
                               1.7569837711381528, 3.5620890156996277, 0.5303643704176972,
                               5.1853179849585525, 8.758984418742205],
                "cache[0][1][2][3]": [-0.20075807, 0.18656139, 0.41005165],
            },
            "stride 1": {
                "hparameters": {"pad": 2, "stride": 1},
                "Z.shape": (10, 7, 7, 8),
                "mean(Z)": 0.0028129462864862967,
            },
        },
    },
    # dZ is the Z that conv_forward returns on the conv_forward case of the same stride.
    "conv_backward": {
        "stride 2": {
            "mean(dA_prev)": 1.4524377775388075,
            "mean(dW)": 1.7269914583139097,
            "mean(db)": 7.839232564616838,
        },
        "stride 1": {
            "mean(dA_prev)": 4.1145817049149835,
            "mean(dW)": 9.203677199014168,
            "mean(db)": 1.3783436803789542,
        },
    },
    "create_mask_from_window": {
        "draws": {"x": (2, 3)},
        "mask": [[True, False, False], [False, False, False]],
    },
    "distribute_value": {
        "dz": 2,
        "shape": (2, 2),
        "a": [[0.5, 0.5], [0.5, 0.5]],
    },
    "pool_forward": {
        "draws": {"A_prev": (2, 4, 4, 3)},
        "cases": {
            "f 3, stride 2": {
                "hparameters": {"f": 3, "stride": 2},
                "max": [[[[1.74481176, 0.86540763, 1.13376944]]],
                        [[[1.13162939, 1.51981682, 2.18557541]]]],
                "average": [[[[0.02105773, -0.20328806, -0.40389855]]],
                            [[[-0.22154621, 0.51716526, 0.48155844]]]],
            },
            "f 4, stride 1": {
                "hparameters": {"f": 4, "stride": 1},
                "max": [[[[1.74481176, 1.6924546, 2.10025514]]],
                        [[[1.19891788, 1.51981682, 2.18557541]]]],
                "average": [[[[-0.09498456, 0.11180064, -0.14263511]]],
                            [[[-0.09525108, 0.28325018, 0.33035185]]]],
            },
        },
    },
    # A, cache = pool_forward(A_prev, hparameters) comes between the two draws.
    "pool_backward": {
        "draws": {"A_prev": (5, 5, 3, 2), "dA": (5, 4, 2, 2)},
        "hparameters": {"stride": 1, "f": 2},
        "mean(dA)": 0.14571390272918056,
        "max": {"dA_prev[1, 1]": [[0, 0], [5.05844394, -1.68282702], [0, 0]]},
        "average": {"dA_prev[1, 1]": [[0.08485462, 0.2787552],
                                      [1.26461098, -0.25749373],
                                      [1.17975636, -0.53624893]]},
    },
}

# What an implementation that adds the bias to every element of the slice (before summing)
# returns on the same cases. conv_forward with pad 2, stride 2 is recognised from its inputs
# instead: every Z[i, h, w, c] is then too large by (f * f * n_C_prev - 1) * b[..., c].
BIAS_PER_ELEMENT = {
    "conv_single_step: Z": -23.16021220252078,
    "conv_forward stride 1: mean(Z)": 0.15585932488906465,
}
BIAS_HINT = "the bias is added once per window, not once per element"

# Tolerances of every comparison with a reference value (the references are given to at
# least 8 decimals).
ATOL = 1e-7
RTOL = 1e-7

GRADED_FUNCTIONS = ("zero_pad", "conv_single_step", "conv_forward", "conv_backward",
                    "create_mask_from_window", "distribute_value", "pool_forward",
                    "pool_backward")


# ---------------------------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------------------------

# Errors that NumPy 2 raises for code written for older versions, and what to write instead.
NUMPY_HINTS = [
    ("only 0-dimensional arrays can be converted to Python scalars",
     "float() takes only an array with no axes on NumPy 2: for b of shape (1, 1, 1), write "
     "`b.item()` or `float(np.squeeze(b))`."),
    ("has no attribute 'float'",
     "np.float was removed from NumPy (1.24): write float(...) for a number, or np.float64 "
     "for the dtype."),
]


class CheckFailed(AssertionError):
    """A check did not pass. Its message says what was expected, what came back and what to
    look at. IPython and Jupyter show it without a traceback."""

    def _render_traceback_(self):
        """The lines IPython shows instead of a traceback: the message alone."""
        lines = str(self).splitlines() or [""]
        return [f"{type(self).__name__}: {lines[0]}", *lines[1:]]


class NotImplementedYet(CheckFailed):
    """The function (or one it calls) still raises NotImplementedError."""


def _not_implemented_message(name, exc, again="this check", graded=GRADED_FUNCTIONS):
    """Message for NAME raising EXC (a NotImplementedError), naming the function of GRADED
    that raised."""
    culprit = raised_in(exc, graded)
    if culprit and culprit != name:
        return (f"{name} calls {culprit}, which is not implemented yet: replace "
                f"`raise NotImplementedError()` in the cell of {culprit} with your code, run "
                f"that cell, then run {again} again.")
    return (f"{name} is not implemented yet: replace `raise NotImplementedError()` in its cell "
            f"with your code, run that cell, then run {again} again.")


def raised_in(exc, graded=GRADED_FUNCTIONS):
    """Name of the function of GRADED (a notebook's graded functions) whose frame raised EXC
    last, or "" if none did."""
    frames = traceback.extract_tb(exc.__traceback__)
    names = [frame.name for frame in frames if frame.name in graded]
    return names[-1] if names else ""


def quiet_error(run):
    """What RUN() raised, run with its output captured and warnings ignored; None if nothing."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run()
    except Exception as exc:  # noqa: BLE001 - returned: each caller says what it means
        return exc
    return None


def stop_while_unwritten(name, exc, graded=GRADED_FUNCTIONS):
    """What a graded cell does with EXC (or None), which its function NAME raised on a tiny
    example: NotImplementedYet if NAME itself is not written yet; one printed line for a
    function of GRADED it calls that is not, or for any other exception, whose cases the
    hidden tests that follow grade."""
    if isinstance(exc, NotImplementedError):
        culprit = raised_in(exc, graded)
        if culprit in (name, ""):
            raise NotImplementedYet(
                _not_implemented_message(name, exc, again="this cell", graded=graded))
        print(f"{name} calls {culprit}, which is not implemented yet; the tests below grade "
              f"what works without it.")
    elif exc is not None:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        print(f"{name} raised {type(exc).__name__} on a small example"
              f"{': ' + detail if detail else ''}; the tests below grade each case.")


def waited_for(funcs, graded, calls=None):
    """FUNCS and every function of GRADED (names) they call, directly or through each other,
    as the notebook defines them (found by name in each function's globals): FUNCS first,
    then the others in GRADED's order. CALLS (name -> names), if given, adds the graded
    functions the notebook asks each function to use, so that a function not written yet
    waits for those too."""
    found = {}
    pending = list(funcs)
    while pending:
        func = pending.pop()
        name = getattr(func, "__name__", None)
        if name in found:
            continue
        found[name] = func
        namespace = getattr(func, "__globals__", {})
        used = _names_used(getattr(func, "__code__", None)) | set((calls or {}).get(name, ()))
        for called in sorted(used):
            if called in graded and callable(namespace.get(called)):
                pending.append(namespace[called])
    first = [getattr(func, "__name__", None) for func in funcs]
    order = {name: index for index, name in enumerate(dict.fromkeys([*first, *graded]))}
    return sorted(found.values(), key=lambda func: order.get(func.__name__, len(order)))


def _names_used(code):
    """The global names CODE (a code object, or None) and the code nested in it use."""
    if code is None:
        return set()
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= _names_used(constant)
    return names


def _listed(names, shown=4):
    """NAMES as prose: "a", "a and b", "a, b and c", or the first SHOWN and how many more."""
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def unwritten_guards(small_examples, graded, calls=None):
    """``(assert_implemented, is_implemented)`` for a notebook whose graded functions are
    GRADED, each tried on its tiny call: SMALL_EXAMPLES() maps a name to the arguments; CALLS
    (name -> names), if given, the graded functions the notebook asks each one to use."""

    def try_small_example(func, caller):
        """(name, the exception FUNC raised on its tiny example or None)."""
        name = getattr(func, "__name__", None)
        examples = small_examples()
        if name not in examples:
            raise ValueError(f"{caller} takes the graded functions ({', '.join(graded)}); "
                             f"got {func!r}.")
        return name, quiet_error(lambda: func(*examples[name]))

    def assert_implemented(func):
        """Stop the graded cell of FUNC while FUNC still raises NotImplementedError.

        FUNC is called once on a tiny example, its output captured and warnings ignored.
        Raises NotImplementedYet if it raises NotImplementedError itself; a graded function
        it calls that is not written yet, or any other exception, is reported in one printed
        line and left to the hidden tests that follow.
        """
        stop_while_unwritten(*try_small_example(func, "assert_implemented"), graded)

    def is_implemented(*funcs):
        """Whether every one of FUNCS, graded functions, and every graded function they call
        run on tiny examples without raising NotImplementedError; if not, print one line
        naming each function still to implement (the first four and how many more). Other
        errors count as implemented: the cell that uses the functions shows them."""
        waiting = []
        for func in waited_for(funcs, graded, calls):
            name, exc = try_small_example(func, "is_implemented")
            if isinstance(exc, NotImplementedError) and raised_in(exc, graded) in (name, ""):
                waiting.append(name)
        if waiting:
            print(f"This cell waits for {_listed(waiting)}: not implemented yet. Implement "
                  f"{'it' if len(waiting) == 1 else 'them'}, then run this cell again.")
            return False
        return True

    return assert_implemented, is_implemented


# ---------------------------------------------------------------------------------------------
# What a check does around its cases: a function not implemented yet, helpers to fix first
# ---------------------------------------------------------------------------------------------

# The graded functions each graded function calls, in the course's solution; the hidden tests
# grade each with correct versions of these.
CALLS = {
    "conv_forward": ("zero_pad", "conv_single_step"),
    "conv_backward": ("zero_pad",),
    "pool_backward": ("create_mask_from_window", "distribute_value"),
}


def visible_check(check, helpers_first=lambda name, func: ""):
    """CHECK as a notebook's check cell runs it: "not implemented yet" printed in one line
    (no exception), and a failure whose message starts with HELPERS_FIRST(name, func), the
    helpers to fix first ("" for none). CHECK itself stays reachable as ``__wrapped__``, and
    the check with that message but raising NotImplementedYet as ``raising``."""
    name = check.__name__.removeprefix("check_")

    def raising(func, *args):
        __tracebackhide__ = True
        try:
            return check(func, *args)
        except NotImplementedYet:
            raise
        except CheckFailed as exc:
            first = helpers_first(name, func)
            if not first:
                raise
            raise CheckFailed(f"{first}\n{exc}") from None
        except Exception as exc:  # the student's code raised: its traceback stays
            first = helpers_first(name, func)
            if first:
                exc.add_note(first.replace("\nWhat this check found:", ""))
            raise

    @functools.wraps(check)
    def visible(func, *args):
        __tracebackhide__ = True
        try:
            return raising(func, *args)
        except NotImplementedYet as exc:
            print(exc)

    visible.raising = raising
    return visible


def _visible(check):
    return visible_check(check, _helpers_first)


def helpers_first(calls, checks):
    """A HELPERS_FIRST for ``visible_check``: for the check of NAME, which graded functions of
    CALLS[NAME] (the ones NAME calls) in FUNC's notebook fail their own checks (CHECKS(), the
    notebook's checks by name), as the first line of NAME's failure; "" if none does."""
    def first(name, func):
        namespace = getattr(func, "__globals__", None)
        if not isinstance(namespace, dict):
            return ""
        failing = [helper for helper in calls.get(name, ())
                   if callable(namespace.get(helper)) and _fails(checks()[helper],
                                                                 namespace[helper])]
        if not failing:
            return ""
        names = " and ".join(failing)
        check_names = " and ".join(f"check_{helper}" for helper in failing)
        verb = "fails its" if len(failing) == 1 else "fail their"
        return (f"{name} calls your {names}, which {verb} own check:\n"
                f"make {check_names} pass first, then run this check again.\n"
                f"What this check found:")
    return first


def _fails(check, func, *args):
    """Whether CHECK (a visible check) fails for FUNC (not implemented counts), run quietly."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check.__wrapped__(func, *args)
    except Exception:  # noqa: BLE001 - any failure of the helper's own check counts
        return True
    return False


_helpers_first = helpers_first(CALLS, lambda: CHECKS)


# ---------------------------------------------------------------------------------------------
# Helpers. Functions on the way from a check to the student's code set __tracebackhide__, so
# IPython and pytest leave their frames out when the student's code raises.
# ---------------------------------------------------------------------------------------------

def _draw(draws):
    """Arrays of the shapes in DRAWS (name -> shape), in order, from a generator seeded with 1.

    Gives the numbers of np.random.seed(1) followed by np.random.randn(*shape) per shape,
    without touching NumPy's global random state.
    """
    rng = np.random.RandomState(1)
    return [rng.randn(*shape) for shape in draws.values()]


def _ok(text):
    print(f"ok: {text}")


def _fmt(value):
    """Short text of a value for a message."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        text = np.array2string(value, precision=8, separator=", ", threshold=40,
                               max_line_width=88)
        return "\n            ".join(line for line in text.splitlines() if line.strip())
    if isinstance(value, (np.ndarray, np.generic)):
        value = value.item()
    return repr(value)


def _type_name(value):
    return type(value).__name__


def _same(old, new):
    """True if NEW still equals OLD (arrays, dicts, tuples and lists compared recursively)."""
    if isinstance(old, np.ndarray):
        return (isinstance(new, np.ndarray) and old.shape == new.shape
                and old.dtype == new.dtype and np.array_equal(old, new))
    if isinstance(old, dict):
        return (isinstance(new, dict) and old.keys() == new.keys()
                and all(_same(old[key], new[key]) for key in old))
    if isinstance(old, (tuple, list)):
        return (type(old) is type(new) and len(old) == len(new)
                and all(_same(a, b) for a, b in zip(old, new)))
    if isinstance(new, (np.ndarray, dict, tuple, list)):
        return False
    return bool(old == new)


def _call(name, func, args, arg_names, kwargs=None, case=""):
    """FUNC(*ARGS, **KWARGS), checking that it leaves its arguments unchanged.

    NotImplementedError becomes NotImplementedYet. Any other exception is raised again as it
    is (so its traceback shows the student's line), with a note naming the case it ran.
    """
    __tracebackhide__ = True
    kwargs = kwargs or {}
    before = copy.deepcopy(args)
    try:
        result = func(*args, **kwargs)
    except NotImplementedError as exc:
        raise NotImplementedYet(_not_implemented_message(name, exc)) from None
    except Exception as exc:
        exc.add_note(f"(raised while the check ran {name}{case})")
        for phrase, hint in NUMPY_HINTS:
            if phrase in str(exc):
                exc.add_note(f"hint: {hint}")
        raise
    for arg_name, old, new in zip(arg_names, before, args):
        if not _same(old, new):
            raise CheckFailed(
                f"{name}{case} changed its argument {arg_name} in place: the inputs must come "
                f"back unchanged. Work on a new array (np.zeros, .copy()) instead of writing "
                f"into {arg_name}.")
    return result


def _check_tuple(name, result, names, case="", label="", hint=""):
    """RESULT must be a tuple (or list) with the items NAMES, e.g. "(Z, cache)"."""
    size = len(names.split(","))
    if not isinstance(result, (tuple, list)) or len(result) != size:
        got = (f"{_type_name(result)} of length {len(result)}"
               if isinstance(result, (tuple, list)) else _type_name(result))
        hint = hint or f"end the function with return {names[1:-1]}."
        raise CheckFailed(
            f"{name}{case} returned {label or 'its result'} as a {got}; expected a tuple "
            f"{names}: {hint}")


def _check_array(name, label, value, case=""):
    if not isinstance(value, np.ndarray):
        hint = ("did the function reach its return statement?" if value is None
                else "build it with numpy (np.zeros, np.pad, ...), not as a list or a number.")
        raise CheckFailed(
            f"{name}{case} returned {label} of type {_type_name(value)}; expected a numpy "
            f"array: {hint}")


def _check_shape(name, label, value, expected, hint, case=""):
    if value.shape != tuple(expected):
        raise CheckFailed(
            f"{name}{case} returned {label} with shape {value.shape}; expected "
            f"{tuple(expected)}: {hint}")
    _ok(f"{name}{case}: {label}.shape == {tuple(expected)}")


def _check_float64(name, label, value, case=""):
    if value.dtype != np.float64:
        raise CheckFailed(
            f"{name}{case} returned {label} with dtype {value.dtype}; expected float64 (the "
            f"inputs are float64): create the output with `np.zeros(shape)`, whose dtype is "
            f"float64, and do not convert it to another dtype.")


def _check_close(name, label, actual, expected, hint, case="", signatures=()):
    """ACTUAL must be close to EXPECTED; SIGNATURES are (value, hint) pairs of known mistakes."""
    actual = np.asarray(actual)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape == expected.shape and np.allclose(actual, expected, rtol=RTOL, atol=ATOL):
        _ok(f"{name}{case}: {label} matches the reference")
        return
    for wrong, wrong_hint in signatures:
        wrong = np.asarray(wrong, dtype=np.float64)
        if actual.shape == wrong.shape and np.allclose(actual, wrong, rtol=RTOL, atol=ATOL):
            hint = wrong_hint
            break
    raise CheckFailed(
        f"{name}{case}: {label} differs from the reference.\n"
        f"  expected: {_fmt(expected)}\n"
        f"  got:      {_fmt(actual)}\n"
        f"  look at:  {hint.rstrip('.')}.")


def _finish(name):
    print(f"{name}: all checks passed.")


def _case_text(hparameters, mode=None):
    parts = [f"{key} {value}" for key, value in hparameters.items()]
    if mode is not None:
        parts.insert(0, f"mode={mode!r}")
    return f" ({', '.join(parts)})"


# ---------------------------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------------------------

@_visible
def check_zero_pad(zero_pad):
    """Check zero_pad(X, pad) on the reference case: x -- (4, 3, 3, 2), pad 2.

    Expected: X_pad -- (4, 7, 7, 2), float64, zeros around an unchanged copy of x.
    Raises CheckFailed (NotImplementedYet while zero_pad raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "zero_pad"
    ref = REFERENCE[name]
    (x,) = _draw(ref["draws"])
    pad = ref["pad"]
    case = f" (pad {pad})"
    x_pad = _call(name, zero_pad, (x, pad), ("X", "pad"), case=case)
    _check_array(name, "X_pad", x_pad, case)
    _check_shape(name, "X_pad", x_pad, ref["x_pad.shape"],
                 "X_pad has shape (m, n_H + 2 * pad, n_W + 2 * pad, n_C): pad only the "
                 "height and width axes, by pad on each side.", case)
    _check_float64(name, "X_pad", x_pad, case)
    zeros_hint = ("the padding is made of zeros (np.pad with `mode='constant'`, "
                  "`constant_values=0`).")
    _check_close(name, "X_pad[1, 1]", x_pad[1, 1], ref["x_pad[1, 1]"], zeros_hint, case)
    inner_hint = ("`X_pad[:, pad:-pad, pad:-pad, :]` holds X itself: add pad rows and columns "
                  "of zeros on each side, before and after.")
    _check_close(name, f"X_pad[1, {pad + 1}, {pad}:{pad + 3}] (x[1, 1] padded)",
                 x_pad[1, pad + 1, pad:pad + 3], ref["x[1, 1]"], inner_hint, case)
    inner = (slice(None), slice(pad, -pad), slice(pad, -pad), slice(None))
    _check_close(name, "X_pad[:, pad:-pad, pad:-pad, :]", x_pad[inner], x, inner_hint, case)
    border = x_pad.copy()
    border[inner] = 0.0
    _check_close(name, "the border of X_pad", border, np.zeros_like(border), zeros_hint, case)
    _finish(name)


@_visible
def check_conv_single_step(conv_single_step):
    """Check conv_single_step(a_slice_prev, W, b) on the reference case.

    a_slice_prev -- (4, 4, 3), W -- (4, 4, 3), b -- (1, 1, 1).
    Expected: Z, a float64 scalar (np.ndim(Z) == 0) equal to -6.999089450680221.
    Raises CheckFailed (NotImplementedYet while conv_single_step raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "conv_single_step"
    ref = REFERENCE[name]
    a_slice_prev, W, b = _draw(ref["draws"])
    Z = _call(name, conv_single_step, (a_slice_prev, W, b), ("a_slice_prev", "W", "b"))
    scalar_hint = ("Z is one number: add up the products with np.sum, and add the number b "
                   "holds (shape (1, 1, 1)) with `b.item()` or `np.squeeze(b)`.")
    if Z is None:
        raise CheckFailed(f"{name} returned None; expected a float64 scalar: did the function "
                          f"reach its return statement?")
    if np.ndim(Z) != 0:
        raise CheckFailed(
            f"{name} returned Z with shape {np.shape(Z)}; expected a scalar "
            f"(`np.ndim(Z) == 0`): {scalar_hint}")
    dtype = np.asarray(Z).dtype
    if dtype != np.float64:
        raise CheckFailed(
            f"{name} returned Z of type {_type_name(Z)} (dtype {dtype}); expected a float64 "
            f"scalar (a Python float or np.float64): {scalar_hint}")
    _ok(f"{name}: Z is a float64 scalar")
    _check_close(name, "Z", Z, ref["Z"],
                 "`Z = np.sum(a_slice_prev * W) + b.item()`: the product is taken element by "
                 "element.",
                 signatures=[(BIAS_PER_ELEMENT["conv_single_step: Z"], BIAS_HINT)])
    _finish(name)


def _conv_forward_case(conv_forward, key):
    """Run conv_forward on REFERENCE case KEY and check it; returns (Z, cache)."""
    __tracebackhide__ = True
    name = "conv_forward"
    ref = REFERENCE[name]
    case_ref = ref["cases"][key]
    A_prev, W, b = _draw(ref["draws"])
    hparameters = dict(case_ref["hparameters"])
    case = _case_text(hparameters)
    result = _call(name, conv_forward, (A_prev, W, b, hparameters),
                   ("A_prev", "W", "b", "hparameters"), case=case)
    _check_tuple(name, result, "(Z, cache)", case)
    Z, cache = result
    _check_array(name, "Z", Z, case)
    _check_shape(name, "Z", Z, case_ref["Z.shape"],
                 "check n_H = floor((n_H_prev - f + 2 * pad) / stride) + 1 (n_W likewise) "
                 "and `n_C = W.shape[3]` (one channel per filter).", case)
    _check_float64(name, "Z", Z, case)
    window_hint = ("check each window of the padded A_prev: `vert_start = h * stride`, "
                   "`vert_end = vert_start + f` (horizontally likewise), and "
                   "`Z[i, h, w, c] = conv_single_step(a_slice_prev, W[..., c], b[..., c])`.")
    # A bias added to every element adds (f * f * n_C_prev - 1) * b[..., c] to each output.
    f, _, n_C_prev, _ = W.shape
    bias_excess = (f * f * n_C_prev - 1) * b.reshape(-1)
    mean_signatures = [(case_ref["mean(Z)"] + bias_excess.mean(), BIAS_HINT)]
    if key == "stride 1":
        mean_signatures.append((BIAS_PER_ELEMENT["conv_forward stride 1: mean(Z)"], BIAS_HINT))
    _check_close(name, "mean(Z)", np.mean(Z), case_ref["mean(Z)"], window_hint, case,
                 mean_signatures)
    if "Z[3, 2, 1]" in case_ref:
        expected = np.asarray(case_ref["Z[3, 2, 1]"])
        _check_close(name, "Z[3, 2, 1]", Z[3, 2, 1], expected, window_hint, case,
                     [(expected + bias_excess, BIAS_HINT)])
    _check_conv_cache(cache, A_prev, W, b, hparameters, case_ref, case)
    return Z, cache


def _check_conv_cache(cache, A_prev, W, b, hparameters, case_ref, case):
    name = "conv_forward"
    _check_tuple(name, cache, "(A_prev, W, b, hparameters)", case, "the cache",
                 "build it as `cache = (A_prev, W, b, hparameters)`.")
    hint = ("the cache is (A_prev, W, b, hparameters), the inputs exactly as they came in "
            "(A_prev not padded).")
    if "cache[0][1][2][3]" in case_ref:
        first = cache[0]
        if not isinstance(first, np.ndarray) or first.shape != A_prev.shape:
            raise CheckFailed(
                f"{name}{case} returned cache[0] with shape {np.shape(first)}; expected "
                f"A_prev's shape {A_prev.shape}: {hint}")
        _check_close(name, "cache[0][1][2][3]", first[1][2][3], case_ref["cache[0][1][2][3]"],
                     hint, case)
    for position, (label, value) in enumerate(
            [("A_prev", A_prev), ("W", W), ("b", b), ("hparameters", hparameters)]):
        if not _same(value, cache[position]):
            raise CheckFailed(
                f"{name}{case} returned cache[{position}] = {_fmt(cache[position])[:200]}; "
                f"expected {label}: {hint}")
    _ok(f"{name}{case}: cache == (A_prev, W, b, hparameters)")


@_visible
def check_conv_forward(conv_forward):
    """Check conv_forward(A_prev, W, b, hparameters) on the reference cases.

    A_prev -- (10, 4, 4, 3), W -- (2, 2, 3, 8), b -- (1, 1, 1, 8); pad 2 with stride 2
    (Z -- (10, 4, 4, 8)) and with stride 1 (Z -- (10, 7, 7, 8)).
    Expected: (Z, cache) with Z float64 matching the reference values and
    cache == (A_prev, W, b, hparameters).
    Raises CheckFailed (NotImplementedYet while conv_forward raises NotImplementedError).
    """
    __tracebackhide__ = True
    for key in REFERENCE["conv_forward"]["cases"]:
        _conv_forward_case(conv_forward, key)
    _finish("conv_forward")


def _forward_first(forward_name, run, *args):
    """RUN(*ARGS), which runs and checks the student's forward function FORWARD_NAME; a failure
    becomes 'this check runs your FORWARD_NAME first; make its check pass first'."""
    __tracebackhide__ = True
    try:
        return run(*args)
    except NotImplementedYet as exc:
        raise NotImplementedYet(f"This check runs your {forward_name} first. {exc}") from None
    except CheckFailed as exc:
        raise CheckFailed(
            f"This check runs your {forward_name} first:\n"
            f"make its check (check_{forward_name}) pass first. What it found:\n{exc}") from None
    except Exception as exc:
        exc.add_note(f"(this check runs your {forward_name} first; make its check pass first)")
        raise


@_visible
def check_conv_backward(conv_backward, conv_forward):
    """Check conv_backward(dZ, cache) on the reference cases.

    Runs the student's conv_forward on the conv_forward reference cases (pad 2, stride 2 and
    stride 1) and passes its Z as dZ, with its cache.
    Expected: (dA_prev, dW, db), float64, with the shapes of A_prev -- (10, 4, 4, 3),
    W -- (2, 2, 3, 8) and b -- (1, 1, 1, 8), and the reference means.
    Raises CheckFailed (NotImplementedYet while either function raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "conv_backward"
    A_prev, W, b = _draw(REFERENCE["conv_forward"]["draws"])
    shapes = {
        "dA_prev": (A_prev.shape, "dA_prev has the shape of A_prev, (m, n_H_prev, n_W_prev, "
                                  "n_C_prev): take the padding off da_prev_pad at the end."),
        "dW": (W.shape, "dW has the shape of W, (f, f, n_C_prev, n_C)."),
        "db": (b.shape, "db has the shape of b, (1, 1, 1, n_C)."),
    }
    hints = {
        "dA_prev": ("for every window add `W[:, :, :, c] * dZ[i, h, w, c]` to "
                    "`da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]` (+=), with "
                    "`vert_start = h * stride` and `vert_end = vert_start + f`, then take the "
                    "padding off."),
        "dW": ("`dW[:, :, :, c] += a_slice * dZ[i, h, w, c]`, with a_slice the window of the "
               "padded A_prev (`vert_start = h * stride`, `vert_end = vert_start + f`)."),
        "db": ("`db[:, :, :, c] += dZ[i, h, w, c]`: db adds up dZ over examples and "
               "positions."),
    }
    for key, expected in REFERENCE[name].items():
        dZ, cache = _forward_first("conv_forward", _conv_forward_case, conv_forward, key)
        case = _case_text(REFERENCE["conv_forward"]["cases"][key]["hparameters"])
        result = _call(name, conv_backward, (dZ, cache), ("dZ", "cache"), case=case)
        _check_tuple(name, result, "(dA_prev, dW, db)", case)
        for label, value in zip(("dA_prev", "dW", "db"), result):
            _check_array(name, label, value, case)
            shape, shape_hint = shapes[label]
            _check_shape(name, label, value, shape, shape_hint, case)
            _check_float64(name, label, value, case)
            _check_close(name, f"mean({label})", np.mean(value), expected[f"mean({label})"],
                         hints[label], case)
    _finish(name)


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------

@_visible
def check_create_mask_from_window(create_mask_from_window):
    """Check create_mask_from_window(x) on the reference case: x -- (2, 3).

    Expected: mask -- (2, 3), True (or 1) where x is largest, False (or 0) elsewhere.
    Raises CheckFailed (NotImplementedYet while the function raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "create_mask_from_window"
    ref = REFERENCE[name]
    (x,) = _draw(ref["draws"])
    mask = _call(name, create_mask_from_window, (x,), ("x",))
    _check_array(name, "mask", mask)
    hint = "the mask is True where x equals its maximum (`x == np.max(x)`) and False elsewhere."
    _check_shape(name, "mask", mask, x.shape, "the mask has the shape of x. " + hint)
    if mask.dtype != np.bool_ and not np.isin(mask, (0, 1)).all():
        raise CheckFailed(
            f"{name} returned a mask of dtype {mask.dtype} with values other than 0 and 1: "
            f"{_fmt(mask)}; expected True/False values: {hint}")
    expected = np.array(ref["mask"])
    if not np.array_equal(mask.astype(bool), expected):
        raise CheckFailed(
            f"{name}: the mask differs from the reference.\n"
            f"  expected: {_fmt(expected)}\n"
            f"  got:      {_fmt(mask)}\n"
            f"  look at:  {hint.rstrip('.')}.")
    _ok(f"{name}: mask matches the reference")
    _finish(name)


@_visible
def check_distribute_value(distribute_value):
    """Check distribute_value(dz, shape) on the reference case: dz = 2, shape = (2, 2).

    Expected: a -- (2, 2), float64, every entry 0.5.
    Raises CheckFailed (NotImplementedYet while the function raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "distribute_value"
    ref = REFERENCE[name]
    dz, shape = ref["dz"], ref["shape"]
    case = f" (dz={dz}, shape={shape})"
    a = _call(name, distribute_value, (dz, shape), ("dz", "shape"), case=case)
    _check_array(name, "a", a, case)
    _check_shape(name, "a", a, shape, "a has the shape given as the argument shape (n_H, n_W).",
                 case)
    _check_float64(name, "a", a, case)
    if np.isclose(np.sum(a), dz, rtol=RTOL, atol=ATOL):
        hint = "spread the value evenly: every entry is `dz / (n_H * n_W)`."
    else:
        hint = ("the entries add up to dz, each `dz / (n_H * n_W)` (true division /, not //).")
    _check_close(name, "a", a, ref["a"], hint, case)
    _finish(name)


def _check_pool_cache(cache, A_prev, hparameters, case):
    name = "pool_forward"
    _check_tuple(name, cache, "(A_prev, hparameters)", case, "the cache",
                 "build it as `cache = (A_prev, hparameters)`.")
    for position, (label, value) in enumerate([("A_prev", A_prev),
                                               ("hparameters", hparameters)]):
        if not _same(value, cache[position]):
            raise CheckFailed(
                f"{name}{case} returned cache[{position}] = {_fmt(cache[position])[:200]}; "
                f"expected {label}: the cache is (A_prev, hparameters), the inputs exactly as "
                f"they came in.")
    _ok(f"{name}{case}: cache == (A_prev, hparameters)")


@_visible
def check_pool_forward(pool_forward):
    """Check pool_forward(A_prev, hparameters, mode) on the reference cases.

    A_prev -- (2, 4, 4, 3); f 3 with stride 2 and f 4 with stride 1, modes "max" and
    "average". Expected: (A, cache) with A -- (2, 1, 1, 3), float64, matching the reference
    values, and cache == (A_prev, hparameters).
    Raises CheckFailed (NotImplementedYet while pool_forward raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "pool_forward"
    ref = REFERENCE[name]
    (A_prev,) = _draw(ref["draws"])
    other_mode = {"max": "average", "average": "max"}
    for case_ref in ref["cases"].values():
        for mode in ("max", "average"):
            hparameters = dict(case_ref["hparameters"])
            case = _case_text(hparameters, mode)
            result = _call(name, pool_forward, (A_prev, hparameters),
                           ("A_prev", "hparameters"), {"mode": mode}, case)
            _check_tuple(name, result, "(A, cache)", case)
            A, cache = result
            _check_array(name, "A", A, case)
            _check_shape(name, "A", A, np.shape(case_ref[mode]),
                         "check n_H = floor((n_H_prev - f) / stride) + 1 (n_W likewise; no "
                         "padding in pooling) and `n_C = n_C_prev`.", case)
            _check_float64(name, "A", A, case)
            hint = (f"`A[i, h, w, c]` is the {mode} of "
                    f"`A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]`, with "
                    f"`vert_start = h * stride` and `vert_end = vert_start + f` (horizontally "
                    f"likewise).")
            mode_hint = (f"these are the values of mode={other_mode[mode]!r}: check how the "
                         f"function chooses between np.max and np.mean from mode.")
            _check_close(name, "A", A, case_ref[mode], hint, case,
                         [(case_ref[other_mode[mode]], mode_hint)])
            _check_pool_cache(cache, A_prev, hparameters, case)
    _finish(name)


@_visible
def check_pool_backward(pool_backward, pool_forward):
    """Check pool_backward(dA, cache, mode) on the reference case, modes "max" and "average".

    Runs the student's pool_forward on A_prev -- (5, 5, 3, 2) with f 2, stride 1 for the
    cache, then passes dA -- (5, 4, 2, 2).
    Expected: dA_prev -- (5, 5, 3, 2), float64, matching the reference dA_prev[1, 1].
    Raises CheckFailed (NotImplementedYet while either function raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "pool_backward"
    ref = REFERENCE[name]
    A_prev, dA = _draw(ref["draws"])
    hparameters = dict(ref["hparameters"])
    forward_case = _case_text(hparameters, "max")

    def run_forward():
        __tracebackhide__ = True
        result = _call("pool_forward", pool_forward, (A_prev, hparameters),
                       ("A_prev", "hparameters"), {"mode": "max"}, forward_case)
        _check_tuple("pool_forward", result, "(A, cache)", forward_case)
        A, cache = result
        _check_array("pool_forward", "A", A, forward_case)
        _check_shape("pool_forward", "A", A, dA.shape,
                     "check n_H = floor((n_H_prev - f) / stride) + 1 (n_W likewise; no "
                     "padding in pooling) and `n_C = n_C_prev`.", forward_case)
        _check_pool_cache(cache, A_prev, hparameters, forward_case)
        return cache

    cache = _forward_first("pool_forward", run_forward)
    hints = {
        "max": ("in mode 'max' each `dA[i, h, w, c]` goes only to the position of its "
                "window's maximum (`create_mask_from_window(a_prev_slice) * dA[i, h, w, c]`), "
                "added with += because windows overlap; `vert_start = h * stride`, "
                "`vert_end = vert_start + f`."),
        "average": ("in mode 'average' each `dA[i, h, w, c]` is spread evenly over its f x f "
                    "window (`distribute_value(dA[i, h, w, c], (f, f))`), added with += because "
                    "windows overlap; `vert_start = h * stride`, `vert_end = vert_start + f`."),
    }
    other_mode = {"max": "average", "average": "max"}
    for mode in ("max", "average"):
        case = _case_text(hparameters, mode)
        dA_prev = _call(name, pool_backward, (dA, cache), ("dA", "cache"), {"mode": mode},
                        case)
        _check_array(name, "dA_prev", dA_prev, case)
        _check_shape(name, "dA_prev", dA_prev, A_prev.shape,
                     "dA_prev has the shape of A_prev, (m, n_H_prev, n_W_prev, n_C_prev).", case)
        _check_float64(name, "dA_prev", dA_prev, case)
        mode_hint = (f"these are the values of mode={other_mode[mode]!r}: check how the "
                     f"function chooses between the mask and distribute_value from mode.")
        _check_close(name, "dA_prev[1, 1]", dA_prev[1, 1], ref[mode]["dA_prev[1, 1]"],
                     hints[mode], case, [(ref[other_mode[mode]]["dA_prev[1, 1]"], mode_hint)])
    _finish(name)


# ---------------------------------------------------------------------------------------------
# The graded cells
# ---------------------------------------------------------------------------------------------

CHECKS = {
    "zero_pad": check_zero_pad,
    "conv_single_step": check_conv_single_step,
    "conv_forward": check_conv_forward,
    "conv_backward": check_conv_backward,
    "create_mask_from_window": check_create_mask_from_window,
    "distribute_value": check_distribute_value,
    "pool_forward": check_pool_forward,
    "pool_backward": check_pool_backward,
}
# The other functions a check takes, by name, from the checked function's notebook.
CHECK_USES = {"conv_backward": ("conv_forward",), "pool_backward": ("pool_forward",)}


def validate(func):
    """The graded cell of FUNC, one of the graded functions (recognised by its __name__):
    see ``validate_graded``."""
    validate_graded(func, CHECKS, CHECK_USES, assert_implemented)


# Validate's dialog shows each line of a message as it is, without wrapping it.
VALIDATE_WIDTH = 78


def wrapped(text, width=VALIDATE_WIDTH):
    """TEXT with each line longer than WIDTH wrapped at spaces, its continuation lines indented
    two spaces more than the line they continue (a word longer than WIDTH stays whole)."""
    lines = []
    for line in text.splitlines() or [""]:
        indent = line[:len(line) - len(line.lstrip())]
        lines.extend(textwrap.wrap(line, width, subsequent_indent=indent + "  ",
                                   break_long_words=False, break_on_hyphens=False) or [line])
    return "\n".join(lines)


def validate_graded(func, checks, uses, assert_implemented):
    """Run the check of FUNC (CHECKS[FUNC.__name__], with the functions USES names for it
    taken from FUNC's notebook) as a graded cell does.

    A failure, or FUNC not implemented yet, is written to stderr with the check's message:
    nbgrader's Validate reports the cell with it, and Run All goes on. A passing check prints
    one line. When nbgrader autogrades (NBGRADER_EXECUTION is "autograde"), only
    ASSERT_IMPLEMENTED(FUNC) runs: the hidden tests that follow grade the rest. A failure's
    message names the helpers to fix first, as the check cell's does (see visible_check).
    Returns None.
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        assert_implemented(func)
        return
    name = getattr(func, "__name__", None)
    if name not in checks:
        raise ValueError(f"validate checks the graded functions ({', '.join(checks)}); "
                         f"got {func!r}.")
    namespace = getattr(func, "__globals__", {})
    missing = [other for other in uses.get(name, ()) if other not in namespace]
    if missing:
        print(wrapped(f"{name}'s check needs {' and '.join(missing)}: run the cells that define "
                      "them first."), file=sys.stderr)
        return
    others = [namespace[other] for other in uses.get(name, ())]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            checks[name].raising(func, *others)
    except CheckFailed as exc:  # NotImplementedYet too
        print(wrapped(str(exc)), file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the student's code raised: reported in one line
        detail = str(exc).splitlines()[0] if str(exc) else ""
        print(wrapped(f"{name} raised {type(exc).__name__} in its check"
                      f"{': ' + detail if detail else ''}. Run its check cell above to see "
                      "where."), file=sys.stderr)
    else:
        print(f"{name}: its checks pass. The hidden tests grade it when you submit.")


# ---------------------------------------------------------------------------------------------
# Before grading
# ---------------------------------------------------------------------------------------------

def _small_examples():
    """name -> (args, kwargs) of a tiny call that any implementation can run."""
    A_prev = np.arange(9.0).reshape(1, 3, 3, 1)
    W = np.ones((2, 2, 1, 1))
    b = np.zeros((1, 1, 1, 1))
    conv_hp = {"stride": 1, "pad": 1}
    pool_prev = np.array([[1.0, 3.0], [2.0, 0.0]]).reshape(1, 2, 2, 1)
    pool_hp = {"f": 2, "stride": 1}
    return {
        "zero_pad": ((np.ones((1, 2, 2, 1)), 1), {}),
        "conv_single_step": ((np.ones((2, 2, 1)), np.ones((2, 2, 1)), np.zeros((1, 1, 1))), {}),
        "conv_forward": ((A_prev, W, b, conv_hp), {}),
        "conv_backward": ((np.ones((1, 4, 4, 1)), (A_prev, W, b, conv_hp)), {}),
        "create_mask_from_window": ((np.array([[1.0, 3.0], [2.0, 0.0]]),), {}),
        "distribute_value": ((1.0, (2, 2)), {}),
        "pool_forward": ((pool_prev, pool_hp), {"mode": "max"}),
        "pool_backward": ((np.ones((1, 1, 1, 1)), (pool_prev, pool_hp)), {"mode": "max"}),
    }


def assert_implemented(func):
    """Stop the graded cell of FUNC while FUNC still raises NotImplementedError.

    FUNC is recognised by its __name__ (one of the eight graded functions; ValueError for any
    other) and called once on a tiny example, its output captured and warnings ignored.
    Raises NotImplementedYet if FUNC itself raises NotImplementedError. Any other exception
    (or a NotImplementedError from a function it calls) is reported in one printed line and
    left to the tests that follow, which grade each case. Returns None.
    """
    name = getattr(func, "__name__", None)
    examples = _small_examples()
    if name not in examples:
        raise ValueError(f"assert_implemented checks the graded functions "
                         f"({', '.join(GRADED_FUNCTIONS)}); got {func!r}.")
    args, kwargs = examples[name]
    stop_while_unwritten(name, quiet_error(lambda: func(*args, **kwargs)))
