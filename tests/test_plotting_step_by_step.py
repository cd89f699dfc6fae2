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
    assert plotting.show_zero_pad(lambda X, pad: X[0, 0, 5], X, pad=2) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "raised IndexError" in out and "Its check above" in out


def test_show_zero_pad_says_which_shape_it_expected_instead_of_drawing_a_wrong_one(capsys):
    # Padding every axis gives a grid whose first example and channel are all padding: the
    # figure would draw zeros only. It says what it expected and what came back instead.
    assert plotting.show_zero_pad(lambda X, pad: np.pad(X, pad), X, pad=2) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert "for x of shape (1, 3, 4, 1) and pad = 2" in out
    assert "returned an array of shape (5, 7, 8, 5); expected an array of shape (1, 7, 8, 1)" in out
    assert "Hint: pad only the height and width axes (1 and 2)" in out and "section 1.1" in out


def test_show_zero_pad_names_what_came_back_when_it_is_no_array(capsys):
    assert plotting.show_zero_pad(lambda X, pad: None, X, pad=2) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "it returned None; expected an array of shape (1, 7, 8, 1)" in out
    assert plotting.show_zero_pad(lambda X, pad: X[0, 0], X, pad=2) is None
    out = capsys.readouterr().out
    assert "it returned an array of shape (4, 1);" in out
    assert plotting.show_zero_pad(lambda X, pad: X.tolist(), X, pad=2) is None
    assert "it returned a list;" in capsys.readouterr().out


def test_the_window_figures_count_the_output_cells_of_the_notebooks_formula():
    for n_prev, f, stride, pad in [(5, 3, 2, 1), (4, 2, 2, 0), (7, 3, 3, 0), (6, 4, 3, 2),
                                   (5, 5, 1, 0), (3, 4, 2, 1)]:
        n = (n_prev - f + 2 * pad) // stride + 1  # section 1.3's output size
        assert plotting._check_window_parameters(n_prev, n_prev + 1, f, stride, pad) == (
            n, (n_prev + 1 - f + 2 * pad) // stride + 1)
