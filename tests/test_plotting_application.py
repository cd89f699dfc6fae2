"""The figures of the application and Keras notebooks: images with labels, costs, confusion matrix,
learning curves."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from utils import plotting  # noqa: E402
from utils.plotting import (  # noqa: E402
    confusion_matrix,
    plot_confusion_matrix,
    plot_costs,
    show_images,
    show_same_padding,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# 8 examples of 4 classes; examples 2, 5 and 6 are predicted wrong.
LABELS = np.array([0, 1, 2, 3, 3, 2, 1, 0])
PREDICTIONS = np.array([0, 1, 1, 3, 3, 0, 2, 0])
WRONG = {2, 5, 6}


def images(m: int = 8, size: int = 16) -> np.ndarray:
    """m uint8 RGB images, each a different grey level."""
    levels = np.linspace(0, 255, m).astype(np.uint8)
    return np.broadcast_to(levels[:, None, None, None], (m, size, size, 3)).copy()


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes)[labels]


def titles(fig: Figure) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def saves_png(fig: Figure, path) -> None:
    """Draw fig to a PNG file and check that something was written."""
    fig.savefig(path)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 1000


def same_colour(a, b) -> bool:
    return mcolors.to_hex(a) == mcolors.to_hex(b)


# --- show_images --------------------------------------------------------------


def test_show_images_labels_only(tmp_path):
    fig = show_images(images(), LABELS)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 8
    assert titles(fig) == [f"label {y}" for y in LABELS]
    for ax in fig.axes:
        assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
        assert len(ax.get_images()) == 1
    assert fig._suptitle is None
    saves_png(fig, tmp_path / "images.png")


def test_show_images_draws_the_images_themselves():
    x = images()
    fig = show_images(x, LABELS)
    for k, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.get_images()[0].get_array(), x[k])


def test_show_images_marks_wrong_predictions(tmp_path):
    fig = show_images(images(), LABELS, PREDICTIONS, title="test set")
    assert len(fig.axes) == 8
    for k, ax in enumerate(fig.axes):
        title = ax.get_title()
        assert f"true {LABELS[k]}" in title
        assert f"predicted {PREDICTIONS[k]}" in title
        spine = ax.spines["left"]
        if k in WRONG:
            assert same_colour(ax.title.get_color(), plotting.VERMILION), k
            assert same_colour(spine.get_edgecolor(), plotting.VERMILION), k
            assert ax.title.get_fontweight() == "bold"
        else:
            assert same_colour(ax.title.get_color(), plotting.BLUE), k
            assert same_colour(spine.get_edgecolor(), plotting.BLUE), k
        assert spine.get_visible()
    wrong_widths = {fig.axes[k].spines["left"].get_linewidth() for k in WRONG}
    right_widths = {fig.axes[k].spines["left"].get_linewidth() for k in range(8) if k not in WRONG}
    assert min(wrong_widths) > max(right_widths)
    heading = fig._suptitle.get_text()
    assert "test set" in heading
    assert "3 of 8 predicted wrong" in heading
    saves_png(fig, tmp_path / "predictions.png")


@pytest.mark.parametrize(
    "labels",
    [LABELS.reshape(1, -1), one_hot(LABELS, 4), LABELS.reshape(-1, 1), LABELS.astype(float)],
    ids=["(1, m)", "one-hot", "(m, 1)", "float"],
)
def test_show_images_label_forms_agree(labels):
    reference = titles(show_images(images(), LABELS, PREDICTIONS))
    assert titles(show_images(images(), labels, PREDICTIONS)) == reference
    logits = one_hot(PREDICTIONS, 4) * 3.0 - 1.0
    assert titles(show_images(images(), labels, logits)) == reference


def test_show_images_one_image_with_one_hot_row():
    fig = show_images(images(1), np.array([[0, 0, 1, 0]]), np.array([[0, 0, 0, 1]]))
    assert titles(fig) == ["true 2 / predicted 3"]


def test_show_images_class_names():
    names = ["zero", "one", "two", "three"]
    fig = show_images(images(), LABELS, classes=names)
    assert titles(fig) == [f"label {names[y]}" for y in LABELS]
    fig = show_images(images(), LABELS, PREDICTIONS, classes=names)
    for k, title in enumerate(titles(fig)):
        # Long names go on two lines.
        assert title == f"true {names[LABELS[k]]}\npredicted {names[PREDICTIONS[k]]}"


def test_show_images_grid_and_max_images():
    fig = show_images(images(20), np.arange(20) % 6, n_cols=4, max_images=10)
    assert len(fig.axes) == 10
    assert titles(fig) == [f"label {k % 6}" for k in range(10)]
    geometry = {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes}
    assert geometry == {(3, 4)}
    fig = show_images(images(3), [0, 1, 2], n_cols=6)
    assert {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes} == {(1, 3)}


def test_show_images_accepts_floats_in_unit_range():
    x = images().astype(np.float32) / 255
    fig = show_images(x, LABELS)
    np.testing.assert_allclose(fig.axes[3].get_images()[0].get_array(), x[3])


def test_show_images_leaves_no_pyplot_figures():
    plt.close("all")
    show_images(images(), LABELS, PREDICTIONS)
    plot_costs([1.0, 0.5])
    plot_confusion_matrix(LABELS, PREDICTIONS)
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    "x, words",
    [
        (np.zeros((8, 16, 16), np.uint8), ["(8, 16, 16)", "(m, n_H, n_W, 3)"]),
        (np.zeros((8, 16, 16, 2), np.uint8), ["(8, 16, 16, 2)", "(m, n_H, n_W, 3)",
                                               "(m, n_H, n_W, 1)"]),
        (np.zeros((16, 16, 3), np.uint8), ["(16, 16, 3)", "(m, n_H, n_W, 3)"]),
        (np.linspace(0, 2, 8 * 16 * 16 * 3).reshape(8, 16, 16, 3), ["0 to 2", "[0, 1]"]),
        (np.full((8, 16, 16, 3), 300), ["300", "0 to 255"]),
        (np.full((8, 16, 16, 3), np.nan), ["NaN", "[0, 1]"]),
    ],
    ids=["no channels", "two channels", "one image", "floats > 1", "ints > 255", "NaN"],
)
def test_show_images_rejects_bad_images(x, words):
    with pytest.raises(ValueError) as error:
        show_images(x, LABELS)
    for word in words:
        assert word in str(error.value)


def test_show_images_rejects_mismatched_labels():
    with pytest.raises(ValueError, match=r"labels has 7 examples .* 8 images"):
        show_images(images(), LABELS[:7])
    with pytest.raises(ValueError, match=r"predictions has 9 examples .* 8 images"):
        show_images(images(), LABELS, np.zeros(9, int))
    with pytest.raises(ValueError, match=r"labels has 7 examples .*shape \(7, 4\).* 8 images"):
        show_images(images(), one_hot(LABELS[:7], 4))


def test_show_images_rejects_bad_label_values():
    with pytest.raises(ValueError, match=r"labels\[1\] is -1.*whole numbers >= 0"):
        show_images(images(2), [0, -1])
    with pytest.raises(ValueError, match=r"labels\[0\] is 0.5"):
        show_images(images(2), [0.5, 1])
    with pytest.raises(ValueError, match=r"predictions holds class 4 .* 4 classes \(0 to 3\)"):
        show_images(images(2), [0, 1], [4, 1], classes=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"labels has shape \(2, 1, 1\); expected \(m,\)"):
        show_images(images(2), np.zeros((2, 1, 1)))
    with pytest.raises(ValueError, match=r"n_cols must be an integer >= 1; got 0"):
        show_images(images(2), [0, 1], n_cols=0)


# --- plot_costs -----------------------------------------------------------------


def test_plot_costs_draws_costs_per_epoch(tmp_path):
    costs = [1.9, 1.2, 0.7, 0.4, 0.2]
    fig = plot_costs(costs, learning_rate=0.005, every=5)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0, 5, 10, 15, 20])
    np.testing.assert_array_equal(line.get_ydata(), costs)
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "cost"
    assert "learning rate = 0.005" in ax.get_title()
    x_low, x_high = ax.get_xlim()
    assert x_low <= 0 and x_high >= 20
    assert ax.get_ylim()[1] >= 1.9
    saves_png(fig, tmp_path / "costs.png")


def test_plot_costs_title_and_array_input():
    fig = plot_costs(np.linspace(2, 0.1, 150), title="Adam")
    ax = fig.axes[0]
    assert ax.get_title() == "Adam"  # no learning rate given, none printed
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), np.arange(150))


def test_plot_costs_accepts_numpy_scalars_and_one_cost(tmp_path):
    fig = plot_costs([np.float32(0.7)], learning_rate=1e-3)
    assert "learning rate = 0.001" in fig.axes[0].get_title()
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [0.7])
    saves_png(fig, tmp_path / "one_cost.png")


@pytest.mark.parametrize(
    "costs, kwargs, words",
    [
        ([1.0, np.nan, 0.5], {}, ["costs[1] is nan", "expected finite costs"]),
        ([1.0, 0.5, np.inf], {}, ["costs[2] is inf", "expected finite costs"]),
        ([], {}, ["costs is empty", "at least one cost"]),
        (np.ones((2, 3)), {}, ["shape (2, 3)", "1D"]),
        (None, {}, ["costs is None"]),
        ([1.0, 0.5], {"every": 0}, ["every must be an integer >= 1", "got 0"]),
        ([1.0, 0.5], {"learning_rate": -0.1}, ["learning_rate must be a number > 0", "-0.1"]),
    ],
    ids=["NaN", "inf", "empty", "2D", "None", "every 0", "negative rate"],
)
def test_plot_costs_rejects_bad_input(costs, kwargs, words):
    with pytest.raises(ValueError) as error:
        plot_costs(costs, **kwargs)
    for word in words:
        assert word in str(error.value)


# --- confusion_matrix -----------------------------------------------------------


def confusion_by_loops(labels, predictions, n_classes):
    counts = [[0] * n_classes for _ in range(n_classes)]
    for t in range(n_classes):
        for p in range(n_classes):
            for y, yhat in zip(labels, predictions):
                if y == t and yhat == p:
                    counts[t][p] += 1
    return np.array(counts)


def test_confusion_matrix_hand_made_case():
    counts = confusion_matrix(LABELS, PREDICTIONS, 4)
    assert counts.shape == (4, 4)
    assert np.issubdtype(counts.dtype, np.integer)
    np.testing.assert_array_equal(counts, confusion_by_loops(LABELS, PREDICTIONS, 4))
    # Rows are true classes, columns predicted: true 2 predicted 1 once, never the reverse.
    assert counts[2, 1] == 1 and counts[1, 2] == 1 and counts[2, 0] == 1 and counts[0, 2] == 0
    assert counts.sum() == len(LABELS)


def test_confusion_matrix_random_case_and_unused_classes():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 6, 200)
    predictions = np.where(rng.random(200) < 0.8, labels, rng.integers(0, 6, 200))
    np.testing.assert_array_equal(
        confusion_matrix(labels, predictions, 6), confusion_by_loops(labels, predictions, 6)
    )
    counts = confusion_matrix([0, 1], [1, 1], 5)
    np.testing.assert_array_equal(counts, confusion_by_loops([0, 1], [1, 1], 5))


def test_confusion_matrix_label_forms_agree():
    reference = confusion_matrix(LABELS, PREDICTIONS, 4)
    for labels in (LABELS.reshape(1, -1), one_hot(LABELS, 4), LABELS.reshape(-1, 1)):
        for predictions in (PREDICTIONS.reshape(1, -1), one_hot(PREDICTIONS, 4) * 5 - 2):
            np.testing.assert_array_equal(confusion_matrix(labels, predictions, 4), reference)


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match=r"labels has 8 examples but predictions has 7"):
        confusion_matrix(LABELS, PREDICTIONS[:7], 4)
    with pytest.raises(ValueError, match=r"labels holds class 3; expected classes 0 to 2"):
        confusion_matrix(LABELS, PREDICTIONS, 3)
    with pytest.raises(ValueError, match=r"n_classes must be an integer >= 1; got 0"):
        confusion_matrix(LABELS, PREDICTIONS, 0)
    with pytest.raises(ValueError, match=r"labels is empty"):
        confusion_matrix([], [], 3)
    with pytest.raises(ValueError, match=r"predictions holds NaN"):
        confusion_matrix(LABELS, np.full((8, 4), np.nan), 4)


# --- plot_confusion_matrix ------------------------------------------------------


def test_plot_confusion_matrix_counts_and_accuracy(tmp_path):
    fig = plot_confusion_matrix(LABELS, PREDICTIONS, title="test set")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    expected = confusion_by_loops(LABELS, PREDICTIONS, 4)
    (image,) = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), expected)
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ax.texts}
    assert cells == {(t, p): str(expected[t, p]) for t in range(4) for p in range(4)}
    title = ax.get_title()
    assert "test set" in title
    assert "accuracy = 62.5% (5 of 8 right)" in title
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    saves_png(fig, tmp_path / "confusion.png")


def test_plot_confusion_matrix_text_readable_on_dark_and_light_cells():
    labels = np.array([0] * 30 + [1] * 3 + [1])
    predictions = np.array([0] * 30 + [1] * 3 + [0])
    ax = plot_confusion_matrix(labels, predictions).axes[0]
    colour = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_color()
              for t in ax.texts}
    assert same_colour(colour[(0, 0)], "white")  # 30: the darkest cell
    assert same_colour(colour[(1, 1)], "black")  # 3: a pale cell
    assert same_colour(colour[(0, 1)], plotting.TEXT_GREY)  # 0


def test_plot_confusion_matrix_marks_the_mistakes_in_vermilion():
    labels = np.append(LABELS, [2, 2])  # true 2 predicted 1 three times: the darkest mistake
    predictions = np.append(PREDICTIONS, [1, 1])
    ax = plot_confusion_matrix(labels, predictions).axes[0]
    marked = {}
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_gid() == "mistake":
            x, y = patch.get_xy()
            cell = (round(y + patch.get_height() / 2), round(x + patch.get_width() / 2))
            marked[cell] = mcolors.to_rgb(patch.get_facecolor())
    counts = confusion_by_loops(labels, predictions, 4)
    mistakes = {(t, p) for t in range(4) for p in range(4) if t != p and counts[t, p]}
    assert set(marked) == mistakes
    for r, g, b in marked.values():  # reddish orange, not the blue of the diagonal
        assert r > g > b
    assert sum(marked[(2, 1)]) < sum(marked[(1, 2)])  # more mistakes, darker


def test_plot_confusion_matrix_class_names_and_one_hot():
    names = ["zero", "one", "two", "three", "four", "five"]
    fig = plot_confusion_matrix(one_hot(LABELS, 6), PREDICTIONS.reshape(1, -1), classes=names)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert ax.get_images()[0].get_array().shape == (6, 6)  # classes 4 and 5 never occur
    assert "accuracy = 62.5%" in ax.get_title()
    # Integer class lists (the data set's list_classes) print as numbers.
    ax = plot_confusion_matrix(LABELS, PREDICTIONS, classes=np.arange(4)).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]


def test_plot_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match=r"labels has 8 examples but predictions has 6"):
        plot_confusion_matrix(LABELS, PREDICTIONS[:6])
    with pytest.raises(ValueError, match=r"labels holds class 3 but classes names only 3"):
        plot_confusion_matrix(LABELS, PREDICTIONS, classes=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"labels has shape \(1, 2, 4\); expected \(m,\)"):
        plot_confusion_matrix(LABELS.reshape(1, 2, 4), PREDICTIONS)


def test_new_functions_are_public():
    for name in ("show_images", "plot_costs", "confusion_matrix", "plot_confusion_matrix",
                 "show_same_padding"):
        assert name in plotting.__all__
        assert f":func:`{name}`" in plotting.__doc__


# --- show_same_padding ------------------------------------------------------------


def windows_by_loops(n, f, stride):
    """SAME and VALID along one axis, by placing the windows one at a time.

    Returns (same_starts, before, after, valid_starts): the first cell of each window
    (negative inside the padding before the input) and the padding on either side.
    """
    same_starts = []
    while len(same_starts) * stride < n:  # SAME: one output per stride that starts in the input
        same_starts.append(len(same_starts) * stride)
    total = max(same_starts[-1] + f - n, 0)  # the last window must fit
    before = total // 2
    same_starts = [start - before for start in same_starts]
    valid_starts = []
    while len(valid_starts) * stride + f <= n:  # VALID: only windows inside the input
        valid_starts.append(len(valid_starts) * stride)
    return same_starts, before, total - before, valid_starts


def never_read(n, f, starts):
    return [i for i in range(n) if not any(start <= i < start + f for start in starts)]


def count(word, k):
    return f"{k} {word}" + ("" if k == 1 else "s")


def gid_patches(ax, gid):
    return [patch for patch in ax.patches if patch.get_gid() == gid]


def gid_lines(ax, gid):
    return [line for line in ax.get_lines() if line.get_gid() == gid]


def cell_positions(ax, gid):
    return sorted(round(patch.get_x() + patch.get_width() / 2) for patch in gid_patches(ax, gid))


SAME_CASES = [(60, 8, 8), (64, 8, 8), (10, 4, 1), (7, 3, 2), (80, 2, 2), (9, 2, 2),
              (10, 2, 3), (7, 9, 1), (5, 5, 3), (1, 1, 1)]


def test_show_same_padding_default_case(tmp_path):
    fig = show_same_padding(n=60, f=8, stride=8)
    assert isinstance(fig, Figure)
    same, valid = fig.axes
    # TensorFlow pads (8 - 1) * 8 + 8 - 60 = 4 cells: 4 // 2 = 2 before, 2 after.
    assert same.get_title() == "SAME: 8 outputs (pad 2 before, 2 after)"
    assert valid.get_title() == "VALID: 7 outputs (4 cells dropped)"
    assert len(gid_lines(same, "window")) == 8 and len(gid_lines(valid, "window")) == 7
    assert cell_positions(same, "pad") == [-2, -1, 60, 61]
    assert cell_positions(valid, "dropped") == [56, 57, 58, 59]
    assert gid_patches(valid, "pad") == [] and gid_patches(same, "dropped") == []
    notes = {t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "note"}
    assert notes == {"pad", "dropped"}
    saves_png(fig, tmp_path / "same.png")


@pytest.mark.parametrize("n, f, stride", SAME_CASES)
def test_show_same_padding_counts_match_loops(tmp_path, n, f, stride):
    same_starts, before, after, valid_starts = windows_by_loops(n, f, stride)
    same_dropped = never_read(n, f, same_starts)
    valid_dropped = never_read(n, f, valid_starts)
    fig = show_same_padding(n, f, stride)
    same, valid = fig.axes

    expected = f"SAME: {count('output', len(same_starts))} (pad {before} before, {after} after"
    expected += f"; {count('cell', len(same_dropped))} dropped)" if same_dropped else ")"
    assert same.get_title() == expected
    assert valid.get_title() == (
        f"VALID: {count('output', len(valid_starts))} "
        f"({count('cell', len(valid_dropped))} dropped)"
    )
    for ax, starts, pads, dropped in (
        (same, same_starts, list(range(-before, 0)) + list(range(n, n + after)), same_dropped),
        (valid, valid_starts, [], valid_dropped),
    ):
        windows = gid_lines(ax, "window")
        assert len(windows) == len(starts)
        # Each bracket spans the f cells its window covers, in output order.
        spans = [(min(w.get_xdata()), max(w.get_xdata())) for w in windows]
        assert [round(low) for low, _ in spans] == starts
        assert [round(high) for _, high in spans] == [start + f - 1 for start in starts]
        assert cell_positions(ax, "pad") == pads
        assert cell_positions(ax, "dropped") == dropped
        # Every input cell is drawn once, white or dropped.
        assert sorted(cell_positions(ax, "cell") + dropped) == list(range(n))
        numbers = [t.get_text() for t in ax.texts if t.get_gid() == "window-label"]
        assert set(numbers) <= {str(k) for k in range(len(starts))}
        assert bool(numbers) == bool(starts)
    saves_png(fig, tmp_path / f"same_{n}_{f}_{stride}.png")


def test_show_same_padding_no_padding_when_windows_tile_the_input():
    same, valid = show_same_padding(64, 8, 8).axes
    assert same.get_title() == "SAME: 8 outputs (pad 0 before, 0 after)"
    assert valid.get_title() == "VALID: 8 outputs (0 cells dropped)"
    assert gid_patches(same, "pad") == [] and gid_patches(valid, "dropped") == []
    assert [w.get_xydata().tolist() for w in gid_lines(same, "window")] == [
        w.get_xydata().tolist() for w in gid_lines(valid, "window")
    ]


def test_show_same_padding_window_longer_than_input_shows_zero_valid_outputs(tmp_path):
    fig = show_same_padding(n=7, f=9, stride=1)
    same, valid = fig.axes
    assert same.get_title() == "SAME: 7 outputs (pad 4 before, 4 after)"
    assert valid.get_title() == "VALID: 0 outputs (7 cells dropped)"
    assert gid_lines(valid, "window") == []
    assert cell_positions(valid, "dropped") == list(range(7))
    assert any("no window" in t.get_text() for t in valid.texts)
    saves_png(fig, tmp_path / "too_long.png")


def test_show_same_padding_overlapping_windows_go_on_separate_levels():
    # f = 4, stride = 1: windows k and k + 1 .. k + 3 overlap, so four levels.
    same, _ = show_same_padding(10, 4, 1).axes
    levels = [max(w.get_ydata()) for w in gid_lines(same, "window")]
    assert len(set(levels)) == 4
    assert levels[:4] == sorted(levels[:4]) and levels[4:8] == levels[:4]


def test_show_same_padding_accepts_numpy_integers_and_leaves_no_pyplot_figures():
    plt.close("all")
    fig = show_same_padding(np.int64(12), np.int32(3), 2.0)
    assert fig.axes[0].get_title() == "SAME: 6 outputs (pad 0 before, 1 after)"
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n": 0, "f": 2, "stride": 2}, ["n must be an integer >= 1", "got 0"]),
        ({"n": 10, "f": -1, "stride": 2}, ["f must be an integer >= 1", "got -1"]),
        ({"n": 10, "f": 2, "stride": 0}, ["stride must be an integer >= 1", "got 0"]),
        ({"n": 10, "f": 2.5, "stride": 2}, ["f must be an integer", "got 2.5"]),
        ({"n": "60", "f": 8, "stride": 8}, ["n must be an integer", "got '60'"]),
        ({"n": 60, "f": None, "stride": 8}, ["f must be an integer", "got None"]),
        ({"n": 60, "f": 8, "stride": True}, ["stride must be an integer", "got True"]),
        ({"n": float("nan"), "f": 8, "stride": 8}, ["n must be an integer", "got nan"]),
    ],
    ids=["n 0", "f negative", "stride 0", "f float", "n string", "f None", "bool", "NaN"],
)
def test_show_same_padding_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ValueError) as error:
        show_same_padding(**kwargs)
    for word in words:
        assert word in str(error.value)


def test_learning_curves_draw_training_and_validation_per_epoch():
    class History:  # what Keras' fit returns, for what the figure reads of it
        history = {"loss": [1.2, 0.6, 0.3], "val_loss": [1.0, 0.7, 0.5],
                   "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.6, 0.75, 0.875]}

    fig = plotting.plot_learning_curves(History())
    loss_axes, accuracy_axes = fig.axes
    for ax, key in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        training, validation = ax.get_lines()
        assert list(training.get_ydata()) == History.history[key]
        assert list(validation.get_ydata()) == History.history[f"val_{key}"]
        assert list(training.get_xdata()) == [1, 2, 3]
    assert accuracy_axes.get_title() == "accuracy: validation 0.875 after epoch 3"
    fig.savefig(io.BytesIO(), format="png")


def test_learning_curves_refuse_a_history_without_validation():
    with pytest.raises(ValueError, match=r"with metrics=\[\"accuracy\"\] and a validation_split"):
        plotting.plot_learning_curves({"loss": [1.0], "accuracy": [0.5]})
    with pytest.raises(ValueError, match="differ in length"):
        plotting.plot_learning_curves({"loss": [1.0, 0.5], "val_loss": [1.0],
                                       "accuracy": [0.5], "val_accuracy": [0.5]})
