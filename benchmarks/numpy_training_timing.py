"""Times the numpy-training assignment: its fast convolution, the solution notebook, and one
graded submission.

Goals (README, "Benchmarks"):

- the course's vectorised convolution (the solution's conv_forward_fast and
  conv_backward_fast), forward and backward, at least 100 times faster than the loop layers
  (autograder/hidden_tests/loop_layers.py) on 64 images of 28 x 28 x 4 with 16 filters of
  3 x 3, pad 1, stride 1; its time is also given as a ratio to TensorFlow's tf.nn.conv2d and
  its gradients on the same shapes (goal: within 4 times);
- the source notebook, top to bottom (20 epochs of training), under 2 minutes, reaching a
  test accuracy of at least 0.95;
- one submission graded in under 30 s: the solution through `nbgrader autograde` (kernel
  start included) and through the course's grader in its sandbox.

Every ratio is measured in one run of this script, one timing after the other. The script
measures and prints; it asserts nothing, since shared machines are noisy.

    .venv/bin/python benchmarks/numpy_training_timing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
from pathlib import Path

import numpy as np
from batch_grading import timed  # benchmarks/ is on sys.path when run as a script
from solution_grading import cell_text, grading_times, run_solution_notebook

from autograder.course import Course, copy_course
from autograder.hidden_tests import loop_layers
from autograder.samples import solution_namespace

ASSIGNMENT = "cnn_numpy_training"
SHAPES = {"A_prev": (64, 28, 28, 4), "W": (3, 3, 4, 16)}
HPARAMETERS = {"stride": 1, "pad": 1}
TRAINED = re.compile(r"([0-9]+) epochs in ([0-9.]+) s; test accuracy ([0-9.]+)")


def best(repeat: int, function, *args) -> float:
    """The fastest of REPEAT calls of FUNCTION(*ARGS), in seconds."""
    return min(timed(function, *args)[0] for _ in range(repeat))


def convolution_times(repeat: int) -> dict[str, float]:
    """Seconds of forward + backward for the course's fast layers, the loop layers and
    TensorFlow, on SHAPES."""
    rng = np.random.default_rng(0)
    A_prev, W = rng.standard_normal(SHAPES["A_prev"]), rng.standard_normal(SHAPES["W"])
    b = rng.standard_normal((1, 1, 1, SHAPES["W"][3]))
    solution = solution_namespace(assignment=ASSIGNMENT)
    Z, cache = solution["conv_forward_fast"](A_prev, W, b, HPARAMETERS)
    dZ = rng.standard_normal(Z.shape)

    def fast():
        solution["conv_backward_fast"](dZ, solution["conv_forward_fast"](A_prev, W, b,
                                                                          HPARAMETERS)[1])

    def loops():
        loop_layers.conv_forward(A_prev, W, b, HPARAMETERS)
        loop_layers.conv_backward(dZ, cache)

    return {"fast": best(repeat, fast), "loops": best(1, loops),
            "tensorflow": tensorflow_time(repeat, A_prev, W, b, dZ)}


def tensorflow_time(repeat: int, A_prev, W, b, dZ) -> float:
    """Seconds of tf.nn.conv2d and its gradients (input, filters, bias) on the same float64
    arrays, eagerly, after one call to warm up."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    A, F, bias, upstream = (tf.constant(value) for value in (A_prev, W, b.reshape(-1), dZ))

    def run():
        with tf.GradientTape() as tape:
            tape.watch([A, F, bias])
            Z = tf.nn.conv2d(A, F, strides=1, padding=[[0, 0], [1, 1], [1, 1], [0, 0]]) + bias
        gradients = tape.gradient(Z, [A, F, bias], output_gradients=upstream)
        return [gradient.numpy() for gradient in gradients]

    run()
    return best(repeat, run)


def solution_notebook(course: Course) -> tuple[float, str]:
    """Seconds to run the source notebook top to bottom, trained in full, and what its training
    cell printed last."""
    seconds, notebook = run_solution_notebook(course, ASSIGNMENT)
    found = TRAINED.findall(cell_text(notebook, "train"))
    if found:
        epochs, training, accuracy = found[-1]
        return seconds, (f"{epochs} epochs of training in {float(training):.1f} s, "
                         f"test accuracy {accuracy}")
    return seconds, "the training cell printed no result"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args()

    times = convolution_times(args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        notebook_runs = [solution_notebook(course) for _ in range(args.repeat)]
        autograde, ours, score = grading_times(course, ASSIGNMENT, args.repeat, Path(tmp))

    shapes = (f"A_prev {SHAPES['A_prev']}, W {SHAPES['W']}, pad {HPARAMETERS['pad']}, "
              f"stride {HPARAMETERS['stride']}")
    print(f"numpy-training assignment, fastest (or median) of {args.repeat} runs")
    print(f"convolution forward + backward on {shapes}:")
    print(f"  course's vectorised layers {1000 * times['fast']:8.1f} ms")
    print(f"  loop layers                {1000 * times['loops']:8.1f} ms   "
          f"ratio loops / vectorised {times['loops'] / times['fast']:.0f} (goal >= 100)")
    print(f"  tf.nn.conv2d and gradients {1000 * times['tensorflow']:8.1f} ms   "
          f"ratio vectorised / TensorFlow {times['fast'] / times['tensorflow']:.2f} "
          f"(goal <= 4)")
    seconds = [run for run, _ in notebook_runs]
    print(f"solution notebook, top to bottom: median {statistics.median(seconds):.1f} s "
          f"(goal < 120 s); {notebook_runs[-1][1]} (goal >= 0.95)")
    print(f"solution submission, nbgrader autograde: median {statistics.median(autograde):.1f} s "
          f"(goal < 30 s)")
    print(f"solution submission, the course's grader (grade_batch: sandbox, 1 worker, its "
          f"workers' start included): median {statistics.median(ours):.1f} s (goal < 30 s); score "
          f"{score:g} / 100")


if __name__ == "__main__":
    main()
