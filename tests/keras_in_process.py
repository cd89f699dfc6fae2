"""The Keras assignment's tests that need Keras 3 in their own process (pytest runs them from
tests/test_keras_models.py in a fresh interpreter: the other assignments' tests set TensorFlow
up for the graph API in the main test process, and a process holds one Keras).

The solution's full points with nothing on stderr, a clean zero for unfinished functions and
every catalogue bug losing points in its function, under its mistake id and with its hint, in
process; the numpy layer oracle against Keras' own layers on random settings; the visible
checks' reference values recomputed by numpy; the checks on the solution and on the bugs they
can see; the probes' data.
"""

from __future__ import annotations

import re

import hint_policy
import numpy as np
import pytest
import returned_values
from in_process import grade_all

from autograder.catalogue.keras_models import BUGS
from autograder.course import Course, read_notebook
from autograder.engine.harness import mistakes_of
from autograder.hidden_tests import keras_models, oracles
from autograder.probes import keras_models as probes
from autograder.samples import solution_namespace, solution_sources, with_bugs
from utils import keras_checks as checks
from utils.checks import CheckFailed
from utils.tensorflow_setup import import_keras

keras = import_keras()
NAMES = list(keras_models.POINTS)
BY_NAME = {bug.name: bug for bug in BUGS}


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(assignment="conv_keras")


def learner_code(bug) -> str:
    """The code of the solution cells of a submission with BUG: what its feedback may quote."""
    sources = solution_sources(read_notebook(Course().source_notebook("conv_keras")))
    return "\n".join(with_bugs(sources, [bug]).values())


def test_the_solution_gets_full_points_and_nothing_on_stderr(solution, capsys):
    graded = grade_all(keras_models, solution, capsys)
    for name, (score, report, mistakes) in graded.items():
        points = keras_models.POINTS[name]
        assert type(score) is float and score == points, report
        assert report.startswith(f"{name}: {points} / {points} points\n")
        assert mistakes == {}


def changed_model(value):
    """A copy of the Keras model VALUE with one setting changed (the first layer's padding that
    has one, else the first dense layer's units), for the perturbation test; None for anything
    that is not a Keras model."""
    if not isinstance(value, keras.Model):
        return None
    config = value.get_config()
    for layer in config.get("layers", []):
        settings = layer.get("config", {})
        if "padding" in settings:
            settings["padding"] = "valid" if settings["padding"] == "same" else "same"
            break
        if "units" in settings:
            settings["units"] += 1
            break
    return type(value).from_config(config)


@pytest.mark.parametrize("name", NAMES)
def test_every_returned_value_is_checked(name, solution, capsys):
    """Each part of what a function returns (a model, both elements of predict's pair, each
    epoch's value of each entry of train_model's History), changed in turn, costs points."""
    returned_values.assert_every_part_checked(
        getattr(keras_models, f"grade_{name}"), solution[name], keras_models.POINTS[name],
        perturb_leaf=changed_model)


def test_points_add_up_to_100():
    assert sum(keras_models.POINTS.values()) == 100


@pytest.mark.parametrize("name", NAMES)
def test_an_unfinished_function_scores_zero_and_says_so(name, capsys):
    def unfinished(*args, **kwargs):
        raise NotImplementedError()

    unfinished.__name__ = name
    assert getattr(keras_models, f"grade_{name}")(unfinished) == 0.0
    out, err = capsys.readouterr()
    assert "not implemented yet" in out and err == ""


# What the hidden tests' report of each catalogue bug says differs: the setting, expected
# against what the learner's model or compiled model holds.
DIFFERS = {
    "conv-valid-padding": "has padding 'valid'; expected 'same'",
    "conv-with-bias": "has use_bias True",
    "glorot-uniform": "has the kernel initializer GlorotUniform; expected GlorotNormal",
    "softmax-in-model": "has the activation 'softmax'; expected 'linear'",
    "missing-flatten": "expected Conv2D, MaxPooling2D, Conv2D, MaxPooling2D, Flatten, Dense",
    "pools-swapped": "pool 1 has pool_size [4, 4], expected [8, 8]",
    "pool-valid-padding": "pool 2 has padding 'valid', expected 'same'",
    "missing-relu": "has the activation 'linear', with no ReLU after it; expected 'relu'",
    "from-logits-false": "with from_logits False; expected from_logits True",
    "sparse-loss": "the loss is SparseCategoricalCrossentropy; expected CategoricalCrossentropy",
    "learning-rate-ignored": "the optimizer's learning rate is 0.0010000000474974513; "
                             "expected 0.0123",
    "split-before-shuffling": "the validation split holds the classes",
    "labels-shuffled-apart": "came with another image's label",
    "batch-size-fixed": "'batch_size': 32",
    "argmax-axis-0": "classes has shape (6,); expected (7,)",
    "softmax-over-images": "the probabilities are not the softmax",
}


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_each_bug_loses_points_in_its_function_under_its_mistake_id(bug, capsys):
    # A bug edits one solution cell, and no graded function calls another: the other
    # functions are the solution's own, which get full points above.
    assert bug.breaks == {bug.function}
    func = solution_namespace([bug], assignment="conv_keras")[bug.function]
    score = getattr(keras_models, f"grade_{bug.function}")(func)
    out = capsys.readouterr().out
    report = " ".join(out.split())
    assert score < keras_models.POINTS[bug.function], report
    assert set(mistakes_of(bug.function)) == {bug.mistake}, (mistakes_of(bug.function), report)
    assert " ".join(bug.hint.split()) in report
    assert DIFFERS[bug.name] in report, report
    hint_policy.assert_no_leak(out, learner_code(bug), where=f"the feedback of {bug.name}")


# Other ways of writing a function: (name, code, points lost, mistake ids).
ANOTHER_WAY = {
    "relu-by-keras-ops": ("functional_model", """
def functional_model(input_shape=(64, 64, 3), n_classes=6):
    inputs = keras.layers.Input(shape=input_shape)
    x = keras.layers.Conv2D(8, 4, padding="same", use_bias=False,
                            kernel_initializer=keras.initializers.GlorotNormal())(inputs)
    x = keras.layers.MaxPooling2D(8, padding="same")(keras.ops.relu(x))
    x = keras.layers.Conv2D(16, (2, 2), padding="same", use_bias=False,
                            kernel_initializer="glorot_normal")(x)
    x = keras.layers.MaxPooling2D((4, 4), padding="same")(keras.activations.relu(x))
    return keras.Model(inputs, keras.layers.Dense(n_classes)(keras.layers.Flatten()(x)))
""", 0, set()),
    "relu-after-the-pools": ("sequential_model", """
def sequential_model(input_shape=(64, 64, 3), n_classes=6):
    conv = dict(padding="same", use_bias=False, kernel_initializer="glorot_normal")
    return keras.Sequential([
        keras.Input(input_shape), keras.layers.Conv2D(8, 4, **conv),
        keras.layers.MaxPooling2D(8, padding="same"), keras.layers.Activation("relu"),
        keras.layers.Conv2D(16, 2, **conv), keras.layers.MaxPooling2D(4, padding="same"),
        keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dense(n_classes)])
""", 0, set()),
    "softmax-by-keras-ops": ("functional_model", """
def functional_model(input_shape=(64, 64, 3), n_classes=6):
    inputs = keras.Input(shape=input_shape)
    conv = dict(padding="same", use_bias=False, activation="relu",
                kernel_initializer="glorot_normal")
    x = keras.layers.MaxPooling2D(8, padding="same")(keras.layers.Conv2D(8, 4, **conv)(inputs))
    x = keras.layers.MaxPooling2D(4, padding="same")(keras.layers.Conv2D(16, 2, **conv)(x))
    logits = keras.layers.Dense(n_classes)(keras.layers.Flatten()(x))
    return keras.Model(inputs, keras.ops.softmax(logits))
""", 4, {"softmax-in-model"}),
    "acc-metric": ("compile_model", """
def compile_model(model, learning_rate=0.005):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["acc"])
    return model
""", 0, set()),
    "another-generator-and-shuffle-off": ("train_model", """
def train_model(model, X_train, Y_train, epochs=40, batch_size=64, validation_split=0.1,
                seed=1, verbose="auto"):
    np.random.seed(seed)
    order = np.random.permutation(X_train.shape[0])
    return model.fit(X_train[order], Y_train[order], batch_size, epochs, verbose,
                     validation_split=validation_split, shuffle=False)
""", 0, set()),
    "split-by-hand": ("train_model", """
def train_model(model, X_train, Y_train, epochs=40, batch_size=64, validation_split=0.1,
                seed=1, verbose="auto"):
    order = np.random.default_rng(seed).permutation(len(X_train))
    X, Y = X_train[order], Y_train[order]
    cut = int(len(X) * (1 - validation_split))
    return model.fit(X[:cut], Y[:cut], epochs=epochs, batch_size=batch_size,
                     validation_data=(X[cut:], Y[cut:]), verbose=verbose)
""", 4, {"fit-arguments-ignored"}),
    "no-validation-split": ("train_model", """
def train_model(model, X_train, Y_train, epochs=40, batch_size=64, validation_split=0.1,
                seed=1, verbose="auto"):
    order = np.random.default_rng(seed).permutation(len(X_train))
    return model.fit(X_train[order], Y_train[order], epochs=epochs, batch_size=batch_size,
                     verbose=verbose)
""", 4, {"fit-arguments-ignored"}),
    "tensors": ("predict", """
def predict(model, X):
    logits = model(X)
    return keras.ops.softmax(logits), keras.ops.argmax(logits, axis=1)
""", 0, set()),
}


@pytest.mark.parametrize("way", list(ANOTHER_WAY))
def test_another_way_of_writing_a_function_costs_only_its_mistakes(way, capsys):
    name, code, lost, mistakes = ANOTHER_WAY[way]
    namespace = {"np": np, "keras": keras}
    exec(code, namespace)
    score = getattr(keras_models, f"grade_{name}")(namespace[name])
    report = capsys.readouterr().out
    assert score == keras_models.POINTS[name] - lost, report
    assert set(mistakes_of(name)) == mistakes, report


def test_a_frozen_layer_loses_the_training_point_only(solution, capsys):
    def sequential_model(input_shape=(64, 64, 3), n_classes=6):
        model = solution["sequential_model"](input_shape, n_classes)
        model.layers[0].trainable = False
        return model

    score = keras_models.grade_sequential_model(sequential_model)
    report = capsys.readouterr().out
    assert score == keras_models.POINTS["sequential_model"] - 1, report
    assert mistakes_of("sequential_model") == {"does-not-train": 1.0}
    assert "unchanged" in report


def test_the_catalogue_has_the_mistakes_the_course_promises():
    assert len(BUGS) >= 8
    assert {"conv-padding", "pool-windows", "softmax-in-model", "missing-flatten",
            "from-logits-mismatch", "sparse-loss-for-one-hot"} <= {bug.mistake for bug in BUGS}


def _layer(kind, rng):
    if kind == "Conv2D":
        return keras.layers.Conv2D(int(rng.integers(1, 5)), int(rng.integers(1, 4)),
                                   strides=int(rng.integers(1, 3)),
                                   padding=str(rng.choice(["same", "valid"])),
                                   use_bias=bool(rng.integers(0, 2)),
                                   activation=str(rng.choice(["relu", "linear", "tanh"])))
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        return getattr(keras.layers, kind)(pool_size=int(rng.integers(1, 4)),
                                           strides=int(rng.integers(1, 4)),
                                           padding=str(rng.choice(["same", "valid"])))
    return getattr(keras.layers, kind)()


@pytest.mark.parametrize("seed", range(6))
def test_the_numpy_oracle_computes_what_keras_layers_compute(seed):
    rng = np.random.default_rng(seed)
    kinds = ["Conv2D", str(rng.choice(["MaxPooling2D", "AveragePooling2D"])), "ReLU",
             "Conv2D", str(rng.choice(["MaxPooling2D", "AveragePooling2D"])), "Flatten",
             "Dense", "Softmax"]
    n_H, n_W = (int(n) for n in rng.integers(26, 34, 2))
    layers = [keras.Input(shape=(n_H, n_W, 2))]
    for kind in kinds:
        layers.append(keras.layers.Dense(3) if kind == "Dense" else _layer(kind, rng))
    model = keras.Sequential(layers)
    X = rng.standard_normal((3, n_H, n_W, 2)).astype(np.float32)
    found = probes.model_data(model, X)
    expected = oracles.keras_forward(found["layers"], found["weights"], X)
    np.testing.assert_allclose(found["outputs"], expected, rtol=1e-4, atol=1e-5)
    table = keras_models.layer_table(found)
    shapes = keras_models._expected_shapes(table, (n_H, n_W, 2), 3)
    assert [(layer["output_shape"], layer["params"]) for layer in table] == \
        [(shape, params) for shape, params in shapes]


def test_the_oracle_refuses_what_it_does_not_compute():
    model = keras.Sequential([keras.Input(shape=(4, 4, 1)), keras.layers.Dropout(0.5)])
    found = probes.model_data(model)
    with pytest.raises(oracles.NotComputable, match="Dropout"):
        oracles.keras_forward(found["layers"], found["weights"], np.zeros((1, 4, 4, 1)))


def test_the_reference_values_of_the_checks_are_what_numpy_computes():
    X, Y, weights = checks.reference_case()
    logits = X.reshape(len(X), -1).astype(np.float64) @ weights[0] + weights[1]
    reference = checks.REFERENCE
    assert reference["compile_model"]["loss"] == pytest.approx(
        oracles.softmax_cross_entropy(logits, Y).mean(), rel=1e-6)
    assert reference["compile_model"]["accuracy"] == np.mean(
        logits.argmax(axis=1) == Y.argmax(axis=1))
    np.testing.assert_allclose(reference["predict"]["probabilities"],
                               np.exp(oracles.log_softmax(logits)), atol=1e-7)
    assert reference["predict"]["classes"] == logits.argmax(axis=1).tolist()
    table = [(kind, tuple(shape), params) for kind, (shape, params) in zip(
        [kind for kind, _ in keras_models.NETWORK],
        keras_models._expected_shapes(
            [{"class": kind, "settings": {**settings, "units": 6}}
             for kind, settings in keras_models.NETWORK], (64, 64, 3), 6))]
    assert reference["layers"] == table
    # The checks read the settings the hidden tests grade, with the same values.
    for (kind, settings), wanted in zip(keras_models.NETWORK, checks.SETTINGS):
        for key, value in settings.items():
            assert wanted[key] == (tuple(value) if isinstance(value, list) else value), (kind,
                                                                                        key)
        if kind == "Conv2D":
            assert wanted["kernel_initializer"] == keras_models.CONV_INITIALIZER


@pytest.mark.parametrize("name", NAMES)
def test_each_check_passes_on_the_solution(name, solution, capsys):
    getattr(checks, f"check_{name}").raising(solution[name])
    assert f"{name}: all checks passed." in capsys.readouterr().out


# What the visible check says of each catalogue bug it sees, the layer and the setting for a
# model (the others are for the hidden tests: the checks' one case cannot tell them).
SEEN = {
    "conv-valid-padding": "layer 1, the first Conv2D layer (conv2d), has padding 'valid'; "
                          "expected 'same'",
    "conv-with-bias": "layer 3, the second Conv2D layer (conv2d), has use_bias True; expected "
                      "False",
    "glorot-uniform": "layer 1, the first Conv2D layer (conv2d), has kernel_initializer "
                      "'GlorotUniform'; expected 'GlorotNormal'",
    "softmax-in-model": "layer 6, the Dense layer (dense), has activation 'softmax'; expected "
                        "'linear'",
    "missing-flatten": "the layers are Conv2D, MaxPooling2D, Conv2D, MaxPooling2D, Dense",
    "pools-swapped": "layer 2, the first MaxPooling2D layer (max_pooling2d), has pool_size "
                     "(4, 4); expected (8, 8)",
    "pool-valid-padding": "layer 4, the second MaxPooling2D layer (max_pooling2d_1), has "
                          "padding 'valid'; expected 'same'",
    "missing-relu": "layer 3, the second Conv2D layer (conv2d_1), has activation 'linear'; "
                    "expected 'relu'",
    "from-logits-false": "the loss is CategoricalCrossentropy with from_logits False; expected "
                         "from_logits True",
    "sparse-loss": "the loss is SparseCategoricalCrossentropy; expected "
                   "CategoricalCrossentropy",
    "learning-rate-ignored": "the optimizer's learning rate is 0.001; expected 0.01",
    "split-before-shuffling": "the validation split holds the classes [4, 5] only",
    "labels-shuffled-apart": None, "batch-size-fixed": None,
    "argmax-axis-0": "classes is",
    "softmax-over-images": "probabilities has shape (8, 6)",
}
MODEL_BUGS = [bug.name for bug in BUGS if bug.function in ("sequential_model",
                                                           "functional_model")]


def test_the_checks_see_every_model_bug_of_the_catalogue():
    assert set(SEEN) == set(BY_NAME)
    assert all(SEEN[name] for name in MODEL_BUGS)


@pytest.mark.parametrize("name", [name for name, said in SEEN.items() if said])
def test_the_checks_catch_the_bugs_they_can_see(name):
    bug = BY_NAME[name]
    namespace = solution_namespace([bug], assignment="conv_keras")
    with pytest.raises(CheckFailed) as failed:
        getattr(checks, f"check_{bug.function}").raising(namespace[bug.function])
    message = str(failed.value)
    names = {"conv2d": r"conv2d(_\d+)?", "max_pooling2d": r"max_pooling2d(_\d+)?",
             "conv2d_1": r"conv2d(_\d+)?", "max_pooling2d_1": r"max_pooling2d(_\d+)?",
             "dense": r"dense(_\d+)?"}
    pattern = re.escape(SEEN[name])
    for layer, any_number in names.items():  # Keras numbers layer names per process
        pattern = pattern.replace(f"\\({layer}\\)", f"\\({any_number}\\)")
    assert re.search(pattern, message), message
    *_, hint = message.splitlines()
    assert hint.startswith("Hint: ") and ("section" in hint or "Part " in hint), message
    hint_policy.assert_no_leak(message, learner_code(bug), where=f"the check's message on {name}")


@pytest.mark.parametrize("way", [way for way, (_, _, lost, _) in ANOTHER_WAY.items()
                                 if lost == 0])
def test_a_correct_spelling_the_hidden_tests_accept_passes_the_checks(way, capsys):
    name, code, _, _ = ANOTHER_WAY[way]
    namespace = {"np": np, "keras": keras}
    exec(code, namespace)
    getattr(checks, f"check_{name}").raising(namespace[name])
    assert f"{name}: all checks passed." in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_a_stub_is_reported_in_one_line(name, capsys):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    stub.__name__ = name
    getattr(checks, f"check_{name}")(stub)
    out = capsys.readouterr().out
    assert "not implemented yet" in out and out.count("\n") == 1
    assert checks.is_implemented(stub) is False


def test_import_keras_is_quiet_and_refuses_a_kernel_set_up_for_the_graph_api():
    import subprocess
    import sys

    quiet = subprocess.run([sys.executable, "-c", (
        "from utils.tensorflow_setup import import_keras\n"
        "keras = import_keras()\n"
        "import numpy as np\n"
        "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)\n")],
        capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    refused = subprocess.run([sys.executable, "-c", (
        "from utils.tensorflow_setup import TensorFlowSetupError, import_keras, "
        "import_tensorflow\n"
        "import_tensorflow()\n"
        "try:\n"
        "    import_keras()\n"
        "except TensorFlowSetupError as error:\n"
        "    print(error)\n")], capture_output=True, text=True, timeout=300)
    assert "Restart the kernel" in refused.stdout, refused.stdout + refused.stderr


def keras_states() -> list[dict]:
    """The Keras notebook's state where its suggestions apply: inside the model functions
    (input_shape, n_classes and the functional model's tensors), after a model is built and
    compiled and has trained for one epoch (its History, its logits), and with a fresh model
    passed to compile_model, train_model and predict."""
    functions = solution_namespace(assignment="conv_keras")
    rng = np.random.default_rng(0)
    X_train = rng.random((12, 64, 64, 3)).astype(np.float32)
    Y_train = np.eye(6, dtype=np.float32)[np.arange(12) % 6]
    input_shape, n_classes = (64, 64, 3), 6
    inputs = keras.Input(shape=input_shape)
    Z1 = keras.layers.Conv2D(8, 4, strides=1, padding="same", use_bias=False)(inputs)
    A1 = keras.layers.ReLU()(Z1)
    outputs = keras.layers.Dense(n_classes)(keras.layers.Flatten()(A1))
    model = functions["compile_model"](functions["functional_model"](input_shape, n_classes),
                                       0.005)
    seed, epochs, batch_size, validation_split, verbose = 1, 1, 4, 0.25, 0
    history = model.fit(X_train, Y_train, epochs=1, batch_size=4, validation_split=0.25,
                        verbose=0)
    logits = model.predict(X_train, verbose=0)
    order = np.random.default_rng(seed).permutation(len(X_train))
    base = {"np": np, "keras": keras, **functions, "X_train": X_train, "Y_train": Y_train,
            "X": X_train, "Y": Y_train, "input_shape": input_shape, "n_classes": n_classes,
            "learning_rate": 0.005, "seed": seed, "epochs": epochs, "batch_size": batch_size,
            "validation_split": validation_split, "verbose": verbose, "order": order,
            "inputs": inputs, "Z1": Z1, "A1": A1, "outputs": outputs}
    trained = {**base, "model": model, "history": history, "logits": logits,
               "probabilities": np.asarray(keras.ops.softmax(logits, axis=-1)),
               "classes": np.argmax(logits, axis=1)}
    fresh = {**base, "model": functions["sequential_model"](input_shape, n_classes)}
    return [trained, fresh]


def test_every_span_of_the_keras_notebook_and_hints_runs_with_keras_3():
    import test_snippets as snippets

    spans = (snippets.notebook_spans([snippets.KERAS_ASSIGNMENT])
             | snippets.hint_spans(snippets.KERAS_HINT_MODULES))
    assert len(spans) > 20
    failing = snippets.failing_spans(spans, keras_states())
    assert not failing, "\n".join(f"`{span}`: {problem}" for span, problem in failing.items())
