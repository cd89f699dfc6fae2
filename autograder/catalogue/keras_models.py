"""Known wrong implementations of the Keras assignment.

Each entry edits the instructor's solution (source notebook) the way a student's mistake
would. The tests prove, through the instructor's sandboxed grader and, for the samples,
through a real nbgrader autograde, that every entry loses points on exactly the function it
edits, under its mistake id, and that the report shows its ``hint``. No graded function calls
another, so a mistake costs points in one function only.
"""

from autograder.samples import Bug

SEQ_CONV1 = ('keras.layers.Conv2D(8, 4, strides=1, padding="same", use_bias=False,\n'
             '                            activation="relu", kernel_initializer="glorot_normal")')
SEQ_CONV2 = ('keras.layers.Conv2D(16, 2, strides=1, padding="same", use_bias=False,\n'
             '                            activation="relu", kernel_initializer="glorot_normal")')
FN_POOL1 = 'keras.layers.MaxPooling2D(pool_size=8, strides=8, padding="same")(A1)'
FN_POOL2 = 'keras.layers.MaxPooling2D(pool_size=4, strides=4, padding="same")(A2)'
FN_BLOCK2 = (f"P1 = {FN_POOL1}\n"
             '    Z2 = keras.layers.Conv2D(16, 2, strides=1, padding="same", use_bias=False,\n'
             '                             kernel_initializer="glorot_normal")(P1)\n'
             "    A2 = keras.layers.ReLU()(Z2)\n"
             f"    P2 = {FN_POOL2}")
LOSS = "keras.losses.CategoricalCrossentropy(from_logits=True)"
FIT = "model.fit(X_train[order], Y_train[order], epochs=epochs,"

BUGS = [
    Bug(  # [issue] Conv2D with the wrong padding
        name="conv-valid-padding",
        function="sequential_model",
        replace=SEQ_CONV1,
        by=SEQ_CONV1.replace('padding="same"', 'padding="valid"'),
        breaks=frozenset({"sequential_model"}),
        hint="SAME padding keeps the image size",
        mistake="conv-padding",
        description="lets the first convolution pad VALID, Keras' default",
    ),
    Bug(
        name="conv-with-bias",
        function="sequential_model",
        replace=SEQ_CONV2,
        by=SEQ_CONV2.replace(" use_bias=False,", ""),
        breaks=frozenset({"sequential_model"}),
        hint="have no biases, as the graph assignment's",
        mistake="conv-bias",
        description="keeps Keras' default bias in the second convolution: 528 parameters, "
                    "not 512",
    ),
    Bug(
        name="glorot-uniform",
        function="sequential_model",
        replace=SEQ_CONV1,
        by=SEQ_CONV1.replace(', kernel_initializer="glorot_normal"', ""),
        breaks=frozenset({"sequential_model"}),
        hint="Keras' default is Glorot uniform",
        mistake="conv-initializer",
        description="starts the first convolution from Keras' default Glorot uniform values",
    ),
    Bug(  # [issue] softmax twice
        name="softmax-in-model",
        function="sequential_model",
        replace="keras.layers.Dense(n_classes),",
        by='keras.layers.Dense(n_classes, activation="softmax"),',
        breaks=frozenset({"sequential_model"}),
        hint="applied twice",
        mistake="softmax-in-model",
        description="ends the model with a softmax while the loss applies one too",
    ),
    Bug(  # [issue] missing Flatten
        name="missing-flatten",
        function="functional_model",
        replace="F = keras.layers.Flatten()(P2)",
        by="F = P2",
        breaks=frozenset({"functional_model"}),
        hint="the FLATTEN row of the table",
        mistake="missing-flatten",
        description="puts the dense layer on the 4-D output of the second pool",
    ),
    Bug(  # [issue] pool size or stride swapped
        name="pools-swapped",
        function="functional_model",
        replace=FN_BLOCK2,
        by=(FN_BLOCK2.replace("pool_size=8, strides=8", "pool_size=@, strides=@")
            .replace("pool_size=4, strides=4", "pool_size=8, strides=8")
            .replace("pool_size=@, strides=@", "pool_size=4, strides=4")),
        breaks=frozenset({"functional_model"}),
        hint="8 x 8 with stride 8 first",
        mistake="pool-windows",
        description="swaps the two pools: 4 x 4 with stride 4 first, then 8 x 8 with stride 8 "
                    "(the same output shape for 64 x 64 images)",
    ),
    Bug(
        name="pool-valid-padding",
        function="functional_model",
        replace=f"P2 = {FN_POOL2}",
        by=f"P2 = {FN_POOL2.replace('same', 'valid')}",
        breaks=frozenset({"functional_model"}),
        hint="wrong for other sizes",
        mistake="pool-padding",
        description="pools the second block VALID: right for 64 x 64 images only",
    ),
    Bug(
        name="missing-relu",
        function="functional_model",
        replace="A2 = keras.layers.ReLU()(Z2)",
        by="A2 = Z2",
        breaks=frozenset({"functional_model"}),
        hint="each convolution is followed by a ReLU",
        mistake="missing-relu",
        description="leaves out the ReLU after the second convolution",
    ),
    Bug(  # [issue] from_logits mismatched with the last activation
        name="from-logits-false",
        function="compile_model",
        replace=LOSS,
        by="keras.losses.CategoricalCrossentropy()",
        breaks=frozenset({"compile_model"}),
        hint="the loss must apply the softmax itself",
        mistake="from-logits-mismatch",
        description="compiles the logits model with a loss that takes its outputs for "
                    "probabilities",
    ),
    Bug(  # [issue] wrong loss for one-hot labels
        name="sparse-loss",
        function="compile_model",
        replace=LOSS,
        by="keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
        breaks=frozenset({"compile_model"}),
        hint="SparseCategoricalCrossentropy expects one class number",
        mistake="sparse-loss-for-one-hot",
        description="uses the loss of class numbers with one-hot labels",
    ),
    Bug(
        name="learning-rate-ignored",
        function="compile_model",
        replace="optimizer=keras.optimizers.Adam(learning_rate=learning_rate)",
        by='optimizer="adam"',
        breaks=frozenset({"compile_model"}),
        hint="Keras' default rate, 0.001",
        mistake="learning-rate-ignored",
        description="compiles with the string \"adam\", whose learning rate is 0.001",
    ),
    Bug(
        name="split-before-shuffling",
        function="train_model",
        replace=FIT,
        by="model.fit(X_train, Y_train, epochs=epochs,",
        breaks=frozenset({"train_model"}),
        hint="validation_split takes the last examples",
        mistake="validation-split-unshuffled",
        description="fits the examples in their stored order, so the validation split is "
                    "the last class",
    ),
    Bug(
        name="labels-shuffled-apart",
        function="train_model",
        replace=FIT,
        by=("model.fit(X_train[order], "
            "Y_train[np.random.default_rng(seed + 1).permutation(len(Y_train))], "
            "epochs=epochs,"),
        breaks=frozenset({"train_model"}),
        hint="the same permutation",
        mistake="labels-shuffled-apart",
        description="shuffles the labels with another permutation than the images",
    ),
    Bug(
        name="batch-size-fixed",
        function="train_model",
        replace="epochs=epochs, batch_size=batch_size,",
        by="epochs=epochs, batch_size=32,",
        breaks=frozenset({"train_model"}),
        hint="pass the arguments on",
        mistake="fit-arguments-ignored",
        description="trains on mini-batches of 32 whatever it is asked",
    ),
    Bug(
        name="argmax-axis-0",
        function="predict",
        replace="classes = np.argmax(logits, axis=1)",
        by="classes = np.argmax(logits, axis=0)",
        breaks=frozenset({"predict"}),
        hint="one class per row",
        mistake="argmax-axis",
        description="takes the argmax over the images instead of the classes",
    ),
    Bug(
        name="softmax-over-images",
        function="predict",
        replace="keras.ops.softmax(logits, axis=-1)",
        by="keras.ops.softmax(logits, axis=0)",
        breaks=frozenset({"predict"}),
        hint="each row sums to 1",
        mistake="softmax-axis",
        description="takes the softmax over the images instead of the classes",
    ),
]
