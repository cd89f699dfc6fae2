"""Probes of "Convolutional networks in Keras": the student's Keras models, compiled models,
training runs and predictions turned into plain data.

Each ``probe_NAME(func, *args)`` calls the student's function FUNC on what the grader sends
as ARGS and returns plain data (a model's layers and their settings, its weights and
outputs, a compiled model's loss and optimizer, what ``fit`` was given and the History it
returned) that the hidden tests (``autograder.hidden_tests.keras_models``) judge in the
grader's process. A probe runs in the student's process: in the kernel for the notebook, in
the sandboxed worker when the grader grades (``autograder.engine.session``), which names it
"autograder.probes.keras_models:probe_NAME". This module is readable by student code, so it
holds no cases, expected values or hints: what to feed and what to look at comes from the
grader.

The functions that take a model (compile_model, train_model, predict) are given a linear
classifier, Flatten then Dense, whose weights the grader sends: it is quick to train, and
its logits are simple to compute in numpy.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograder.engine.wire import describe
from utils.keras_checks import linear_classifier

# The settings of a layer's configuration a probe reports, when the layer has them.
LAYER_SETTINGS = ("filters", "kernel_size", "strides", "padding", "dilation_rate", "pool_size",
                  "units", "activation", "use_bias", "data_format", "negative_slope",
                  "max_value", "threshold", "axis")


def keras():
    """Keras 3 (``utils.tensorflow_setup``)."""
    from utils.tensorflow_setup import import_keras
    return import_keras()


def _plain(value: Any) -> Any:
    """A configuration value as plain data: tuples as lists, anything else as a string."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return describe(value)


def _shape(tensor: Any) -> list | None:
    shape = getattr(tensor, "shape", None)
    return None if shape is None else [None if size is None else int(size) for size in shape]


def model_data(model: Any, X: np.ndarray | None = None) -> dict:
    """MODEL as plain data: whether it is a Keras model and which kind, its input and output
    shapes, each layer (InputLayer left out; for a functional model each operation, layer or
    not) with its class, output shape, number of parameters, LAYER_SETTINGS and the class of
    its kernel initializer, its weights, and its
    outputs on the images X (if given; or the error computing them raised)."""
    k = keras()
    if not isinstance(model, k.Model):
        return {"model": False, "describe": describe(model)}
    found: dict[str, Any] = {"model": True, "class": type(model).__name__,
                             "sequential": isinstance(model, k.Sequential),
                             "built": bool(model.built)}
    try:
        found["input_shape"] = _shape(model.inputs[0]) if model.inputs else None
        found["output_shape"] = _shape(model.outputs[0]) if model.outputs else None
    except (AttributeError, ValueError) as error:
        found["input_shape"] = found["output_shape"] = None
        found["shape_error"] = f"{type(error).__name__}: {error}"
    layers = []
    # A functional model's operations include those that are not layers (keras.ops.relu on
    # a tensor, say): each is reported by its class, with its axis if it has one.
    for layer in getattr(model, "operations", None) or model.layers:
        if isinstance(layer, k.layers.InputLayer):
            continue
        if not isinstance(layer, k.layers.Layer):
            axis = getattr(layer, "axis", None)
            layers.append({"class": type(layer).__name__, "name": str(layer.name),
                           "output_shape": None, "params": 0, "operation": True,
                           "settings": {} if axis is None else {"axis": _plain(axis)},
                           "initializer": None})
            continue
        config = layer.get_config()
        initializer = config.get("kernel_initializer")
        layers.append({
            "class": type(layer).__name__,
            "name": layer.name,
            "output_shape": _shape(getattr(layer, "output", None)) if found["built"] else None,
            "params": int(layer.count_params()) if layer.built else None,
            "settings": {key: _plain(config[key]) for key in LAYER_SETTINGS if key in config},
            "initializer": (initializer.get("class_name") if isinstance(initializer, dict)
                            else _plain(initializer)),
        })
    found["layers"] = layers
    found["weights"] = [np.asarray(weight) for weight in model.get_weights()]
    if X is not None:
        try:
            found["outputs"] = np.asarray(k.ops.convert_to_numpy(model(X, training=False)))
        except Exception as error:  # noqa: BLE001 - the error is data for the judge
            found["outputs_error"] = f"{type(error).__name__}: {str(error).strip()[:300]}"
    return found


def probe_model(func: Callable, args: list, X: np.ndarray) -> dict:
    """The model FUNC(*ARGS) as data (``model_data``), with its outputs on the images X."""
    keras()
    return model_data(func(*args), X)


def probe_model_training(func: Callable, args: list, X: np.ndarray, Y: np.ndarray,
                         learning_rate: float, epochs: int, batch_size: int,
                         seed: int) -> dict:
    """The model FUNC(*ARGS), built after ``keras.utils.set_random_seed(SEED)``, compiled with
    Adam(LEARNING_RATE), the cross-entropy of logits and the accuracy (run eagerly: the few
    steps of a short run take less time than tracing them into a graph), and trained EPOCHS
    epochs on the images X and one-hot labels Y (mini-batches of BATCH_SIZE in order): the
    loss of each epoch, and for each of its weights whether training changed it (or the
    error training raised)."""
    k = keras()
    k.utils.set_random_seed(seed)
    model = func(*args)
    if not isinstance(model, k.Model):
        return {"model": False, "describe": describe(model)}
    model.compile(optimizer=k.optimizers.Adam(learning_rate=learning_rate),
                  loss=k.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  run_eagerly=True)
    before = [np.array(weight) for weight in model.get_weights()]
    try:
        history = model.fit(X, Y, epochs=epochs, batch_size=batch_size, shuffle=False,
                            verbose=0)
    except Exception as error:  # noqa: BLE001 - the error is data for the judge
        return {"model": True, "error": f"{type(error).__name__}: {str(error).strip()[:300]}"}
    after = model.get_weights()
    return {"model": True, "loss": [float(value) for value in history.history["loss"]],
            "changed": [bool(np.any(old != new)) for old, new in zip(before, after)],
            "names": [weight.path for weight in model.weights]}


def _loss_data(loss: Any) -> dict:
    config = {}
    get_config = getattr(loss, "get_config", None)
    if callable(get_config):
        try:
            config = {key: _plain(value) for key, value in get_config().items()}
        except Exception:  # noqa: BLE001 - a loss of the student's own that cannot say
            config = {}
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    return {"name": name, "class": type(loss).__name__, "config": config}


def probe_compile(func: Callable, weights: list, X: np.ndarray, Y: np.ndarray,
                  learning_rate: float) -> dict:
    """FUNC(model, LEARNING_RATE) on a linear classifier of the images X with WEIGHTS: what it
    returned, whether the model is compiled, its optimizer (class, learning rate), its loss,
    the metrics it was compiled with (names, or class names), and what ``evaluate`` gives on
    X and the one-hot labels Y: the loss and each metric by name (or the error it raised)."""
    keras()
    model = linear_classifier(weights, X.shape[1:])
    returned = func(model, learning_rate)
    found: dict[str, Any] = {"returned_model": returned is model, "describe": describe(returned),
                             "compiled": bool(getattr(model, "compiled", False))}
    if not found["compiled"]:
        return found
    optimizer = model.optimizer
    found["optimizer"] = type(optimizer).__name__
    try:
        found["learning_rate"] = float(np.asarray(optimizer.learning_rate))
    except (TypeError, ValueError):
        found["learning_rate"] = None
    found["loss"] = _loss_data(model.loss)
    metrics = model.get_compile_config().get("metrics") or []
    found["metrics"] = [metric.get("class_name") if isinstance(metric, dict) else _plain(metric)
                        for metric in (metrics if isinstance(metrics, list) else [metrics])]
    try:
        found["evaluate"] = {key: float(value) for key, value in model.evaluate(
            X, Y, batch_size=len(X), verbose=0, return_dict=True).items()}
    except Exception as error:  # noqa: BLE001 - the error is data for the judge
        found["evaluate_error"] = f"{type(error).__name__}: {str(error).strip()[:300]}"
    return found


def probe_train(func: Callable, weights: list, X: np.ndarray, Y: np.ndarray,
                learning_rate: float, kwargs: dict) -> dict:
    """FUNC(model, X, Y, **KWARGS) on a linear classifier of the images X with WEIGHTS, compiled
    with Adam(LEARNING_RATE), the cross-entropy of logits and the accuracy (run eagerly, as in
    ``probe_model_training``): the arguments of
    each call of the model's ``fit`` (for the images and labels given to it, and those of
    ``validation_data`` if given: the sum of each image's pixels and each label's class, which
    identify the examples), the ``history`` of the History each call returned, what FUNC
    returned, and the History's ``history`` and ``params`` if it returned one."""
    k = keras()
    model = linear_classifier(weights, X.shape[1:])
    model.compile(optimizer=k.optimizers.Adam(learning_rate=learning_rate),
                  loss=k.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  run_eagerly=True)
    calls, produced = [], []
    fit = model.fit

    def recording_fit(*args, **fit_kwargs):
        names = ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split",
                 "validation_data", "shuffle")
        given = dict(zip(names, args))
        given.update(fit_kwargs)
        record = {key: _plain(value) for key, value in given.items()
                  if key not in ("x", "y", "validation_data", "callbacks")}
        for key in ("x", "y"):
            value = given.get(key)
            try:
                array = np.asarray(value, dtype=np.float64)
                record[key] = (array.reshape(len(array), -1).sum(axis=1) if key == "x"
                               else np.argmax(array.reshape(len(array), -1), axis=1))
            except (TypeError, ValueError):
                record[key] = describe(value)
        validation = given.get("validation_data")
        record["validation_data"] = validation is not None
        if isinstance(validation, (tuple, list)) and len(validation) >= 2:
            try:
                held_x, held_y = (np.asarray(value, dtype=np.float64)
                                  for value in validation[:2])
                record["validation_x"] = held_x.reshape(len(held_x), -1).sum(axis=1)
                record["validation_y"] = np.argmax(held_y.reshape(len(held_y), -1), axis=1)
            except (TypeError, ValueError):
                pass
        calls.append(record)
        history = fit(*args, **fit_kwargs)
        produced.append(_history_data(history))
        return history

    model.fit = recording_fit
    returned = func(model, X, Y, **kwargs)
    found: dict[str, Any] = {"fit_calls": calls, "fit_histories": produced,
                             "describe": describe(returned), "history": None}
    if isinstance(returned, k.callbacks.History):
        found["history"] = _history_data(returned)
        found["params"] = {key: _plain(value) for key, value in returned.params.items()}
    return found


def _history_data(history: Any) -> dict | None:
    """The ``history`` of a History as plain data: name -> the list of its numbers (a value
    that is not a number as None); None if HISTORY has no such dict."""
    entries = getattr(history, "history", None)
    if not isinstance(entries, dict):
        return None
    data = {}
    for key, values in entries.items():
        numbers = []
        for value in (values if isinstance(values, (list, tuple)) else [values]):
            try:
                numbers.append(float(value))
            except (TypeError, ValueError):
                numbers.append(None)
        data[str(key)] = numbers
    return data


def probe_predict(func: Callable, weights: list, X: np.ndarray) -> dict:
    """FUNC(model, X) on a linear classifier of the images X with WEIGHTS: each item it
    returned as a numpy array if it can be one (with the type it had), else described."""
    keras()
    returned = func(linear_classifier(weights, X.shape[1:]), X)
    if not isinstance(returned, (tuple, list)):
        return {"pair": False, "describe": describe(returned)}
    items = []
    for value in returned:
        try:
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError
            items.append({"array": array, "type": type(value).__name__})
        except (TypeError, ValueError):
            items.append({"array": None, "type": type(value).__name__,
                          "describe": describe(value)})
    return {"pair": True, "items": items}
