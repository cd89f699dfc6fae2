"""Checks that students run in the deep-network notebook, before grading.

Each ``check_NAME`` runs the student's NAME on the course's reference case (inputs drawn as
with ``np.random.seed(1)`` followed by ``np.random.randn`` in the order of ``DRAWS``), prints
one line per passed check and a final "NAME: all checks passed.", and otherwise raises
``CheckFailed`` (from ``utils.checks``, whose machinery these checks share) saying what was
expected, what came back and what to look at; while NAME is not implemented yet, it says so in
one line and returns. A function whose helpers (``CALLS``) fail their own checks is told to
fix them first. The graded cells call ``validate(NAME)`` (see ``utils.checks.validate_graded``);
the cells that use several functions run once ``is_implemented(...)`` says they all are;
``compare_costs`` compares a training's costs with the reference table of its data set.

The checks compare with stored reference values; they hold no implementation of the network.
"""

from __future__ import annotations

import numpy as np

from utils.checks import (
    CheckFailed,
    _call,
    _check_array,
    _check_close,
    _check_shape,
    _check_tuple,
    _draw,
    _finish,
    _ok,
    _same,
    helpers_first,
    unwritten_guards,
    validate_graded,
    visible_check,
)

__all__ = [
    "REFERENCE",
    "assert_implemented",
    "compare_costs",
    "is_implemented",
    "validate",
    "check_sigmoid",
    "check_relu",
    "check_sigmoid_backward",
    "check_relu_backward",
    "check_initialize_parameters_deep",
    "check_linear_forward",
    "check_linear_activation_forward",
    "check_L_model_forward",
    "check_compute_cost",
    "check_linear_backward",
    "check_linear_activation_backward",
    "check_L_model_backward",
    "check_update_parameters",
    "check_predict",
    "check_two_layer_model",
    "check_L_layer_model",
]

GRADED_FUNCTIONS = ("sigmoid", "relu", "sigmoid_backward", "relu_backward",
                    "initialize_parameters_deep", "linear_forward", "linear_activation_forward",
                    "L_model_forward", "compute_cost", "linear_backward",
                    "linear_activation_backward", "L_model_backward", "update_parameters",
                    "predict", "two_layer_model", "L_layer_model")

# The graded functions each graded function calls, in the course's solution; the hidden tests
# grade each with correct versions of these.
CALLS = {
    "linear_activation_forward": ("linear_forward", "sigmoid", "relu"),
    "L_model_forward": ("linear_activation_forward",),
    "linear_activation_backward": ("linear_backward", "sigmoid_backward", "relu_backward"),
    "L_model_backward": ("linear_activation_backward",),
    "predict": ("L_model_forward",),
    "two_layer_model": ("initialize_parameters_deep", "linear_activation_forward",
                        "compute_cost", "linear_activation_backward", "update_parameters"),
    "L_layer_model": ("initialize_parameters_deep", "L_model_forward", "compute_cost",
                      "L_model_backward", "update_parameters"),
}

# The inputs of each case: shapes drawn in this order from a generator seeded with 1.
DRAWS = {
    "activations": {"Z": (3, 4), "dA": (3, 4)},
    "linear": {"A": (3, 2), "W": (1, 3), "b": (1, 1)},
    "L_model_forward": {"X": (5, 4), "W1": (4, 5), "b1": (4, 1), "W2": (3, 4), "b2": (3, 1),
                        "W3": (1, 3), "b3": (1, 1)},
    "linear_backward": {"dZ": (3, 4), "A_prev": (5, 4), "W": (3, 5), "b": (3, 1)},
    "linear_activation_backward": {"dA": (1, 2), "A_prev": (3, 2), "W": (1, 3), "b": (1, 1),
                                   "Z": (1, 2)},
    "L_model_backward": {"A0": (4, 2), "W1": (3, 4), "b1": (3, 1), "Z1": (3, 2), "A1": (3, 2),
                         "W2": (1, 3), "b2": (1, 1), "Z2": (1, 2)},
    "update_parameters": {"W1": (3, 4), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1),
                          "dW1": (3, 4), "db1": (3, 1), "dW2": (1, 3), "db2": (1, 1)},
    "predict": {"X": (4, 6), "W1": (3, 4), "b1": (3, 1), "W2": (1, 3)},
    "models": {"X": (5, 12)},
}
# The fixed inputs of the cases that draw nothing (or not everything).
INIT_LAYER_DIMS = [5, 4, 3]
PREDICT_B2 = 1.5
UPDATE_LEARNING_RATE = 0.1
MODEL_LEARNING_RATE, MODEL_ITERATIONS = 0.05, 201

# What a correct implementation returns on those cases (tests/test_dnn_checks.py recomputes
# every value with the grader's oracles).
REFERENCE = {'activations': {'sigmoid': [[0.8353935370550705,
                              0.3516586404066124,
                              0.37094339863923614,
                              0.2548389443696193],
                             [0.7037892235242833,
                              0.09099560695388478,
                              0.8512972181741554,
                              0.3183842923356578],
                             [0.5790900546612255,
                              0.4379784772304789,
                              0.8118548665610223,
                              0.11303172239556075]],
                 'relu': [[1.6243453636632417, 0.0, 0.0, 0.0],
                          [0.8654076293246785, 0.0, 1.74481176421648, 0.0],
                          [0.31903909605709857, 0.0, 1.462107937044974, 0.0]],
                 'sigmoid_backward': [[-0.044335968661381876,
                                       -0.08756241154103521,
                                       0.2645587430552293,
                                       -0.20886501457410606],
                                      [-0.035946100216209705,
                                       -0.07261241586058101,
                                       0.00534384936239376,
                                       0.12648007181611645],
                                      [-0.2682701607822284,
                                       0.2817775539235632,
                                       0.1377148650521456,
                                       0.0503778473877276]],
                 'relu_backward': [[-0.3224172040135075, 0.0, 0.0, 0.0],
                                   [-0.17242820755043575, 0.0, 0.04221374671559283, 0.0],
                                   [-1.1006191772129212, 0.0, 0.9015907205927955, 0.0]]},
 'init': {'W1[0]': [0.5955035882309814,
                    0.31988248192623325,
                    -0.6911240211217655,
                    -0.0037493716706665033,
                    0.27786989489702973],
          'W2': [[-0.9888641403289535,
                  -0.8716861479494536,
                  0.1330350820002755,
                  1.1924836653555484],
                 [0.5618456267047117,
                  0.8363111066539138,
                  0.04957460791762181,
                  0.6989981885467876],
                 [-0.1356239939828904,
                  0.30660209242981956,
                  -0.13365859433678431,
                  -0.27465450705273947]]},
 'linear': {'Z': [[3.262953374654174, -1.2342998686128757]],
            'sigmoid': [[0.9631357945162475, 0.22542973434380156]],
            'relu': [[3.262953374654174, 0.0]]},
 'L_model_forward': {'AL': [[0.7763460938643564,
                             0.9998398962097137,
                             0.9902185697135462,
                             0.33755508042411025]],
                     'Z2[:, 0]': [1.083964879041688, 0.8900143667682776, 0.3540132066535071]},
 'compute_cost': {'AL': [[0.8, 0.9, 0.4, 0.15]],
                  'Y': [[1, 1, 0, 0]],
                  'cost': 0.2504621550589504},
 'linear_backward': {'dA_prev[:, 0]': [-1.151713362800674,
                                       0.6034587881597019,
                                       -0.4319552024857888,
                                       -0.38981414839982087,
                                       -2.5221492584556406],
                     'dW[0]': [0.07313866218612716,
                               -0.09767149686597656,
                               -0.8758582845472835,
                               0.7376336184595694,
                               0.00785715946106047],
                     'db': [[-0.14713785610161495],
                            [-0.11313155105855677],
                            [-0.13209101296824788]]},
 'linear_activation_backward': {'sigmoid': {'dA_prev': [[0.1262479399758772,
                                                         -0.04703764223653086],
                                                        [-0.09867911671050995,
                                                         0.03676600971812087],
                                                        [0.5785752196378832,
                                                         -0.21556640206128574]],
                                            'dW': [[-0.025405478038660178,
                                                    0.3408906415345811,
                                                    0.4013368140694225]],
                                            'db': [[0.12413885746023118]]},
                                'relu': {'dA_prev': [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
                                         'dW': [[0.0, 0.0, 0.0]],
                                         'db': [[0.0]]}},
 'L_model_backward': {'AL': [[0.8, 0.3]],
                      'Y': [[1, 0]],
                      'dW1': [[0.004180359490551448,
                               0.001490831159895229,
                               0.006654243506735387,
                               0.0047236176833553275],
                              [0.0, 0.0, 0.0, 0.0],
                              [0.0, 0.0, 0.0, 0.0]],
                      'db1': [[-0.0005112350377667598], [0.0], [0.0]],
                      'dA1': [[0.0034592416289404657, -0.004481711704473985],
                              [0.30518506706728193, -0.3953905606544882],
                              [-0.06402891600110448, 0.08295435041778929]],
                      'dW2': [[-0.19481279378871694,
                               -0.0674021983453368,
                               -0.0033384831848224765]],
                      'db2': [[0.04036725055728088]],
                      'dA0[:, 0]': [0.0011036333223402514,
                                    -0.0008626323838759716,
                                    0.00505778464183024,
                                    -0.007126524503769232]},
 'update_parameters': {'W1[0]': [1.5660638422916595,
                                 -0.5016944959287832,
                                 -0.6426441232474172,
                                 -1.16312769421545],
                       'b1': [[-0.28274185132790974],
                              [-0.3153370846564557],
                              [1.2182900064853093]],
                       'W2': [[-1.0327666542303489, -0.1711617476585456, -0.766127383057844]],
                       'b2': [[0.018772176933883614]]},
 'predict': {'p': [[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]],
             'AL': [[0.789417962997993,
                     0.24133995512323228,
                     0.6385654828317098,
                     0.16926399521368543,
                     0.8016264344536357,
                     0.03012029589414343]]},
 'two_layer_model': {'layers_dims': [5, 4, 1],
                     'costs': [0.7555349577404104, 0.4508988789480303, 0.36927281427564845],
                     'W1[0]': [0.41928770100891755,
                               0.022474875548416925,
                               -0.38875652169252706,
                               0.9318420206809207,
                               0.21229237421785965]},
 'L_layer_model': {'layers_dims': [5, 4, 3, 1],
                   'costs': [0.6758441715298534, 0.5526794492104102, 0.4546204256804643],
                   'W1[0]': [0.5844344881821376,
                             0.25194420945498924,
                             -0.6644273458187204,
                             0.3709264324279993,
                             0.27366863752402015]}}

# The costs of the notebook's four-layer model ([12288, 100, 20, 1], learning rate 0.001,
# 1000 iterations) at iterations 0, 100, ..., 900, by data set (``catvnoncat.find_dataset``'s
# name): the course specification's table on the cat pictures, this course's on the faces.
TRAINING_COSTS = {
    "cat / non-cat": [0.697297, 0.620212, 0.599172, 0.580762, 0.564184, 0.548706, 0.533949,
                      0.519690, 0.505882, 0.492379],
    "faces": [0.710931, 0.463726, 0.359540, 0.304355, 0.267179, 0.240296, 0.219235, 0.202397,
              0.188472, 0.176633],
}

def _check(check):
    return visible_check(check, helpers_first(CALLS, lambda: CHECKS))


def _values(key):
    return dict(zip(DRAWS[key], _draw(DRAWS[key])))


def _check_dict(name, result, keys, label, hint):
    if not isinstance(result, dict):
        raise CheckFailed(f"{name} returned {label} of type {type(result).__name__}; expected a "
                          f"dict with the keys {sorted(keys)}: {hint}")
    missing = sorted(set(keys) - set(result))
    if missing:
        raise CheckFailed(f"{name} returned {label} without the key(s) {missing} (found "
                          f"{sorted(result)}): {hint}")


def _check_cache_is(name, cache, expected, label):
    if not _same(tuple(expected), tuple(cache) if isinstance(cache, (tuple, list)) else cache):
        raise CheckFailed(f"{name} returned a cache that is not {label}: the backward pass reads "
                          f"it, so it must hold exactly those values, in that order.")
    _ok(f"{name}: cache is {label}")


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------

def _activation(name, func, formula):
    __tracebackhide__ = True
    Z = _values("activations")["Z"]
    result = _call(name, func, (Z,), ("Z",))
    _check_tuple(name, result, "(A, cache)")
    A, cache = result
    _check_array(name, "A", A)
    _check_shape(name, "A", A, Z.shape, "A has the shape of Z: apply the function to every "
                                        "entry with numpy, no loop.")
    _check_close(name, "A", A, REFERENCE["activations"][name], formula)
    if not _same(Z, cache):
        raise CheckFailed(f"{name} returned a cache that is not Z: return `A, Z`; the backward "
                          f"pass reads Z from it.")
    _ok(f"{name}: cache is Z")
    _finish(name)


@_check
def check_sigmoid(sigmoid):
    """Check sigmoid(Z) on Z (3, 4): (A, cache) with cache Z, and Z unchanged."""
    __tracebackhide__ = True
    _activation("sigmoid", sigmoid, "`A = 1 / (1 + np.exp(-Z))`, with a minus sign in the "
                                    "exponent")


@_check
def check_relu(relu):
    """Check relu(Z) on Z (3, 4): (A, cache) with cache Z, and Z unchanged."""
    __tracebackhide__ = True
    _activation("relu", relu, "`A = np.maximum(0, Z)`: np.max would take the largest entry "
                              "of the array instead")


def _activation_backward(name, func, formula, signatures):
    __tracebackhide__ = True
    values = _values("activations")
    Z, dA = values["Z"], values["dA"]
    dZ = _call(name, func, (dA, Z), ("dA", "cache"))
    _check_array(name, "dZ", dZ)
    _check_shape(name, "dZ", dZ, Z.shape, "dZ has the shape of dA.")
    _check_close(name, "dZ", dZ, REFERENCE["activations"][name], formula,
                 signatures=signatures(Z, dA))
    _finish(name)


@_check
def check_sigmoid_backward(sigmoid_backward):
    """Check sigmoid_backward(dA, cache) on dA (3, 4) and the cache Z (3, 4)."""
    __tracebackhide__ = True

    def signatures(Z, dA):
        s = np.asarray(REFERENCE["activations"]["sigmoid"])
        return [(dA * s, "the derivative is s * (1 - s), with s = sigmoid(Z): the (1 - s) "
                         "factor is missing"),
                (s * (1 - s), "multiply the derivative by dA: dZ = dA * s * (1 - s)")]
    _activation_backward("sigmoid_backward", sigmoid_backward,
                         "`dZ = dA * s * (1 - s)` with `s = 1 / (1 + np.exp(-Z))`, Z the cache",
                         signatures)


@_check
def check_relu_backward(relu_backward):
    """Check relu_backward(dA, cache) on dA (3, 4) and the cache Z (3, 4)."""
    __tracebackhide__ = True

    def signatures(Z, dA):
        return [(np.where(dA > 0, dA, 0.0), "the gate is Z > 0, read from the cache Z, not "
                                             "from dA"),
                ((Z > 0).astype(float), "multiply the gate by dA: dZ is dA where Z > 0")]
    _activation_backward("relu_backward", relu_backward,
                         "`dZ` is dA where Z > 0 and 0 where Z <= 0, Z the cache", signatures)


# ---------------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------------

@_check
def check_initialize_parameters_deep(initialize_parameters_deep):
    """Check initialize_parameters_deep([5, 4, 3]): shapes, zero biases, the reference draws."""
    __tracebackhide__ = True
    name = "initialize_parameters_deep"
    ref = REFERENCE["init"]
    dims = list(INIT_LAYER_DIMS)
    parameters = _call(name, initialize_parameters_deep, (dims,), ("layer_dims",))
    keys = ["W1", "b1", "W2", "b2"]
    _check_dict(name, parameters, keys, "the parameters",
                "one W and one b per layer with weights, named W1, b1, W2, b2, ...")
    extra = sorted(set(parameters) - set(keys))
    if extra:
        raise CheckFailed(f"{name}({dims}) returned the extra key(s) {extra}: a network with "
                          f"layer_dims {dims} has {len(dims) - 1} layers with weights, W1 and W2 "
                          f"(loop over l = 1 .. len(layer_dims) - 1).")
    for layer in (1, 2):
        W, b = parameters[f"W{layer}"], parameters[f"b{layer}"]
        _check_array(name, f"W{layer}", W)
        _check_shape(name, f"W{layer}", W, (dims[layer], dims[layer - 1]),
                     f"W{layer} is (layer_dims[{layer}], layer_dims[{layer - 1}]).")
        _check_array(name, f"b{layer}", b)
        _check_shape(name, f"b{layer}", b, (dims[layer], 1),
                     f"b{layer} is (layer_dims[{layer}], 1).")
        if np.any(b != 0):
            raise CheckFailed(f"{name} returned a b{layer} that is not zero: biases start at "
                              f"np.zeros((layer_dims[{layer}], 1)); only the weights are random.")
    _ok(f"{name}: the biases are zero")
    _check_close(name, "W1[0]", parameters["W1"][0], ref["W1[0]"],
                 "`np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - "
                 "1])`, one draw per layer in order, and no other draw",
                 signatures=[(np.asarray(ref["W1[0]"]) * np.sqrt(5) * 0.01,
                              "divide by np.sqrt(layer_dims[l - 1]), not multiply by 0.01")])
    _check_close(name, "W2", parameters["W2"], ref["W2"],
                 "the second draw, for W2, divided by np.sqrt(layer_dims[1])")
    _finish(name)


# ---------------------------------------------------------------------------------------------
# Forward pass
# ---------------------------------------------------------------------------------------------

@_check
def check_linear_forward(linear_forward):
    """Check linear_forward(A, W, b) on A (3, 2), W (1, 3), b (1, 1)."""
    __tracebackhide__ = True
    name = "linear_forward"
    values = _values("linear")
    A, W, b = values["A"], values["W"], values["b"]
    result = _call(name, linear_forward, (A, W, b), ("A", "W", "b"))
    _check_tuple(name, result, "(Z, cache)")
    Z, cache = result
    _check_array(name, "Z", Z)
    _check_shape(name, "Z", Z, (1, 2), "Z is (n_l, m): `W @ A`, the weights on the left.")
    _check_close(name, "Z", Z, REFERENCE["linear"]["Z"], "`Z = W @ A + b`")
    _check_cache_is(name, cache, (A, W, b), "(A, W, b)")
    _finish(name)


@_check
def check_linear_activation_forward(linear_activation_forward):
    """Check linear_activation_forward(A_prev, W, b, activation) for "sigmoid" and "relu"."""
    __tracebackhide__ = True
    name = "linear_activation_forward"
    values = _values("linear")
    A_prev, W, b = values["A"], values["W"], values["b"]
    Z = np.asarray(REFERENCE["linear"]["Z"])
    for activation in ("sigmoid", "relu"):
        case = f" (activation={activation!r})"
        result = _call(name, linear_activation_forward, (A_prev, W, b, activation),
                       ("A_prev", "W", "b", "activation"), case=case)
        _check_tuple(name, result, "(A, cache)", case)
        A, cache = result
        _check_array(name, "A", A, case)
        _check_shape(name, "A", A, (1, 2), "A has the shape of Z, (n_l, m).", case)
        other = "relu" if activation == "sigmoid" else "sigmoid"
        _check_close(name, "A", A, REFERENCE["linear"][activation],
                     f"apply {activation} to Z = W @ A_prev + b", case,
                     signatures=[(REFERENCE["linear"][other],
                                  f"this is {other}: the two activations are swapped"),
                                 (Z, "apply the activation to Z")])
        _check_tuple(name, cache, "(linear_cache, activation_cache)", case, "the cache",
                     "build it as `cache = (linear_cache, activation_cache)`.")
        if not _same((A_prev, W, b), tuple(cache[0]) if isinstance(cache[0], (tuple, list))
                     else cache[0]):
            raise CheckFailed(f"{name}{case}: the cache's first item is not (A_prev, W, b), the "
                              f"cache of linear_forward; the order is (linear_cache, "
                              f"activation_cache).")
        if not (isinstance(cache[1], np.ndarray) and cache[1].shape == Z.shape
                and np.allclose(cache[1], Z)):
            raise CheckFailed(f"{name}{case}: the cache's second item is not Z, the cache of "
                              f"the activation; the order is (linear_cache, activation_cache).")
        _ok(f"{name}{case}: cache is ((A_prev, W, b), Z)")
    _finish(name)


@_check
def check_L_model_forward(L_model_forward):
    """Check L_model_forward(X, parameters) on X (5, 4) and a network of 3 layers."""
    __tracebackhide__ = True
    name = "L_model_forward"
    ref = REFERENCE["L_model_forward"]
    values = _values("L_model_forward")
    X = values.pop("X")
    result = _call(name, L_model_forward, (X, values), ("X", "parameters"))
    _check_tuple(name, result, "(AL, caches)")
    AL, caches = result
    _check_array(name, "AL", AL)
    _check_shape(name, "AL", AL, (1, 4), "AL is (1, m), the output of the last layer.")
    _check_close(name, "AL", AL, ref["AL"],
                 "layers 1 and 2 use relu, layer 3 (the last) sigmoid, each with its own W and b")
    if not isinstance(caches, list) or len(caches) != 3:
        got = f"a list of {len(caches)}" if isinstance(caches, list) else type(caches).__name__
        raise CheckFailed(f"{name} returned caches as {got}; expected a list of 3 caches, one "
                          f"per layer: append each layer's cache, the last one too.")
    _ok(f"{name}: 3 caches")
    _check_close(name, "Z of layer 2 (caches[1][1][:, 0])", np.asarray(caches[1][1])[:, 0],
                 ref["Z2[:, 0]"], "caches[l - 1] is layer l's cache, ((A_prev, W, b), Z)")
    _finish(name)


# ---------------------------------------------------------------------------------------------
# Cost
# ---------------------------------------------------------------------------------------------

@_check
def check_compute_cost(compute_cost):
    """Check compute_cost(AL, Y) on four examples."""
    __tracebackhide__ = True
    name = "compute_cost"
    ref = REFERENCE["compute_cost"]
    AL, Y = np.array(ref["AL"]), np.array(ref["Y"], dtype=float)
    cost = _call(name, compute_cost, (AL, Y), ("AL", "Y"))
    if not isinstance(cost, float):
        raise CheckFailed(f"{name} returned {type(cost).__name__}; expected a Python float: "
                          f"keep the last line, `return float(np.squeeze(cost))`.")
    m = AL.shape[1]
    _check_close(name, "cost", cost, ref["cost"],
                 "`-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m`",
                 signatures=[(-ref["cost"], "the cost is minus the mean: it is positive"),
                             (ref["cost"] * m, "divide the sum by m, the number of examples")])
    _finish(name)


# ---------------------------------------------------------------------------------------------
# Backward pass
# ---------------------------------------------------------------------------------------------

@_check
def check_linear_backward(linear_backward):
    """Check linear_backward(dZ, cache) on dZ (3, 4) and the cache (A_prev (5, 4), W, b)."""
    __tracebackhide__ = True
    name = "linear_backward"
    ref = REFERENCE["linear_backward"]
    values = _values("linear_backward")
    dZ, A_prev, W, b = values["dZ"], values["A_prev"], values["W"], values["b"]
    result = _call(name, linear_backward, (dZ, (A_prev, W, b)), ("dZ", "cache"))
    _check_tuple(name, result, "(dA_prev, dW, db)")
    dA_prev, dW, db = result
    for label, value, like in (("dA_prev", dA_prev, A_prev), ("dW", dW, W), ("db", db, b)):
        _check_array(name, label, value)
        _check_shape(name, label, value, like.shape,
                     f"{label} has the shape of {label[1:]}"
                     + (": sum over the examples with keepdims=True." if label == "db" else "."))
    m = A_prev.shape[1]
    _check_close(name, "dA_prev[:, 0]", dA_prev[:, 0], ref["dA_prev[:, 0]"],
                 "`dA_prev = W.T @ dZ`, with no 1 / m",
                 signatures=[(np.asarray(ref["dA_prev[:, 0]"]) / m,
                              "dA_prev has no 1 / m: only dW and db are means")])
    _check_close(name, "dW[0]", dW[0], ref["dW[0]"], "`dW = dZ @ A_prev.T / m`",
                 signatures=[(np.asarray(ref["dW[0]"]) * m, "divide dW by m, the number of "
                                                            "examples")])
    _check_close(name, "db", db, ref["db"], "`db = np.sum(dZ, axis=1, keepdims=True) / m`",
                 signatures=[(np.asarray(ref["db"]) * m, "divide db by m, the number of "
                                                         "examples")])
    _finish(name)


@_check
def check_linear_activation_backward(linear_activation_backward):
    """Check linear_activation_backward(dA, cache, activation) for "sigmoid" and "relu"."""
    __tracebackhide__ = True
    name = "linear_activation_backward"
    values = _values("linear_activation_backward")
    dA, Z = values["dA"], values["Z"]
    linear_cache = (values["A_prev"], values["W"], values["b"])
    for activation in ("sigmoid", "relu"):
        case = f" (activation={activation!r})"
        ref = REFERENCE["linear_activation_backward"][activation]
        other = REFERENCE["linear_activation_backward"][
            "relu" if activation == "sigmoid" else "sigmoid"]
        result = _call(name, linear_activation_backward, (dA, (linear_cache, Z), activation),
                       ("dA", "cache", "activation"), case=case)
        _check_tuple(name, result, "(dA_prev, dW, db)", case)
        for label, value in zip(("dA_prev", "dW", "db"), result):
            _check_array(name, label, value, case)
            _check_close(name, label, value, ref[label],
                         f"dZ from {activation}_backward(dA, activation_cache), then "
                         f"linear_backward(dZ, linear_cache)", case,
                         signatures=[(other[label], "the two activations are swapped")])
    _finish(name)


@_check
def check_L_model_backward(L_model_backward):
    """Check L_model_backward(AL, Y, caches) on a network of 2 layers and 2 examples."""
    __tracebackhide__ = True
    name = "L_model_backward"
    ref = REFERENCE["L_model_backward"]
    v = _values("L_model_backward")
    caches = [((v["A0"], v["W1"], v["b1"]), v["Z1"]), ((v["A1"], v["W2"], v["b2"]), v["Z2"])]
    AL, Y = np.array(ref["AL"]), np.array(ref["Y"], dtype=float)
    grads = _call(name, L_model_backward, (AL, Y, caches), ("AL", "Y", "caches"))
    _check_dict(name, grads, ["dA0", "dA1", "dW1", "db1", "dW2", "db2"], "grads",
                "layer l stores grads['dW' + str(l)], grads['db' + str(l)] and "
                "grads['dA' + str(l - 1)]")
    _ok(f"{name}: grads has dA0, dA1, dW1, db1, dW2 and db2")
    for label in ("dW2", "db2", "dA1"):
        _check_close(name, label, grads[label], ref[label],
                     "start from dAL = -(Y / AL - (1 - Y) / (1 - AL)) and the last layer with "
                     "'sigmoid' and caches[L - 1]",
                     signatures=[(-np.asarray(ref[label]), "the sign of dAL: it is "
                                                           "-(Y / AL - (1 - Y) / (1 - AL))")])
    for label in ("dW1", "db1"):
        _check_close(name, label, grads[label], ref[label],
                     "the hidden layers use 'relu', with caches[l - 1] and the dA that the "
                     "layer after them returned")
    _check_close(name, "dA0[:, 0]", np.asarray(grads["dA0"])[:, 0], ref["dA0[:, 0]"],
                 "grads['dA0'] is the gradient of the first layer's input")
    _finish(name)


# ---------------------------------------------------------------------------------------------
# Update and prediction
# ---------------------------------------------------------------------------------------------

@_check
def check_update_parameters(update_parameters):
    """Check update_parameters(params, grads, 0.1) on 2 layers; params must come back unchanged."""
    __tracebackhide__ = True
    name = "update_parameters"
    ref = REFERENCE[name]
    v = _values(name)
    params = {key: v[key] for key in ("W1", "b1", "W2", "b2")}
    grads = {key: v[key] for key in ("dW1", "db1", "dW2", "db2")}
    parameters = _call(name, update_parameters, (params, grads, UPDATE_LEARNING_RATE),
                       ("params", "grads", "learning_rate"))
    _check_dict(name, parameters, list(params), "the parameters", "return the updated copy")
    signs = [(np.asarray(params["W1"][0]) + UPDATE_LEARNING_RATE * grads["dW1"][0],
              "subtract: W := W - learning_rate * dW")]
    _check_close(name, "W1[0]", parameters["W1"][0], ref["W1[0]"],
                 "`W1 - learning_rate * dW1`", signatures=signs)
    for label in ("b1", "W2", "b2"):
        _check_close(name, label, parameters[label], ref[label],
                     f"`{label} - learning_rate * d{label}`, for every layer")
    _ok(f"{name}: params unchanged")
    _finish(name)


@_check
def check_predict(predict):
    """Check predict(X, parameters) on X (4, 6) and a network of 2 layers."""
    __tracebackhide__ = True
    name = "predict"
    v = _values(name)
    X = v.pop("X")
    v["b2"] = np.array([[PREDICT_B2]])
    p = _call(name, predict, (X, v), ("X", "parameters"))
    _check_array(name, "p", p)
    _check_shape(name, "p", p, (1, 6), "p is (1, m), like AL.")
    _check_close(name, "p", p, REFERENCE[name]["p"],
                 "1.0 where the network's output AL is above 0.5, else 0.0",
                 signatures=[(REFERENCE[name]["AL"], "threshold AL: `(AL > 0.5)`, as floats")])
    _finish(name)


# ---------------------------------------------------------------------------------------------
# The models
# ---------------------------------------------------------------------------------------------

def _model(name, func, hint):
    __tracebackhide__ = True
    ref = REFERENCE[name]
    X = _values("models")["X"]
    Y = (np.arange(X.shape[1]) % 3 == 0).astype(float).reshape(1, -1)
    dims = list(ref["layers_dims"])
    if name == "two_layer_model":
        dims = tuple(dims)
    result = _call(name, func, (X, Y, dims),
                   ("X", "Y", "layers_dims"),
                   {"learning_rate": MODEL_LEARNING_RATE, "num_iterations": MODEL_ITERATIONS},
                   case=f" ({MODEL_ITERATIONS} iterations on X (5, 12))")
    _check_tuple(name, result, "(parameters, costs)")
    parameters, costs = result
    if not isinstance(costs, list) or len(costs) != len(ref["costs"]):
        got = f"a list of {len(costs)}" if isinstance(costs, list) else type(costs).__name__
        raise CheckFailed(f"{name} returned costs as {got}; expected a list of "
                          f"{len(ref['costs'])} costs, recorded at iterations 0, 100 and 200: "
                          f"keep the lines that record them.")
    _check_close(name, "costs", np.asarray(costs, dtype=float), ref["costs"], hint)
    _check_dict(name, parameters, ["W1"], "the parameters", "return the trained parameters")
    _check_close(name, "W1[0]", np.asarray(parameters["W1"])[0], ref["W1[0]"],
                 "update the parameters once per iteration with update_parameters, and use "
                 "the updated ones in the next iteration")
    _finish(name)


@_check
def check_two_layer_model(two_layer_model):
    """Check two_layer_model for 201 iterations on X (5, 12), layers (5, 4, 1)."""
    __tracebackhide__ = True
    _model("two_layer_model", two_layer_model,
           "forward with linear_activation_forward ('relu', then 'sigmoid'), compute_cost, "
           "dA2 = -(Y / A2 - (1 - Y) / (1 - A2)), linear_activation_backward twice, "
           "update_parameters")


@_check
def check_L_layer_model(L_layer_model):
    """Check L_layer_model for 201 iterations on X (5, 12), layers [5, 4, 3, 1]."""
    __tracebackhide__ = True
    _model("L_layer_model", L_layer_model,
           "L_model_forward, compute_cost, L_model_backward, update_parameters, in each "
           "iteration")


def compare_costs(costs, dataset):
    """Compare COSTS, the four-layer model's costs every 100 iterations, with the reference
    table of DATASET (the name ``catvnoncat.find_dataset`` gives), to 6 decimals.

    Prints the table and a verdict; raises CheckFailed naming the first iteration whose cost
    differs. A data set without a table is said so in one line.
    """
    reference = TRAINING_COSTS.get(dataset)
    if reference is None:
        print(f"No reference costs for the data set {dataset!r}; known: "
              f"{', '.join(TRAINING_COSTS)}.")
        return
    costs = [float(cost) for cost in costs]
    print(f"{'iteration':>9}  {'your cost':>10}  {'reference':>10}")
    for i, (mine, ref) in enumerate(zip(costs, reference)):
        print(f"{100 * i:>9}  {mine:>10.6f}  {ref:>10.6f}")
    if len(costs) != len(reference):
        raise CheckFailed(f"{len(costs)} costs; the reference table has {len(reference)}, one "
                          f"every 100 of 1000 iterations.")
    for i, (mine, ref) in enumerate(zip(costs, reference)):
        if round(mine, 6) != ref:
            raise CheckFailed(f"the cost at iteration {100 * i} is {mine:.6f}; the reference is "
                              f"{ref:.6f}. Every function checks out on its own: look at how "
                              f"L_layer_model uses them (initialise once, update every "
                              f"iteration).")
    print(f"Your costs match the reference on the {dataset} pictures, to 6 decimals.")


CHECKS = {
    "sigmoid": check_sigmoid,
    "relu": check_relu,
    "sigmoid_backward": check_sigmoid_backward,
    "relu_backward": check_relu_backward,
    "initialize_parameters_deep": check_initialize_parameters_deep,
    "linear_forward": check_linear_forward,
    "linear_activation_forward": check_linear_activation_forward,
    "L_model_forward": check_L_model_forward,
    "compute_cost": check_compute_cost,
    "linear_backward": check_linear_backward,
    "linear_activation_backward": check_linear_activation_backward,
    "L_model_backward": check_L_model_backward,
    "update_parameters": check_update_parameters,
    "predict": check_predict,
    "two_layer_model": check_two_layer_model,
    "L_layer_model": check_L_layer_model,
}


def validate(func):
    """The graded cell of FUNC, one of the graded functions: see utils.checks.validate_graded."""
    validate_graded(func, CHECKS, {}, assert_implemented)


# ---------------------------------------------------------------------------------------------
# Before grading, and before the cells that use several functions
# ---------------------------------------------------------------------------------------------

def _small_examples():
    """name -> args of a tiny call that any implementation can run."""
    A, W, b = np.ones((2, 3)), np.ones((1, 2)), np.zeros((1, 1))
    Z = np.array([[0.5, -0.5, 1.0]])
    parameters = {"W1": np.ones((1, 2)) * 0.1, "b1": np.zeros((1, 1))}
    cache = ((A, W, b), Z)
    X, Y = np.ones((2, 3)), np.array([[1.0, 0.0, 1.0]])
    return {
        "sigmoid": (Z,),
        "relu": (Z,),
        "sigmoid_backward": (np.ones((1, 3)), Z),
        "relu_backward": (np.ones((1, 3)), Z),
        "initialize_parameters_deep": ([2, 1],),
        "linear_forward": (A, W, b),
        "linear_activation_forward": (A, W, b, "relu"),
        "L_model_forward": (X, parameters),
        "compute_cost": (np.array([[0.8, 0.2, 0.6]]), Y),
        "linear_backward": (np.ones((1, 3)), (A, W, b)),
        "linear_activation_backward": (np.ones((1, 3)), cache, "relu"),
        "L_model_backward": (np.array([[0.8, 0.2, 0.6]]), Y, [cache]),
        "update_parameters": (parameters, {"dW1": np.ones((1, 2)), "db1": np.ones((1, 1))},
                              0.1),
        "predict": (X, parameters),
        "two_layer_model": (X, Y, (2, 2, 1), 0.01, 1),
        "L_layer_model": (X, Y, [2, 2, 1], 0.01, 1),
    }


assert_implemented, is_implemented = unwritten_guards(_small_examples, GRADED_FUNCTIONS, CALLS)
