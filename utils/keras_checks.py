"""Checks that students run in the Keras notebook before their work is graded.

Each ``check_NAME`` runs the student's NAME on the course's reference case, prints one line
per passed check and a final "NAME: all checks passed.", and otherwise raises ``CheckFailed``
(from ``utils.checks``) saying what was expected, what came back and what to look at; while
NAME is not implemented yet, it says so in one line and returns. The graded cells call
``validate(NAME)`` (see ``utils.checks.validate_graded``), and the cells that train and use
the network run once ``is_implemented`` says the functions they need are written.

The checks compare with stored reference values (the layer table of the course's network;
the loss, probabilities and classes of a linear classifier whose weights are drawn with
``np.random.seed(1)``); they hold no implementation of the network. Keras must have been
imported with ``utils.tensorflow_setup.import_keras``.
"""

from __future__ import annotations

import numpy as np

from utils.checks import (
    CheckFailed,
    NotImplementedYet,
    _finish,
    _ok,
    unwritten_guards,
    validate_graded,
)
from utils.checks import visible_check as _visible

__all__ = [
    "REFERENCE",
    "assert_implemented",
    "is_implemented",
    "linear_classifier",
    "validate",
    "check_sequential_model",
    "check_functional_model",
    "check_compile_model",
    "check_train_model",
    "check_predict",
]

GRADED_FUNCTIONS = ("sequential_model", "functional_model", "compile_model", "train_model",
                    "predict")

REFERENCE = {
    # (layer class, output shape, parameters) of the course's network for 64 x 64 x 3 images
    # and 6 classes, each ReLU folded into the convolution before it.
    "layers": [
        ("Conv2D", (None, 64, 64, 8), 384),
        ("MaxPooling2D", (None, 8, 8, 8), 0),
        ("Conv2D", (None, 8, 8, 16), 512),
        ("MaxPooling2D", (None, 2, 2, 16), 0),
        ("Flatten", (None, 64), 0),
        ("Dense", (None, 6), 390),
    ],
    # The linear classifier of reference_case(), compiled with learning_rate=0.01: its loss
    # and accuracy on the case's images and labels.
    "compile_model": {"learning_rate": 0.01, "loss": 2.7789543, "accuracy": 0.25},
    # predict on the linear classifier of reference_case(): the first two rows of the
    # probabilities, and the classes of all eight images.
    "predict": {
        "probabilities[:2]": [[0.0526831, 0.03199711, 0.00321276, 0.72352608, 0.12402136,
                               0.06455959],
                              [0.09496526, 0.00642115, 0.00117398, 0.77769274, 0.10217798,
                               0.01756889]],
        "classes": [3, 3, 3, 3, 3, 3, 3, 0],
    },
}
TOLERANCE = 1e-4

HINT_NETWORK = ("compare your layers with the table: Conv2D 8 filters 4 x 4 (stride 1, "
                "padding \"same\", no bias, Glorot normal, ReLU), MaxPooling2D 8 x 8 stride 8 "
                "(padding \"same\"), Conv2D 16 filters 2 x 2 (same settings), MaxPooling2D "
                "4 x 4 stride 4 (padding \"same\"), Flatten, Dense with n_classes units and no "
                "activation")
HINT_COMPILE = ("`model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), "
                "loss=keras.losses.CategoricalCrossentropy(from_logits=True), "
                "metrics=[\"accuracy\"])`")
HINT_PREDICT = ("the probabilities are the softmax of the logits over the classes of each "
                "image, `keras.ops.softmax(logits, axis=-1)`; the classes are "
                "`np.argmax(logits, axis=1)`")


def _keras():
    import keras
    return keras


def _call(name, func, *args, **kwargs):
    """FUNC(*ARGS) with NotImplementedError turned into NotImplementedYet."""
    __tracebackhide__ = True
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise NotImplementedYet(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` with your "
            f"code, run that cell, then run this check again.") from None


def linear_classifier(weights, input_shape):
    """A Keras model of images of INPUT_SHAPE: Flatten, then a Dense layer whose kernel and
    bias are WEIGHTS, with no activation (its outputs are logits).

    weights     -- [kernel (n_H * n_W * n_C, n_classes), bias (n_classes,)]
    input_shape -- (n_H, n_W, n_C)

    Returns model -- keras.Sequential, not compiled
    """
    keras = _keras()
    kernel, bias = (np.asarray(weight, dtype=np.float32) for weight in weights)
    model = keras.Sequential([keras.Input(shape=tuple(input_shape)), keras.layers.Flatten(),
                              keras.layers.Dense(bias.shape[0])])
    model.set_weights([kernel, bias])
    return model


def reference_case():
    """The checks' case: eight 4 x 4 x 1 images, one-hot labels of six classes, and the
    weights of a linear classifier, drawn after np.random.seed(1)."""
    np.random.seed(1)
    X = np.random.rand(8, 4, 4, 1).astype(np.float32)
    Y = np.eye(6, dtype=np.float32)[np.random.randint(0, 6, 8)]
    weights = [(np.random.randn(16, 6) * 0.5).astype(np.float32),
               np.random.randn(6).astype(np.float32)]
    return X, Y, weights


def layer_rows(model):
    """(class, output shape, parameters) of each layer of MODEL, InputLayer left out and each
    ReLU layer folded into the layer before it."""
    keras = _keras()
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        kind = type(layer).__name__
        if kind in ("ReLU", "Activation") and rows:
            continue
        rows.append((kind, tuple(layer.output.shape), int(layer.count_params())))
    return rows


def _check_network(name, func):
    keras = _keras()
    model = _call(name, func, (64, 64, 3), 6)
    if not isinstance(model, keras.Model):
        raise CheckFailed(f"{name}((64, 64, 3), 6) returned {type(model).__name__}; expected a "
                          "Keras model.\nLook at: end the function with `return model`")
    rows = layer_rows(model)
    expected = [(kind, shape, params) for kind, shape, params in REFERENCE["layers"]]
    if [row[0] for row in rows] != [row[0] for row in expected]:
        raise CheckFailed(f"{name}: the layers are {', '.join(row[0] for row in rows)}; "
                          f"expected {', '.join(row[0] for row in expected)}.\n"
                          f"Look at: {HINT_NETWORK}")
    _ok(f"the layers: {', '.join(row[0] for row in rows)}")
    for (kind, shape, params), (_, want_shape, want_params) in zip(rows, expected):
        if shape != want_shape or params != want_params:
            raise CheckFailed(f"{name}: the {kind} layer has output shape {shape} and {params} "
                              f"parameters; expected {want_shape} and {want_params}.\n"
                              f"Look at: {HINT_NETWORK}")
    total = sum(row[2] for row in expected)
    _ok(f"each layer's output shape and parameters; {total} parameters in all")
    return model


def check_sequential_model(sequential_model):
    """Check sequential_model((64, 64, 3), 6) against the table of the network."""
    name = "sequential_model"
    model = _check_network(name, sequential_model)
    if not isinstance(model, _keras().Sequential):
        raise CheckFailed(f"{name}: the model is a {type(model).__name__}; expected a "
                          "keras.Sequential.\nLook at: build it with `keras.Sequential`, given the "
                          "list of layers that starts with `keras.Input(shape=input_shape)`")
    _ok("a keras.Sequential")
    _finish(name)


def check_functional_model(functional_model):
    """Check functional_model((64, 64, 3), 6) against the table of the network."""
    name = "functional_model"
    model = _check_network(name, functional_model)
    if isinstance(model, _keras().Sequential):
        raise CheckFailed(f"{name}: the model is a keras.Sequential; expected a functional "
                          "keras.Model.\nLook at: call each layer on the output of the one "
                          "before and end with `keras.Model(inputs=inputs, outputs=outputs)`")
    _ok("a functional keras.Model")
    _finish(name)


def check_compile_model(compile_model):
    """Check compile_model on a linear classifier: optimizer, learning rate, loss, accuracy."""
    name = "compile_model"
    reference = REFERENCE["compile_model"]
    X, Y, weights = reference_case()
    model = linear_classifier(weights, X.shape[1:])
    returned = _call(name, compile_model, model, reference["learning_rate"])
    if returned is not model:
        raise CheckFailed(f"{name} returned {type(returned).__name__}; expected the model it "
                          "was given.\nLook at: end with `return model`")
    if not getattr(model, "compiled", False):
        raise CheckFailed(f"{name}: the model is not compiled.\nLook at: {HINT_COMPILE}")
    optimizer = type(model.optimizer).__name__
    rate = float(np.asarray(model.optimizer.learning_rate))
    if optimizer != "Adam" or not np.isclose(rate, reference["learning_rate"]):
        raise CheckFailed(f"{name}: the optimizer is {optimizer} with learning rate {rate:g}; "
                          f"expected Adam with {reference['learning_rate']}.\n"
                          f"Look at: {HINT_COMPILE}")
    _ok(f"Adam, learning rate {reference['learning_rate']}")
    try:
        found = model.evaluate(X, Y, verbose=0, return_dict=True)
    except ValueError as error:
        raise CheckFailed(f"{name}: evaluating the model on one-hot labels raised "
                          f"ValueError: {str(error).splitlines()[0]}\nLook at: {HINT_COMPILE}"
                          ) from None
    if not np.isclose(found["loss"], reference["loss"], rtol=TOLERANCE):
        raise CheckFailed(f"{name}: the loss on the reference case is {found['loss']:.6f}; "
                          f"expected {reference['loss']:.6f}, the mean softmax cross-entropy "
                          f"of the logits.\nLook at: {HINT_COMPILE}")
    _ok(f"the loss on the reference case: {found['loss']:.6f}")
    metrics = {key: value for key, value in found.items() if key != "loss"}
    if not any(np.isclose(value, reference["accuracy"]) for value in metrics.values()):
        raise CheckFailed(f"{name}: the model measures {metrics or 'no metric'}; expected an "
                          f"accuracy of {reference['accuracy']}.\nLook at: {HINT_COMPILE}")
    _ok(f"the accuracy on the reference case: {reference['accuracy']:.3f}")
    _finish(name)


def check_train_model(train_model, epochs=2):
    """Check train_model on a linear classifier and 60 small images stored class by class:
    it returns the History of EPOCHS epochs, and the validation split holds several classes."""
    keras = _keras()
    name = "train_model"
    np.random.seed(1)
    X = np.random.rand(60, 4, 4, 1).astype(np.float32)
    labels = np.repeat(np.arange(6), 10)
    Y = np.eye(6, dtype=np.float32)[labels]
    weights = [np.zeros((16, 6), np.float32), np.zeros(6, np.float32)]
    model = linear_classifier(weights, X.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    given = {}
    fit = model.fit

    def recording_fit(*args, **kwargs):
        named = dict(zip(("x", "y"), args))
        given.update(y=np.asarray(kwargs.get("y", named.get("y"))))
        return fit(*args, **kwargs)

    model.fit = recording_fit
    history = _call(name, train_model, model, X, Y, epochs=epochs, batch_size=16,
                    validation_split=0.2, seed=3, verbose=0)
    if not isinstance(history, keras.callbacks.History):
        raise CheckFailed(f"{name} returned {type(history).__name__}; expected the History "
                          "that model.fit returns.\nLook at: keep what `model.fit` returns as "
                          "`history`, then `return history`")
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    if sorted(history.history) != keys or any(len(history.history[key]) != epochs
                                              for key in keys):
        found = {key: len(values) for key, values in history.history.items()}
        raise CheckFailed(f"{name}: the History holds {found}; expected {epochs} values of "
                          f"each of {keys}.\nLook at: `model.fit(X, Y, epochs=epochs, "
                          "batch_size=batch_size, validation_split=validation_split, "
                          "verbose=verbose)`")
    _ok(f"returns the History of {epochs} epochs: {', '.join(keys)}")
    held_out = np.argmax(given["y"][48:], axis=1) if given.get("y") is not None else []
    if len(set(np.asarray(held_out).tolist())) < 3:
        raise CheckFailed(f"{name}: on 60 examples stored class by class, the validation "
                          f"split holds the classes {sorted(set(np.asarray(held_out).tolist()))}"
                          " only.\nLook at: validation_split takes the last examples before "
                          "any shuffling: shuffle X_train and Y_train first, with one "
                          "permutation `np.random.default_rng(seed).permutation(len(X_train))`")
    _ok("the validation split holds examples of several classes")
    _finish(name)


def check_predict(predict):
    """Check predict on the linear classifier of the reference case."""
    name = "predict"
    reference = REFERENCE["predict"]
    X, _, weights = reference_case()
    result = _call(name, predict, linear_classifier(weights, X.shape[1:]), X)
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailed(f"{name} returned {type(result).__name__}; expected a pair "
                          "(probabilities, classes).\nLook at: end with "
                          "`return probabilities, classes`")
    probabilities, classes = (np.asarray(value) for value in result)
    if probabilities.shape != (8, 6) or not np.allclose(
            probabilities[:2], reference["probabilities[:2]"], atol=TOLERANCE):
        raise CheckFailed(f"{name}: probabilities has shape {probabilities.shape}, first rows "
                          f"{np.round(probabilities[:2], 4).tolist()}; expected (8, 6), first "
                          f"rows {np.round(reference['probabilities[:2]'], 4).tolist()}.\n"
                          f"Look at: {HINT_PREDICT}")
    _ok("probabilities: shape (8, 6), each row the softmax of its logits")
    if classes.shape != (8,) or classes.tolist() != reference["classes"]:
        raise CheckFailed(f"{name}: classes is {classes.tolist()}; expected "
                          f"{reference['classes']}.\nLook at: {HINT_PREDICT}")
    _ok(f"classes: {classes.tolist()}")
    _finish(name)


def _small_examples():
    """name -> the arguments of a tiny call that any implementation can run."""
    keras = _keras()
    X = np.zeros((4, 4, 4, 1), np.float32)
    Y = np.eye(6, dtype=np.float32)[[0, 1, 2, 3]]

    def model():
        weights = [np.zeros((16, 6), np.float32), np.zeros(6, np.float32)]
        classifier = linear_classifier(weights, (4, 4, 1))
        classifier.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(
            from_logits=True))
        return classifier

    return {
        "sequential_model": ((64, 64, 3), 6),
        "functional_model": ((64, 64, 3), 6),
        "compile_model": (model(), 0.01),
        "train_model": (model(), X, Y, 1, 4, 0.25, 1, 0),
        "predict": (model(), X),
    }


assert_implemented, is_implemented = unwritten_guards(_small_examples, GRADED_FUNCTIONS)

CHECKS = {
    "sequential_model": _visible(check_sequential_model),
    "functional_model": _visible(check_functional_model),
    "compile_model": _visible(check_compile_model),
    "train_model": _visible(check_train_model),
    "predict": _visible(check_predict),
}
check_sequential_model = CHECKS["sequential_model"]
check_functional_model = CHECKS["functional_model"]
check_compile_model = CHECKS["compile_model"]
check_train_model = CHECKS["train_model"]
check_predict = CHECKS["predict"]


def validate(func):
    """The graded cell of FUNC, one of the graded functions: see utils.checks.validate_graded."""
    validate_graded(func, CHECKS, {}, assert_implemented)
