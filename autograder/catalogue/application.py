"""Known wrong implementations of the application assignment (TensorFlow).

Each entry edits the instructor's solution (source notebook) the way a student's mistake
would. The tests prove, in process and through a real nbgrader autograde, that every entry
loses points on exactly the functions in its ``breaks`` set and that the report shows its
``hint``. A mistake in a function that ``model`` calls breaks ``model`` too when training
with it goes wrong.
"""

from autograder.samples import Bug

CONV1 = 'Z1 = tf.nn.conv2d(X, W1, strides=[1, 1, 1, 1], padding="SAME")'
POOL1 = 'P1 = tf.nn.max_pool(A1, ksize=[1, 8, 8, 1], strides=[1, 8, 8, 1], padding="SAME")'
POOL2 = 'P2 = tf.nn.max_pool(A2, ksize=[1, 4, 4, 1], strides=[1, 4, 4, 1], padding="SAME")'
COST = "cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=Z3, labels=Y))"
SHUFFLE = "minibatches = random_mini_batches(X_train, Y_train, minibatch_size, seed)"

BUGS = [
    Bug(
        name="placeholder-fixed-batch",
        function="create_placeholders",
        replace="shape=(None, n_H0, n_W0, n_C0)",
        by="shape=(64, n_H0, n_W0, n_C0)",
        breaks=frozenset({"create_placeholders"}),
        hint="None",
        mistake="placeholder-fixed-batch",
        description="fixes the number of examples of X to 64, so the last mini-batch fails",
    ),
    Bug(
        name="placeholder-float64",
        function="create_placeholders",
        replace="X = tf.compat.v1.placeholder(tf.float32,",
        by="X = tf.compat.v1.placeholder(tf.float64,",
        breaks=frozenset({"create_placeholders"}),
        hint="tf.float32",
        mistake="placeholder-not-float32",
        description="makes X a float64 placeholder, which the float32 filters cannot take",
    ),
    Bug(
        name="glorot-uniform",
        function="initialize_parameters",
        replace="tf.keras.initializers.GlorotNormal(seed=0)",
        by="tf.keras.initializers.GlorotUniform(seed=0)",
        breaks=frozenset({"initialize_parameters"}),
        hint="Glorot *uniform*",
        mistake="glorot-uniform",
        description="initialises the filters with Glorot uniform instead of Glorot normal",
    ),
    Bug(  # [issue] wrong padding
        name="conv-valid-padding",
        function="forward_propagation",
        replace=CONV1,
        by=CONV1.replace('"SAME"', '"VALID"'),
        breaks=frozenset({"forward_propagation"}),
        hint='padding="SAME"',
        mistake="conv-stride-or-padding",
        description="convolves the images without padding",
    ),
    Bug(  # [issue] wrong padding, invisible on 64 x 64 images
        name="pool-valid-padding",
        function="forward_propagation",
        replace=f"{POOL1}\n",
        by=f"{POOL1}\n".replace('"SAME"', '"VALID"'),
        breaks=frozenset({"forward_propagation"}),
        hint="wrong for other sizes",
        mistake="pool-valid-padding",
        description="pools without padding: the same shapes for 64 x 64 images, not for others",
    ),
    Bug(  # [issue] wrong pool size
        name="second-pool-2x2",
        function="forward_propagation",
        replace=POOL2,
        by=POOL2.replace("[1, 4, 4, 1]", "[1, 2, 2, 1]"),
        breaks=frozenset({"forward_propagation"}),
        hint="ksize [1, 4, 4, 1]",
        mistake="layers-differ",
        description="pools 2 x 2 with stride 2 in the second block instead of 4 x 4 stride 4",
    ),
    Bug(
        name="average-pool",
        function="forward_propagation",
        replace=POOL1,
        by=POOL1.replace("tf.nn.max_pool", "tf.nn.avg_pool"),
        breaks=frozenset({"forward_propagation"}),
        hint="tf.nn.max_pool",
        mistake="pool-kind-or-window",
        description="averages instead of taking the maximum in the first pool",
    ),
    Bug(  # [issue] activation on the last layer
        name="relu-on-logits",
        function="forward_propagation",
        replace="Z3 = tf.compat.v1.layers.dense(F, 6, activation=None)",
        by="Z3 = tf.compat.v1.layers.dense(F, 6, activation=tf.nn.relu)",
        breaks=frozenset({"forward_propagation"}),
        hint="no activation",
        mistake="activation-on-logits",
        description="puts a ReLU on the logits",
    ),
    Bug(  # [issue] softmax applied before the cost
        name="softmax-before-cost",
        function="compute_cost",
        replace=COST,
        by=COST.replace("logits=Z3", "logits=tf.nn.softmax(Z3)"),
        breaks=frozenset({"compute_cost"}),
        hint="applied twice",
        mistake="softmax-twice",
        description="applies a softmax to the logits before the softmax cross-entropy",
    ),
    Bug(  # [issue] cost summed instead of averaged
        name="cost-summed",
        function="compute_cost",
        replace=COST,
        by=COST.replace("tf.reduce_mean", "tf.reduce_sum"),
        breaks=frozenset({"compute_cost"}),
        hint="tf.reduce_mean",
        mistake="cost-summed",
        description="sums the cross-entropy over the examples instead of averaging it",
    ),
    Bug(
        name="cost-arguments-swapped",
        function="compute_cost",
        replace=COST,
        by=COST.replace("logits=Z3, labels=Y", "logits=Y, labels=Z3"),
        breaks=frozenset({"compute_cost"}),
        hint="swapped",
        mistake="cost-arguments-swapped",
        description="passes the labels as logits and the logits as labels",
    ),
    Bug(  # [issue] no shuffling
        name="no-shuffling",
        function="model",
        replace=SHUFFLE,
        by="minibatches = [(X_train[k:k + minibatch_size], Y_train[k:k + minibatch_size])\n"
           "                           for k in range(0, m, minibatch_size)]",
        breaks=frozenset({"model"}),
        hint="shuffle every epoch",
        mistake="no-shuffling",
        description="takes the mini-batches in the stored order, never shuffled",
    ),
    Bug(
        name="epoch-cost-summed",
        function="model",
        replace="epoch_cost += minibatch_cost / len(minibatches)",
        by="epoch_cost += minibatch_cost",
        breaks=frozenset({"model"}),
        hint="mean of its mini-batch costs",
        mistake="epoch-cost-summed",
        description="reports the sum of the mini-batch costs as the epoch's cost",
    ),
    Bug(
        name="no-optimizer-step",
        function="model",
        replace="_, minibatch_cost = sess.run([optimizer, cost],",
        by="minibatch_cost = sess.run(cost,",
        breaks=frozenset({"model"}),
        hint="run the optimizer",
        mistake="no-training-step",
        description="evaluates the cost without running the optimizer, so nothing trains",
    ),
    Bug(
        name="test-accuracy-on-train",
        function="model",
        replace="test_accuracy = float(sess.run(accuracy, feed_dict={X: X_test, Y: Y_test}))",
        by="test_accuracy = float(sess.run(accuracy, feed_dict={X: X_train, Y: Y_train}))",
        breaks=frozenset({"model"}),
        hint="on X_test for test_accuracy",
        mistake="accuracy-on-wrong-data",
        description="measures the test accuracy on the training set",
    ),
]
