"""Hidden tests: the graded cells call ``grade_NAME(func)`` of the assignment's module.

Each module follows ``autograder.engine.contract`` and is named in the course's registry
(``autograder.course.ASSIGNMENTS``). Student code never sees this package: the sandbox
leaves it out.

oracles        -- independent reference computations (windows, exact gradients, definitions)
references     -- the course's correct versions of the helpers a function is graded with
loop_layers    -- the step-by-step layers with their loops: the yardstick of the fast layers
step_by_step   -- the graded functions of "Convolutional networks, step by step"
numpy_training -- the graded functions of "Convolutional networks: fast layers, trained in
                  numpy"
application  -- the graded functions of "Convolutional networks: application" (TensorFlow)
keras_models -- the graded functions of "Convolutional networks in Keras" (Keras 3)
"""
