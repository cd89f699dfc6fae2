"""Every piece of code the course suggests runs on the pinned packages.

The code a notebook's text, a visible check or a hidden test's hint suggests is written
between backticks. Each such span is executed here in the state a learner has where the
suggestion applies: the step-by-step notebook's functions and the variables of their loops
(one window of one example), the fast layers' variables at one kernel offset and the
gradient check's at one entry, or the application's graph, session and data. A span passes
if it runs in one of those states (as a statement, or as the body of a function, so `return Z`
runs too);
a span that only names something (a variable, a string) is not run; ``NOT_PYTHON`` lists
the few that are not code, and ``RAISES`` the ones that must raise. So a hint such as
``float(b)`` for the bias of shape (1, 1, 1), which NumPy 2 refuses, or ``np.float``, which
it removed, fails this test.
"""

from __future__ import annotations

import ast
import contextlib
import re
import warnings

import nbformat
import numpy as np
import pytest

from autograder.course import ASSIGNMENTS, REPO_ROOT, Course
from autograder.samples import solution_namespace

# Spans in backticks that are not code to run: operators named in the text, printed text, a
# folder, the notation of a pair and of a signature's end.
NOT_PYTHON = {"+=", "//", "=", "@", "all checks passed", "... all checks passed.", "data/",
              "train_catvnoncat.h5", "test_catvnoncat.h5", "Convolution_model_Keras.ipynb",
              "(before, after)", '(..., mode="max")'}
# Spans that a learner runs to see them raise.
RAISES = {"raise NotImplementedError()": NotImplementedError}
# Where hints and check messages are written.
HINT_MODULES = ["autograder/hidden_tests/step_by_step.py", "autograder/hidden_tests/application.py",
                "autograder/hidden_tests/numpy_training.py",
                "autograder/hidden_tests/dnn_step_by_step.py", "utils/checks.py",
                "utils/application_checks.py", "utils/training_checks.py", "utils/dnn_checks.py"]
# The Keras assignment's notebook and hints: their spans need Keras 3, which a process holds
# instead of the graph API's legacy Keras, so tests/keras_in_process.py runs them.
KERAS_ASSIGNMENT = "conv_keras"
KERAS_HINT_MODULES = ["autograder/hidden_tests/keras_models.py", "utils/keras_checks.py"]
SPAN = re.compile(r"`([^`\n]+)`")


def notebook_spans(assignments=None) -> set[str]:
    """The spans of the markdown of ASSIGNMENTS' notebooks (by default all but the Keras one)."""
    if assignments is None:
        assignments = [name for name in ASSIGNMENTS if name != KERAS_ASSIGNMENT]
    spans = set()
    for assignment in assignments:
        notebook = nbformat.read(Course().source_notebook(assignment), as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                spans |= set(SPAN.findall(cell.source))
    return spans


def hint_spans(modules=HINT_MODULES) -> set[str]:
    """The spans of the string literals of MODULES (each literal piece on its own, so an
    f-string's placeholders never enter a span)."""
    spans = set()
    for path in modules:
        tree = ast.parse((REPO_ROOT / path).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                spans |= set(SPAN.findall(node.value))
    return spans - docstring_spans(modules)


def docstring_spans(modules=HINT_MODULES) -> set[str]:
    """Spans of docstrings, which speak to the course's developers, not to learners."""
    spans = set()
    for path in modules:
        tree = ast.parse((REPO_ROOT / path).read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)):
                text = ast.get_docstring(node)
                if text:
                    spans |= set(SPAN.findall(text))
    return spans


# The states a learner's code runs in ---------------------------------------------------------

def step_by_step_states() -> list[dict]:
    """One state per kind of function of the step-by-step notebook: the solution's
    functions, and the variables of one iteration of its loops."""
    functions = solution_namespace()
    rng = np.random.default_rng(0)
    base = {"np": np, **functions, "s": 2, "p": 1}
    single = {**base, "a_slice_prev": rng.standard_normal((3, 3, 4)),
              "W": rng.standard_normal((3, 3, 4)), "b": rng.standard_normal((1, 1, 1))}
    i, h, w, c = 1, 1, 0, 2
    stride, pad, f = 2, 1, 3
    A_prev = rng.standard_normal((2, 5, 6, 4))
    W, b = rng.standard_normal((f, f, 4, 8)), rng.standard_normal((1, 1, 1, 8))
    hparameters = {"stride": stride, "pad": pad}
    Z, cache = functions["conv_forward"](A_prev, W, b, hparameters)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    _, n_H, n_W, n_C = Z.shape
    vert_start, horiz_start = h * stride, w * stride
    vert_end, horiz_end = vert_start + f, horiz_start + f
    A_prev_pad = functions["zero_pad"](A_prev, pad)
    dZ = rng.standard_normal(Z.shape)
    dA_prev, dW, db = (np.zeros_like(value) for value in (A_prev, W, b))
    dA_prev_pad = functions["zero_pad"](dA_prev, pad)
    window = (slice(vert_start, vert_end), slice(horiz_start, horiz_end), slice(None))
    conv = {**base, "A_prev": A_prev, "W": W, "b": b, "hparameters": hparameters,
            "stride": stride, "pad": pad, "f": f, "i": i, "h": h, "w": w, "c": c, "m": m,
            "n_H_prev": n_H_prev, "n_W_prev": n_W_prev, "n_C_prev": n_C_prev, "n_H": n_H,
            "n_W": n_W, "n_C": n_C, "vert_start": vert_start, "vert_end": vert_end,
            "horiz_start": horiz_start, "horiz_end": horiz_end, "A_prev_pad": A_prev_pad,
            "a_prev_pad": A_prev_pad[i], "a_slice_prev": A_prev_pad[i][window],
            "a_slice": A_prev_pad[i][window], "Z": Z, "cache": cache, "dZ": dZ,
            "dA_prev": dA_prev, "dW": dW, "db": db, "dA_prev_pad": dA_prev_pad,
            "da_prev_pad": dA_prev_pad[i], "X": A_prev, "X_pad": A_prev_pad,
            "weights": W[:, :, :, c], "biases": b[:, :, :, c]}
    pool_f, pool_stride = 2, 1
    pool_parameters = {"f": pool_f, "stride": pool_stride}
    A, pool_cache = functions["pool_forward"](A_prev, pool_parameters)
    a_prev_slice = A_prev[i, h:h + pool_f, w:w + pool_f, c]
    dA = rng.standard_normal(A.shape)
    pool = {**base, "A_prev": A_prev, "hparameters": pool_parameters, "f": pool_f,
            "stride": pool_stride, "mode": "max", "i": i, "h": h, "w": w, "c": c,
            "vert_start": h, "vert_end": h + pool_f, "horiz_start": w,
            "horiz_end": w + pool_f, "A": A, "cache": pool_cache, "dA": dA,
            "dA_prev": np.zeros_like(A_prev), "a_prev": A_prev[i],
            "a_prev_slice": a_prev_slice, "x": a_prev_slice,
            "mask": functions["create_mask_from_window"](a_prev_slice),
            "da": dA[i, h, w, c], "dz": dA[i, h, w, c], "shape": (pool_f, pool_f),
            "n_H": pool_f, "n_W": pool_f, "average": dA[i, h, w, c] / pool_f ** 2}
    return [single, conv, pool]


def dnn_states() -> list[dict]:
    """The deep-network notebook's functions with the variables of one layer forward and
    backward (layer l of a three-layer network, its cache, gradients and update)."""
    functions = solution_namespace(assignment="dnn_step_by_step")
    rng = np.random.default_rng(4)
    layer_dims = [4, 3, 2, 1]
    parameters = functions["initialize_parameters_deep"](layer_dims)
    X = rng.standard_normal((4, 5))
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    AL, caches = functions["L_model_forward"](X, parameters)
    grads = functions["L_model_backward"](AL, Y, caches)
    layer, L, m = 2, 3, 5
    (A_prev, W, b), Z = caches[layer - 1]
    dA = grads[f"dA{layer}"]
    dZ = functions["relu_backward"](dA, Z)
    s = 1 / (1 + np.exp(-Z))
    A1, cache1 = functions["linear_activation_forward"](X, parameters["W1"], parameters["b1"],
                                                        "relu")
    state = {"np": np, **functions, "layer_dims": layer_dims, "parameters": parameters,
             "params": parameters, "X": X, "Y": Y, "AL": AL, "caches": caches, "grads": grads,
             "l": layer, "L": L, "m": m, "A_prev": A_prev, "A": A_prev, "W": W, "b": b, "Z": Z,
             "dA": dA, "dZ": dZ, "s": s, "dW": grads[f"dW{layer}"], "db": grads[f"db{layer}"],
             "learning_rate": 0.01, "cache": caches[layer - 1], "linear_cache": (A_prev, W, b),
             "activation_cache": Z, "activation": "relu", "A1": A1, "cache1": cache1,
             "A2": AL, "W1": parameters["W1"], "b1": parameters["b1"], "W2": parameters["W2"],
             "b2": parameters["b2"], "cost": 0.5, "dAL": -(Y / AL - (1 - Y) / (1 - AL)),
             "dA_prev": grads[f"dA{layer - 1}"], "key": "W1", "value": parameters["W1"],
             "dW1": grads["dW1"], "dA2": -(Y / AL - (1 - Y) / (1 - AL)),
             "layers_dims": [4, 3, 1], "num_iterations": 2, "print_cost": False}
    # The cache of a whole layer, of its linear step, and of its activation.
    return [state, {**state, "cache": (A_prev, W, b)}, {**state, "cache": Z}]


def numpy_training_states() -> list[dict]:
    """The numpy-training notebook's functions with the variables of its fast layers at one
    kernel offset (a convolution, then max pooling), of the classifier's layers, and of the
    gradient check at one entry of x."""
    functions = solution_namespace(assignment="cnn_numpy_training")
    rng = np.random.default_rng(2)
    base = {"np": np, **functions}
    A_prev = rng.standard_normal((2, 7, 6, 3))
    f, stride, pad, u, v = 3, 2, 1, 1, 2
    W, b = rng.standard_normal((f, f, 3, 4)), rng.standard_normal((1, 1, 1, 4))
    hparameters = {"stride": stride, "pad": pad}
    Z, cache = functions["conv_forward_fast"](A_prev, W, b, hparameters)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    _, n_H, n_W, n_C = Z.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    rows = slice(u, u + stride * (n_H - 1) + 1, stride)
    cols = slice(v, v + stride * (n_W - 1) + 1, stride)
    dZ = rng.standard_normal(Z.shape)
    conv = {**base, "A_prev": A_prev, "W": W, "b": b, "hparameters": hparameters, "f": f,
            "stride": stride, "s": stride, "pad": pad, "u": u, "v": v, "m": m,
            "n_H_prev": n_H_prev, "n_W_prev": n_W_prev, "n_C_prev": n_C_prev, "n_H": n_H,
            "n_W": n_W, "n_C": n_C, "Z": Z, "cache": cache, "A_pad": A_pad, "rows": rows,
            "cols": cols, "S": A_pad[:, rows, cols, :], "dZ": dZ, "dA_pad": np.zeros(A_pad.shape),
            "dW": np.zeros(W.shape), "A": A_pad}
    pool_parameters = {"f": 2, "stride": 2}
    A, pool_cache = functions["pool_forward_fast"](A_prev, pool_parameters)
    _, n_H, n_W, n_C = A.shape
    rows = slice(u % 2, u % 2 + 2 * (n_H - 1) + 1, 2)
    cols = slice(v % 2, v % 2 + 2 * (n_W - 1) + 1, 2)
    S = A_prev[:, rows, cols, :]
    dA = rng.standard_normal(A.shape)
    pool = {**base, "A_prev": A_prev, "hparameters": pool_parameters, "f": 2, "stride": 2,
            "s": 2, "u": u % 2, "v": v % 2, "m": m, "n_H": n_H, "n_W": n_W, "n_C": n_C,
            "A": A, "cache": pool_cache, "rows": rows, "cols": cols, "S": S, "mask": S == A,
            "dA": dA, "dA_prev": np.zeros(A_prev.shape)}
    dense_prev, dense_W, dense_b = (rng.standard_normal(shape) for shape in ((4, 5), (5, 3),
                                                                             (1, 3)))
    logits = rng.standard_normal((4, 3))
    Y = np.eye(3)[[0, 2, 1, 1]]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    dZ = rng.standard_normal((4, 3))
    dense = {**base, "A_prev": dense_prev, "W": dense_W, "b": dense_b, "dZ": dZ,
             "cache": (dense_prev, dense_W, dense_b), "m": 4}
    classifier = {**base, "Z": logits, "dZ": dZ, "dA": rng.standard_normal((4, 3)),
                  "cache": logits, "Y": Y, "m": 4, "shifted": shifted, "log_probs": log_probs,
                  "p": np.exp(log_probs), "loss": -np.sum(Y * log_probs) / 4}
    x = rng.standard_normal((3, 2))
    j = (1, 0)
    gradient = {**base, "f": lambda value: float(np.sum(np.sin(value))), "x": x, "j": j,
                "saved": x[j], "epsilon": 1e-4, "analytic": np.cos(x),
                "numerical": np.cos(x) + 1e-9, "f_plus": 0.5, "f_minus": 0.4999,
                "relative_error": 1e-9}
    return [conv, pool, dense, classifier, gradient]


def application_states() -> list[dict]:
    """The application notebook's state after its graph is built and a session runs it (its
    spans run with that graph as the default one), after model has trained, and with a new,
    empty graph."""
    from utils.signs import random_mini_batches
    from utils.tensorflow_setup import import_tensorflow

    tf = import_tensorflow()
    functions = solution_namespace(assignment="conv_application")
    rng = np.random.default_rng(1)
    X_train = rng.random((16, 64, 64, 3)).astype(np.float32)
    Y_train = np.eye(6, dtype=np.float32)[np.arange(16) % 6]
    data = {"np": np, "tf": tf, "keras": tf.keras, **functions, "X_train": X_train,
            "Y_train": Y_train, "X_test": X_train[:6], "Y_test": Y_train[:6],
            "random_mini_batches": random_mini_batches,
            "import_tensorflow": import_tensorflow, "s": 2, "f": 2}
    train_accuracy, test_accuracy, trained, costs = functions["model"](
        X_train, Y_train, X_train[:6], Y_train[:6], num_epochs=2, progress=False)
    graph = tf.Graph()
    with graph.as_default():
        n_H0, n_W0, n_C0, n_y = 64, 64, 3, 6
        X, Y = functions["create_placeholders"](n_H0, n_W0, n_C0, n_y)
        parameters = functions["initialize_parameters"]()
        W1, W2 = parameters["W1"], parameters["W2"]
        Z1 = tf.nn.conv2d(X, W1, strides=[1, 1, 1, 1], padding="SAME")
        A1 = tf.nn.relu(Z1)
        P2 = tf.nn.max_pool(A1, ksize=[1, 8, 8, 1], strides=[1, 8, 8, 1], padding="SAME")
        F = tf.compat.v1.layers.flatten(P2)
        Z3 = functions["forward_propagation"](X, parameters)
        cost = functions["compute_cost"](Z3, Y)
        learning_rate = 0.005
        optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=learning_rate).minimize(cost)
        sess = tf.compat.v1.Session(graph=graph)
        sess.run(tf.compat.v1.global_variables_initializer())
    minibatch_size, seed = 8, 3
    minibatches = random_mini_batches(X_train, Y_train, minibatch_size, seed)
    minibatch_X, minibatch_Y = minibatches[0]
    in_graph = {**data, "__graph__": graph, "n_H0": n_H0, "n_W0": n_W0, "n_C0": n_C0,
                "n_y": n_y, "X": X, "Y": Y, "parameters": parameters, "W1": W1, "W2": W2,
                "Z1": Z1, "A1": A1, "P2": P2, "F": F, "Z3": Z3, "cost": cost,
                "optimizer": optimizer, "sess": sess, "learning_rate": learning_rate,
                "minibatch_size": minibatch_size, "seed": seed, "minibatches": minibatches,
                "minibatch_X": minibatch_X, "minibatch_Y": minibatch_Y,
                "minibatch_cost": 0.0, "feed_dict": {X: minibatch_X, Y: minibatch_Y}}
    after_training = {**data, "train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
                      "parameters": trained, "costs": costs}
    in_a_new_graph = {**data, "__graph__": tf.Graph}  # a fresh graph for each span
    return [in_graph, after_training, in_a_new_graph]


@pytest.fixture(scope="module")
def states() -> list[dict]:
    return (dnn_states() + step_by_step_states() + numpy_training_states()
            + application_states())


def names_only(span: str) -> bool:
    """Whether SPAN only names something: a variable or a literal, no code to run."""
    tree = ast.parse(span)
    return (len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
            and isinstance(tree.body[0].value, (ast.Name, ast.Constant)))


def runs_somewhere(span: str, states: list[dict]) -> str | None:
    """None if SPAN, run as a statement or as the body of a function, runs in one of STATES
    (raises what RAISES says, for those); else what it raised in each."""
    try:  # as a statement of the notebook, or (`return Z`) as the body of a function
        code = compile(f"{span}\ndef _span():\n    pass\n", "<span>", "exec")
    except SyntaxError:
        body = "".join(f"    {line}\n" for line in span.splitlines())
        code = compile(f"def _span():\n{body}", "<span>", "exec")
    failures = []
    for state in states:
        namespace = {name: value.copy() if isinstance(value, np.ndarray) else value
                     for name, value in state.items()}
        graph = namespace.pop("__graph__", None)
        graph = graph() if isinstance(graph, type) else graph
        try:
            with warnings.catch_warnings(), \
                    (graph.as_default() if graph is not None else contextlib.nullcontext()):
                warnings.simplefilter("ignore")
                exec(code, namespace)
                namespace["_span"]()
        except Exception as error:  # noqa: BLE001 - recorded: the test reports each
            if isinstance(error, RAISES.get(span, ())):
                return None
            failures.append(f"{type(error).__name__}: {str(error)[:120]}")
            continue
        if span not in RAISES:
            return None
    return "; ".join(failures) or "ran without raising"


def test_every_span_is_python_or_listed():
    spans = (notebook_spans(ASSIGNMENTS) | hint_spans() | hint_spans(KERAS_HINT_MODULES))
    for span in spans - NOT_PYTHON:
        try:
            ast.parse(span)
        except SyntaxError as error:
            pytest.fail(f"`{span}` is not Python ({error.msg}); write it as code, or as prose "
                        "without backticks")


def failing_spans(spans: set[str], states: list[dict]) -> dict[str, str]:
    """span -> what it raised in each of STATES, for the spans of SPANS that run in none."""
    failing = {}
    for span in sorted(spans - NOT_PYTHON):
        if names_only(span):
            continue
        problem = runs_somewhere(span, states)
        if problem is not None:
            failing[span] = problem
    return failing


@pytest.mark.parametrize("source", ["notebooks", "hints"])
def test_every_suggested_span_runs_on_the_pinned_packages(source, states):
    spans = notebook_spans() if source == "notebooks" else hint_spans()
    # Hints quote code only where it is the idea, never a line to paste (README.md, "Hints and
    # check messages"), so they hold few spans; the notebooks' text holds many.
    assert len(spans) > (20 if source == "notebooks" else 3)
    failing = failing_spans(spans, states)
    assert not failing, "\n".join(f"`{span}`: {problem}" for span, problem in failing.items())


@pytest.mark.parametrize("span", ["float(b)", "Z = np.sum(a_slice_prev * W) + float(b)",
                                  "np.float(n_H * n_W)"])
def test_the_advice_numpy_2_refuses_fails_here(span, states):
    assert runs_somewhere(span, states) is not None
