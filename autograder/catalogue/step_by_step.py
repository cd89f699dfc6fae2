"""Known wrong implementations of the step-by-step assignment.

Each entry edits the instructor's solution (source notebook) the way a
student's mistake would. The tests prove, in process and through a real
nbgrader autograde, that every entry loses points on exactly the functions in
its ``breaks`` set and that the report shows its ``hint``. ``make grade`` uses
the entries the course's registry names as sample submissions.

The specification's list of bugs seen in published solutions is covered by
the entries marked [spec].
"""

from autograder.samples import Bug

WINDOW_LOOP = """\
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
"""

BUGS = [
    Bug(  # [spec]
        name="bias-per-element",
        function="conv_single_step",
        replace="    s = a_slice_prev * W\n    Z = np.sum(s)\n    Z = Z + float(np.squeeze(b))",
        by="    s = a_slice_prev * W + b\n    Z = np.sum(s)",
        breaks=frozenset({"conv_single_step"}),
        hint="once per window",
        mistake="bias-per-element",
        description="adds the bias to every element of the window before summing",
    ),
    Bug(
        name="single-step-modifies-input",
        function="conv_single_step",
        replace="    s = a_slice_prev * W\n",
        by="    s = a_slice_prev\n    s *= W\n",
        breaks=frozenset({"conv_single_step"}),
        hint="in place",
        mistake="modifies-input",
        description="multiplies the window in place, corrupting A_prev_pad for later windows",
    ),
    Bug(
        name="single-step-returns-array",
        function="conv_single_step",
        replace="    Z = Z + float(np.squeeze(b))",
        by="    Z = Z + b",
        breaks=frozenset({"conv_single_step"}),
        hint="scalar",
        mistake="result-not-scalar",
        description="returns a (1, 1, 1) array instead of a scalar",
    ),
    Bug(  # published solutions: the public course's hint, which NumPy 2 refuses
        name="single-step-float-of-array",
        function="conv_single_step",
        replace="    Z = Z + float(np.squeeze(b))",
        by="    Z = Z + float(b)",
        breaks=frozenset({"conv_single_step"}),
        hint="b.item()",
        mistake="float-of-array",
        description="takes the bias's number with float(b), which NumPy 2 refuses for shape (1, 1, 1)",
    ),
    Bug(
        name="zero-pad-every-axis",
        function="zero_pad",
        replace='np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant"',
        by='np.pad(X, pad, mode="constant"',
        breaks=frozenset({"zero_pad"}),
        hint="n_H and n_W",
        mistake="pads-every-axis",
        description="pads the example and channel axes too",
    ),
    Bug(  # [spec]
        name="conv-window-ends-at-stride",
        function="conv_forward",
        replace=WINDOW_LOOP,
        by=WINDOW_LOOP.replace("vert_start + f", "vert_start + stride")
                           .replace("horiz_start + f", "horiz_start + stride"),
        breaks=frozenset({"conv_forward"}),
        hint="where your windows end",
        mistake="window-ends-at-stride",
        description="ends each window at start + stride instead of start + f",
    ),
    Bug(
        name="conv-output-size-missing-one",
        function="conv_forward",
        replace="n_H = (n_H_prev - f + 2 * pad) // stride + 1\n"
                "    n_W = (n_W_prev - f + 2 * pad) // stride + 1",
        by="n_H = (n_H_prev - f + 2 * pad) // stride\n"
           "    n_W = (n_W_prev - f + 2 * pad) // stride",
        breaks=frozenset({"conv_forward"}),
        hint="n_H",
        mistake="output-size-missing-one",
        description="forgets the + 1 in the output size",
    ),
    Bug(
        name="conv-output-float32",
        function="conv_forward",
        replace="Z = np.zeros((m, n_H, n_W, n_C))",
        by="Z = np.zeros((m, n_H, n_W, n_C), dtype=np.float32)",
        breaks=frozenset({"conv_forward"}),
        hint="float64",
        mistake="not-float64",
        description="allocates the output as float32",
    ),
    Bug(  # [spec]
        name="conv-backward-ignores-stride",
        function="conv_backward",
        replace=WINDOW_LOOP,
        by=WINDOW_LOOP.replace("h * stride", "h").replace("w * stride", "w"),
        breaks=frozenset({"conv_backward"}),
        hint="where your windows start",
        mistake="stride-ignored",
        description="starts the window at h instead of h * stride",
    ),
    Bug(  # [spec]
        name="conv-backward-unpads-with-negative-index",
        function="conv_backward",
        replace="da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
        by="da_prev_pad[pad:-pad, pad:-pad, :]",
        breaks=frozenset({"conv_backward"}),
        hint="pad == 0",
        mistake="unpads-with-negative-index",
        description="removes the padding with X[pad:-pad], which is empty when pad == 0",
    ),
    Bug(  # [spec]
        name="conv-backward-assigns-windows",
        function="conv_backward",
        replace="""\
                for c in range(n_C):
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
""",
        by="""\
                da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] = np.sum(W * dZ[i, h, w, :], axis=3)
                for c in range(n_C):
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
""",
        breaks=frozenset({"conv_backward"}),
        hint="+=",
        mistake="overlapping-windows-assigned",
        description="assigns each window's gradient instead of adding it (wrong where windows overlap)",
    ),
    Bug(
        name="conv-backward-dw-assigned",
        function="conv_backward",
        replace="dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
        by="dW[:, :, :, c] = a_slice * dZ[i, h, w, c]",
        breaks=frozenset({"conv_backward"}),
        hint="dW",
        mistake="conv-backward-dW",
        description="keeps only the last window's contribution to dW",
    ),
    Bug(  # [spec]
        name="pool-forward-ignores-stride",
        function="pool_forward",
        replace=WINDOW_LOOP,
        by=WINDOW_LOOP.replace("h * stride", "h").replace("w * stride", "w"),
        breaks=frozenset({"pool_forward"}),
        hint="where your windows start",
        mistake="stride-ignored",
        description="starts the window at h instead of h * stride",
    ),
    Bug(  # [spec]
        name="pool-window-ends-at-stride",
        function="pool_forward",
        replace=WINDOW_LOOP,
        by=WINDOW_LOOP.replace("vert_start + f", "vert_start + stride")
                           .replace("horiz_start + f", "horiz_start + stride"),
        breaks=frozenset({"pool_forward"}),
        hint="where your windows end",
        mistake="window-ends-at-stride",
        description="ends each window at start + stride instead of start + f",
    ),
    Bug(
        name="pool-forward-ignores-mode",
        function="pool_forward",
        replace="A[i, h, w, c] = np.mean(a_prev_slice)",
        by="A[i, h, w, c] = np.max(a_prev_slice)",
        breaks=frozenset({"pool_forward"}),
        hint="average",
        mistake="pool-mode-ignored",
        description="takes the maximum in average mode too",
    ),
    Bug(
        name="mask-marks-minimum",
        function="create_mask_from_window",
        replace="mask = x == np.max(x)",
        by="mask = x == np.min(x)",
        breaks=frozenset({"create_mask_from_window"}),
        hint="maximum",
        mistake="mask-marks-minimum",
        description="marks the smallest entry instead of the largest",
    ),
    Bug(
        name="mask-at-first-maximum-only",
        function="create_mask_from_window",
        replace="mask = x == np.max(x)",
        by="mask = np.zeros(x.shape, dtype=bool)\n"
           "    mask[np.unravel_index(np.argmax(x), x.shape)] = True",
        breaks=frozenset({"create_mask_from_window"}),
        hint="appears more than once",
        mistake="mask-one-maximum-only",
        description="marks only the first maximum (np.argmax) of a window whose maximum "
                    "appears more than once",
    ),
    Bug(  # [spec]
        name="distribute-into-one-cell",
        function="distribute_value",
        replace="    a = np.ones(shape) * average",
        by="    a = np.zeros(shape)\n    a[0, 0] = dz",
        breaks=frozenset({"distribute_value"}),
        hint="evenly",
        mistake="not-spread-evenly",
        description="puts the whole gradient in one cell (its sum is still right)",
    ),
    Bug(
        name="distribute-divides-by-height",
        function="distribute_value",
        replace="average = dz / (n_H * n_W)",
        by="average = dz / n_H",
        breaks=frozenset({"distribute_value"}),
        hint="number of cells",
        mistake="wrong-cell-count",
        description="divides by the window height only",
    ),
    Bug(  # published solutions: np.float, removed from NumPy 1.24
        name="distribute-with-np-float",
        function="distribute_value",
        replace="average = dz / (n_H * n_W)",
        by="average = dz / np.float(n_H * n_W)",
        breaks=frozenset({"distribute_value"}),
        hint="np.float was removed",
        mistake="np-float-removed",
        description="uses np.float, which NumPy removed",
    ),
    Bug(  # published solutions
        name="pool-backward-mask-times-input",
        function="pool_backward",
        replace="+= mask * dA[i, h, w, c]",
        by="+= mask * a_prev_slice",
        breaks=frozenset({"pool_backward"}),
        hint="not the window of A_prev",
        mistake="mask-times-input",
        description="multiplies the mask by the window of A_prev instead of the gradient",
    ),
    Bug(  # [spec]
        name="pool-backward-ignores-stride",
        function="pool_backward",
        replace=WINDOW_LOOP,
        by=WINDOW_LOOP.replace("h * stride", "h").replace("w * stride", "w"),
        breaks=frozenset({"pool_backward"}),
        hint="where your windows start",
        mistake="stride-ignored",
        description="starts the window at h instead of h * stride",
    ),
    Bug(  # [spec]
        name="pool-backward-assigns-windows",
        function="pool_backward",
        replace="dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]",
        by="dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] = mask * dA[i, h, w, c]",
        breaks=frozenset({"pool_backward"}),
        hint="+=",
        mistake="overlapping-windows-assigned",
        description="assigns each window's gradient instead of adding it (wrong where windows overlap)",
    ),
    Bug(
        name="conv-backward-numerical-helper",
        function="conv_backward",
        replace="    (A_prev, W, b, hparameters) = cache\n",
        by="""    (A_prev, W, b, hparameters) = cache
    from utils.gradient_check import numerical_gradient
    dA_prev = numerical_gradient(lambda x: conv_forward(x, W, b, hparameters)[0], A_prev, dZ)
    dW = numerical_gradient(lambda x: conv_forward(A_prev, x, b, hparameters)[0], W, dZ)
    db = numerical_gradient(lambda x: conv_forward(A_prev, W, x, hparameters)[0], b, dZ)
    return dA_prev, dW, db
""",
        breaks=frozenset({"conv_backward"}),
        hint="derive the gradients",
        mistake="numerical-backward-pass",
        description="differentiates conv_forward numerically with the course's helper",
    ),
    Bug(
        name="conv-backward-numerical-own",
        function="conv_backward",
        replace="def conv_backward(dZ, cache):\n",
        by="""def conv_backward(dZ, cache, forward=conv_forward):
    def gradient(which):
        inputs = [np.array(x, dtype=float) for x in cache[:3]]
        grad = np.zeros_like(inputs[which])
        for index in np.ndindex(grad.shape):
            old = inputs[which][index]
            inputs[which][index] = old + 1e-5
            plus = np.sum(forward(*inputs, cache[3])[0] * dZ)
            inputs[which][index] = old - 1e-5
            minus = np.sum(forward(*inputs, cache[3])[0] * dZ)
            inputs[which][index] = old
            grad[index] = (plus - minus) / 2e-5
        return grad
    return gradient(0), gradient(1), gradient(2)
""",
        breaks=frozenset({"conv_backward"}),
        hint="derive the gradients",
        mistake="numerical-backward-pass",
        description="differentiates its own conv_forward, held as a default argument, by "
                    "central differences",
    ),
    Bug(
        name="pool-backward-numerical",
        function="pool_backward",
        replace="    (A_prev, hparameters) = cache\n",
        by="""    (A_prev, hparameters) = cache
    from utils import gradient_check
    return gradient_check.numerical_gradient(
        lambda x: pool_forward(x, hparameters, mode), A_prev, dA)
""",
        breaks=frozenset({"pool_backward"}),
        hint="derive the gradients",
        mistake="numerical-backward-pass",
        description="differentiates pool_forward numerically with the course's helper",
    ),
]
