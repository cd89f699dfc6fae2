"""Known mistakes of each assignment: wrong implementations written as edits of the solutions.

Each module's ``BUGS`` lists ``autograder.samples.Bug`` entries; the course's registry
(``autograder.course.ASSIGNMENTS``) names each assignment's catalogue and the entries
``make grade`` grades as samples. The tests prove that every entry loses points exactly on
the functions it breaks, with its hint. Student code never sees this package.

dnn_step_by_step -- "Deep neural networks, step by step"
step_by_step   -- "Convolutional networks, step by step"
numpy_training -- "Convolutional networks: fast layers, trained in numpy"
application  -- "Convolutional networks: application"
keras_models -- "Convolutional networks in Keras"
"""
