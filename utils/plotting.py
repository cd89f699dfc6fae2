"""Figures for the course's notebooks, drawn by code.

Every function builds a :class:`matplotlib.figure.Figure` directly (not through
``pyplot``), so it works under any backend, including Agg, and leaves no open
pyplot figures behind. In a notebook, end a cell with the call and Jupyter shows
the figure once; in a script, call ``fig.savefig("name.png")``.

The figures only draw grids, labels, images and curves. None of them runs a
convolution, a pooling layer or a model.

Public functions:

- :func:`show_padding` -- one channel before and after zero padding.
- :func:`show_zero_pad` -- the same for the learner's ``zero_pad`` on an image; while
  it is not implemented yet (or raises, or returns another shape than the padded one), one
  line says so instead.
- :func:`show_sliding_window` -- where one window sits in the (padded) input and
  which output cell it produces.
- :func:`show_conv_backward` -- how dZ values flow back over their windows of
  ``dA_prev`` and add up where windows overlap.
- :func:`show_pooling_mask` -- a max-pooling window and its mask.
- :func:`show_distribute_value` -- an average-pooling gradient spread evenly
  over its window.

For the application notebook (a small CNN classifying 64x64x3 images):

- :func:`show_images` -- a grid of images titled with their labels, or with true
  and predicted labels and the wrong predictions highlighted.
- :func:`plot_costs` -- the cost against the epoch.
- :func:`confusion_matrix` -- the counts of true class against predicted class.
- :func:`plot_confusion_matrix` -- those counts drawn, with the accuracy.
- :func:`show_same_padding` -- along one axis, the windows of TensorFlow's
  ``padding="SAME"`` (with the cells it pads) above those of ``padding="VALID"``
  (with the cells it drops).

For the notebook that trains a CNN in numpy (28x28 grey digits):

- :func:`show_kernel_offset` -- the cells one kernel offset reads for every output
  position at once: the strided slice of a vectorised convolution.
- :func:`plot_training_curves` -- the loss and the accuracies after each epoch.
- :func:`show_filters` -- the learned filters of a convolution, one image each.
- :func:`show_images` takes grey images (m, n_H, n_W, 1) too.

For the Keras notebook (the application's network in Keras 3):

- :func:`plot_learning_curves` -- the loss and the accuracy per epoch on the training
  examples and on the validation split, from the History that ``model.fit`` returns.
- :func:`show_images` and :func:`plot_confusion_matrix`, as in the application.

For the deep-network notebook (pictures of two classes, flattened):

- :func:`show_activations` -- the sigmoid and ReLU with their derivatives.
- :func:`plot_costs` -- with ``unit="iteration"``, the cost every 100 iterations.
- :func:`show_images` -- the pictures, with class names.

Labels and predictions are accepted as (m,) or (1, m) class indices or as one-hot
(m, C) rows.
"""

import numbers

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch, Rectangle
from matplotlib.ticker import MaxNLocator

__all__ = [
    "show_padding",
    "show_sliding_window",
    "show_conv_backward",
    "show_pooling_mask",
    "show_distribute_value",
    "show_images",
    "plot_costs",
    "confusion_matrix",
    "plot_confusion_matrix",
    "show_same_padding",
    "show_kernel_offset",
    "plot_training_curves",
    "show_filters",
    "plot_learning_curves",
]

# Colour-blind safe colours (Okabe-Ito palette).
ORANGE = "#E69F00"
BLUE = "#0072B2"
GREEN = "#009E73"
VERMILION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
PAD_GREY = "#D9D9D9"
EDGE_GREY = "#8C8C8C"
TEXT_GREY = "#606060"

# One colour per highlighted window in show_conv_backward, in order.
WINDOW_COLOURS = (ORANGE, BLUE, GREEN, VERMILION)

CELL_INCHES = 0.45  # side of one grid cell in the figures
MAX_ANNOTATED_CELLS = 16  # grids larger than this on a side get no numbers


def _new_figure(width, height):
    """Return an empty figure of the given size in inches, with a white background."""
    return Figure(figsize=(width, height), dpi=100, facecolor="white")


def _setup_grid_axes(ax, n_rows, n_cols, title=None, tick_labels=True):
    """Prepare ax for an n_rows x n_cols grid of unit cells, row 0 at the top.

    ax -- a matplotlib Axes
    n_rows, n_cols -- number of rows and columns of the grid
    title -- text above the grid, or None
    tick_labels -- whether to print the row and column indices
    """
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.set_aspect("equal")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if tick_labels:
        ax.set_xticks(range(n_cols))
        ax.set_yticks(range(n_rows))
        ax.xaxis.tick_top()
        ax.tick_params(length=0, labelsize=8, labelcolor=TEXT_GREY, pad=2)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=10, pad=16 if tick_labels else 6)


def _cell(ax, row, col, facecolor="white", text=None, fontsize=9, textcolor="black"):
    """Draw one grid cell with an optional centred text."""
    ax.add_patch(
        Rectangle(
            (col - 0.5, row - 0.5),
            1,
            1,
            facecolor=facecolor,
            edgecolor=EDGE_GREY,
            linewidth=0.8,
            clip_on=False,
        )
    )
    if text is not None:
        ax.text(col, row, text, ha="center", va="center", fontsize=fontsize, color=textcolor)


def _outline(ax, row, col, n_rows, n_cols, colour, linewidth=3.0, linestyle="-"):
    """Outline the block of cells [row, row + n_rows) x [col, col + n_cols)."""
    ax.add_patch(
        Rectangle(
            (col - 0.5, row - 0.5),
            n_cols,
            n_rows,
            fill=False,
            edgecolor=colour,
            linewidth=linewidth,
            linestyle=linestyle,
            zorder=5,
            clip_on=False,
        )
    )


def _tint(colour, amount):
    """Return colour mixed with white: amount 0 gives white, 1 the colour itself."""
    rgb = np.array(mcolors.to_rgb(colour))
    return tuple(1.0 - amount * (1.0 - rgb))


def _text_colour(rgba):
    """Black or white, whichever reads better on a cell of colour rgba."""
    r, g, b = mcolors.to_rgb(rgba)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _value_formatter(values):
    """Return a function that prints numbers of `values` alike in cells.

    Whole numbers print without decimals when every value is whole, otherwise every
    value gets two decimals; zero always prints as "0".
    """
    values = np.asarray(values, dtype=float)
    whole = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))

    def format_value(value):
        value = float(value)
        if value == 0.0:
            return "0"
        return f"{value:.0f}" if whole else f"{value:.2f}"

    return format_value


def _as_2d(name, array, hint):
    """Return array as a 2D float array, or raise ValueError naming what was expected."""
    if array is None:
        raise ValueError(f"{name} is None; expected a 2D array. {hint}")
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{name} has shape {array.shape}; expected a 2D array. {hint}")
    return array.astype(float)


def _check_window_parameters(n_H_prev, n_W_prev, f, stride, pad):
    """Raise ValueError unless the sizes describe at least one window, and return n_H, n_W."""
    for name, value, low in (
        ("n_H_prev", n_H_prev, 1),
        ("n_W_prev", n_W_prev, 1),
        ("f", f, 1),
        ("stride", stride, 1),
        ("pad", pad, 0),
    ):
        if int(value) != value or value < low:
            raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    if f > n_H_prev + 2 * pad or f > n_W_prev + 2 * pad:
        raise ValueError(
            f"a window of size f = {f} does not fit in the padded input "
            f"({n_H_prev + 2 * pad} x {n_W_prev + 2 * pad})"
        )
    # One output cell per window: windows start every `stride` cells and must end inside the
    # padded input, so count the starts that leave room for f cells.
    n_H = len(range(0, n_H_prev + 2 * pad - f + 1, stride))
    n_W = len(range(0, n_W_prev + 2 * pad - f + 1, stride))
    return n_H, n_W


def _check_position(position, n_H, n_W):
    """Raise ValueError unless position = (h, w) is a cell of the n_H x n_W output."""
    h, w = position
    if not (0 <= h < n_H and 0 <= w < n_W):
        raise ValueError(
            f"position {tuple(position)} is outside the output, which has "
            f"n_H = {n_H} rows and n_W = {n_W} columns"
        )
    return int(h), int(w)


def _draw_padded_input(ax, n_H_prev, n_W_prev, pad, skip=()):
    """Draw the padded input grid: padding cells grey with a 0, input cells white.

    Cells (row, col) listed in skip are left out, for the caller to draw.
    """
    for row in range(n_H_prev + 2 * pad):
        for col in range(n_W_prev + 2 * pad):
            if (row, col) in skip:
                continue
            if _is_inside(row, col, n_H_prev, n_W_prev, pad):
                _cell(ax, row, col, "white")
            else:
                _cell(ax, row, col, PAD_GREY, "0", fontsize=8, textcolor=TEXT_GREY)


def _is_inside(row, col, n_H_prev, n_W_prev, pad):
    """Whether cell (row, col) of the padded grid belongs to the input, not to the padding."""
    return pad <= row < pad + n_H_prev and pad <= col < pad + n_W_prev


def show_padding(x, x_pad):
    """Draw one channel of an image before and after zero padding, side by side.

    The cells are coloured by value on one colour scale shared by both panels,
    so the zeros added by the padding show up as a white border. Grids of up to
    16 cells a side also print each value. The original image is outlined inside
    the padded one.

    x -- (n_H, n_W), one channel of one example, e.g. X[0, :, :, 0]
    x_pad -- (n_H + 2 * pad, n_W + 2 * pad), the same channel after padding,
             e.g. X_pad[0, :, :, 0]

    Returns fig -- matplotlib Figure
    """
    hint = "Pass one channel of one example, e.g. x[0, :, :, 0]."
    x = _as_2d("x", x, hint)
    x_pad = _as_2d("x_pad", x_pad, hint)

    extra_rows = x_pad.shape[0] - x.shape[0]
    extra_cols = x_pad.shape[1] - x.shape[1]
    even_border = extra_rows >= 0 and extra_rows % 2 == 0 and extra_rows == extra_cols
    pad = extra_rows // 2 if even_border else None

    limit = max(np.max(np.abs(x)), np.max(np.abs(x_pad)), 1e-12)
    norm = mcolors.Normalize(vmin=-limit, vmax=limit)
    cmap = _padding_colormap()

    total_cols = x.shape[1] + x_pad.shape[1]
    height = max(x.shape[0], x_pad.shape[0])
    fig = _new_figure(
        CELL_INCHES * min(total_cols, 40) + 1.8, CELL_INCHES * min(height, 20) + 1.3
    )
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [x.shape[1], x_pad.shape[1]]})

    format_value = _value_formatter(np.concatenate([x.ravel(), x_pad.ravel()]))
    if pad is not None:
        pad_title = f"x_pad: shape {x_pad.shape} (pad = {pad})"
    else:
        pad_title = f"x_pad: shape {x_pad.shape}\nexpected both sizes to grow by 2 * pad"
    titles = (f"x: shape {x.shape}", pad_title)
    for ax, grid, title in zip(axes, (x, x_pad), titles):
        _setup_grid_axes(ax, grid.shape[0], grid.shape[1], title)
        annotate = max(grid.shape) <= MAX_ANNOTATED_CELLS
        for row in range(grid.shape[0]):
            for col in range(grid.shape[1]):
                colour = cmap(norm(grid[row, col]))
                text = format_value(grid[row, col]) if annotate else None
                _cell(ax, row, col, colour, text, fontsize=8, textcolor=_text_colour(colour))

    if pad is not None and pad > 0:
        _outline(axes[1], pad, pad, x.shape[0], x.shape[1], BLUE, linewidth=2.5)
        axes[1].text(
            (x_pad.shape[1] - 1) / 2,
            x_pad.shape[0] - 0.5 + 0.25,
            "blue frame: where x sits; the rest is padding",
            ha="center",
            va="top",
            fontsize=9,
            color=BLUE,
        )
    fig.tight_layout()
    return fig


def show_zero_pad(zero_pad, x, pad):
    """Draw what the learner's ZERO_PAD makes of the image X with PAD (see show_padding).

    zero_pad -- the learner's function, zero_pad(X, pad)
    x -- (1, n_H, n_W, n_C), one example; its first channel is drawn
    pad -- the padding to ask for

    Returns fig -- matplotlib Figure, or None after printing one line when zero_pad is not
    implemented yet, fails, or returns something else than an array of the padded shape
    (the line says which shape it expected and what came back; its check says more).
    """
    x = np.asarray(x)
    try:
        x_pad = zero_pad(x, pad)
    except NotImplementedError:
        print("This figure draws your zero_pad: implement it above, run its cell, then run "
              "this cell again.")
        return None
    except Exception as exc:  # noqa: BLE001 - the learner's code: one line, no traceback
        detail = str(exc).splitlines()[0] if str(exc) else ""
        print(f"This figure draws your zero_pad, which raised {type(exc).__name__}"
              f"{': ' + detail if detail else ''}. Its check above says what to fix.")
        return None
    m, n_H, n_W, n_C = x.shape
    expected = (m, n_H + 2 * pad, n_W + 2 * pad, n_C)
    if not isinstance(x_pad, np.ndarray) or x_pad.shape != expected:
        got = (f"an array of shape {x_pad.shape}" if isinstance(x_pad, np.ndarray)
               else "None" if x_pad is None else f"a {type(x_pad).__name__}")
        print(f"This figure draws your zero_pad, but for x of shape {x.shape} and pad = {pad} "
              f"it returned {got}; expected an array of shape {expected}. Hint: pad only the "
              f"height and width axes (1 and 2), by pad on each side (section 1.1); its check "
              f"above says more.")
        return None
    return show_padding(x[0, :, :, 0], x_pad[0, :, :, 0])


def _padding_colormap():
    """Diverging colour map with white at zero (blue for negative, red for positive)."""
    return mcolors.LinearSegmentedColormap.from_list(
        "padding", ["#2166AC", "#92C5DE", "#FFFFFF", "#F4A582", "#B2182B"]
    )


def show_sliding_window(n_H_prev, n_W_prev, f, stride, pad=0, position=(0, 0)):
    """Draw one window over the (padded) input and the output cell it produces.

    Left: the input of size n_H_prev x n_W_prev, surrounded by `pad` rings of
    zeros (grey). The window that produces output cell `position` is filled and
    outlined in orange; the next window along the row, if any, is outlined with
    a dashed line, so the stride and any overlap are visible. Right: the output
    grid, n_H x n_W, with n_H = floor((n_H_prev - f + 2 * pad) / stride) + 1
    (n_W likewise), with the matching cell filled in orange. Row and column
    indices are those of the padded input, the array that gets sliced.

    n_H_prev, n_W_prev -- height and width of the input, before padding
    f -- size of the (square) window
    stride -- step between two neighbouring windows
    pad -- number of rings of zeros around the input (0 for pooling)
    position -- (h, w), the output cell whose window is drawn

    Returns fig -- matplotlib Figure
    """
    n_H, n_W = _check_window_parameters(n_H_prev, n_W_prev, f, stride, pad)
    h, w = _check_position(position, n_H, n_W)
    rows, cols = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    top, left = h * stride, w * stride

    fig = _new_figure(CELL_INCHES * (cols + n_W) + 2.6, CELL_INCHES * max(rows, n_H) + 2.0)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [cols, max(n_W, 2)], "wspace": 0.35})
    ax_in, ax_out = axes

    name = "padded input" if pad > 0 else "input"
    _setup_grid_axes(
        ax_in, rows, cols, f"{name}: {rows} x {cols}\nf = {f}, stride = {stride}, pad = {pad}"
    )
    _draw_padded_input(ax_in, n_H_prev, n_W_prev, pad)
    for row in range(top, top + f):
        for col in range(left, left + f):
            inside = _is_inside(row, col, n_H_prev, n_W_prev, pad)
            ax_in.add_patch(
                Rectangle(
                    (col - 0.5, row - 0.5),
                    1,
                    1,
                    facecolor=_tint(ORANGE, 0.5 if inside else 0.25),
                    edgecolor=EDGE_GREY,
                    linewidth=0.8,
                    zorder=2,
                    clip_on=False,
                )
            )
    _outline(ax_in, top, left, f, f, ORANGE)
    caption = f"window for output ({h}, {w}): rows {top}:{top + f}, columns {left}:{left + f}"
    if w + 1 < n_W:
        _outline(ax_in, top, left + stride, f, f, TEXT_GREY, linewidth=2.0, linestyle="--")
        step = f"{stride} column{'s' if stride > 1 else ''}"
        caption += f"\ndashed: the next window, {step} to the right"
    ax_in.text(
        (cols - 1) / 2, rows - 0.5 + 0.3, caption, ha="center", va="top", fontsize=9,
        linespacing=1.6,
    )

    _setup_grid_axes(ax_out, n_H, n_W, f"output: {n_H} x {n_W}")
    ax_out.yaxis.tick_right()
    for row in range(n_H):
        for col in range(n_W):
            if (row, col) == (h, w):
                _cell(ax_out, row, col, _tint(ORANGE, 0.5), f"({h}, {w})", fontsize=8)
            else:
                _cell(ax_out, row, col, "white")
    _outline(ax_out, h, w, 1, 1, ORANGE)
    fig.add_artist(
        ConnectionPatch(
            xyA=(cols - 0.5 + 0.15, top + (f - 1) / 2),
            coordsA=ax_in.transData,
            xyB=(-0.5 - 0.1, h),
            coordsB=ax_out.transData,
            arrowstyle="-|>",
            mutation_scale=14,
            color=ORANGE,
            linewidth=1.8,
            zorder=6,
        )
    )
    fig.subplots_adjust(left=0.06, right=0.97, top=0.8, bottom=0.2)
    return fig


def show_conv_backward(n_H_prev, n_W_prev, f, stride, pad=0, positions=((0, 0), (0, 1))):
    """Draw how dZ values flow back over their windows of dA_prev_pad.

    Left: dZ[i, :, :, c] for one example i and one filter c (n_H x n_W); the
    cells in `positions` are coloured and named z1, z2, ... Middle: W[:, :, k, c],
    the slice of that filter for one input channel k, with entries w_ij. Right:
    dA_prev_pad[i, :, :, k], the gradient of channel k of the padded input.
    The window of each chosen dZ cell is outlined in the same colour, and each
    of its cells shows the term it receives: cell (u, v) of the window gets
    w_uv * z. Where windows overlap (f > stride), the terms add up (purple).
    Padding cells are grey, or pale inside a window: their gradient is dropped
    when dA_prev is cut out of dA_prev_pad. With pad = 0 the right panel is
    dA_prev itself.

    n_H_prev, n_W_prev -- height and width of the input, before padding
    f -- size of the (square) filter
    stride -- step between two neighbouring windows
    pad -- number of rings of zeros around the input
    positions -- sequence of at most 4 output cells (h, w) whose windows are drawn

    Returns fig -- matplotlib Figure
    """
    n_H, n_W = _check_window_parameters(n_H_prev, n_W_prev, f, stride, pad)
    positions = [_check_position(p, n_H, n_W) for p in positions]
    if not 1 <= len(positions) <= len(WINDOW_COLOURS):
        raise ValueError(f"give between 1 and {len(WINDOW_COLOURS)} positions; got {positions}")
    if len(set(positions)) != len(positions):
        raise ValueError(f"positions must be different cells; got {positions}")
    rows, cols = n_H_prev + 2 * pad, n_W_prev + 2 * pad

    # terms[(row, col)] lists (k, i, j): window k puts w_ij * z_k on that cell.
    terms = {}
    for k, (h, w) in enumerate(positions):
        for i in range(f):
            for j in range(f):
                terms.setdefault((h * stride + i, w * stride + j), []).append((k, i, j))
    most_terms = max(len(t) for t in terms.values())
    cell = CELL_INCHES * (1.9 if most_terms > 1 else 1.5)

    fig = _new_figure(
        CELL_INCHES * (n_W + f) + cell * cols + 2.2, cell * rows + 2.0
    )
    axes = fig.subplots(
        1, 3, gridspec_kw={"width_ratios": [max(n_W, 2), max(f, 2), cols * cell / CELL_INCHES]}
    )
    ax_dz, ax_w, ax_da = axes

    _setup_grid_axes(ax_dz, n_H, n_W, f"dZ[i, :, :, c]: {n_H} x {n_W}")
    chosen = {p: k for k, p in enumerate(positions)}
    for row in range(n_H):
        for col in range(n_W):
            if (row, col) in chosen:
                k = chosen[(row, col)]
                _cell(ax_dz, row, col, _tint(WINDOW_COLOURS[k], 0.6), f"$z_{k + 1}$", 11)
                _outline(ax_dz, row, col, 1, 1, WINDOW_COLOURS[k], linewidth=2.5)
            else:
                _cell(ax_dz, row, col, "white")

    _setup_grid_axes(ax_w, f, f, f"W[:, :, k, c]: {f} x {f}")
    for i in range(f):
        for j in range(f):
            _cell(ax_w, i, j, _tint(SKY, 0.25), f"$w_{{{i}{j}}}$", 11)

    name = "dA_prev_pad" if pad > 0 else "dA_prev"
    _setup_grid_axes(ax_da, rows, cols, f"{name}[i, :, :, k]: {rows} x {cols}")
    _draw_padded_input(ax_da, n_H_prev, n_W_prev, pad, skip=set(terms))
    term_size = 10 if most_terms == 1 else 9
    for (row, col), cell_terms in terms.items():
        if len(cell_terms) == 1:
            colour = _tint(WINDOW_COLOURS[cell_terms[0][0]], 0.35)
        else:
            colour = _tint(PURPLE, 0.55)
        if not _is_inside(row, col, n_H_prev, n_W_prev, pad):
            colour = _tint(mcolors.to_hex(colour), 0.45)
        text = "\n+ ".join(f"$w_{{{i}{j}}} z_{k + 1}$" for k, i, j in cell_terms)
        ax_da.add_patch(
            Rectangle(
                (col - 0.5, row - 0.5), 1, 1, facecolor=colour, edgecolor=EDGE_GREY,
                linewidth=0.8, zorder=2, clip_on=False,
            )
        )
        ax_da.text(col, row, text, ha="center", va="center", fontsize=term_size, zorder=3)
    for k, (h, w) in enumerate(positions):
        _outline(ax_da, h * stride, w * stride, f, f, WINDOW_COLOURS[k])

    caption = (
        f"f = {f}, stride = {stride}, pad = {pad}\n"
        r"cell $(u, v)$ of the window of $z$ gets $w_{uv}\,z$"
    )
    if most_terms > 1:
        caption += "\npurple cells lie in several windows: their terms add up (+=)"
    if pad > 0:
        caption += "\npale cells are padding: cut away at the end"
    ax_da.text(
        (cols - 1) / 2, rows - 0.5 + 0.3, caption, ha="center", va="top", fontsize=9,
        color="black",
    )
    fig.subplots_adjust(left=0.04, right=0.98, top=0.82, bottom=0.2, wspace=0.3)
    return fig


def show_pooling_mask(window):
    """Draw a max-pooling window next to its mask.

    Left: the window's values, with the cell holding the largest value in green.
    Right: the mask, True on that cell and False elsewhere. In the backward pass
    of max pooling, the gradient of the window's output flows only through the
    True cell. If several cells share the largest value, all of them are marked.

    window -- (f, f) or any 2D shape, the values of one window of one channel

    Returns fig -- matplotlib Figure
    """
    window = _as_2d("window", window, "Pass one window of one channel, e.g. a_prev[0:2, 0:2, c].")
    n_rows, n_cols = window.shape
    largest = window.max()
    format_value = _value_formatter(window)

    fig = _new_figure(CELL_INCHES * 1.6 * 2 * n_cols + 1.6, CELL_INCHES * 1.6 * n_rows + 1.2)
    axes = fig.subplots(1, 2)
    _setup_grid_axes(axes[0], n_rows, n_cols, "window x", tick_labels=False)
    _setup_grid_axes(axes[1], n_rows, n_cols, "mask: True where x is largest", tick_labels=False)
    for row in range(n_rows):
        for col in range(n_cols):
            is_max = window[row, col] == largest
            _cell(
                axes[0], row, col, _tint(GREEN, 0.7) if is_max else "white",
                format_value(window[row, col]), fontsize=11,
            )
            _cell(
                axes[1], row, col, _tint(GREEN, 0.7) if is_max else "white",
                "True" if is_max else "False", fontsize=10,
                textcolor="black" if is_max else TEXT_GREY,
            )
            if is_max:
                for ax in axes:
                    _outline(ax, row, col, 1, 1, GREEN, linewidth=2.5)
    fig.tight_layout(w_pad=3.0)
    return fig


def show_distribute_value(dz, shape):
    """Draw one average-pooling gradient spread evenly over its window.

    Left: the single value dz, the gradient of one output of average pooling.
    Right: a window of the given shape in which every cell holds the same share,
    dz / (n_H * n_W). The shares add back up to dz, and every input cell gets the
    same part because every input cell counts the same in an average.

    dz -- a number, the gradient of one output of average pooling
    shape -- (n_H, n_W), the shape of the window

    Returns fig -- matplotlib Figure
    """
    dz = float(dz)
    n_H, n_W = (int(size) for size in shape)
    if n_H < 1 or n_W < 1:
        raise ValueError(f"shape must hold two sizes >= 1; got {tuple(shape)}")
    cells = n_H * n_W  # the cells of the drawn window, each of which gets one share
    share = dz / cells
    format_value = _value_formatter([dz, share])

    cell = CELL_INCHES * 1.6
    fig = _new_figure(cell * (n_W + 1) + 3.4, cell * max(n_H, 1) + 1.5)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, n_W], "wspace": 0.8})
    _setup_grid_axes(axes[0], 1, 1, tick_labels=False)
    axes[0].set_ylim(n_H / 2, -n_H / 2)
    axes[0].text(0, -0.6, "dz", ha="center", va="bottom", fontsize=10)
    _cell(axes[0], 0, 0, _tint(ORANGE, 0.6), format_value(dz), fontsize=12)
    _outline(axes[0], 0, 0, 1, 1, ORANGE, linewidth=2.5)

    _setup_grid_axes(
        axes[1], n_H, n_W, f"each of the {n_H} x {n_W} cells gets dz / {cells}",
        tick_labels=False,
    )
    for row in range(n_H):
        for col in range(n_W):
            _cell(axes[1], row, col, _tint(ORANGE, 0.3), format_value(share), fontsize=11)
    _outline(axes[1], 0, 0, n_H, n_W, ORANGE, linewidth=2.5)
    axes[1].text(
        (n_W - 1) / 2, n_H - 0.5 + 0.15, f"the cells add up to {format_value(dz)}",
        ha="center", va="top", fontsize=9, color=TEXT_GREY,
    )
    fig.add_artist(
        ConnectionPatch(
            xyA=(0.5, 0), coordsA=axes[0].transData,
            xyB=(-0.5, (n_H - 1) / 2), coordsB=axes[1].transData,
            arrowstyle="-|>", mutation_scale=16, color=ORANGE, linewidth=2,
        )
    )
    fig.subplots_adjust(left=0.05, right=0.97, top=0.8, bottom=0.15)
    return fig


# --- Figures for the "Convolution model: Application" notebook ------------------------

RIGHT_COLOUR = BLUE  # titles and frames of images predicted right
WRONG_COLOUR = VERMILION  # titles and frames of images predicted wrong
LABELS_EXPECTED = "expected (m,), (1, m) or one-hot (m, C)"
PANEL_TITLE_CHARS = 22  # longer image titles in show_images go on two lines


def _as_labels(name, labels, m=None):
    """Return labels as a 1D int array of class indices, and the one-hot width or None.

    Accepts (m,) and (1, m) arrays of class indices, (m, 1) columns, and (m, C) one-hot
    rows (or scores, such as logits: each row's argmax is taken). When m, the number of
    examples, is known, a (1, C) array with C != m is read as one one-hot row.
    """
    if labels is None:
        raise ValueError(f"{name} is None; {LABELS_EXPECTED}")
    array = np.asarray(labels)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise ValueError(f"{name} has dtype {array.dtype}; expected numbers (class indices)")
    width = None
    if array.ndim == 1:
        flat = array
    elif array.ndim == 2 and (
        (m is None and array.shape[0] == 1) or (m is not None and array.shape == (1, m))
    ):
        flat = array[0]
    elif array.ndim == 2 and array.shape[1] == 1:
        flat = array[:, 0]
    elif array.ndim == 2:
        array = array.astype(float)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} holds NaN or infinite values; expected finite numbers")
        flat, width = np.argmax(array, axis=1), array.shape[1]
    else:
        raise ValueError(f"{name} has shape {array.shape}; {LABELS_EXPECTED}")
    if flat.size == 0:
        raise ValueError(f"{name} is empty; expected at least one label")
    if m is not None and flat.shape[0] != m:
        raise ValueError(
            f"{name} has {flat.shape[0]} examples (shape {array.shape}) but there are "
            f"{m} images; expected one per image"
        )
    values = flat.astype(float)
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}[{i}] is {flat[i].item()!r}; expected class indices, whole numbers >= 0"
        )
    return flat.astype(np.int64), width


def _class_names(classes, n_classes, *named):
    """Return one printable name per class, checking every label in `named` has a name.

    classes -- sequence of class names (or numbers), or None for the indices themselves
    n_classes -- number of classes needed when classes is None
    named -- pairs (name, labels) of 1D int arrays to check against the names
    """
    if classes is None:
        return [str(k) for k in range(n_classes)]
    names = [str(c) for c in np.asarray(classes, dtype=object).ravel()]
    if not names:
        raise ValueError("classes is empty; expected one name per class, or None")
    for name, labels in named:
        if labels is not None and labels.max() >= len(names):
            raise ValueError(
                f"{name} holds class {labels.max()} but classes names only "
                f"{len(names)} classes (0 to {len(names) - 1})"
            )
    return names


def _as_images(images):
    """Return images as an (m, n_H, n_W, 3 or 1) array imshow draws: uint8, or floats in
    [0, 1]."""
    if images is None:
        raise ValueError("images is None; expected an array of shape (m, n_H, n_W, 3)")
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"images has shape {images.shape}; expected (m, n_H, n_W, 3), "
            "a batch of RGB images, or (m, n_H, n_W, 1), a batch of grey images"
        )
    if images.shape[0] == 0:
        raise ValueError("images is empty (m = 0); expected at least one image")
    if np.issubdtype(images.dtype, np.integer):
        if images.min() < 0 or images.max() > 255:
            raise ValueError(
                f"images are integers from {images.min()} to {images.max()}; "
                "expected uint8 values from 0 to 255"
            )
        return images.astype(np.uint8)
    if np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)):
            raise ValueError("images hold NaN or infinite values; expected floats in [0, 1]")
        low, high = float(images.min()), float(images.max())
        if low < 0 or high > 1:
            raise ValueError(
                f"images are floats from {low:g} to {high:g}; expected floats in [0, 1] "
                "(divide uint8 images by 255) or uint8 values"
            )
        return images
    raise ValueError(f"images has dtype {images.dtype}; expected uint8 or floats in [0, 1]")


def show_images(images, labels, predictions=None, classes=None, n_cols=6, max_images=12,
                title=None):
    """Draw a grid of images, each titled with its label (and prediction).

    Without predictions each panel is titled "label 3". With predictions it is
    titled "true 3 / predicted 5" (on two lines when class names make it long):
    a right prediction has a blue title and a thin blue frame, a wrong one a bold
    vermilion title and a thick vermilion frame. The first `max_images` images are
    drawn, `n_cols` per row.

    images -- (m, n_H, n_W, 3) colour or (m, n_H, n_W, 1) grey images, uint8 values or
              floats in [0, 1]
    labels -- the true classes: (m,) or (1, m) class indices, or one-hot (m, C)
    predictions -- None, or the predicted classes in the same forms; (m, C)
                   scores such as logits also work (each row's argmax is taken)
    classes -- None, or one name per class (e.g. ["zero", "one", ...]) to print
               instead of the class indices
    n_cols -- number of images per row
    max_images -- largest number of images drawn
    title -- text above the grid, or None

    Returns fig -- matplotlib Figure
    """
    images = _as_images(images)
    m = images.shape[0]
    labels, _ = _as_labels("labels", labels, m)
    n_classes = int(labels.max()) + 1
    if predictions is not None:
        predictions, _ = _as_labels("predictions", predictions, m)
        n_classes = max(n_classes, int(predictions.max()) + 1)
    names = _class_names(classes, n_classes, ("labels", labels), ("predictions", predictions))
    for name, value in (("n_cols", n_cols), ("max_images", max_images)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be an integer >= 1; got {value!r}")

    n = min(m, int(max_images))
    n_cols = min(int(n_cols), n)
    n_rows = -(-n // n_cols)
    header = []
    if title is not None:
        header.append(str(title))
    if predictions is not None:
        n_wrong = int(np.sum(labels[:n] != predictions[:n]))
        header.append(
            f"{n_wrong} of {n} predicted wrong (vermilion), {n - n_wrong} right (blue)"
        )
    if predictions is None:
        texts = [f"label {names[labels[k]]}" for k in range(n)]
    else:
        texts = [
            f"true {names[labels[k]]} / predicted {names[predictions[k]]}" for k in range(n)
        ]
    # Titles wider than a panel go on two lines, in every panel alike.
    two_lines = max(len(text) for text in texts) > PANEL_TITLE_CHARS
    if two_lines:
        texts = [text.replace(" / ", "\n") for text in texts]
    fig = _new_figure(
        max(1.75 * n_cols + 0.3, 5.0 if header else 0.0),
        (2.1 if two_lines else 1.95) * n_rows + 0.35 * len(header) + 0.2,
    )
    for k in range(n):
        ax = fig.add_subplot(n_rows, n_cols, k + 1)
        if images.shape[-1] == 1:
            vmax = 255 if images.dtype == np.uint8 else 1.0
            ax.imshow(images[k, :, :, 0], cmap="gray", vmin=0, vmax=vmax,
                      interpolation="nearest")
        else:
            ax.imshow(images[k], interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if predictions is None:
            colour, frame, width = "black", EDGE_GREY, 0.8
        elif predictions[k] == labels[k]:
            colour, frame, width = RIGHT_COLOUR, RIGHT_COLOUR, 1.5
        else:
            colour, frame, width = WRONG_COLOUR, WRONG_COLOUR, 4.0
        ax.set_title(texts[k], fontsize=9, color=colour, pad=4,
                     fontweight="bold" if colour == WRONG_COLOUR else "normal")
        for spine in ax.spines.values():
            spine.set_edgecolor(frame)
            spine.set_linewidth(width)
    if header:
        fig.suptitle("\n".join(header), fontsize=11)
    fig.set_layout_engine("constrained", w_pad=0.06, h_pad=0.06)
    return fig


def plot_costs(costs, learning_rate=None, every=1, title=None, unit="epoch"):
    """Draw the cost against the epoch (or iteration) at which it was recorded.

    costs -- sequence (list or 1D array) of costs, costs[i] recorded at epoch i * every
    learning_rate -- None, or the learning rate, printed in the title
    every -- number of epochs between two recorded costs
    title -- text above the plot, or None for "cost during training"
    unit -- what the horizontal axis counts: "epoch" or "iteration"

    Returns fig -- matplotlib Figure
    """
    if costs is None:
        raise ValueError("costs is None; expected a list or 1D array of costs")
    try:
        costs = np.asarray(costs, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"costs must be numbers; expected a list of costs ({error})") from None
    if costs.ndim != 1:
        raise ValueError(
            f"costs has shape {costs.shape}; expected a list or 1D array, one cost per "
            "recorded epoch"
        )
    if costs.size == 0:
        raise ValueError("costs is empty; expected at least one cost (did training run?)")
    bad = ~np.isfinite(costs)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"costs[{i}] is {costs[i]}; expected finite costs ({int(bad.sum())} of "
            f"{costs.size} are NaN or infinite: is the learning rate too large?)"
        )
    if int(every) != every or every < 1:
        raise ValueError(f"every must be an integer >= 1; got {every!r}")
    if unit not in ("epoch", "iteration"):
        raise ValueError(f"unit must be 'epoch' or 'iteration'; got {unit!r}")
    if learning_rate is not None:
        learning_rate = float(learning_rate)
        if not (np.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(f"learning_rate must be a number > 0; got {learning_rate!r}")

    epochs = np.arange(costs.size) * int(every)
    fig = _new_figure(6.4, 4.0)
    ax = fig.subplots()
    ax.plot(epochs, costs, color=BLUE, linewidth=2, marker="o" if costs.size <= 30 else None,
            markersize=4)
    ax.set_xlabel(unit)
    ax.set_ylabel("cost")
    heading = "cost during training" if title is None else str(title)
    if learning_rate is not None:
        heading += f"\nlearning rate = {learning_rate:g}"
    ax.set_title(heading, fontsize=11)
    if costs.min() >= 0:
        ax.set_ylim(bottom=0, top=costs.max() * 1.08 if costs.max() > 0 else 1)
    margin = 0.02 * (epochs[-1] - epochs[0]) if costs.size > 1 else 1
    ax.set_xlim(epochs[0] - margin, epochs[-1] + margin)
    ax.grid(True, color=PAD_GREY, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    low, high = ax.get_ylim()
    near_top = costs[-1] > low + 0.8 * (high - low)
    ax.annotate(
        f"last: {costs[-1]:.4g} at {unit} {epochs[-1]}",
        xy=(epochs[-1], costs[-1]), xytext=(-6, -10 if near_top else 12),
        textcoords="offset points", ha="right", va="top" if near_top else "bottom",
        fontsize=9, color=TEXT_GREY,
    )
    fig.tight_layout()
    return fig


def confusion_matrix(labels, predictions, n_classes):
    """Count how often each true class was predicted as each class.

    labels -- the true classes: (m,) or (1, m) class indices, or one-hot (m, C)
    predictions -- the predicted classes in the same forms, or (m, C) scores
    n_classes -- number of classes

    Returns counts -- (n_classes, n_classes) int array: counts[t, p] is the number of examples
              of true class t predicted as class p (rows true, columns predicted)
    """
    labels, _ = _as_labels("labels", labels)
    predictions, _ = _as_labels("predictions", predictions)
    if labels.shape[0] != predictions.shape[0]:
        raise ValueError(
            f"labels has {labels.shape[0]} examples but predictions has "
            f"{predictions.shape[0]}; expected one prediction per label"
        )
    if int(n_classes) != n_classes or n_classes < 1:
        raise ValueError(f"n_classes must be an integer >= 1; got {n_classes!r}")
    n_classes = int(n_classes)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.max() >= n_classes:
            raise ValueError(
                f"{name} holds class {values.max()}; expected classes 0 to {n_classes - 1} "
                f"(n_classes = {n_classes})"
            )
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts


def _confusion_colormap():
    """Sequential colour map from white (no example) to the Okabe-Ito blue."""
    return mcolors.LinearSegmentedColormap.from_list("confusion", ["#FFFFFF", SKY, BLUE])


def plot_confusion_matrix(labels, predictions, classes=None, title=None):
    """Draw the confusion matrix: rows the true classes, columns the predicted ones.

    Each cell shows how many examples of its row's class were predicted as its
    column's class. The diagonal holds the right predictions (blue, darker for
    more); the non-zero cells off the diagonal are the mistakes (vermilion, darker
    for more). The title gives the overall accuracy.

    labels -- the true classes: (m,) or (1, m) class indices, or one-hot (m, C)
    predictions -- the predicted classes in the same forms, or (m, C) scores
    classes -- None, or one name per class, printed along the axes
    title -- text above the matrix, or None for "confusion matrix"

    Returns fig -- matplotlib Figure
    """
    labels, label_width = _as_labels("labels", labels)
    predictions, prediction_width = _as_labels("predictions", predictions)
    if labels.shape[0] != predictions.shape[0]:
        raise ValueError(
            f"labels has {labels.shape[0]} examples but predictions has "
            f"{predictions.shape[0]}; expected one prediction per label"
        )
    n_classes = max(
        int(labels.max()) + 1, int(predictions.max()) + 1, label_width or 0,
        prediction_width or 0,
    )
    names = _class_names(classes, n_classes, ("labels", labels), ("predictions", predictions))
    n_classes = len(names)
    counts = confusion_matrix(labels, predictions, n_classes)
    m = labels.shape[0]
    right = int(np.trace(counts))

    side = max(3.2, 0.55 * n_classes + 1.6)
    fig = _new_figure(side + 0.4, side + 0.5)
    ax = fig.subplots()
    cmap = _confusion_colormap()
    norm = mcolors.Normalize(vmin=0, vmax=max(int(counts.max()), 1))
    ax.imshow(counts, cmap=cmap, norm=norm, interpolation="nearest")
    off_diagonal = counts[~np.eye(n_classes, dtype=bool)]
    most_mistakes = max(int(off_diagonal.max()) if off_diagonal.size else 0, 1)
    fontsize = 10 if n_classes <= 10 else 8
    for t in range(n_classes):
        for p in range(n_classes):
            value = counts[t, p]
            colour = cmap(norm(value))
            if value and t != p:  # a mistake: cover the blue with a vermilion tint
                colour = _tint(VERMILION, 0.2 + 0.6 * value / most_mistakes)
                ax.add_patch(
                    Rectangle(
                        (p - 0.5, t - 0.5), 1, 1, facecolor=colour, edgecolor="white",
                        linewidth=1.0, zorder=2, gid="mistake",
                    )
                )
            ax.text(p, t, str(value), ha="center", va="center", fontsize=fontsize, zorder=3,
                    color=_text_colour(colour) if value else TEXT_GREY)
    ax.set_xticks(range(n_classes), names)
    ax.set_yticks(range(n_classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_edgecolor(EDGE_GREY)
    heading = "confusion matrix" if title is None else str(title)
    ax.set_title(f"{heading}\naccuracy = {right / m:.1%} ({right} of {m} right)", fontsize=11)
    fig.tight_layout()
    return fig


# --- show_same_padding: TensorFlow's "SAME" and "VALID" padding along one axis ---

SAME_WINDOW_COLOURS = (BLUE, ORANGE)  # neighbouring windows alternate between these
DROPPED_COLOUR = _tint(VERMILION, 0.55)  # input cells that no window reads
MAX_WINDOW_LANES = 12  # overlapping windows are stacked on at most this many levels
ROW_CELLS_INCHES = 9.5  # widest a row of cells gets; longer rows get narrower cells
INDEX_STEPS = (1, 5, 10, 25, 50, 100, 250, 500, 1000)  # spacing of the printed indices
LABEL_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500)  # which windows get their number


def _positive_integer(name, value):
    """Return value as an int, or raise ValueError unless it is a whole number >= 1."""
    whole = (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and bool(np.isfinite(value))
        and value == int(value)
    )
    if not whole or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def _plural(count, word):
    """'1 output', '8 outputs'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _runs(positions):
    """Split sorted integer positions into runs of neighbours: [(first, last), ...]."""
    runs = []
    for position in positions:
        if runs and position == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def _draw_window_row(ax, n, f, stride, starts, pads, dropped, lanes, sizes):
    """Draw one row of show_same_padding: cells, padding, dropped cells and windows.

    The axes use x in cells (input cell i is centred on x = i) and y in inches,
    with the cells between y = 0 and y = cell_height.

    ax -- a matplotlib Axes, already placed and scaled
    n -- number of input cells
    f -- window size
    stride -- step between two neighbouring windows
    starts -- position of the first cell of each window (negative inside the padding)
    pads -- positions of the padding cells
    dropped -- positions of the input cells that no window covers
    lanes -- number of levels the windows are stacked on
    sizes -- dict of cell_width, cell_height (inches) and lane geometry
    """
    cell_width, cell_height = sizes["cell_width"], sizes["cell_height"]
    dropped_set = set(dropped)
    for position in range(n):
        is_dropped = position in dropped_set
        ax.add_patch(
            Rectangle(
                (position - 0.5, 0), 1, cell_height,
                facecolor=DROPPED_COLOUR if is_dropped else "white", edgecolor=EDGE_GREY,
                linewidth=0.6, gid="dropped" if is_dropped else "cell",
            )
        )
    for position in pads:
        ax.add_patch(
            Rectangle(
                (position - 0.5, 0), 1, cell_height, facecolor=PAD_GREY,
                edgecolor=EDGE_GREY, hatch="////", linewidth=0.6, gid="pad",
            )
        )

    # Indices of the input cells, every few cells, under the row.
    step = next(s for s in INDEX_STEPS if s * cell_width >= 0.3)
    shown = list(range(0, n, step))
    if (n - 1 - shown[-1]) * cell_width >= 0.3:
        shown.append(n - 1)
    for position in shown:
        ax.text(position, -0.03, str(position), ha="center", va="top", fontsize=7,
                color=TEXT_GREY)

    # "pad" and "dropped" under their runs of cells, unless a label would overlap the last.
    notes = [(run, "pad", TEXT_GREY) for run in _runs(sorted(pads))]
    notes += [(run, "dropped", VERMILION) for run in _runs(sorted(dropped))]
    right_edge = -np.inf
    for (first, last), text, colour in sorted(notes):
        centre = (first + last) / 2
        half_width = 0.03 * len(text)  # inches, at fontsize 7.5
        if (centre - right_edge) * cell_width < half_width + 0.05:
            continue
        ax.text(centre, -0.17, text, ha="center", va="top", fontsize=7.5, color=colour,
                fontweight="bold" if text == "dropped" else "normal", gid="note")
        right_edge = centre + half_width / cell_width

    # Windows: a bracket over the cells each covers, numbered by output index (every
    # window if the numbers fit, else every 2nd, 5th, ...). Windows that overlap go on
    # different levels; neighbours alternate in colour.
    need = 0.055 * len(str(max(len(starts) - 1, 0))) + 0.16  # inches between two numbers
    if lanes > 1 and f * cell_width >= need:
        every = 1
    else:
        every = next(
            (e for e in LABEL_STEPS if e * stride * cell_width >= need), LABEL_STEPS[-1]
        )
    numbered = set(range(0, len(starts), every))
    last = len(starts) - 1
    if last >= 0 and (last - max(numbered)) * stride * cell_width >= need:
        numbered.add(last)
    inset = min(0.12, 0.03 / cell_width)
    cap = sizes["cap"]
    for k, start in enumerate(starts):
        y = sizes["first_lane"] + (k % lanes) * sizes["lane"]
        colour = SAME_WINDOW_COLOURS[k % len(SAME_WINDOW_COLOURS)]
        left, right = start - 0.5 + inset, start + f - 0.5 - inset
        ax.plot([left, left, right, right], [y - cap, y, y, y - cap], color=colour,
                linewidth=1.8, solid_joinstyle="miter", solid_capstyle="butt", gid="window")
        if k in numbered:
            ax.text(
                start + (f - 1) / 2, y, str(k), ha="center", va="center", fontsize=7,
                color=colour, fontweight="bold", gid="window-label",
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            )


def _window_lanes(f, stride, n_windows):
    """Number of levels needed so that overlapping windows never share one (capped)."""
    return max(min(-(-f // stride), MAX_WINDOW_LANES, n_windows), 1)


def show_same_padding(n, f, stride):
    """Draw how TensorFlow's padding="SAME" and padding="VALID" place windows along one axis.

    Both rows show the n input cells 0 .. n-1 of one axis (one row or column of
    pixels) and, above them, the windows of size f placed every `stride` cells,
    numbered by the output they produce.

    Top, padding="SAME": there are ceil(n / stride) outputs. TensorFlow pads
    total = max((ceil(n / stride) - 1) * stride + f - n, 0) cells, total // 2
    before the input and the rest after it, so that the last window fits; the
    padding cells are grey and hatched.

    Bottom, padding="VALID": no padding, floor((n - f) / stride) + 1 outputs
    (0 when f > n). The input cells no window reads are vermilion: they are
    dropped. (With f < stride, cells between windows are never read either, in
    both rows, and are marked the same way.)

    Each row's title gives its number of outputs, e.g.
    "SAME: 8 outputs (pad 2 before, 2 after)" and "VALID: 7 outputs (4 cells dropped)".

    n -- number of input cells along the axis (e.g. the image width)
    f -- window size (of the pooling window or the filter)
    stride -- step between two neighbouring windows

    Returns fig -- matplotlib Figure
    """
    n = _positive_integer("n", n)
    f = _positive_integer("f", f)
    stride = _positive_integer("stride", stride)

    n_same = -(-n // stride)
    total = max((n_same - 1) * stride + f - n, 0)
    before, after = total // 2, total - total // 2
    same_starts = [k * stride - before for k in range(n_same)]
    n_valid = max((n - f) // stride + 1, 0)
    valid_starts = [k * stride for k in range(n_valid)]

    def uncovered(starts):
        covered = np.zeros(n, dtype=bool)
        for start in starts:
            covered[max(start, 0):max(start + f, 0)] = True
        return [int(i) for i in np.flatnonzero(~covered)]

    same_dropped, valid_dropped = uncovered(same_starts), uncovered(valid_starts)
    pads = list(range(-before, 0)) + list(range(n, n + after))

    same_title = f"SAME: {_plural(n_same, 'output')} (pad {before} before, {after} after"
    if same_dropped:
        same_title += f"; {_plural(len(same_dropped), 'cell')} dropped"
    same_title += ")"
    valid_title = (
        f"VALID: {_plural(n_valid, 'output')} ({_plural(len(valid_dropped), 'cell')} dropped)"
    )

    # Sizes in inches.
    n_cells = before + n + after
    cell_width = min(ROW_CELLS_INCHES / n_cells, 0.32)
    lanes = (_window_lanes(f, stride, n_same), _window_lanes(f, stride, n_valid))
    sizes = {
        "cell_width": cell_width,
        "cell_height": min(max(cell_width, 0.2), 0.3),
        "cap": 0.07,
        "lane": 0.19,
    }
    sizes["first_lane"] = sizes["cell_height"] + 0.03 + sizes["cap"]
    below, title_space, gap = 0.32, 0.34, 0.12
    row_heights = [below + sizes["first_lane"] + (k - 1) * sizes["lane"] + 0.1 for k in lanes]
    cells_width = n_cells * cell_width
    left_margin, right_margin = 1.15, 0.3
    width = max(left_margin + cells_width + right_margin, 7.2)
    top_space, caption_space = 0.45, 0.5
    height = top_space + 2 * title_space + sum(row_heights) + gap + caption_space

    fig = _new_figure(width, height)
    left = left_margin + (width - left_margin - right_margin - cells_width) / 2
    rows = (
        ('padding=\n"SAME"', same_title, same_starts, pads, same_dropped),
        ('padding=\n"VALID"', valid_title, valid_starts, [], valid_dropped),
    )
    bottom = height - top_space
    for r, (name, title, starts, row_pads, dropped) in enumerate(rows):
        row_height = row_heights[r]
        bottom -= title_space + row_height + (gap if r else 0)
        ax = fig.add_axes(
            [left / width, bottom / height, cells_width / width, row_height / height]
        )
        ax.set_xlim(-before - 0.5, n + after - 0.5)
        ax.set_ylim(-below, row_height - below)
        ax.set_axis_off()
        ax.set_title(title, fontsize=10, pad=6)
        ax.annotate(
            name, xy=(0, sizes["cell_height"] / 2), xycoords=("axes fraction", "data"),
            xytext=(-10, 0), textcoords="offset points", ha="right", va="center",
            fontsize=9, family="monospace",
        )
        _draw_window_row(ax, n, f, stride, starts, row_pads, dropped, lanes[r], sizes)
        if not starts:
            ax.text(
                (n - 1) / 2, sizes["first_lane"], f"no window of f = {f} cells fits in n = {n}",
                ha="center", va="center", fontsize=8.5, color=VERMILION,
            )

    fig.suptitle(
        f"one axis of the input: n = {n}, f = {f}, stride = {stride}",
        fontsize=11, y=1 - 0.12 / height, va="top",
    )
    if total:
        verb = "lets" if total == 1 else "let"
        same_note = f"{_plural(total, 'pad cell')} {verb} the last window fit"
    else:
        same_note = "the windows fit without padding"
    if n_valid:
        valid_formula = f"floor(({n} - {f}) / {stride}) + 1 = {_plural(n_valid, 'output')}"
    else:
        valid_formula = f"f = {f} > n = {n}, so 0 outputs"
    n_dropped = len(valid_dropped)
    if not valid_dropped:
        valid_note = "every cell is read"
    elif n_dropped == n:
        valid_note = "no cell is read"
    else:
        cells = "cell is" if n_dropped == 1 else f"{n_dropped} cells are"
        if valid_dropped == list(range(n - n_dropped, n)):
            valid_note = f"the last {cells} never read"
        else:
            valid_note = f"{'one ' if n_dropped == 1 else ''}{cells} never read"
    caption = (
        f"SAME: ceil({n} / {stride}) = {_plural(n_same, 'output')}; {same_note}\n"
        f"VALID: {valid_formula}; no padding, {valid_note}"
    )
    fig.text(0.5, 0.12 / height, caption, ha="center", va="bottom", fontsize=8.5,
             color=TEXT_GREY, linespacing=1.5)
    return fig


# ---------------------------------------------------------------------------------------------
# The CNN trained in numpy
# ---------------------------------------------------------------------------------------------

def show_kernel_offset(n_H_prev, n_W_prev, f, stride, pad=0, offset=(0, 0)):
    """Draw the cells that one kernel offset reads, for every output position at once.

    Left: the (padded) input. Every window's cell at offset (u, v) from the window's top-left
    corner is filled in blue: together they are the strided slice
    ``A_pad[:, u:u + stride * (n_H - 1) + 1:stride, v:v + stride * (n_W - 1) + 1:stride, :]``,
    which a vectorised convolution multiplies by ``W[u, v]``. The first window is outlined in
    orange, with its offset cell marked. Right: the output grid; each output cell is fed by
    the input cell of the same rank in the slice.

    n_H_prev, n_W_prev -- height and width of the input, before padding
    f -- size of the (square) window
    stride -- step between two neighbouring windows
    pad -- number of rings of zeros around the input
    offset -- (u, v), the kernel offset, each from 0 to f - 1

    Returns fig -- matplotlib Figure
    """
    n_H, n_W = _check_window_parameters(n_H_prev, n_W_prev, f, stride, pad)
    u, v = offset
    if not (0 <= u < f and 0 <= v < f) or int(u) != u or int(v) != v:
        raise ValueError(f"offset {tuple(offset)} is outside the f x f kernel; expected (u, v) "
                         f"with u and v integers from 0 to {f - 1}")
    u, v = int(u), int(v)
    rows, cols = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    fig = _new_figure(CELL_INCHES * (cols + n_W) + 2.6, CELL_INCHES * max(rows, n_H) + 2.2)
    ax_in, ax_out = fig.subplots(
        1, 2, gridspec_kw={"width_ratios": [cols, max(n_W, 2)], "wspace": 0.35})
    name = "padded input" if pad > 0 else "input"
    _setup_grid_axes(ax_in, rows, cols,
                     f"{name}: {rows} x {cols}\nf = {f}, stride = {stride}, pad = {pad}")
    _draw_padded_input(ax_in, n_H_prev, n_W_prev, pad)
    for h in range(n_H):
        for w in range(n_W):
            row, col = u + h * stride, v + w * stride
            ax_in.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1,
                                      facecolor=_tint(BLUE, 0.45), edgecolor=EDGE_GREY,
                                      linewidth=0.8, zorder=2, clip_on=False))
            ax_in.text(col, row, f"{h},{w}", ha="center", va="center", fontsize=7,
                       color="black", zorder=3)
    _outline(ax_in, 0, 0, f, f, ORANGE)
    _outline(ax_in, u, v, 1, 1, ORANGE, linewidth=2.0)
    caption = (f"offset (u, v) = ({u}, {v}): rows {u}:{u + stride * (n_H - 1) + 1}:{stride}, "
               f"columns {v}:{v + stride * (n_W - 1) + 1}:{stride}\n"
               f"orange: the first window and its cell at offset ({u}, {v})")
    ax_in.text((cols - 1) / 2, rows - 0.5 + 0.3, caption, ha="center", va="top", fontsize=9,
               linespacing=1.6)
    _setup_grid_axes(ax_out, n_H, n_W, f"output: {n_H} x {n_W}\nall get slice @ W[{u}, {v}]")
    ax_out.yaxis.tick_right()
    for h in range(n_H):
        for w in range(n_W):
            _cell(ax_out, h, w, _tint(BLUE, 0.45), f"{h},{w}", fontsize=7)
    fig.subplots_adjust(left=0.06, right=0.97, top=0.8, bottom=0.2)
    return fig


def plot_training_curves(history):
    """Draw the training loss (left) and the train and test accuracies (right) per epoch.

    history -- dict with "loss", "train_accuracy" and "test_accuracy": one number per epoch,
               all of the same length

    Returns fig -- matplotlib Figure
    """
    keys = ("loss", "train_accuracy", "test_accuracy")
    if not isinstance(history, dict) or any(key not in history for key in keys):
        found = sorted(history) if isinstance(history, dict) else type(history).__name__
        raise ValueError(f"history must be a dict with the keys {list(keys)}; got {found}")
    curves = {}
    for key in keys:
        try:
            values = np.asarray(history[key], dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"history[{key!r}] must be numbers, one per epoch") from None
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"history[{key!r}] has shape {values.shape}; expected a list of "
                             "one number per epoch (did training run?)")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"history[{key!r}] holds NaN or infinite values: is the learning "
                             "rate too large?")
        curves[key] = values
    sizes = {key: values.size for key, values in curves.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"the curves of history differ in length: {sizes}; expected one "
                         "number per epoch in each")
    epochs = np.arange(1, curves["loss"].size + 1)
    fig = _new_figure(10.0, 3.8)
    ax_loss, ax_accuracy = fig.subplots(1, 2)
    marker = "o" if epochs.size <= 30 else None
    ax_loss.plot(epochs, curves["loss"], color=BLUE, linewidth=2, marker=marker, markersize=4)
    ax_loss.set_ylabel("loss (mean cross-entropy)")
    ax_loss.set_title("training loss", fontsize=11)
    ax_loss.set_ylim(bottom=0)
    ax_accuracy.plot(epochs, curves["train_accuracy"], color=BLUE, linewidth=2, marker=marker,
                     markersize=4, label="training (during the epoch)")
    ax_accuracy.plot(epochs, curves["test_accuracy"], color=VERMILION, linewidth=2,
                     marker=marker, markersize=4, label="test (after the epoch)")
    ax_accuracy.set_ylabel("accuracy")
    ax_accuracy.set_title(f"accuracy: test {curves['test_accuracy'][-1]:.3f} after epoch "
                          f"{epochs[-1]}", fontsize=11)
    ax_accuracy.set_ylim(min(0.5, float(np.min(curves["train_accuracy"])),
                             float(np.min(curves["test_accuracy"]))) - 0.02, 1.005)
    ax_accuracy.legend(loc="lower right", fontsize=9, frameon=False)
    for ax in (ax_loss, ax_accuracy):
        ax.set_xlabel("epoch")
        ax.grid(True, color=PAD_GREY, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def plot_learning_curves(history):
    """Draw the loss (left) and the accuracy (right) per epoch, on the training examples and
    on the validation split.

    history -- the History that Keras' ``model.fit`` returns, or its ``history`` dict: "loss",
               "val_loss", "accuracy" and "val_accuracy", one number per epoch each

    Returns fig -- matplotlib Figure
    """
    curves = getattr(history, "history", history)
    keys = ("loss", "val_loss", "accuracy", "val_accuracy")
    if not isinstance(curves, dict) or any(key not in curves for key in keys):
        found = sorted(curves) if isinstance(curves, dict) else type(history).__name__
        raise ValueError(f"history must be a Keras History (or its dict) with {list(keys)}; "
                         f"got {found}: train with metrics=[\"accuracy\"] and a "
                         "validation_split")
    values = {}
    for key in keys:
        array = np.asarray(curves[key], dtype=float)
        if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
            raise ValueError(f"history[{key!r}] must be finite numbers, one per epoch; got "
                             f"{array.shape} values")
        values[key] = array
    if len({array.size for array in values.values()}) != 1:
        raise ValueError(f"the curves of history differ in length: "
                         f"{ {key: array.size for key, array in values.items()} }")
    epochs = np.arange(1, values["loss"].size + 1)
    fig = _new_figure(10.0, 3.8)
    axes = fig.subplots(1, 2)
    marker = "o" if epochs.size <= 30 else None
    for ax, key, label in ((axes[0], "loss", "loss (mean cross-entropy)"),
                           (axes[1], "accuracy", "accuracy")):
        ax.plot(epochs, values[key], color=BLUE, linewidth=2, marker=marker, markersize=4,
                label="training examples (during the epoch)")
        ax.plot(epochs, values[f"val_{key}"], color=VERMILION, linewidth=2, marker=marker,
                markersize=4, label="validation split (after the epoch)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, color=PAD_GREY, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_ylim(bottom=0)
    axes[0].set_title("loss", fontsize=11)
    axes[0].legend(loc="upper right", fontsize=9, frameon=False)
    axes[1].set_ylim(min(0.5, float(values["accuracy"].min()),
                         float(values["val_accuracy"].min())) - 0.02, 1.005)
    axes[1].set_title(f"accuracy: validation {values['val_accuracy'][-1]:.3f} after epoch "
                      f"{epochs[-1]}", fontsize=11)
    fig.tight_layout()
    return fig


def show_filters(W, title=None):
    """Draw each filter of a convolution's first input channel as a small image.

    Blue cells are positive weights, vermilion negative ones, white near zero; all filters
    share one colour scale, so their strengths compare. Each filter's weights are printed in
    its cells when it is at most MAX_ANNOTATED_CELLS wide.

    W -- (f, f, n_C_prev, n_C), the filters; channel 0 of each is drawn
    title -- text above the filters, or None

    Returns fig -- matplotlib Figure
    """
    W = np.asarray(W) if W is not None else None
    if W is None or W.ndim != 4 or W.shape[0] != W.shape[1] or W.dtype.kind not in "iuf":
        shape = None if W is None else W.shape
        raise ValueError(f"W has shape {shape}; expected numbers of shape (f, f, n_C_prev, n_C)")
    if not np.all(np.isfinite(W)):
        raise ValueError("W holds NaN or infinite values: is the learning rate too large?")
    f, n_C = W.shape[0], W.shape[3]
    scale = float(np.max(np.abs(W[:, :, 0, :]))) or 1.0
    colours = mcolors.LinearSegmentedColormap.from_list("weights", [VERMILION, "#FFFFFF", BLUE])
    fig = _new_figure(max(1.9 * n_C, 4.0), 2.5 + (0.3 if title is not None else 0.0))
    axes = np.atleast_1d(fig.subplots(1, n_C))
    for c, ax in enumerate(axes):
        kernel = W[:, :, 0, c]
        ax.imshow(kernel, cmap=colours, vmin=-scale, vmax=scale, interpolation="nearest")
        if f <= MAX_ANNOTATED_CELLS:
            for row in range(f):
                for col in range(f):
                    ax.text(col, row, f"{kernel[row, col]:.2f}", ha="center", va="center",
                            fontsize=8 if f <= 4 else 6, color="black")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"filter {c}", fontsize=9)
    if title is not None:
        fig.suptitle(str(title), fontsize=11)
    fig.set_layout_engine("constrained")
    return fig


def show_activations():
    """Draw the sigmoid and ReLU (left) and their derivatives (right) on [-5, 5].

    The derivatives are the factors the backward passes multiply dA by: s (1 - s) for the
    sigmoid, at most 1/4, and for ReLU 1 where z > 0 and 0 where z <= 0.

    Returns fig -- matplotlib Figure
    """
    z = np.linspace(-5, 5, 401)
    s = 1 / (1 + np.exp(-z))
    fig = _new_figure(9.0, 3.4)
    left, right = fig.subplots(1, 2)
    left.plot(z, s, color=BLUE, linewidth=2, label=r"$\sigma(z) = 1 / (1 + e^{-z})$")
    left.plot(z, np.maximum(z, 0), color=VERMILION, linewidth=2,
              label=r"$\mathrm{ReLU}(z) = \max(0, z)$")
    left.set_ylim(-0.5, 5.2)
    left.set_title("activations", fontsize=11)
    right.plot(z, s * (1 - s), color=BLUE, linewidth=2,
               label=r"$\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$")
    positive = z > 0
    right.plot(z[positive], np.ones(positive.sum()), color=VERMILION, linewidth=2,
               label=r"$\mathrm{ReLU}'(z)$: 1 for $z > 0$, 0 for $z \leq 0$")
    right.plot(z[~positive], np.zeros((~positive).sum()), color=VERMILION, linewidth=2)
    right.set_ylim(-0.1, 1.5)  # room for the legend above the line at 1
    right.set_title("their derivatives", fontsize=11)
    for ax in (left, right):
        ax.set_xlabel("z")
        ax.grid(True, color=PAD_GREY, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", fontsize=8.5, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
