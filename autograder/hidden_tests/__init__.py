"""Hidden tests: the graded cells call ``grade_NAME(func)`` of the assignment's module.

Each module follows ``autograder.engine.contract`` and is named in the course's registry
(``autograder.course.ASSIGNMENTS``). Student code never sees this package: the sandbox
leaves it out.

oracles      -- independent reference computations (scipy, exact gradients, definitions)
step_by_step -- the graded functions of "Convolutional networks, step by step"
application  -- the graded functions of "Convolutional networks: application" (TensorFlow)
"""
