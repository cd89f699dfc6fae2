"""Hidden tests of "Convolutional networks in Keras" (Keras 3).

Each autograded cell calls ``grade_NAME(NAME)`` with the student's function. The grade
function runs weighted sub-tests, prints a report (header "NAME: x / P points", one line per
sub-test; for a failure, what was expected, what came back and a hint) and returns the earned
points as a Python float, nbgrader's partial credit.

What the visible checks cannot see is checked here:

- each model is read layer by layer: the kind of each layer and their order, the filters,
  kernel sizes, strides, padding, biases and initializers of the convolutions, the windows,
  strides and padding of the pools, the activations (ReLU after each convolution, logits at
  the end); the model is built for other image sizes and class counts, and each layer's
  output shape and parameters must follow from its settings, and its outputs from its
  layers (``oracles.keras_forward``, numpy); two epochs of training on a few images must
  change every weight and lower the loss. Each setting is judged once, in its own
  sub-test: a model whose pools use VALID padding loses the pool sub-test, not the shapes
  that follow from it;
- ``compile_model`` is judged by what the compiled model computes: its loss on known logits
  and one-hot labels against numpy's softmax cross-entropy, its accuracy, its optimizer and
  learning rate;
- ``train_model`` trains a small model briefly on images stored class by class: what ``fit``
  is given (every example once, with its own label, shuffled with the seed before
  ``validation_split`` takes the last ones), the epochs, batch size and validation split it
  was asked for, and the History it returns;
- ``predict`` is compared with numpy's softmax and argmax of known logits, for one image and
  for more than Keras' batch of 32.

The functions make and take Keras objects, which cannot leave the process that made them.
Each is therefore examined by a probe (``probe_NAME`` of ``autograder.probes.keras_models``)
that runs in the student's process (the kernel for the notebook, the sandboxed worker when
the grader grades) and returns plain data; the judging happens here. The functions that take a
model get a linear classifier (Flatten, Dense) with weights sent from here, so a mistake in
a model costs points in that model's tests only. Student functions run with their output,
warnings and exceptions captured (``harness``). This module imports no Keras.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

from autograder.engine.harness import Failure, Grader, Hint, probe_call
from autograder.hidden_tests import oracles
from autograder.probes.keras_models import (
    probe_compile,
    probe_model,
    probe_model_training,
    probe_predict,
    probe_train,
)
from utils.keras_checks import (  # the notebook's sections, one list for checks and tests
    SECTION_COMPILE,
    SECTION_DEFAULTS,
    SECTION_FUNCTIONAL,
    SECTION_LAYERS,
    SECTION_LOGITS,
    SECTION_LOSSES,
    SECTION_PREDICT,
    SECTION_SEQUENTIAL,
    SECTION_SPLIT,
    SECTION_TRAIN,
)

POINTS = {
    "sequential_model": 25,
    "functional_model": 25,
    "compile_model": 15,
    "train_model": 20,
    "predict": 15,
}

# The course's network, layer by layer after each activation layer is folded into the layer
# before it: (class, settings).
NETWORK = (
    ("Conv2D", {"filters": 8, "kernel_size": [4, 4], "strides": [1, 1], "padding": "same",
                "use_bias": False, "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": [8, 8], "strides": [8, 8], "padding": "same"}),
    ("Conv2D", {"filters": 16, "kernel_size": [2, 2], "strides": [1, 1], "padding": "same",
                "use_bias": False, "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": [4, 4], "strides": [4, 4], "padding": "same"}),
    ("Flatten", {}),
    ("Dense", {"activation": "linear", "use_bias": True}),
)
LAYER_NAMES = [kind for kind, _ in NETWORK]
POOLS = ("MaxPooling2D", "AveragePooling2D")
CONV_INITIALIZER = "GlorotNormal"

# (input_shape, n_classes) the models are built for: the notebook's, then two others (with
# 60 x 60 images SAME and VALID pooling give other shapes; with 64 x 64 they do not).
MODEL_CASES = (((64, 64, 3), 6), ((60, 60, 3), 6), ((48, 40, 1), 10))
MODEL_IMAGES = 2
# The brief training of each model: images of the shipped default training set per class,
# epochs, mini-batch size and Adam's learning rate. Each epoch is one step on all 24 images,
# which lowers the loss (1.80 to 1.74 for the solution's models) and changes every weight.
MODEL_TRAINING_PER_CLASS = 4
MODEL_EPOCHS = 2
MODEL_BATCH = 24
MODEL_LEARNING_RATE = 0.01
MODEL_SEED = 3


HINT_SEQUENTIAL = Hint("not-sequential", (
    f"a keras.Sequential is a list of layers, the input's shape first ({SECTION_SEQUENTIAL}); "
    "look at what your function makes its model from"))
HINT_FUNCTIONAL = Hint("not-functional", (
    "the functional API calls each layer on the output of the one before, from the input, and "
    f"keras.Model ties the input to the output ({SECTION_FUNCTIONAL}); look at how your "
    "function makes the model it returns"))
HINT_FLATTEN = Hint("missing-flatten", (
    "a Dense layer on a 4-D tensor works on its last axis only, so the model gives a "
    "(2, 2, n_classes) block per image instead of n_classes scores: the FLATTEN row of the "
    f"table ({SECTION_LAYERS}) turns each image's block into one row of numbers; look at what "
    "comes between the second pool and the dense layer"))
HINT_LAYERS = Hint("layers-differ", (
    f"the layers, in the order of the table of {SECTION_LAYERS}: Conv2D, MaxPooling2D, Conv2D, "
    "MaxPooling2D, Flatten, Dense (a ReLU may be the convolution's own activation or a layer "
    "of its own right after it); look at the layers your function builds, in order"))
HINT_CONV_PADDING = Hint("conv-padding", (
    "SAME padding keeps the image size at stride 1; Keras' default, VALID, keeps only whole "
    f"windows, floor((n - f) / s) + 1 rows of n ({SECTION_DEFAULTS}); look at the padding each "
    "Conv2D layer is given"))
HINT_CONV_SIZE = Hint("conv-size", (
    f"the convolutions of the table of {SECTION_LAYERS}: 8 filters of 4 x 4, then 16 filters "
    "of 2 x 2, both with stride 1; look at the filters, kernel size and strides each Conv2D "
    "layer is given"))
HINT_CONV_BIAS = Hint("conv-bias", (
    "the convolutions have no biases, as the graph assignment's filters W1 and W2, and Keras "
    f"adds one per filter unless told otherwise ({SECTION_DEFAULTS}); look at use_bias in "
    "each Conv2D layer"))
HINT_INITIALIZER = Hint("conv-initializer", (
    "the filters start from Glorot normal values, as in the graph assignment, and Keras' "
    f"default is Glorot uniform ({SECTION_DEFAULTS}); look at the kernel initializer of each "
    "Conv2D layer"))
HINT_RELU = Hint("missing-relu", (
    "each convolution is followed by a ReLU, the CONV2D + RELU rows of the table "
    f"({SECTION_LAYERS}): the convolution's own activation, or a ReLU layer right after it "
    f"({SECTION_FUNCTIONAL}); look at what follows each convolution"))
HINT_SOFTMAX_IN_MODEL = Hint("softmax-in-model", (
    "the model ends with logits and the loss applies the softmax itself, so a softmax in the "
    f"model is applied twice ({SECTION_LOGITS}); look at the dense layer's activation and at "
    "what follows it"))
HINT_DENSE = Hint("dense-layer", (
    "the last layer is a dense layer of one unit per class, n_classes, with a bias and no "
    f"activation (the DENSE row of the table, {SECTION_LAYERS}); look at the dense layer's "
    "units, bias and activation"))
HINT_POOL_PADDING = Hint("pool-padding", (
    "it is right for 64 x 64 images and wrong for other sizes: with SAME padding a pool of "
    "stride s keeps ceil(n / s) rows of n, with VALID only whole windows, "
    f"floor((n - f) / s) + 1 ({SECTION_DEFAULTS}, and the figure after it); look at the "
    "padding each MaxPooling2D layer is given"))
HINT_POOLS = Hint("pool-windows", (
    "max pools of 8 x 8 with stride 8 first, then 4 x 4 with stride 4 (the MAXPOOL rows of "
    f"the table, {SECTION_LAYERS}); look at the pool size and strides of each MaxPooling2D "
    "layer"))
HINT_ARGUMENTS = Hint("ignores-arguments", (
    "the model is built for the input_shape and n_classes it is given, not for fixed numbers "
    f"({SECTION_SEQUENTIAL}); look at the shape of the model's input and the units of its "
    "dense layer"))
HINT_TRAINS = Hint("does-not-train", (
    "every weight of the network learns: the model is made of Keras layers that train (none "
    "frozen, no weights of your own outside the layers), so that fit changes every weight "
    f"({SECTION_TRAIN}); look at the layers' trainable setting and at any weight made by hand"))
HINT_OUTPUTS = Hint("outputs-differ", (
    "the model's outputs are not what its layers compute in this order: each layer is called "
    f"on the output of the one before it ({SECTION_FUNCTIONAL}); look at which tensor each "
    "layer is called on"))
HINT_RETURNS_MODEL = ("each model function returns the model it builds "
                      f"({SECTION_SEQUENTIAL}); look at what your function returns")

HINT_NOT_COMPILED = Hint("not-compiled", (
    "compile_model calls the compile method of the model it is given, with an optimizer, a "
    f"loss and the accuracy metric ({SECTION_COMPILE}); look at whether your function compiles "
    "that model"))
HINT_OPTIMIZER = Hint("optimizer-not-adam", (
    "the optimizer is Adam, as in the graph assignment, with the learning rate given "
    f"({SECTION_COMPILE}, optimizer); look at the optimizer your compile gets"))
HINT_LEARNING_RATE = Hint("learning-rate-ignored", (
    "Adam takes the learning_rate compile_model is given; the string \"adam\" makes an Adam "
    f"with Keras' default rate, 0.001 ({SECTION_COMPILE}, optimizer); look at how your "
    "optimizer is made"))
HINT_FROM_LOGITS = Hint("from-logits-mismatch", (
    "the model gives logits, so the loss must apply the softmax itself; with from_logits "
    "False (the default, also of the loss named by a string) Keras takes the logits for "
    f"probabilities and computes a wrong loss without any error ({SECTION_LOSSES}); look at "
    "the settings of your loss"))
HINT_SPARSE = Hint("sparse-loss-for-one-hot", (
    "the labels are one-hot rows, so the loss is CategoricalCrossentropy; "
    "SparseCategoricalCrossentropy expects one class number per example "
    f"({SECTION_LOSSES}); look at the loss your compile gets"))
HINT_LOSS = Hint("wrong-loss", (
    "the loss is J, the mean softmax cross-entropy of the logits and the one-hot labels: the "
    f"row of the table of losses for one-hot labels and logits ({SECTION_LOSSES}); look at "
    "the loss your compile gets"))
HINT_ACCURACY = Hint("no-accuracy-metric", (
    "the model measures its accuracy while training, the share of examples whose largest "
    f"score is the true class ({SECTION_COMPILE}, metrics); look at the metrics your compile "
    "gets"))
HINT_RETURNS_COMPILED = ("compile_model compiles the model it is given and hands that same "
                         f"model back ({SECTION_COMPILE}); look at what your function returns")

HINT_FIT_ARGUMENTS = Hint("fit-arguments-ignored", (
    "pass the arguments on to fit: the epochs, batch size, validation split and progress "
    f"display that train_model is given, not values of its own ({SECTION_TRAIN}); look at "
    "your call of fit"))
HINT_FIT_ONCE = (f"one call of fit trains every epoch ({SECTION_TRAIN}); look at how often "
                 "your function calls fit")
HINT_EXAMPLES = Hint("examples-lost", (
    "fit gets every training example once: the images and the labels reordered by one "
    f"permutation of their m positions ({SECTION_SPLIT}); look at how your function reorders "
    "X_train and Y_train"))
HINT_APART = Hint("labels-shuffled-apart", (
    "the images and their labels are shuffled with the same permutation, else each image "
    f"gets another image's label ({SECTION_SPLIT}); look at where your function draws its "
    "permutations"))
HINT_SPLIT = Hint("validation-split-unshuffled", (
    "validation_split takes the last examples as they are, before fit shuffles anything: on "
    "data stored class by class the validation set then holds the last classes only, which the "
    "model hardly trains on. Shuffle the images and labels first, with one permutation drawn "
    f"from the seed ({SECTION_SPLIT}); look at what your function gives fit"))
HINT_SEED = Hint("shuffle-not-seeded", (
    "the permutation is drawn from a generator made from the seed given, so that a run can be "
    f"repeated and another seed gives another order ({SECTION_SPLIT}); look at where your "
    "permutation is drawn"))
HINT_HISTORY = Hint("returns-not-history", (
    "train_model returns the History that fit returns, unchanged: one value per epoch of the "
    "loss and of each metric, on the training examples and on the validation split "
    f"({SECTION_TRAIN}); look at what your function returns"))

HINT_PAIR = Hint("predict-returns", (
    "predict returns two arrays, the probabilities and the classes, in that order "
    f"({SECTION_PREDICT}); look at what your function returns"))
HINT_SOFTMAX_AXIS = Hint("softmax-axis", (
    "the probabilities are the softmax of each image's logits over its classes, axis 1 (the "
    f"last), so that each row sums to 1 ({SECTION_PREDICT}, p_k = e^(z_k) / sum_j e^(z_j)); "
    "look at the axis of your softmax"))
HINT_NO_SOFTMAX = Hint("probabilities-are-logits", (
    "the model gives logits; the probabilities are their softmax over the classes of each "
    f"image ({SECTION_PREDICT}); look at how your function turns the logits into "
    "probabilities"))
HINT_SOFTMAX_TWICE = Hint("softmax-twice", (
    "the softmax is applied once, to the logits: the model has no softmax of its own "
    f"({SECTION_PREDICT}); look at how many times your function applies it"))
HINT_ARGMAX_AXIS = Hint("argmax-axis", (
    "the class of each image is the position of the largest score in its row, one class per "
    f"row ({SECTION_PREDICT}); look at the axis your argmax works along"))
HINT_CLASSES = Hint("classes-not-numbers", (
    f"classes holds one class number per image, shape (m,), integers ({SECTION_PREDICT}); "
    "look at the shape and type of what your function returns as classes"))

# The short training runs of grade_train_model: 120 images, of which fit trains on 96 in two
# mini-batches of 48 per epoch. TRAIN_KWARGS is the run whose arguments and History are judged;
# the runs with another seed and another progress display (SEED_RUN) and with the same seed
# again (REPEAT_RUN) are judged by what fit is given only, and train one epoch.
TRAIN_EXAMPLES_PER_CLASS = 20
TRAIN_SIZE = 16  # the images are shrunk to 16 x 16, one channel
TRAIN_KWARGS = {"epochs": 2, "batch_size": 48, "validation_split": 0.2, "seed": 7,
                "verbose": 0}
SEED_RUN = {"seed": TRAIN_KWARGS["seed"] + 1, "verbose": 2, "epochs": 1}
REPEAT_RUN = {"verbose": 1, "epochs": 1}
TRAIN_LEARNING_RATE = 0.01
COMPILE_LEARNING_RATE = 0.0123
# The metrics (as compile takes them, lower case) that measure the accuracy of one-hot labels.
ACCURACY_NAMES = {"accuracy", "acc", "categorical_accuracy", "categoricalaccuracy"}
# The numbers of images predict is tried on.
MODEL_SIZES = (7, 1, 70)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _rounded(values: list) -> list:
    """VALUES (numbers, or None) to 6 significant digits, for a report."""
    return [value if value is None else float(f"{value:.6g}") for value in values]


# ---------------------------------------------------------------------------------------------
# sequential_model, functional_model
# ---------------------------------------------------------------------------------------------

def layer_table(found: dict) -> list[dict]:
    """The model's layers with each activation (a layer, or an operation of ``keras.ops``)
    folded into the layer before it, as its "activation" when that layer has none of its own:
    the form the network is judged in. A ReLU right after a max pool that follows a
    convolution is the convolution's: ReLU and max pooling commute."""
    table: list[dict] = []
    for layer in found["layers"]:
        settings, kind = layer["settings"], layer["class"]
        folded = None
        if kind == "ReLU" and not settings.get("negative_slope") \
                and settings.get("max_value") is None and not settings.get("threshold"):
            folded = "relu"
        elif kind == "Relu" and layer.get("operation"):
            folded = "relu"
        elif kind == "Activation":
            folded = settings.get("activation")
        elif kind == "Softmax" and settings.get("axis", -1) in (-1, [-1]):
            folded = "softmax"
        target = len(table) - 1
        if (folded == "relu" and len(table) >= 2 and table[-1]["class"] == "MaxPooling2D"
                and table[-2]["class"] == "Conv2D"):
            target = len(table) - 2
        if (folded is not None and target >= 0
                and "activation" in table[target]["settings"]
                and table[target]["settings"].get("activation") in ("linear", None)):
            table[target] = {**table[target], "settings": {**table[target]["settings"],
                                                           "activation": folded}}
            continue
        table.append(layer)
    return table


def _table_text(table: list[dict]) -> str:
    return ", ".join(layer["class"] for layer in table) or "no layers"


def _pools_text(pools: list) -> str:
    """(class, settings) of pools as "MaxPooling2D 8 x 8 stride 8 same; ..."."""
    def size(value):
        return " x ".join(str(n) for n in value) if isinstance(value, list) else str(value)

    def stride(value):
        return str(value[0]) if isinstance(value, list) and len(set(value)) == 1 else size(value)

    return "; ".join(f"{kind} {size(s.get('pool_size'))} stride {stride(s.get('strides'))} "
                     f"{s.get('padding')}" for kind, s in pools)


def _expected_shapes(table: list[dict], input_shape: tuple, n_classes: int) -> list:
    """(output shape, parameters) of each layer of TABLE, as its own settings give them for
    images of INPUT_SHAPE; None where a layer cannot say."""
    shape: list | None = [None, *input_shape]
    expected = []
    for layer in table:
        kind, settings = layer["class"], layer["settings"]
        params = 0
        if shape is None:
            expected.append(None)
            continue
        if kind in ("Conv2D", *POOLS):
            size = settings["kernel_size"] if kind == "Conv2D" else settings["pool_size"]
            stride, padding = settings["strides"], settings["padding"]
            spatial = []
            for n, f, s in zip(shape[1:3], size, stride):
                spatial.append(-(-n // s) if padding == "same" else (n - f) // s + 1)
            channels = settings["filters"] if kind == "Conv2D" else shape[3]
            if kind == "Conv2D":
                params = size[0] * size[1] * shape[3] * channels + (
                    channels if settings.get("use_bias") else 0)
            shape = [None, *spatial, channels]
        elif kind == "Flatten":
            shape = [None, int(np.prod(shape[1:]))]
        elif kind == "Dense":
            params = shape[-1] * settings["units"] + (
                settings["units"] if settings.get("use_bias") else 0)
            shape = [*shape[:-1], settings["units"]]
        elif kind in ("ReLU", "Activation", "Softmax", "Relu"):
            pass
        else:
            shape = None
        expected.append(None if shape is None else (list(shape), params))
    return expected


@functools.cache
def model_training_data() -> tuple[np.ndarray, np.ndarray]:
    """MODEL_TRAINING_PER_CLASS images of each class of the shipped default training set,
    scaled to 0..1, with their one-hot labels (read once per process; read-only arrays)."""
    from utils import signs

    images, labels, classes = signs.read_split(signs.DATA_DIR / signs.DIGITS_FILES[0], "train")
    chosen = np.concatenate([np.flatnonzero(labels == k)[:MODEL_TRAINING_PER_CLASS]
                             for k in range(len(classes))])
    X = (images[chosen] / 255.0).astype(np.float32)
    Y = np.eye(len(classes), dtype=np.float32)[labels[chosen]]
    X.flags.writeable = False
    Y.flags.writeable = False
    return X, Y


class _Model:
    """The student's model built for each of MODEL_CASES, as data (probe_model), with its
    outputs on MODEL_IMAGES random images of each size."""

    def __init__(self, func: Callable, name: str):
        self.name = name
        self.builds: dict[int, dict | Failure] = {}
        self.func = func
        self.images = {}
        for index, (shape, _) in enumerate(MODEL_CASES):
            self.images[index] = _rng(300 + index).random((MODEL_IMAGES, *shape)).astype(
                np.float32)

    def build(self, index: int) -> dict:
        if index not in self.builds:
            shape, n_classes = MODEL_CASES[index]
            try:
                found = probe_call(self.func, probe_model, [tuple(shape), n_classes],
                                   self.images[index])
                if not found["model"]:
                    raise Failure(f"{self.name}{(tuple(shape), n_classes)} returned "
                                  f"{found['describe']}; expected a Keras model",
                                  HINT_RETURNS_MODEL)
                self.builds[index] = found
            except Failure as failure:
                self.builds[index] = failure
        if isinstance(self.builds[index], Failure):
            raise self.builds[index]
        return self.builds[index]

    def table(self, index: int = 0) -> list[dict]:
        return layer_table(self.build(index))

    def of_class(self, *kinds: str) -> list[dict]:
        return [layer for layer in self.table() if layer["class"] in kinds]


def _grade_model(func: Callable, name: str, sequential: bool) -> float:
    model = _Model(func, name)
    with Grader(name, POINTS[name]) as grader:
        def kind_test():
            found = model.build(0)
            if sequential and not found["sequential"]:
                raise Failure(f"the model is a {found['class']}; expected a keras.Sequential",
                              HINT_SEQUENTIAL)
            if not sequential and found["sequential"]:
                raise Failure("the model is a keras.Sequential; expected a functional "
                              "keras.Model", HINT_FUNCTIONAL)

        def order_test():
            table = model.table()
            found = [layer["class"] for layer in table]
            if found == LAYER_NAMES:
                return
            hint = HINT_FLATTEN if ("Flatten" not in found
                                    and [kind for kind in LAYER_NAMES if kind != "Flatten"]
                                    == found) else HINT_LAYERS
            raise Failure(f"the model's layers are {_table_text(table)}; expected "
                          f"{', '.join(LAYER_NAMES)}", hint)

        def conv_test():
            convs = model.of_class("Conv2D")
            expected = [settings for kind, settings in NETWORK if kind == "Conv2D"]
            if len(convs) != len(expected):
                raise Failure(f"the model has {len(convs)} Conv2D layers; expected 2",
                              HINT_LAYERS)
            for index, (layer, wanted) in enumerate(zip(convs, expected), start=1):
                settings = layer["settings"]
                for key in ("filters", "kernel_size", "strides"):
                    if settings.get(key) != wanted[key]:
                        raise Failure(f"convolution {index} ({layer['name']}) has {key} "
                                      f"{settings.get(key)!r}; expected {wanted[key]!r}",
                                      HINT_CONV_SIZE)
                if settings.get("padding") != "same":
                    raise Failure(f"convolution {index} ({layer['name']}) has padding "
                                  f"{settings.get('padding')!r}; expected 'same'",
                                  HINT_CONV_PADDING)

        def bias_test():
            for index, layer in enumerate(model.of_class("Conv2D"), start=1):
                if layer["settings"].get("use_bias"):
                    raise Failure(f"convolution {index} ({layer['name']}) has use_bias "
                                  f"{layer['settings'].get('use_bias')!r}, a bias per filter "
                                  f"({layer['params']} parameters); expected False",
                                  HINT_CONV_BIAS)
                if layer["initializer"] != CONV_INITIALIZER:
                    raise Failure(f"convolution {index} ({layer['name']}) has the kernel "
                                  f"initializer {layer['initializer']}; expected "
                                  f"{CONV_INITIALIZER}", HINT_INITIALIZER)
            if not model.of_class("Conv2D"):
                raise Failure("the model has no Conv2D layer", HINT_LAYERS)

        def activation_test():
            convs = model.of_class("Conv2D")
            for index, layer in enumerate(convs, start=1):
                found = layer["settings"].get("activation")
                if found != "relu":
                    raise Failure(f"convolution {index} ({layer['name']}) has the activation "
                                  f"{found!r}, with no ReLU after it; expected 'relu'",
                                  HINT_RELU)
            dense = model.of_class("Dense")
            if not convs or not dense:
                raise Failure(f"the model's layers are {_table_text(model.table())}; expected "
                              "two Conv2D and a Dense layer", HINT_LAYERS)
            last = dense[-1]["settings"].get("activation")
            if last != "linear":
                hint = HINT_SOFTMAX_IN_MODEL if last == "softmax" else HINT_DENSE
                raise Failure(f"the dense layer ({dense[-1]['name']}) has the activation "
                              f"{last!r}; expected 'linear', no activation (logits)", hint)
            if model.table()[-1] is not dense[-1]:
                raise Failure(f"the model ends with a {model.table()[-1]['class']} layer; "
                              "expected the dense layer's logits", HINT_SOFTMAX_IN_MODEL)

        def pool_test():
            pools = model.of_class(*POOLS)
            expected = [(kind, settings) for kind, settings in NETWORK if kind in POOLS]
            found = [(layer["class"], {key: layer["settings"].get(key)
                                       for key in ("pool_size", "strides", "padding")})
                     for layer in pools]
            if found == expected:
                return
            windows = [(kind, {**s, "padding": "same"}) for kind, s in found]
            hint = HINT_POOL_PADDING if windows == expected else HINT_POOLS
            differs = []
            for index, ((kind, got), (want_kind, want)) in enumerate(zip(found, expected),
                                                                      start=1):
                if kind != want_kind:
                    differs.append(f"pool {index} is a {kind}, expected {want_kind}")
                differs += [f"pool {index} has {key} {got[key]!r}, expected {want[key]!r}"
                            for key in ("pool_size", "strides", "padding")
                            if got[key] != want[key]]
            if len(found) != len(expected):
                differs.append(f"{len(found)} pools, expected {len(expected)}")
            raise Failure(f"the model's pools are: {_pools_text(found) or 'none'}; expected "
                          f"{_pools_text(expected)} ({'; '.join(differs)})", hint)

        def arguments_test():
            for index in (1, 2):
                shape, n_classes = MODEL_CASES[index]
                found = model.build(index)
                if found["input_shape"] != [None, *shape]:
                    raise Failure(f"{name}({shape}, {n_classes}) takes inputs of shape "
                                  f"{found['input_shape']}; expected {[None, *shape]}",
                                  HINT_ARGUMENTS)
                table = layer_table(found)
                dense = [layer for layer in table if layer["class"] == "Dense"]
                if not dense or dense[-1]["settings"].get("units") != n_classes:
                    units = dense[-1]["settings"].get("units") if dense else None
                    raise Failure(f"{name}({shape}, {n_classes}) ends with {units} units; "
                                  f"expected {n_classes}", HINT_ARGUMENTS)
                expected = _expected_shapes(table, shape, n_classes)
                for layer, wanted in zip(table, expected):
                    if wanted is None or layer.get("operation"):
                        continue
                    found_pair = (layer["output_shape"], layer["params"])
                    if found_pair != (wanted[0], wanted[1]):
                        raise Failure(
                            f"for {shape} and {n_classes} classes, layer {layer['name']} "
                            f"({layer['class']}) has output shape {layer['output_shape']} and "
                            f"{layer['params']} parameters; its settings give {wanted[0]} "
                            f"and {wanted[1]}", HINT_ARGUMENTS)

        def outputs_test():
            for index in (0,):
                found = model.build(index)
                if "outputs" not in found:
                    raise Failure(f"the model could not be run on images of "
                                  f"{MODEL_CASES[index][0]}: {found.get('outputs_error')}",
                                  HINT_OUTPUTS)
                try:
                    expected = oracles.keras_forward(found["layers"], found["weights"],
                                                     model.images[index])
                except oracles.NotComputable as error:
                    raise Failure(f"the model's layers are {_table_text(model.table(index))}: "
                                  f"their outputs are not checked ({error})",
                                  HINT_LAYERS) from None
                actual = np.asarray(found["outputs"])
                if actual.shape != expected.shape or not np.allclose(
                        actual, expected, rtol=1e-4, atol=1e-4):
                    raise Failure(f"on {MODEL_IMAGES} images of {MODEL_CASES[index][0]}, the "
                                  f"model's outputs (shape {actual.shape}) are not what its "
                                  f"layers compute (shape {expected.shape})", HINT_OUTPUTS)

        def training_test():
            if model.build(0)["output_shape"] != [None, MODEL_CASES[0][1]]:
                return  # no n_classes scores per image: the sub-tests above lost their points
            X, Y = model_training_data()
            try:
                found = probe_call(func, probe_model_training, [MODEL_CASES[0][0],
                                                                MODEL_CASES[0][1]],
                                   X.copy(), Y.copy(), MODEL_LEARNING_RATE, MODEL_EPOCHS,
                                   MODEL_BATCH, MODEL_SEED)
            except Failure as failure:
                raise Failure(f"training the model raised: {failure.message}") from None
            if "error" in found:
                raise Failure(f"training the model raised {found['error']}", HINT_TRAINS)
            frozen = [name for name, changed in zip(found["names"], found["changed"])
                      if not changed]
            if frozen:
                raise Failure(f"{MODEL_EPOCHS} epochs of training left {', '.join(frozen)} "
                              "unchanged", HINT_TRAINS)
            loss = found["loss"]
            if not loss[-1] < loss[0]:
                raise Failure(f"the loss went from {loss[0]:.4f} to {loss[-1]:.4f} in "
                              f"{MODEL_EPOCHS} epochs; expected it to fall", HINT_TRAINS)

        grader.run("a keras.Sequential" if sequential else "a functional keras.Model", 2,
                   kind_test)
        grader.run(f"the layers in order: {', '.join(LAYER_NAMES)}", 4, order_test)
        grader.run("convolutions of 8 filters 4 x 4, then 16 filters 2 x 2, stride 1, padding "
                   "same", 4, conv_test)
        grader.run("the convolutions have no bias and start from Glorot normal values", 2,
                   bias_test)
        grader.run("ReLU after each convolution; logits out of the dense layer", 4,
                   activation_test)
        grader.run("max pools 8 x 8 stride 8, then 4 x 4 stride 4, padding same", 4, pool_test)
        grader.run("built for 60 x 60 x 3 images and 6 classes, 48 x 40 x 1 and 10: input, "
                   "output shape and parameters of each layer", 2, arguments_test)
        grader.run("its outputs on 64 x 64 x 3 images are what its layers compute", 2,
                   outputs_test)
        grader.run(f"it trains: {MODEL_EPOCHS} epochs on {len(model_training_data()[0])} "
                   "images change every weight and lower the loss", 1, training_test)
    return grader.score


def grade_sequential_model(func: Callable) -> float:
    """Grade sequential_model(input_shape, n_classes) -> keras.Sequential."""
    return _grade_model(func, "sequential_model", sequential=True)


def grade_functional_model(func: Callable) -> float:
    """Grade functional_model(input_shape, n_classes) -> keras.Model (functional API)."""
    return _grade_model(func, "functional_model", sequential=False)


# ---------------------------------------------------------------------------------------------
# The linear classifier the other functions are given
# ---------------------------------------------------------------------------------------------

def _linear_case(seed: int, m: int, shape: tuple, n_classes: int = 6, scale: float = 0.5):
    """Images X (m, *SHAPE), the linear classifier's weights [kernel, bias], its logits on X in
    float64, and one-hot labels Y (m, N_CLASSES) drawn at random."""
    rng = _rng(seed)
    X = rng.random((m, *shape)).astype(np.float32)
    features = int(np.prod(shape))
    kernel = (rng.standard_normal((features, n_classes)) * scale / math.sqrt(features) * 4
              ).astype(np.float32)
    bias = (rng.standard_normal(n_classes) * 0.1).astype(np.float32)
    logits = X.reshape(m, -1).astype(np.float64) @ kernel + bias
    Y = np.eye(n_classes, dtype=np.float32)[rng.integers(0, n_classes, m)]
    return X, [kernel, bias], logits, Y


# ---------------------------------------------------------------------------------------------
# compile_model
# ---------------------------------------------------------------------------------------------

def grade_compile_model(func: Callable) -> float:
    """Grade compile_model(model, learning_rate) -> model, compiled."""
    X, weights, logits, Y = _linear_case(500, 40, (6, 6, 1))
    try:
        found, failure = probe_call(func, probe_compile, weights, X, Y,
                                    COMPILE_LEARNING_RATE), None
        if not found["compiled"]:
            raise Failure(f"after compile_model(model, {COMPILE_LEARNING_RATE}) the model is "
                          "not compiled", HINT_NOT_COMPILED)
    except Failure as error:
        found, failure = None, error

    def compiled() -> dict:
        if failure is not None:
            raise failure
        return found

    with Grader("compile_model", POINTS["compile_model"]) as grader:
        def returns_test():
            if not compiled()["returned_model"]:
                raise Failure(f"compile_model returned {found['describe']}; expected the model "
                              "it was given", HINT_RETURNS_COMPILED)

        def optimizer_test():
            found = compiled()
            if found["optimizer"] != "Adam":
                raise Failure(f"the optimizer is {found['optimizer']}; expected Adam",
                              HINT_OPTIMIZER)
            rate = found["learning_rate"]
            if rate is None or not math.isclose(rate, COMPILE_LEARNING_RATE, rel_tol=1e-5):
                raise Failure(f"with learning_rate={COMPILE_LEARNING_RATE}, the optimizer's "
                              f"learning rate is {rate}; expected {COMPILE_LEARNING_RATE}",
                              HINT_LEARNING_RATE)

        def loss_test():
            found = compiled()
            loss = found["loss"]
            config = loss["config"]
            expected = float(oracles.softmax_cross_entropy(logits, Y).mean())
            names = (loss["name"] + " " + loss["class"]).lower()
            from_logits = bool(config.get("from_logits", False))
            described = (f"{loss['name']}" if loss["class"] in ("str", "function")
                         else loss["class"])
            if "evaluate_error" in found:
                differs = (f"evaluating the compiled model on one-hot labels raised "
                           f"{found['evaluate_error']}")
            else:
                value = found["evaluate"].get("loss")
                if value is not None and math.isclose(value, expected, rel_tol=1e-4,
                                                      abs_tol=1e-5):
                    return
                differs = (f"on known logits and one-hot labels the compiled loss is {value}; "
                           f"the mean softmax cross-entropy is {expected:.6f}")
            if "sparse" in names:
                raise Failure(f"the loss is {described}; expected CategoricalCrossentropy, the "
                              f"loss of one-hot labels ({differs})", HINT_SPARSE)
            if "categorical" in names and not from_logits:
                raise Failure(f"the loss is {described} with from_logits False; expected "
                              f"from_logits True, the model gives logits ({differs})",
                              HINT_FROM_LOGITS)
            raise Failure(f"{differs} (the loss is {described}, from_logits {from_logits})",
                          HINT_LOSS)

        def accuracy_test():
            found = compiled()
            if "evaluate" not in found:
                # The loss above already lost its points for the error: judge the metrics
                # by the names they were compiled with.
                if not ACCURACY_NAMES & {str(metric).lower() for metric in found["metrics"]}:
                    raise Failure(f"the model is compiled with the metrics {found['metrics']}; "
                                  "expected the accuracy", HINT_ACCURACY)
                return
            expected = float(np.mean(np.argmax(logits, axis=1) == np.argmax(Y, axis=1)))
            metrics = {key: value for key, value in found["evaluate"].items()
                       if key != "loss"}
            if not any(math.isclose(value, expected, abs_tol=1e-6)
                       for value in metrics.values()):
                raise Failure(f"the model is compiled with the metrics {found['metrics']} and "
                              f"measures {metrics or 'no metric'}; expected an accuracy of "
                              f"{expected:.4f} on these examples", HINT_ACCURACY)

        grader.run("returns the model it compiled", 2, returns_test)
        grader.run(f"Adam with learning_rate={COMPILE_LEARNING_RATE}", 4, optimizer_test)
        grader.run("the loss: softmax cross-entropy of logits and one-hot labels", 7,
                   loss_test)
        grader.run("measures the accuracy", 2, accuracy_test)
    return grader.score


# ---------------------------------------------------------------------------------------------
# train_model
# ---------------------------------------------------------------------------------------------

@functools.cache
def sorted_training_data() -> tuple[np.ndarray, np.ndarray]:
    """TRAIN_EXAMPLES_PER_CLASS images of each class of the shipped default training set,
    shrunk to TRAIN_SIZE x TRAIN_SIZE grey images and stored class by class, with their
    one-hot labels (read once per process; the arrays are read-only)."""
    from utils import signs

    images, labels, classes = signs.read_split(signs.DATA_DIR / signs.DIGITS_FILES[0], "train")
    chosen = np.concatenate([np.flatnonzero(labels == k)[:TRAIN_EXAMPLES_PER_CLASS]
                             for k in range(len(classes))])
    grey = images[chosen].astype(np.float64).mean(axis=3) / 255.0
    block = grey.shape[1] // TRAIN_SIZE
    small = grey.reshape(len(chosen), TRAIN_SIZE, block, TRAIN_SIZE, block).mean(axis=(2, 4))
    X = small[..., np.newaxis].astype(np.float32)
    # A different tiny offset per image makes each image's pixel sum its own.
    X[:, 0, 0, 0] += np.arange(len(chosen), dtype=np.float32) * 1e-3
    Y = np.eye(len(classes), dtype=np.float32)[labels[chosen]]
    X.flags.writeable = False
    Y.flags.writeable = False
    return X, Y


def _initial_weights(X: np.ndarray, n_classes: int) -> list[np.ndarray]:
    rng = _rng(600)
    features = int(np.prod(X.shape[1:]))
    return [(rng.standard_normal((features, n_classes)) * 0.01).astype(np.float32),
            np.zeros(n_classes, dtype=np.float32)]


def _order(sums: np.ndarray, X: np.ndarray) -> np.ndarray | None:
    """The index in X of each example given to fit, found by its pixel sum; None if some
    example given to fit is none of X's."""
    own = X.reshape(len(X), -1).astype(np.float64).sum(axis=1)
    index = np.argsort(own)
    position = np.searchsorted(own[index], sums)
    position = np.clip(position, 0, len(own) - 1)
    best = index[position]
    below = index[np.clip(position - 1, 0, len(own) - 1)]
    best = np.where(np.abs(own[below] - sums) < np.abs(own[best] - sums), below, best)
    if not np.allclose(own[best], sums, rtol=0, atol=2e-4):
        return None
    return best


def grade_train_model(func: Callable) -> float:
    """Grade train_model(model, X_train, Y_train, epochs, batch_size, validation_split, seed,
    verbose) -> History, with short runs on images stored class by class."""
    X, Y = sorted_training_data()
    weights = _initial_weights(X, Y.shape[1])
    runs: dict[tuple, dict | Failure] = {}

    def run(**changes) -> dict:
        kwargs = {**TRAIN_KWARGS, **changes}
        key = tuple(sorted(kwargs.items()))
        if key not in runs:
            try:
                runs[key] = probe_call(func, probe_train, weights, X.copy(), Y.copy(),
                                       TRAIN_LEARNING_RATE, kwargs)
            except Failure as failure:
                runs[key] = failure
        if isinstance(runs[key], Failure):
            raise runs[key]
        return runs[key]

    def one_fit(**changes) -> dict:
        calls = run(**changes)["fit_calls"]
        if len(calls) != 1:
            raise Failure(f"train_model called model.fit {len(calls)} times; expected once, "
                          "with every epoch", HINT_FIT_ONCE)
        return calls[0]

    def given(**changes) -> tuple[np.ndarray, np.ndarray, int]:
        """(the index in X of each example fit was given, its label, how many of them it
        trains on): the training examples, then the validation_data's if it had some (a
        hand-made split loses its points in the arguments' sub-test only)."""
        call = one_fit(**changes)
        if isinstance(call.get("x"), str) or isinstance(call.get("y"), str):
            raise Failure(f"fit was given {call.get('x')} and {call.get('y')}; expected the "
                          "shuffled X_train and Y_train as numpy arrays", HINT_EXAMPLES)
        sums, labels = np.asarray(call["x"]), np.asarray(call["y"])
        trained = len(sums)
        if "validation_x" in call:
            sums = np.concatenate([sums, np.asarray(call["validation_x"])])
            labels = np.concatenate([labels, np.asarray(call["validation_y"])])
        order = _order(sums, X)
        if order is None or len(order) != len(X) or len(set(order.tolist())) != len(X):
            raise Failure(f"fit was given {len(sums)} images, not each of the {len(X)} "
                          "training images once", HINT_EXAMPLES)
        if "validation_x" not in call:
            trained = int(math.floor(len(X) * (1 - (call.get("validation_split") or 0))))
        return order, labels, trained

    def given_order(**changes) -> np.ndarray:
        return given(**changes)[0]

    with Grader("train_model", POINTS["train_model"]) as grader:
        def arguments_test():
            call = one_fit()
            wanted = {key: TRAIN_KWARGS[key] for key in ("epochs", "batch_size",
                                                          "validation_split")}
            found = {key: call.get(key) for key in wanted}
            if found != wanted:
                raise Failure(f"with {wanted}, fit was given {found}", HINT_FIT_ARGUMENTS)
            if call.get("validation_data"):
                raise Failure("fit was given validation_data; expected the validation_split "
                              "of the training examples", HINT_FIT_ARGUMENTS)

        def verbose_test():
            for changes in ({}, SEED_RUN):
                verbose = {**TRAIN_KWARGS, **changes}["verbose"]
                call = one_fit(**changes)
                if call.get("verbose", "auto") != verbose:
                    raise Failure(f"with verbose={verbose}, fit was given verbose="
                                  f"{call.get('verbose', 'auto')!r}", HINT_FIT_ARGUMENTS)

        def labels_test():
            order, labels, _ = given()
            wrong = int(np.sum(labels != np.argmax(Y, axis=1)[order]))
            if wrong:
                raise Failure(f"{wrong} of the {len(X)} images given to fit came with another "
                              "image's label", HINT_APART)

        def split_test():
            order, _, split_at = given()
            if split_at >= len(X):
                return  # nothing held out: the arguments' sub-test lost its points for that
            if np.array_equal(order, np.arange(len(X))):
                classes = sorted(set(np.argmax(Y[order[split_at:]], axis=1).tolist()))
                raise Failure(f"fit was given the examples in their stored order, so the "
                              f"validation split holds the classes {classes} only", HINT_SPLIT)
            held_out = np.argmax(Y[order[split_at:]], axis=1)
            # A shuffled split of 24 holds at least 3 of the 6 classes but for odds of 1e-9.
            if len(set(held_out.tolist())) < 3:
                raise Failure(f"the validation split holds the classes "
                              f"{sorted(set(held_out.tolist()))} only", HINT_SPLIT)

        def seed_test():
            first = given_order()
            again = given_order(**SEED_RUN)
            repeat = given_order(**REPEAT_RUN)
            if np.array_equal(first, np.arange(len(X))):
                return  # not shuffled at all: the sub-test above lost its points for that
            if not np.array_equal(first, repeat):
                raise Failure("two runs with the same seed gave fit the examples in different "
                              "orders", HINT_SEED)
            if np.array_equal(first, again):
                raise Failure(f"runs with seeds {TRAIN_KWARGS['seed']} and "
                              f"{SEED_RUN['seed']} gave fit the examples in the same order",
                              HINT_SEED)

        def history_test():
            found = run()
            history = found["history"]
            if history is None:
                raise Failure(f"train_model returned {found['describe']}; expected the History "
                              "that fit returns", HINT_HISTORY)
            # What fit was asked for: fewer epochs or no validation than train_model was
            # asked for lost their points above.
            call = one_fit()
            keys = {"loss", "accuracy"}
            if call.get("validation_split") or call.get("validation_data"):
                keys |= {"val_loss", "val_accuracy"}
            if not keys <= set(history):
                raise Failure(f"the History holds {sorted(history)}; expected {sorted(keys)}",
                              HINT_HISTORY)
            epochs = call.get("epochs", 1)
            if any(len(history[key]) != epochs for key in keys):
                lengths = {key: len(history[key]) for key in sorted(keys)}
                raise Failure(f"the History has {lengths} values; expected {epochs} each, one "
                              "per epoch fit was asked for", HINT_HISTORY)
            produced = (found.get("fit_histories") or [None])[0] or {}
            if sorted(history) != sorted(produced):
                raise Failure(f"the History holds {sorted(history)}; fit produced "
                              f"{sorted(produced)}", HINT_HISTORY)
            for key in sorted(produced):
                got, want = history[key], produced[key]
                if len(got) != len(want) or any(
                        a is None or b is None or not math.isclose(a, b, rel_tol=1e-6,
                                                                   abs_tol=1e-7)
                        for a, b in zip(got, want)):
                    raise Failure(f"the History's {key} is {_rounded(got)}; fit produced "
                                  f"{_rounded(want)}", HINT_HISTORY)
            if len(history["loss"]) > 1 and not history["loss"][-1] < history["loss"][0]:
                raise Failure(f"the training loss went from {history['loss'][0]:.4f} to "
                              f"{history['loss'][-1]:.4f}; expected it to fall")

        grader.run("fit gets the epochs, batch size and validation split asked for", 4,
                   arguments_test)
        grader.run("fit shows the progress display asked for (verbose)", 2, verbose_test)
        grader.run("fit gets every image once, each with its own label", 4, labels_test)
        grader.run("shuffled before validation_split takes the last examples", 4, split_test)
        grader.run("a shuffled order comes from the seed", 2, seed_test)
        grader.run("returns the History: loss, accuracy, val_loss, val_accuracy per epoch", 4,
                   history_test)
    return grader.score


# ---------------------------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------------------------

def _softmax(Z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = Z - Z.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def grade_predict(func: Callable) -> float:
    """Grade predict(model, X) -> (probabilities, classes)."""
    cases = {m: _linear_case(700 + m, m, (5, 5, 2), n_classes=6, scale=2.0)
             for m in MODEL_SIZES}
    probes: dict[int, dict | Failure] = {}

    def pair(m: int) -> tuple[np.ndarray, np.ndarray]:
        if m not in probes:
            X, weights, _, _ = cases[m]
            try:
                probes[m] = probe_call(func, probe_predict, weights, X)
            except Failure as failure:
                probes[m] = failure
        found = probes[m]
        if isinstance(found, Failure):
            raise found
        if not found["pair"] or len(found["items"]) != 2:
            raise Failure(f"predict returned {found.get('describe') or 'a sequence of '}"
                          f"{'' if not found['pair'] else str(len(found['items'])) + ' items'}; "
                          "expected a pair (probabilities, classes)", HINT_PAIR)
        items = []
        for item, what in zip(found["items"], ("probabilities", "classes")):
            if item["array"] is None:
                raise Failure(f"{what} is {item['describe']}; expected numbers", HINT_PAIR)
            items.append(np.asarray(item["array"]))
        return items[0], items[1]

    with Grader("predict", POINTS["predict"]) as grader:
        def probabilities_test():
            for m in MODEL_SIZES:
                probabilities = pair(m)[0]
                logits = cases[m][2]
                expected = _softmax(logits)
                if probabilities.shape != expected.shape:
                    raise Failure(f"for {m} image{'s' * (m > 1)} probabilities has shape "
                                  f"{probabilities.shape}; expected {expected.shape}",
                                  HINT_SOFTMAX_AXIS)
                if np.allclose(probabilities, expected, rtol=1e-4, atol=1e-6):
                    continue
                known = ((_softmax(logits, axis=0), HINT_SOFTMAX_AXIS),
                         (logits, HINT_NO_SOFTMAX), (_softmax(expected), HINT_SOFTMAX_TWICE))
                hint = next((hint for values, hint in known
                             if np.allclose(probabilities, values, rtol=1e-4, atol=1e-5)),
                            HINT_NO_SOFTMAX)
                raise Failure(f"for {m} image{'s' * (m > 1)} the probabilities are not the "
                              "softmax of the model's logits (the first row is "
                              f"{np.round(probabilities[0], 4).tolist()}, expected "
                              f"{np.round(expected[0], 4).tolist()})", hint)

        def classes_test():
            for m in MODEL_SIZES:
                classes = pair(m)[1]
                expected = np.argmax(cases[m][2], axis=1)
                if classes.shape != expected.shape:
                    hint = HINT_CLASSES if classes.ndim == 2 else HINT_ARGMAX_AXIS
                    raise Failure(f"for {m} image{'s' * (m > 1)} classes has shape "
                                  f"{classes.shape}; expected {expected.shape}", hint)
                if classes.dtype.kind not in "iu":
                    raise Failure(f"classes has dtype {classes.dtype}; expected integers",
                                  HINT_CLASSES)
                if not np.array_equal(classes, expected):
                    raise Failure(f"for {m} image{'s' * (m > 1)} classes is "
                                  f"{classes.tolist()[:10]}; expected {expected.tolist()[:10]}",
                                  HINT_ARGMAX_AXIS)

        grader.run("returns (probabilities, classes)", 2, lambda: pair(MODEL_SIZES[0]))
        grader.run("probabilities: the softmax of each image's logits, for 7 images, one, and "
                   "70 (more than Keras' batch of 32)", 7, probabilities_test)
        grader.run("classes: the class of each image's largest logit, for 7, 1 and 70 images",
                   6, classes_test)
    return grader.score
