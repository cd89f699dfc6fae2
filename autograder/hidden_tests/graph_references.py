"""The course's correct versions of the application's graph functions, which ``model`` calls.

``model`` is graded with these in place of the student's own graph functions that lost
points in their own tests (see ``autograder.engine.harness.substituting_there``), so a
mistake in ``forward_propagation`` costs points there, not in ``model`` too. Unlike the
step-by-step helpers of ``references``, which run in the grader's process, these build
TensorFlow graphs, which cannot leave the process that runs ``model``: while such a model
is graded, the grader sends this file's source into the sandbox, where it runs next to the
student's code. It holds nothing of the tests, only what the notebook's table of layers and
its hints already spell out. TensorFlow is the one the notebook set up
(``utils.tensorflow_setup``), imported when a function first runs.
"""

from utils.tensorflow_setup import import_tensorflow

# The network after the input, layer by layer, as the notebook's table gives it: each
# convolution has stride 1 and SAME padding, each max pooling a window as wide as its stride.
LAYERS = (("conv", "W1"), ("relu",), ("max_pool", 8), ("conv", "W2"), ("relu",),
          ("max_pool", 4), ("flatten",), ("dense", 6))
# The filters' shapes, (f, f, n_C_prev, n_C).
SHAPES = {"W1": (4, 4, 3, 8), "W2": (2, 2, 8, 16)}


def create_placeholders(n_H0, n_W0, n_C0, n_y):
    """Float32 placeholders for a batch of any size: images X and one-hot labels Y."""
    tf = import_tensorflow()
    images = tf.compat.v1.placeholder(tf.float32, shape=(None, n_H0, n_W0, n_C0))
    labels = tf.compat.v1.placeholder(tf.float32, shape=(None, n_y))
    return images, labels


def initialize_parameters():
    """W1 and W2, drawn by the Glorot normal initializer with the course's seeds."""
    tf = import_tensorflow()
    tf.compat.v1.set_random_seed(1)
    draw = tf.keras.initializers.GlorotNormal(seed=0)
    return {name: tf.compat.v1.get_variable(name, list(shape), initializer=draw)
            for name, shape in SHAPES.items()}


def forward_propagation(X, parameters):
    """The logits of LAYERS for the images X, with the filters of PARAMETERS."""
    tf = import_tensorflow()
    output = X
    for kind, *setting in LAYERS:
        if kind == "conv":
            output = tf.nn.conv2d(output, parameters[setting[0]], strides=1, padding="SAME")
        elif kind == "relu":
            output = tf.nn.relu(output)
        elif kind == "max_pool":
            output = tf.nn.max_pool(output, ksize=setting[0], strides=setting[0],
                                    padding="SAME")
        elif kind == "flatten":
            output = tf.compat.v1.layers.flatten(output)
        else:
            output = tf.compat.v1.layers.dense(output, setting[0], activation=None)
    return output


def compute_cost(Z3, Y):
    """The mean over the examples of the softmax cross-entropy of the logits Z3."""
    tf = import_tensorflow()
    losses = tf.nn.softmax_cross_entropy_with_logits(logits=Z3, labels=Y)
    return tf.reduce_mean(losses)
