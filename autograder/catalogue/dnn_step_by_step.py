"""Known wrong implementations of "Deep neural networks, step by step".

Each entry edits the instructor's solution (source notebook) the way a student's mistake
would. The tests prove, in process and through a real nbgrader autograde, that every entry
loses points on exactly the functions in its ``breaks`` set, under its mistake id, and that the
report shows its ``hint``. ``make grade`` uses the entries the course's registry names as sample
submissions.
"""

from autograder.samples import Bug

BUGS = [
    Bug(
        name="sigmoid-sign",
        function="sigmoid",
        replace="    A = 1 / (1 + np.exp(-Z))\n",
        by="    A = 1 / (1 + np.exp(Z))\n",
        breaks=frozenset({"sigmoid"}),
        hint="the sign in the exponent is flipped",
        mistake="sigmoid-sign",
        description="computes 1 / (1 + exp(Z)), the sigmoid of -Z",
    ),
    Bug(
        name="sigmoid-backward-without-one-minus",
        function="sigmoid_backward",
        replace="    dZ = dA * s * (1 - s)\n",
        by="    dZ = dA * s\n",
        breaks=frozenset({"sigmoid_backward"}),
        hint="sigma(z)(1 - sigma(z))",
        mistake="sigmoid-derivative",
        description="multiplies dA by the sigmoid instead of its derivative s (1 - s)",
    ),
    Bug(
        name="relu-backward-modifies-dA",
        function="relu_backward",
        replace="    dZ = np.array(dA, dtype=float)\n",
        by="    dZ = dA\n",
        breaks=frozenset({"relu_backward"}),
        hint="start from a copy",
        mistake="modifies-input",
        description="sets entries of dZ = dA, which changes the caller's dA",
    ),
    Bug(
        name="relu-backward-gate-on-dA",
        function="relu_backward",
        replace="    dZ[Z <= 0] = 0\n",
        by="    dZ[dA <= 0] = 0\n",
        breaks=frozenset({"relu_backward"}),
        hint="gated by dA instead of the cache Z",
        mistake="relu-gate-on-wrong-tensor",
        description="zeroes the gradient where dA is negative instead of where Z is",
    ),
    Bug(
        name="relu-backward-gradient-1-at-zero",
        function="relu_backward",
        replace="    dZ[Z <= 0] = 0\n",
        by="    dZ[Z < 0] = 0\n",
        breaks=frozenset({"relu_backward"}),
        hint="differs only where the cache Z is exactly 0: section 1.2 takes ReLU's derivative "
             "at exactly 0 as 0",
        mistake="relu-gradient-at-zero",
        description="keeps dA where Z is exactly 0, taking ReLU's derivative there as 1 instead "
                    "of the course's 0",
    ),
    Bug(
        name="init-scaled-by-0.01",
        function="initialize_parameters_deep",
        replace=" / np.sqrt(layer_dims[l - 1])\n",
        by=" * 0.01\n",
        breaks=frozenset({"initialize_parameters_deep"}),
        hint="not divided by the square root of the layer's input size",
        mistake="init-scale",
        description="scales the weights by 0.01, as the two-layer course does, instead of "
                    "dividing by sqrt(n_{l-1})",
    ),
    Bug(
        name="init-bias-random",
        function="initialize_parameters_deep",
        replace='        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))\n',
        by='        parameters["b" + str(l)] = np.random.randn(layer_dims[l], 1)\n',
        breaks=frozenset({"initialize_parameters_deep"}),
        hint="the biases start at zero",
        mistake="init-extra-draws",
        description="draws the biases at random, which also shifts every later weight draw",
    ),
    Bug(
        name="linear-forward-bias-missing",
        function="linear_forward",
        replace="    Z = W @ A + b\n",
        by="    Z = W @ A\n",
        breaks=frozenset({"linear_forward"}),
        hint="the bias is missing",
        mistake="bias-missing",
        description="forgets to add b",
    ),
    Bug(
        name="activation-caches-swapped",
        function="linear_activation_forward",
        replace="    cache = (linear_cache, activation_cache)\n",
        by="    cache = (activation_cache, linear_cache)\n",
        breaks=frozenset({"linear_activation_forward"}),
        hint="(linear_cache, activation_cache)",
        mistake="forward-cache-order",
        description="stores the activation's cache first and the linear cache second",
    ),
    Bug(
        name="forward-skips-a-layer",
        function="L_model_forward",
        replace="    for l in range(1, L):\n",
        by="    for l in range(1, L - 1):\n",
        breaks=frozenset({"L_model_forward"}),
        hint="a layer is skipped",
        mistake="layer-skipped",
        description="stops the loop of hidden layers one layer early",
    ),
    Bug(
        name="forward-relu-last",
        function="L_model_forward",
        replace='parameters["b" + str(L)], "sigmoid")\n',
        by='parameters["b" + str(L)], "relu")\n',
        breaks=frozenset({"L_model_forward"}),
        hint="'sigmoid' for the last layer, L",
        mistake="last-layer-activation",
        description="uses relu on the output layer too",
    ),
    Bug(
        name="cost-not-averaged",
        function="compute_cost",
        replace="    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m\n",
        by="    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))\n",
        breaks=frozenset({"compute_cost"}),
        hint="the sum divided by m",
        mistake="cost-not-averaged",
        description="returns the sum of the losses instead of their mean",
    ),
    Bug(
        name="dW-without-1-over-m",
        function="linear_backward",
        replace="    dW = dZ @ A_prev.T / m\n",
        by="    dW = dZ @ A_prev.T\n",
        breaks=frozenset({"linear_backward"}),
        hint="dW is a mean over the examples",
        mistake="dW-missing-1-over-m",
        description="forgets the 1 / m of dW",
    ),
    Bug(
        name="db-without-keepdims",
        function="linear_backward",
        replace="    db = np.sum(dZ, axis=1, keepdims=True) / m\n",
        by="    db = np.sum(dZ, axis=1) / m\n",
        breaks=frozenset({"linear_backward"}),
        hint="db has the shape of b",
        mistake="db-shape",
        description="sums dZ without keepdims, so db has shape (n_l,) instead of (n_l, 1)",
    ),
    Bug(
        name="backward-activations-swapped",
        function="linear_activation_backward",
        replace='    if activation == "relu":\n        dZ = relu_backward(dA, activation_cache)\n'
                '    elif activation == "sigmoid":\n'
                '        dZ = sigmoid_backward(dA, activation_cache)\n',
        by='    if activation == "relu":\n        dZ = sigmoid_backward(dA, activation_cache)\n'
           '    elif activation == "sigmoid":\n        dZ = relu_backward(dA, activation_cache)\n',
        breaks=frozenset({"linear_activation_backward"}),
        hint="activation names the backward function",
        mistake="backward-activations-swapped",
        description="calls sigmoid_backward for 'relu' and relu_backward for 'sigmoid'",
    ),
    Bug(
        name="dAL-sign",
        function="L_model_backward",
        replace="    dAL = -(Y / AL - (1 - Y) / (1 - AL))\n",
        by="    dAL = Y / AL - (1 - Y) / (1 - AL)\n",
        breaks=frozenset({"L_model_backward"}),
        hint="lost its minus sign",
        mistake="dAL-sign",
        description="drops the minus sign of dAL, so every gradient points uphill",
    ),
    Bug(
        name="update-adds-gradient",
        function="update_parameters",
        replace='        parameters["W" + str(l)] -= learning_rate * grads["dW" + str(l)]\n'
                '        parameters["b" + str(l)] -= learning_rate * grads["db" + str(l)]\n',
        by='        parameters["W" + str(l)] += learning_rate * grads["dW" + str(l)]\n'
           '        parameters["b" + str(l)] += learning_rate * grads["db" + str(l)]\n',
        breaks=frozenset({"update_parameters"}),
        hint="gradient descent subtracts",
        mistake="update-adds-gradient",
        description="adds the gradients instead of subtracting them",
    ),
    Bug(
        name="update-skips-last-layer",
        function="update_parameters",
        replace="    for l in range(1, L + 1):\n",
        by="    for l in range(1, L):\n",
        breaks=frozenset({"update_parameters"}),
        hint="updates every layer",
        mistake="update-misses-layers",
        description="updates layers 1 to L - 1 and leaves the last one as it was",
    ),
    Bug(
        name="two-layer-update-discarded",
        function="two_layer_model",
        replace="        parameters = update_parameters(parameters, grads, learning_rate)\n",
        by="        update_parameters(parameters, grads, learning_rate)\n",
        breaks=frozenset({"two_layer_model"}),
        hint="go on from what update_parameters returns",
        mistake="model-update-discarded",
        description="calls update_parameters without keeping what it returns, so the "
                    "parameters never change",
    ),
    Bug(
        name="L-model-reinitialised",
        function="L_layer_model",
        replace="        AL, caches = L_model_forward(X, parameters)\n",
        by="        parameters = initialize_parameters_deep(layers_dims)\n"
           "        AL, caches = L_model_forward(X, parameters)\n",
        breaks=frozenset({"L_layer_model"}),
        hint="initialise once, before the loop",
        mistake="model-reinitialised",
        description="initialises the parameters again in every iteration, so nothing is learned",
    ),
    Bug(
        name="two-layer-starts-by-hand",
        function="two_layer_model",
        replace="    parameters = initialize_parameters_deep(layers_dims)\n",
        by="    n_x, n_h, n_y = layers_dims\n"
           "    np.random.seed(1)\n"
           '    parameters = {"W1": np.random.randn(n_h, n_x) * 0.01,\n'
           '                  "b1": np.zeros((n_h, 1)),\n'
           '                  "W2": np.random.randn(n_y, n_h) * 0.01,\n'
           '                  "b2": np.zeros((n_y, 1))}\n',
        breaks=frozenset({"two_layer_model"}),
        hint="starts from other parameters than the notebook's initialisation gives",
        mistake="model-start",
        description="initialises the parameters by hand, as the two-layer course does (seed 1, "
                    "weights randn * 0.01), instead of with initialize_parameters_deep",
    ),
]
