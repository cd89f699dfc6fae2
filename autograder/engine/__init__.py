"""The grading engine: everything that grades a notebook without knowing which one.

sandbox  -- the isolated process that student code runs in, and its limits
wire     -- the data that crosses between the grader and that process (both sides)
worker   -- the program in that process: runs the cells, serves calls of their functions
session  -- the grader's side of one such process: proxies, timeouts, restarts
harness  -- sub-tests with points, safe calls into student code, the printed report
contract -- what a hidden-test module must provide, checked when grading starts
crosscheck -- nbgrader's own autograde of a submission, for --cross-check

Only ``wire`` and ``worker`` (and this file) are visible inside the sandbox; they import
nothing else of the course.
"""
