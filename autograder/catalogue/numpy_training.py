"""Known wrong implementations of "Convolutional networks: fast layers, trained in numpy".

Each entry edits the instructor's solution (source notebook) the way a student's mistake
would. The tests prove, in process and through a real nbgrader autograde, that every entry
loses points on exactly the functions in its ``breaks`` set, under its mistake id, and that the
report shows its ``hint``. ``make grade`` uses the entries the course's registry names as sample
submissions.
"""

from autograder.samples import Bug

OFFSET_LOOP = """\
    for u in range(f):
        for v in range(f):
            rows = slice(u, u + stride * (n_H - 1) + 1, stride)
            cols = slice(v, v + stride * (n_W - 1) + 1, stride)
"""
UNSTRIDED_SLICES = """\
    for u in range(f):
        for v in range(f):
            rows = slice(u, u + n_H)
            cols = slice(v, v + n_W)
"""

BUGS = [
    Bug(
        name="conv-forward-loops",
        function="conv_forward_fast",
        replace=OFFSET_LOOP + "            Z += A_pad[:, rows, cols, :] @ W[u, v]\n",
        by="""\
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_pad[i, h * stride:h * stride + f, w * stride:w * stride + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(window * W[:, :, :, c])
""",
        breaks=frozenset({"conv_forward_fast"}),
        hint="about as slow as the loop layers",
        mistake="not-vectorised",
        description="keeps the step-by-step loops over examples, positions and channels: "
                    "correct, and as slow as before",
    ),
    Bug(
        name="conv-kernel-offsets-swapped",
        function="conv_forward_fast",
        replace="            Z += A_pad[:, rows, cols, :] @ W[u, v]\n",
        by="            Z += A_pad[:, rows, cols, :] @ W[v, u]\n",
        breaks=frozenset({"conv_forward_fast"}),
        hint="transposed filters",
        mistake="kernel-offsets-swapped",
        description="multiplies the slice of offset (u, v) by W[v, u]",
    ),
    Bug(
        name="conv-forward-stride-ignored",
        function="conv_forward_fast",
        replace=OFFSET_LOOP + "            Z += A_pad[:, rows, cols, :] @ W[u, v]\n",
        by=UNSTRIDED_SLICES + "            Z += A_pad[:, rows, cols, :] @ W[u, v]\n",
        breaks=frozenset({"conv_forward_fast"}),
        hint="every stride-th row",
        mistake="stride-ignored",
        description="slices n_H consecutive rows for each offset, as if the stride were 1",
    ),
    Bug(
        name="conv-backward-overwrites-overlaps",
        function="conv_backward_fast",
        replace="            dA_pad[:, rows, cols, :] += dZ @ W[u, v].T\n",
        by="            dA_pad[:, rows, cols, :] = dZ @ W[u, v].T\n",
        breaks=frozenset({"conv_backward_fast"}),
        hint="instead of assigning with =",
        mistake="overlapping-windows-assigned",
        description="assigns each offset's share of dA_pad instead of adding it, losing the "
                    "gradient of overlapping windows",
    ),
    Bug(
        name="conv-backward-unpads-with-negative-index",
        function="conv_backward_fast",
        replace="    dA_prev = dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]\n",
        by="    dA_prev = dA_pad[:, pad:-pad, pad:-pad, :]\n",
        breaks=frozenset({"conv_backward_fast"}),
        hint="is empty when pad is 0",
        mistake="unpads-with-negative-index",
        description="takes the padding off with [pad:-pad], which is empty when pad is 0",
    ),
    Bug(
        name="conv-backward-dW-averaged",
        function="conv_backward_fast",
        replace="axes=([0, 1, 2], [0, 1, 2]))\n",
        by="axes=([0, 1, 2], [0, 1, 2])) / m\n",
        breaks=frozenset({"conv_backward_fast"}),
        hint="divided by m once too often",
        mistake="gradient-averaged-twice",
        description="divides dW by the batch size, which the loss's gradient already did",
    ),
    Bug(
        name="pool-forward-stride-ignored",
        function="pool_forward_fast",
        replace=OFFSET_LOOP + "            A = np.maximum(A, A_prev[:, rows, cols, :])\n",
        by=UNSTRIDED_SLICES + "            A = np.maximum(A, A_prev[:, rows, cols, :])\n",
        breaks=frozenset({"pool_forward_fast"}),
        hint="every stride-th row",
        mistake="stride-ignored",
        description="slices n_H consecutive rows for each offset, as if the stride were 1",
    ),
    Bug(
        name="pool-backward-overwrites-overlaps",
        function="pool_backward_fast",
        replace="            dA_prev[:, rows, cols, :] += mask * dA\n",
        by="            dA_prev[:, rows, cols, :] = mask * dA\n",
        breaks=frozenset({"pool_backward_fast"}),
        hint="instead of assigning with =",
        mistake="overlapping-windows-assigned",
        description="assigns each offset's share instead of adding it, so an offset's zeros "
                    "overwrite another window's maximum where windows overlap",
    ),
    Bug(
        name="dense-backward-averages-again",
        function="dense_backward",
        replace="    dW = A_prev.T @ dZ\n",
        by="    dW = A_prev.T @ dZ / A_prev.shape[0]\n",
        breaks=frozenset({"dense_backward"}),
        hint="divided by m once too often",
        mistake="gradient-averaged-twice",
        description="divides dW by the batch size, which the loss's gradient already did",
    ),
    Bug(
        name="dense-db-summed-over-everything",
        function="dense_backward",
        replace="    db = np.sum(dZ, axis=0, keepdims=True)\n",
        by="    db = np.sum(dZ)\n",
        breaks=frozenset({"dense_backward"}),
        hint="over the examples only",
        mistake="db-summed-over-all-axes",
        description="sums dZ over the units too, giving one number instead of one per unit",
    ),
    Bug(
        name="relu-forward-in-place",
        function="relu_forward",
        replace="    A = np.maximum(Z, 0)\n",
        by="    Z[Z < 0] = 0\n    A = Z\n",
        breaks=frozenset({"relu_forward"}),
        hint="changed Z in place",
        mistake="modifies-input",
        description="zeroes the negative entries of Z in place, changing the caller's array",
    ),
    Bug(
        name="relu-backward-gates-on-dA",
        function="relu_backward",
        replace="    return dA * (Z > 0)",
        by="    return dA * (dA > 0)",
        breaks=frozenset({"relu_backward"}),
        hint="gated by the upstream gradient",
        mistake="relu-gate-on-wrong-tensor",
        description="lets the gradient through where dA > 0 instead of where Z > 0",
    ),
    Bug(
        name="relu-backward-derivative-at-zero",
        function="relu_backward",
        replace="    return dA * (Z > 0)",
        by="    return dA * (Z >= 0)",
        breaks=frozenset({"relu_backward"}),
        hint="the course takes ReLU's derivative at 0 to be 0",
        mistake="relu-derivative-at-zero",
        description="lets the gradient through where Z is exactly 0, taking ReLU's derivative "
                    "at 0 to be 1 instead of the course's 0",
    ),
    Bug(
        name="softmax-without-shift",
        function="softmax_cross_entropy",
        replace="    shifted = Z - np.max(Z, axis=1, keepdims=True)\n",
        by="    shifted = Z\n",
        breaks=frozenset({"softmax_cross_entropy"}),
        hint="subtract each row's maximum first",
        mistake="softmax-overflow",
        description="exponentiates the logits without subtracting each row's maximum",
    ),
    Bug(
        name="softmax-log-of-probabilities",
        function="softmax_cross_entropy",
        replace="    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))\n",
        by="    log_probs = np.log(np.exp(shifted) / np.sum(np.exp(shifted), axis=1, "
           "keepdims=True))\n",
        breaks=frozenset({"softmax_cross_entropy"}),
        hint="log(0) = -inf",
        mistake="log-of-zero-probability",
        description="takes the log of probabilities that round to 0 for confident mistakes",
    ),
    Bug(
        name="loss-not-averaged",
        function="softmax_cross_entropy",
        replace="    loss = -np.sum(Y * log_probs) / m\n",
        by="    loss = -np.sum(Y * log_probs)\n",
        breaks=frozenset({"softmax_cross_entropy"}),
        hint="it is the mean, divide by m",
        mistake="loss-not-averaged",
        description="returns the sum of the cross-entropies over the batch instead of their mean",
    ),
    Bug(
        name="gradient-check-one-sided",
        function="gradient_check",
        replace="""\
        x[index] = saved - epsilon
        f_minus = f(x)
        x[index] = saved
        numerical[index] = (f_plus - f_minus) / (2 * epsilon)
""",
        by="""\
        x[index] = saved
        f_minus = f(x)
        numerical[index] = (f_plus - f_minus) / epsilon
""",
        breaks=frozenset({"gradient_check"}),
        hint="central difference",
        mistake="forward-difference",
        description="takes the one-sided difference (f(x + epsilon) - f(x)) / epsilon",
    ),
    Bug(
        name="gradient-check-x-not-restored",
        function="gradient_check",
        replace="        f_minus = f(x)\n        x[index] = saved\n",
        by="        f_minus = f(x)\n",
        breaks=frozenset({"gradient_check"}),
        hint="put the original value back",
        mistake="x-not-restored",
        description="leaves each entry of x at saved - epsilon after its two calls of f",
    ),
    Bug(
        name="gradient-check-denominator-floored",
        function="gradient_check",
        replace="    relative_error = np.linalg.norm(analytic - numerical) / norm if norm > 0 else 0.0\n",
        by="    relative_error = np.linalg.norm(analytic - numerical) / max(norm, 1.0)\n",
        breaks=frozenset({"gradient_check"}),
        hint="divides by the sum of the two norms however small it is",
        mistake="relative-error-denominator",
        description="guards against 0 / 0 by dividing by at least 1, which makes the relative "
                    "error of small gradients (norms of about 1e-8) almost 0 whatever they are",
    ),
    Bug(
        name="gradient-check-delegated",
        function="gradient_check",
        replace="""\
    numerical = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + epsilon
        f_plus = f(x)
        x[index] = saved - epsilon
        f_minus = f(x)
        x[index] = saved
        numerical[index] = (f_plus - f_minus) / (2 * epsilon)
""",
        by="""\
    from utils.gradient_check import numerical_gradient
    numerical = numerical_gradient(f, x, 1.0, eps=epsilon)
""",
        breaks=frozenset({"gradient_check"}),
        hint="write the central differences of Part 4 yourself",
        mistake="gradient-check-delegated",
        description="hands the central differences to the course's numerical_gradient instead "
                    "of computing them",
    ),
]

# The four fast layers written right but with a loop over every output position, vectorised
# over the examples and the channels (the fastest way to loop): 20 to 40 times faster than the
# loop layers, below what the speed points ask. Not in BUGS, whose entries each have a mistake
# of their own (they share not-vectorised with conv-forward-loops): tests/test_numpy_training.py
# proves each loses exactly its speed points, and benchmarks/speed_under_load.py that it does so
# on a busy machine too.
POSITION_LOOPS = {
    "conv_forward_fast": """\
def conv_forward_fast(A_prev, W, b, hparameters):
    stride, pad, f = hparameters["stride"], hparameters["pad"], W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    n_H = (A_prev.shape[1] - f + 2 * pad) // stride + 1
    n_W = (A_prev.shape[2] - f + 2 * pad) // stride + 1
    Z = np.zeros((A_prev.shape[0], n_H, n_W, W.shape[3]))
    for h in range(n_H):
        for w in range(n_W):
            window = A_pad[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            Z[:, h, w, :] = np.tensordot(window, W, axes=([1, 2, 3], [0, 1, 2]))
    return Z + b.reshape(1, 1, 1, -1), (A_prev, W, b, hparameters)
""",
    "conv_backward_fast": """\
def conv_backward_fast(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad, f = hparameters["stride"], hparameters["pad"], W.shape[0]
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_pad, dW = np.zeros(A_pad.shape), np.zeros(W.shape)
    for h in range(dZ.shape[1]):
        for w in range(dZ.shape[2]):
            rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
            dA_pad[:, rows, cols, :] += np.tensordot(dZ[:, h, w, :], W, axes=([1], [3]))
            dW += np.tensordot(A_pad[:, rows, cols, :], dZ[:, h, w, :], axes=([0], [0]))
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    return (dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW,
            dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1))
""",
    "pool_forward_fast": """\
def pool_forward_fast(A_prev, hparameters):
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (A_prev.shape[1] - f) // stride + 1
    n_W = (A_prev.shape[2] - f) // stride + 1
    A = np.zeros((A_prev.shape[0], n_H, n_W, A_prev.shape[3]))
    for h in range(n_H):
        for w in range(n_W):
            A[:, h, w, :] = A_prev[:, h * stride:h * stride + f,
                                   w * stride:w * stride + f, :].max(axis=(1, 2))
    return A, (A_prev, hparameters)
""",
    "pool_backward_fast": """\
def pool_backward_fast(dA, cache):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    dA_prev = np.zeros(A_prev.shape)
    for h in range(dA.shape[1]):
        for w in range(dA.shape[2]):
            rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
            window = A_prev[:, rows, cols, :]
            mask = window == window.max(axis=(1, 2), keepdims=True)
            dA_prev[:, rows, cols, :] += mask * dA[:, h:h + 1, w:w + 1, :]
    return dA_prev
""",
}
