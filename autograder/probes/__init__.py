"""Probes: code that runs next to a student's function and turns its results into plain data.

Some graded functions return objects that cannot leave the process that made them
(TensorFlow tensors, say). A probe, ``probe_NAME(func, *args)``, calls the student's function
FUNC (in a fresh graph, for TensorFlow), runs what it built on the inputs ARGS the grader
sends, and returns plain data: values, shapes, the operations' attributes. The hidden tests
(``autograder.hidden_tests``) judge that data in the grader's process.

When the grader grades a notebook (``autograder.engine.session``) the probes run in the
student's sandboxed process, so this package is readable by student code. It therefore holds
only code that turns results into data: no test cases, expected values, oracles or hints,
nothing that tells what is tested. The inputs and what to look at come from the grader as
arguments.

numpy_training -- the gradient check of "Convolutional networks: fast layers, trained in
                  numpy", run on test functions built in the student's process
application    -- the graph functions of "Convolutional networks: application" (TensorFlow)
keras_models   -- the models, compiled models, training runs and predictions of
                  "Convolutional networks in Keras" (Keras 3)
"""
