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
    "has_trained",
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
    # predict on the linear classifier of reference_case(): the probabilities and the
    # classes of all eight images.
    "predict": {
        "probabilities": [
            [0.05268310, 0.03199711, 0.00321276, 0.72352608, 0.12402136, 0.06455959],
            [0.09496526, 0.00642115, 0.00117398, 0.77769274, 0.10217798, 0.01756889],
            [0.05559625, 0.01029997, 0.00236046, 0.77354803, 0.12041632, 0.03777897],
            [0.18614544, 0.10148831, 0.02509825, 0.36977490, 0.19465380, 0.12283929],
            [0.36393271, 0.02104878, 0.00556731, 0.43402578, 0.15480424, 0.02062117],
            [0.02426638, 0.00632552, 0.00363006, 0.85326237, 0.08373144, 0.02878422],
            [0.07251500, 0.01691172, 0.00974665, 0.70959977, 0.14892055, 0.04230630],
            [0.40022200, 0.01938113, 0.03420862, 0.37323710, 0.08375995, 0.08919120],
        ],
        "classes": [3, 3, 3, 3, 3, 3, 3, 0],
    },
}
TOLERANCE = 1e-4

# Where each idea is taught: the notebook's sections.
SECTION_LAYERS = "section 1.1, The layers"
SECTION_DEFAULTS = "section 1.1, the three settings that differ from Keras' defaults"
SECTION_LOGITS = "section 1.1, Logits or probabilities?"
SECTION_SEQUENTIAL = "section 1.2, sequential_model"
SECTION_FUNCTIONAL = "Part 2, the functional API"
SECTION_COMPILE = "section 3.1, compile_model"
SECTION_TRAIN = "section 3.2, train_model"
SECTION_PREDICT = "Part 4, predictions"
SECTION_LOSSES = "section 3.1, the table of losses"
SECTION_SPLIT = "section 3.2, The validation split"

# The settings of each layer of the course's network (the rows of REFERENCE["layers"]), as the
# layer's configuration holds them; the ReLU after each convolution folded into it, as its
# activation, and the initializer by its class.
SETTINGS = [
    {"filters": 8, "kernel_size": (4, 4), "strides": (1, 1), "padding": "same",
     "use_bias": False, "kernel_initializer": "GlorotNormal", "activation": "relu"},
    {"pool_size": (8, 8), "strides": (8, 8), "padding": "same"},
    {"filters": 16, "kernel_size": (2, 2), "strides": (1, 1), "padding": "same",
     "use_bias": False, "kernel_initializer": "GlorotNormal", "activation": "relu"},
    {"pool_size": (4, 4), "strides": (4, 4), "padding": "same"},
    {},
    {"units": 6, "use_bias": True, "activation": "linear"},
]
READ_SETTINGS = ("filters", "kernel_size", "strides", "padding", "pool_size", "units",
                 "use_bias", "kernel_initializer", "activation")

# What each setting of the network means, and where the notebook teaches it: (layer class,
# setting) -> the idea to revisit.
IDEAS = {
    ("Conv2D", "filters"): ("the convolutions of the table of section 1.1 have 8 filters of "
                            "4 x 4, then 16 filters of 2 x 2, both with stride 1"),
    ("Conv2D", "padding"): ("SAME padding keeps the image size at stride 1; Keras' default, "
                            "VALID, keeps only whole windows, floor((n - f) / s) + 1 rows of n "
                            f"({SECTION_DEFAULTS})"),
    ("Conv2D", "use_bias"): ("the convolutions have no biases, as the graph assignment's "
                             "filters W1 and W2, so that the network has 1,286 parameters; "
                             f"Keras adds one per filter unless told otherwise "
                             f"({SECTION_DEFAULTS})"),
    ("Conv2D", "kernel_initializer"): ("the filters start from Glorot normal values, as in the "
                                       "graph assignment; Keras' default is Glorot uniform "
                                       f"({SECTION_DEFAULTS})"),
    ("Conv2D", "activation"): ("each convolution is followed by a ReLU (the CONV2D + RELU rows "
                               "of the table of section 1.1): the convolution's own activation, "
                               "or a ReLU layer right after it"),
    ("MaxPooling2D", "pool_size"): ("the pools of the table of section 1.1 take windows of "
                                    "8 x 8 with stride 8 first, then 4 x 4 with stride 4"),
    ("MaxPooling2D", "padding"): ("with SAME padding a pool of stride s keeps ceil(n / s) rows "
                                  "of n, with VALID only whole windows, floor((n - f) / s) + 1: "
                                  "the same on 64 x 64 images, not on other sizes, which the "
                                  f"graded tests build ({SECTION_DEFAULTS}, and the figure "
                                  "after it)"),
    ("Dense", "units"): ("the dense layer has one unit per class, n_classes, the argument "
                         f"({SECTION_SEQUENTIAL})"),
    ("Dense", "use_bias"): ("the dense layer keeps its biases: 64 x 6 weights and 6 biases, 390 "
                            f"parameters ({SECTION_LAYERS})"),
    ("Dense", "activation"): ("the network ends with logits, the dense layer's raw scores: the "
                              "loss applies the softmax itself, and the softmax is applied once, "
                              f"never in both ({SECTION_LOGITS})"),
}
IDEAS[("Conv2D", "kernel_size")] = IDEAS[("Conv2D", "strides")] = IDEAS[("Conv2D", "filters")]
IDEAS[("MaxPooling2D", "strides")] = IDEAS[("MaxPooling2D", "pool_size")]
IDEA_LAYERS = ("the layers, in the order of the table of section 1.1: Conv2D, MaxPooling2D, "
               "Conv2D, MaxPooling2D, Flatten, Dense (a ReLU may be the convolution's own "
               "activation or a layer of its own right after it)")
IDEA_FLATTEN = ("a Dense layer on a 4-D tensor works on its last axis only, so the model gives "
                "a 2 x 2 block of scores per image instead of n_classes scores: the FLATTEN "
                "row of the table of section 1.1 turns each image's 2 x 2 x 16 block into 64 "
                "numbers")
IDEA_SHAPES = ("a layer's output shape and parameters follow from its settings and from the "
               "layer before it: the table of section 1.1 gives each row's")
IDEA_PREDICT = ("the probabilities are the softmax of each image's logits over its classes "
                "(axis 1, the last), so that each row sums to 1; the classes are the position "
                f"of each row's largest logit ({SECTION_PREDICT})")


def _hint(idea, where):
    """The last line of a check's message: the idea to revisit, then where to look."""
    return f"Hint: {idea}. Look at {where}."


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


def linear_classifier(weights, input_shape, activation=None):
    """A Keras model of images of INPUT_SHAPE: Flatten, then a Dense layer whose kernel and
    bias are WEIGHTS, with ACTIVATION (by default none: its outputs are logits).

    weights     -- [kernel (n_H * n_W * n_C, n_classes), bias (n_classes,)]
    input_shape -- (n_H, n_W, n_C)

    Returns model -- keras.Sequential, not compiled
    """
    keras = _keras()
    kernel, bias = (np.asarray(weight, dtype=np.float32) for weight in weights)
    flatten = keras.layers.Flatten()
    dense = keras.layers.Dense(bias.shape[0], activation=activation)
    model = keras.Sequential([keras.Input(shape=tuple(input_shape)), flatten, dense])
    model.set_weights([kernel, bias])
    return model


def _probability_classifier(weights, input_shape):
    """The model the train_model checks train: a linear classifier ending with a softmax,
    compiled with Adam at Keras' default rate, the cross-entropy of probabilities (the second
    row of the table of losses of section 3.1, not the network's) and the accuracy."""
    model = linear_classifier(weights, input_shape, activation="softmax")
    model.compile(metrics=["accuracy"], loss="categorical_crossentropy", optimizer="adam")
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


def _setting(config, key):
    """The setting KEY of a layer's CONFIG as the checks compare it: sizes as tuples, an
    initializer by its class."""
    value = config.get(key)
    if key == "kernel_initializer" and isinstance(value, dict):
        return value.get("class_name")
    if isinstance(value, list):
        return tuple(value)
    return value


def layer_table(model):
    """The layers of MODEL as dicts (class, name, settings, output shape, parameters),
    InputLayer left out, each activation folded into the layer before it as its "activation"
    when that layer has none of its own: a ReLU layer, an Activation layer, or an operation
    such as keras.ops.relu in a functional model (a ReLU right after a max pool that follows
    a convolution is the convolution's: ReLU and max pooling commute), a softmax over the
    last axis into the dense layer."""
    keras = _keras()
    table = []
    for layer in getattr(model, "operations", None) or model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        kind = type(layer).__name__
        is_layer = isinstance(layer, keras.layers.Layer)
        config = layer.get_config() if is_layer else {}
        folded = None
        if kind == "ReLU" and not config.get("negative_slope") \
                and config.get("max_value") is None and not config.get("threshold"):
            folded = "relu"
        elif kind == "Relu" and not is_layer:
            folded = "relu"
        elif kind == "Activation":
            folded = config.get("activation")
        elif kind == "Softmax" and (config.get("axis", getattr(layer, "axis", -1))
                                    in (-1, [-1], (-1,))):
            folded = "softmax"
        target = len(table) - 1
        if (folded == "relu" and len(table) >= 2 and table[-1]["class"] == "MaxPooling2D"
                and table[-2]["class"] == "Conv2D"):
            target = len(table) - 2
        if (folded is not None and target >= 0
                and table[target]["settings"].get("activation", "") in ("linear", None)):
            table[target]["settings"]["activation"] = folded
            continue
        table.append({
            "class": kind, "name": str(layer.name),
            "settings": {key: _setting(config, key) for key in READ_SETTINGS if key in config},
            "output_shape": tuple(layer.output.shape) if is_layer else None,
            "params": int(layer.count_params()) if is_layer else 0,
        })
    return table


def _ordinal(table, index):
    """"the second MaxPooling2D layer" for the layer INDEX of TABLE."""
    kind = table[index]["class"]
    count = sum(1 for layer in table[:index + 1] if layer["class"] == kind)
    total = sum(1 for layer in table if layer["class"] == kind)
    words = {1: "first", 2: "second", 3: "third", 4: "fourth"}
    if total == 1:
        return f"the {kind} layer"
    return f"the {words.get(count, f'{count}th')} {kind} layer"


def _check_network(name, func):
    keras = _keras()
    model = _call(name, func, (64, 64, 3), 6)
    sequential = name == "sequential_model"
    section = SECTION_SEQUENTIAL if sequential else SECTION_FUNCTIONAL
    where = "your list of layers" if sequential else "your functional_model"
    if not isinstance(model, keras.Model):
        raise CheckFailed(
            f"{name}((64, 64, 3), 6) returned {type(model).__name__}; expected a Keras "
            "model.\n" + _hint(f"{name} returns the model it builds ({section})",
                               "what your function returns"))
    table = layer_table(model)
    kinds = [layer["class"] for layer in table]
    expected = [row[0] for row in REFERENCE["layers"]]
    if kinds != expected:
        flatten = "Flatten" not in kinds and [kind for kind in expected
                                              if kind != "Flatten"] == kinds
        raise CheckFailed(f"{name}: the layers are {', '.join(kinds) or 'none'}; expected "
                          f"{', '.join(expected)}.\n"
                          + _hint(IDEA_FLATTEN if flatten else IDEA_LAYERS,
                                  "what comes between the second pool and the dense layer"
                                  if flatten else where))
    _ok(f"the layers: {', '.join(kinds)}")
    for index, (layer, wanted) in enumerate(zip(table, SETTINGS)):
        for key, value in wanted.items():
            found = layer["settings"].get(key, "linear" if key == "activation" else None)
            if found == value:
                continue
            which = _ordinal(table, index)
            what = ("what follows it" if key == "activation" and layer["class"] == "Conv2D"
                    else f"its {key}")
            if key == "activation" and layer["class"] == "Dense":
                what = "its activation and what follows it"
            raise CheckFailed(
                f"{name}: layer {index + 1}, {which} ({layer['name']}), has {key} {found!r}; "
                f"expected {value!r}.\n"
                + _hint(IDEAS[(layer["class"], key)], f"{which} of {where}, {what}"))
    _ok("each layer's settings: filters, kernel size, strides, padding, pool size, bias, "
        "initializer, activation")
    for index, (layer, (_, want_shape, want_params)) in enumerate(zip(table,
                                                                         REFERENCE["layers"])):
        shape, params = layer["output_shape"], layer["params"]
        if shape != want_shape or params != want_params:
            raise CheckFailed(f"{name}: layer {index + 1}, {_ordinal(table, index)}, has output "
                              f"shape {shape} and {params} parameters; expected {want_shape} "
                              f"and {want_params}.\n"
                              + _hint(IDEA_SHAPES, f"{_ordinal(table, index)} and the layer "
                                      "before it"))
    total = sum(row[2] for row in REFERENCE["layers"])
    _ok(f"each layer's output shape and parameters; {total} parameters in all")
    return model


def check_sequential_model(sequential_model):
    """Check sequential_model((64, 64, 3), 6) against the table of the network: each layer's
    kind, settings, output shape and parameters."""
    name = "sequential_model"
    model = _check_network(name, sequential_model)
    if not isinstance(model, _keras().Sequential):
        raise CheckFailed(f"{name}: the model is a {type(model).__name__}; expected a "
                          "keras.Sequential.\n"
                          + _hint(f"a keras.Sequential is a list of layers, the input's shape "
                                  f"first ({SECTION_SEQUENTIAL})",
                                  "what your function makes its model from"))
    _ok("a keras.Sequential")
    _finish(name)


def check_functional_model(functional_model):
    """Check functional_model((64, 64, 3), 6) against the table of the network: each layer's
    kind, settings, output shape and parameters."""
    name = "functional_model"
    model = _check_network(name, functional_model)
    if isinstance(model, _keras().Sequential):
        raise CheckFailed(f"{name}: the model is a keras.Sequential; expected a functional "
                          "keras.Model.\n"
                          + _hint("the functional API calls each layer on the output of the "
                                  "one before, from the input, and keras.Model ties the input "
                                  f"to the output ({SECTION_FUNCTIONAL})",
                                  "how your function makes the model it returns"))
    _ok("a functional keras.Model")
    _finish(name)


def loss_settings(loss):
    """(the loss's name, its from_logits) for the loss a model was compiled with: a string,
    a function of keras.losses or a Loss object (from its configuration)."""
    if isinstance(loss, str):
        return loss, False
    config = {}
    get_config = getattr(loss, "get_config", None)
    if callable(get_config):
        try:
            config = get_config() or {}
        except Exception:  # noqa: BLE001 - a loss of the learner's own that cannot say
            config = {}
    name = getattr(loss, "__name__", None) or type(loss).__name__
    return name, bool(config.get("from_logits", False))


def _metric_names(model):
    metrics = model.get_compile_config().get("metrics") or []
    return [metric.get("class_name") if isinstance(metric, dict) else str(metric)
            for metric in (metrics if isinstance(metrics, list) else [metrics])]


def check_compile_model(compile_model):
    """Check compile_model on a linear classifier: it returns the model, compiled with Adam
    and the learning rate given, the softmax cross-entropy of logits and one-hot labels, and
    the accuracy; each setting read from the compiled model."""
    name = "compile_model"
    reference = REFERENCE["compile_model"]
    rate = reference["learning_rate"]
    X, Y, weights = reference_case()
    model = linear_classifier(weights, X.shape[1:])
    returned = _call(name, compile_model, model, rate)
    if returned is not model:
        raise CheckFailed(f"{name} returned {type(returned).__name__}; expected the model it "
                          "was given.\n"
                          + _hint(f"compile_model compiles the model it is given and hands "
                                  f"that same model back ({SECTION_COMPILE})",
                                  "what your function returns"))
    _ok("returns the model it was given")
    if not getattr(model, "compiled", False):
        raise CheckFailed(f"{name}: the model is not compiled.\n"
                          + _hint("compile_model calls the compile method of the model it is "
                                  "given, with an optimizer, a loss and the accuracy metric "
                                  f"({SECTION_COMPILE})", "whether your function compiles "
                                  "that model"))
    optimizer = type(model.optimizer).__name__
    found_rate = float(np.asarray(model.optimizer.learning_rate))
    if optimizer != "Adam":
        raise CheckFailed(f"{name}: the optimizer is {optimizer}; expected Adam.\n"
                          + _hint("the optimizer is Adam, as in the graph assignment, with the "
                                  f"learning rate given ({SECTION_COMPILE}, optimizer)",
                                  "the optimizer your compile gets"))
    if not np.isclose(found_rate, rate):
        raise CheckFailed(f"{name}(model, learning_rate={rate}): the optimizer's learning rate "
                          f"is {found_rate:g}; expected {rate}.\n"
                          + _hint("Adam takes the learning_rate compile_model is given; the "
                                  "string \"adam\" makes an Adam with Keras' default rate, "
                                  f"0.001 ({SECTION_COMPILE}, optimizer)",
                                  "how your optimizer is made"))
    _ok(f"Adam, learning rate {rate}")
    loss_name, from_logits = loss_settings(model.loss)
    sparse = "sparse" in loss_name.lower()
    try:
        found = model.evaluate(X, Y, verbose=0, return_dict=True)
        error = None
    except ValueError as exc:
        found, error = {}, f"ValueError: {str(exc).splitlines()[0] if str(exc) else ''}"
    value = found.get("loss")
    if value is None or not np.isclose(value, reference["loss"], rtol=TOLERANCE):
        differs = (f"the loss on the reference case is {value:.6f}; expected "
                   f"{reference['loss']:.6f}" if value is not None else
                   f"evaluating the model on one-hot labels raised {error}")
        if sparse:
            raise CheckFailed(
                f"{name}: the loss is {loss_name}; expected CategoricalCrossentropy, the loss "
                f"of one-hot labels ({differs}).\n"
                + _hint("the labels are one-hot rows, so the loss is CategoricalCrossentropy; "
                        "SparseCategoricalCrossentropy expects one class number per example "
                        f"({SECTION_COMPILE}, the table of losses)", "the loss your compile "
                        "gets"))
        if "categorical" in loss_name.lower() and not from_logits:
            raise CheckFailed(
                f"{name}: the loss is {loss_name} with from_logits {from_logits}; expected "
                f"from_logits True ({differs}).\n"
                + _hint("the model gives logits, so the loss must apply the softmax itself; "
                        "with from_logits False, the default, Keras takes the logits for "
                        "probabilities and computes a wrong loss without any error "
                        f"({SECTION_COMPILE}, the table of losses)", "the settings of your "
                        "loss"))
        raise CheckFailed(
            f"{name}: {differs}, the mean softmax cross-entropy of the logits (the loss is "
            f"{loss_name}, from_logits {from_logits}).\n"
            + _hint(f"the loss is J of {SECTION_COMPILE}, the mean softmax cross-entropy of "
                    "logits and one-hot labels: the row of its table of losses for one-hot "
                    "labels and logits", "the loss your compile gets"))
    _ok(f"the loss on the reference case: {value:.6f}, {loss_name} with from_logits True"
        if from_logits else f"the loss on the reference case: {value:.6f}")
    metrics = {key: number for key, number in found.items() if key != "loss"}
    if not any(np.isclose(number, reference["accuracy"]) for number in metrics.values()):
        raise CheckFailed(f"{name}: the model is compiled with the metrics "
                          f"{_metric_names(model)} and measures {metrics or 'no metric'}; "
                          f"expected an accuracy of {reference['accuracy']}.\n"
                          + _hint("the model measures its accuracy while training, the share "
                                  "of examples whose largest score is the true class "
                                  f"({SECTION_COMPILE}, metrics)",
                                  "the metrics your compile gets"))
    _ok(f"the accuracy on the reference case: {reference['accuracy']:.3f}")
    _finish(name)


def _history_entries(history):
    """name -> the list of numbers of each entry of a History's ``history``."""
    return {key: [float(value) for value in values] for key, values in history.items()}


def check_train_model(train_model, epochs=2):
    """Check train_model on a linear classifier and 60 small images stored class by class:
    it calls fit once, the validation split holds several classes, and it returns the History
    fit returned, every entry and every epoch's value."""
    keras = _keras()
    name = "train_model"
    np.random.seed(1)
    X = np.random.rand(60, 4, 4, 1).astype(np.float32)
    labels = np.repeat(np.arange(6), 10)
    Y = np.eye(6, dtype=np.float32)[labels]
    weights = [np.zeros((16, 6), np.float32), np.zeros(6, np.float32)]
    model = _probability_classifier(weights, X.shape[1:])
    given, produced = {}, []
    fit = model.fit

    def recording_fit(*args, **kwargs):
        named = dict(zip(("x", "y"), args))
        given.update(y=np.asarray(kwargs.get("y", named.get("y"))))
        produced.append(fit(*args, **kwargs))
        return produced[-1]

    model.fit = recording_fit
    history = _call(name, train_model, model, X, Y, epochs=epochs, batch_size=16,
                    validation_split=0.2, seed=3, verbose=0)
    where_fit = "the arguments your train_model gives fit"
    if len(produced) != 1:
        raise CheckFailed(f"{name} called fit {len(produced)} times; expected once.\n"
                          + _hint(f"one call of fit trains every epoch ({SECTION_TRAIN})",
                                  "how often your function calls fit"))
    if not isinstance(history, keras.callbacks.History):
        raise CheckFailed(f"{name} returned {type(history).__name__}; expected the History "
                          "that fit returns.\n"
                          + _hint(f"train_model returns the History that fit returns "
                                  f"({SECTION_TRAIN})", "what your function returns"))
    keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    if sorted(history.history) != keys or any(len(history.history[key]) != epochs
                                              for key in keys):
        found = {key: len(values) for key, values in history.history.items()}
        raise CheckFailed(f"{name}: the History holds {found}; expected {epochs} values of "
                          f"each of {keys}.\n"
                          + _hint("fit trains for the epochs it is given and measures the loss "
                                  "and the accuracy on the validation split it is given, once "
                                  f"per epoch ({SECTION_TRAIN})", where_fit))
    expected = _history_entries(produced[0].history)
    returned = _history_entries(history.history)
    for key in keys:
        if not np.allclose(returned[key], expected[key], rtol=1e-6, atol=1e-7):
            raise CheckFailed(f"{name}: the History's {key} is {returned[key]}; fit produced "
                              f"{expected[key]}.\n"
                              + _hint("train_model returns the History that fit returns, "
                                      f"unchanged ({SECTION_TRAIN})",
                                      "what your function does with fit's History"))
    _ok(f"returns the History of its {epochs} epochs, as fit produced it: {', '.join(keys)}")
    held_out = np.argmax(given["y"][48:], axis=1) if given.get("y") is not None else []
    if len(set(np.asarray(held_out).tolist())) < 3:
        raise CheckFailed(f"{name}: on 60 examples stored class by class, the validation "
                          f"split holds the classes {sorted(set(np.asarray(held_out).tolist()))}"
                          " only; expected several.\n"
                          + _hint("validation_split takes the last examples before any "
                                  "shuffling: shuffle the images and their labels first, with "
                                  f"one permutation drawn from the seed ({SECTION_TRAIN}, the "
                                  "validation split)", "what your function gives fit"))
    _ok("the validation split holds examples of several classes")
    _finish(name)


def check_predict(predict):
    """Check predict on the linear classifier of the reference case: both elements of its
    pair, every row."""
    name = "predict"
    reference = REFERENCE["predict"]
    X, _, weights = reference_case()
    result = _call(name, predict, linear_classifier(weights, X.shape[1:]), X)
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailed(f"{name} returned {type(result).__name__}; expected a pair "
                          "(probabilities, classes).\n"
                          + _hint(f"predict returns two arrays, the probabilities and the "
                                  f"classes, in that order ({SECTION_PREDICT})",
                                  "what your function returns"))
    probabilities, classes = (np.asarray(value) for value in result)
    shown = np.asarray(probabilities, dtype=np.float64) if probabilities.dtype.kind in "biuf" \
        else probabilities
    want = np.asarray(reference["probabilities"])
    if probabilities.shape != want.shape or not np.allclose(probabilities, want,
                                                            atol=TOLERANCE):
        rows = (np.round(shown[:2], 4).tolist() if shown.ndim == 2
                else np.round(shown, 4).tolist()[:12])
        raise CheckFailed(f"{name}: probabilities has shape {probabilities.shape}, first rows "
                          f"{rows}; expected {want.shape}, first rows "
                          f"{np.round(want[:2], 4).tolist()}.\n"
                          + _hint(IDEA_PREDICT, "the axis your softmax works along"))
    _ok("probabilities: shape (8, 6), each row the softmax of its logits")
    if classes.shape != (8,) or classes.dtype.kind not in "iu" \
            or classes.tolist() != reference["classes"]:
        raise CheckFailed(f"{name}: classes is {classes.tolist()} ({classes.dtype}); expected "
                          f"{reference['classes']} (integers).\n"
                          + _hint(IDEA_PREDICT, "the axis your argmax works along"))
    _ok(f"classes: {classes.tolist()}")
    _finish(name)


def _small_examples():
    """name -> the arguments of a tiny call that any implementation can run."""
    X = np.zeros((4, 4, 4, 1), np.float32)
    Y = np.eye(6, dtype=np.float32)[[0, 1, 2, 3]]

    def model():
        return _probability_classifier([np.zeros((16, 6), np.float32),
                                        np.zeros(6, np.float32)], (4, 4, 1))

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


def has_trained(history):
    """Whether the training cell of section 3.3 has given HISTORY, a History; if not, print
    one line saying what the cell waits for."""
    if history is None:
        print("This cell waits for the training of section 3.3: run that cell, then this one "
              "again.")
        return False
    return True


def validate(func):
    """The graded cell of FUNC, one of the graded functions: see utils.checks.validate_graded."""
    validate_graded(func, CHECKS, {}, assert_implemented)
