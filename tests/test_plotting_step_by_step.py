"""The step-by-step notebook's figure of the learner's zero_pad (utils/plotting.py)."""

import numpy as np
from matplotlib.figure import Figure

from utils import plotting

X = np.arange(1.0, 13.0).reshape(1, 3, 4, 1)


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


def test_show_zero_pad_draws_what_the_learners_function_makes(capsys):
    fig = plotting.show_zero_pad(zero_pad, X, pad=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[1].get_title().startswith("x_pad: shape (7, 8) (pad = 2)")
    assert capsys.readouterr().out == ""


def test_show_zero_pad_waits_for_an_unwritten_function_in_one_line(capsys):
    def zero_pad(X, pad):
        raise NotImplementedError()

    assert plotting.show_zero_pad(zero_pad, X, pad=2) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "This figure draws your zero_pad: implement it" in out


def test_show_zero_pad_reports_a_failing_function_in_one_line(capsys):
    assert plotting.show_zero_pad(lambda X, pad: X[0, 0], X, pad=2) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "raised IndexError" in out and "Its check above" in out
