"""Hidden tests: the autograded cells call ``grade_NAME(func)`` from the assignment's module.

harness    -- sub-tests with points, safe calls into student code, the printed report
oracles    -- independent reference computations (scipy, numerical gradients, definitions)
step_by_step -- the graded functions of "Convolutional networks, step by step"
"""
