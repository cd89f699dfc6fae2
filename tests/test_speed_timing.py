"""How the speed points are timed: by each call's own time, which other processes busy on the
machine do not lengthen, the student's calls and the loop layers' in turn.

No test here asks the machine to be fast: each compares measurements of one run with each
other (the time a call slept, the time the process waited for a CPU) or fakes the times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import nbformat
import numpy as np
import pytest

from autograder.engine import harness, worker
from autograder.engine import session as engine_session
from autograder.engine.sandbox import GIB, Limits
from autograder.hidden_tests import numpy_training
from autograder.samples import solution_namespace

KNOWS_WAITS = worker.Stopwatch()._fd is not None
needs_waits = pytest.mark.skipif(not KNOWS_WAITS, reason="no /proc/thread-self/schedstat here")


def spin(seconds: float) -> None:
    """Run on the CPU for SECONDS of this process's CPU time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


# The clock ------------------------------------------------------------------------------------

def test_own_seconds_is_the_cpu_time_or_if_the_thread_blocked_the_time_run_or_blocked():
    # readings: (CPU seconds, wall before, seconds waited for a CPU, wall after, times the
    # thread gave up the CPU by itself)
    start = (10.0, 100.0, 5.0, 100.001, 7)
    # kept the CPU: its CPU time, whatever the wall time (waits, a busy hypervisor)
    assert worker.own_seconds(start, (11.0, 102.999, 7.0, 103.0, 7)) == pytest.approx(1.0)
    assert worker.own_seconds(start, (11.0, 102.999, 5.0, 103.0, 7)) == pytest.approx(1.0)
    # blocked (slept, waited for a pipe, a thread, a child): the time run or blocked
    assert worker.own_seconds(start, (10.1, 102.999, 5.5, 103.0, 9)) == pytest.approx(2.5)
    assert worker.own_seconds(start, (12.0, 100.999, 5.0, 101.0, 8)) == pytest.approx(2.0)
    # the time spent on the grader's answers does not count, in either measure
    assert worker.own_seconds(start, (10.1, 102.999, 5.5, 103.0, 9),
                              less=(0.05, 2.0)) == pytest.approx(0.5)
    # where the wait is unknown, the CPU time alone
    assert worker.own_seconds((10.0, 100.0, None, 100.0, 7),
                              (11.0, 103.0, None, 103.0, 9)) == pytest.approx(1.0)
    # where the switches are unknown, the time run or blocked
    assert worker.own_seconds((10.0, 100.0, 5.0, 100.0, None),
                              (10.1, 103.0, 5.5, 103.0, None)) == pytest.approx(2.5)
    # a wait that cannot be (the file that tells it closed or replaced: it reads 0) counts
    # as none, and never more than the wall time
    assert worker.own_seconds(start, (10.1, 102.999, 0.0, 103.0, 9)) == pytest.approx(3.0)
    assert worker.own_seconds(start, (10.1, 102.999, 50.0, 103.0, 9)) == pytest.approx(0.1)


@needs_waits
def test_a_reading_takes_the_wait_between_two_wall_readings(monkeypatch):
    """So every wait counted lies within the wall time measured: a wait between the
    readings' steps can only lengthen the time, never cut it to nothing."""
    steps = []
    monkeypatch.setattr(worker, "_WALL_CLOCK", lambda: steps.append("wall") or 1.0)
    monkeypatch.setattr(worker, "_CPU_CLOCK", lambda: steps.append("cpu") or 1.0)
    with worker.Stopwatch() as stopwatch:
        pread = worker._PREAD
        monkeypatch.setattr(worker, "_PREAD", lambda *args: steps.append("wait") or pread(*args))
        stopwatch.reading()
    assert steps == ["wall", "wait", "cpu", "wall"]


def test_sleeping_is_no_cpu_time_but_counts_as_the_calls_own_time():
    """A call that sleeps (or waits for a pipe, a child process) is slow: its CPU time does
    not show it, its time run or blocked does."""
    with worker.Stopwatch() as stopwatch:
        start = stopwatch.reading()
        time.sleep(0.3)
        end = stopwatch.reading()
    cpu, ran = worker.elapsed(start, end)
    assert cpu < 0.1
    if KNOWS_WAITS:
        assert ran >= 0.3
        assert worker.own_seconds(start, end) >= 0.3
    else:
        assert worker.own_seconds(start, end) == pytest.approx(cpu)


def test_work_handed_to_a_child_process_counts():
    """Whose CPU time is not this process's: the time spent waiting for it counts."""
    with worker.Stopwatch() as stopwatch:
        start = stopwatch.reading()
        subprocess.run([sys.executable, "-c", "import time\nend = time.process_time() + 0.3\n"
                        "while time.process_time() < end: pass"], check=True)
        end = stopwatch.reading()
    if KNOWS_WAITS:
        assert worker.own_seconds(start, end) >= 0.3


@needs_waits
def test_work_handed_to_another_thread_counts():
    with worker.Stopwatch() as stopwatch:
        start = stopwatch.reading()
        helper = threading.Thread(target=spin, args=(0.2,))
        helper.start()
        helper.join()
        assert worker.own_seconds(start, stopwatch.reading()) >= 0.2


@needs_waits
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_the_time_spent_waiting_for_a_cpu_does_not_count():
    """This process shares one CPU with a busy process: it waits for the CPU about as long
    as it runs, and the call's own time is its CPU time, not the wall time."""
    cpu_id = min(os.sched_getaffinity(0))
    saved = os.sched_getaffinity(0)
    burner = subprocess.Popen([sys.executable, "-c", "import os, time\n"
                               f"os.sched_setaffinity(0, {{{cpu_id}}})\n"
                               "end = time.monotonic() + 60\n"
                               "while time.monotonic() < end: pass"])
    try:
        os.sched_setaffinity(0, {cpu_id})
        time.sleep(0.2)  # the burner starts and pins itself
        with worker.Stopwatch() as stopwatch:
            start = stopwatch.reading()
            waited = 0.0
            deadline = time.monotonic() + 30
            while waited < 0.2 and time.monotonic() < deadline:
                spin(0.05)
                waited = stopwatch.reading()[2] - start[2]
            end = stopwatch.reading()
    finally:
        os.sched_setaffinity(0, saved)
        burner.kill()
        burner.wait()
    cpu, ran = worker.elapsed(start, end)
    wall = end[3] - start[1]
    assert waited >= 0.2, "the busy process never took the CPU from this one"
    assert worker.own_seconds(start, end) <= wall - 0.2
    # what it ran is its CPU time: the two clocks agree when nothing blocks
    assert ran == pytest.approx(cpu, rel=0.1, abs=0.01)


def test_a_stopwatch_whose_file_was_closed_counts_the_wall_time():
    with worker.Stopwatch() as stopwatch:
        start = stopwatch.reading()
        if stopwatch._fd is not None:
            os.close(stopwatch._fd)
        time.sleep(0.2)
        end = stopwatch.reading()
        stopwatch._fd = None
    if KNOWS_WAITS:
        assert worker.own_seconds(start, end) >= 0.2


# timed_call and alternate ---------------------------------------------------------------------

def test_timed_call_of_a_plain_function_is_its_own_time_on_one_blas_thread():
    from threadpoolctl import threadpool_info

    def layer(seconds):
        spin(seconds)
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    threads, seconds = harness.timed_call(layer, 0.1, name="layer")
    assert set(threads) <= {1}
    assert seconds >= 0.1

    def sleeper():
        time.sleep(0.2)

    assert harness.timed_call(sleeper)[1] >= (0.2 if KNOWS_WAITS else 0.0)


def test_alternate_calls_the_two_in_turn():
    order = []

    def first(k):
        order.append(("student", k))
        return 10 + k

    def second(k):
        order.append(("loops", k))
        return 20 + k

    assert harness.alternate(first, second, 5, 2) == ([10, 11, 12, 13, 14], [20, 21])
    assert order == [("student", 0), ("loops", 0), ("student", 1), ("loops", 1),
                     ("student", 2), ("student", 3), ("student", 4)]
    order.clear()
    harness.alternate(first, second, 1, 3)
    assert order == [("student", 0), ("loops", 0), ("loops", 1), ("loops", 2)]


@pytest.mark.parametrize("ratios, earned", [((200.0,), True), ((80.5,), True),
                                            ((79.5, 79.5), False), ((20.0, 150.0), True)])
def test_the_speed_points_go_by_the_ratio_of_own_times_measured_in_turn(ratios, earned,
                                                                         monkeypatch, capsys):
    """The speed sub-test of conv_forward_fast with times faked: the student's calls and the
    loops' alternate, and the points follow the ratio of their fastest times; a ratio below
    the mark is measured in a second round, whose better times count (a machine held up in
    the first round costs nothing, a layer that loops stays as slow). The loops run on
    LOOP_EXAMPLES examples of the case, and their time counts for the whole case."""
    solution = solution_namespace(assignment="cnn_numpy_training")
    layer, calls = solution["conv_forward_fast"], []
    examples = numpy_training.SPEED_CONV["A_prev"][0]

    def fake_timed_call(func, *args, name=None):
        result = harness.call(func, *args, name=name)
        if name == "the loop layers":
            calls.append("loops")
            assert len(args[0]) == numpy_training.LOOP_EXAMPLES < examples
            return result, len(args[0]) / examples  # 1 s for the whole case
        assert len(args[0]) == examples
        calls.append("student")
        round_ = (calls.count("student") - 1) // numpy_training.TIMED_CALLS
        return result, 1.0 / ratios[round_]

    monkeypatch.setattr(numpy_training, "timed_call", fake_timed_call)
    monkeypatch.setattr(numpy_training.loop_layers, "conv_forward",
                        lambda A_prev, W, b, hparameters: None)
    harness.forget_scores()
    score = numpy_training.grade_conv_forward_fast(layer)
    report = capsys.readouterr().out
    speed = numpy_training.SPEED_POINTS["conv_forward_fast"]
    full = numpy_training.POINTS["conv_forward_fast"]
    assert score == (full if earned else full - speed), report
    assert calls[:4] == ["student", "loops", "student", "loops"], calls
    assert calls.count("loops") == numpy_training.LOOP_CALLS * len(ratios)
    assert calls.count("student") == numpy_training.TIMED_CALLS * len(ratios)
    assert numpy_training.MEASURED["conv_forward_fast"]["ratio"] == pytest.approx(max(ratios))


# In the sandbox -------------------------------------------------------------------------------

SANDBOX_CELL = """\
import os, subprocess, sys, time
import numpy as np

A = np.random.default_rng(0).standard_normal((8, 24, 26, 8))

def quick():
    return np.maximum(A, A[:, ::-1])

def sleeps():
    time.sleep(0.3)

def hands_off():
    subprocess.run([sys.executable, "-c", "import time\\nend = time.process_time() + 0.3\\n"
                    "while time.process_time() < end: pass"], check=True)

def spins():
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass

def stopped_clocks():
    time.process_time = time.perf_counter = time.thread_time = lambda: 0.0
    os.pread = lambda fd, size, offset: b"0 0 0"
    time.sleep(0.3)
"""


def test_the_sandbox_times_a_call_by_its_own_time_with_clocks_the_student_cannot_stop():
    """In the worker: sleeping and work handed to a child count, and a function that rebinds
    every clock it can reach (and os.pread) is still timed."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SANDBOX_CELL)])
    cells = engine_session.student_cells(notebook)
    limits = Limits(time_limit=60.0, cell_timeout=20, memory_limit=2 * GIB, processes=64)
    with engine_session._Session(cells, limits, []) as session:
        assert session.start()
        quick = []
        for _ in range(100):
            session.call("quick", (), {})
            quick.append(session.last_seconds)
        seconds = {}
        for name in ("sleeps", "hands_off", "spins", "stopped_clocks"):
            session.call(name, (), {})
            seconds[name] = session.last_seconds
    lower = {"sleeps": 0.3, "hands_off": 0.3, "spins": 0.2, "stopped_clocks": 0.3}
    if not KNOWS_WAITS:
        lower.update(sleeps=0.0, hands_off=0.0, stopped_clocks=0.0)
    for name, at_least in lower.items():
        assert seconds[name] >= at_least, seconds
    # a call of well under a millisecond is timed, never 0 (the process's CPU time, which
    # the sandbox's CPU-time limit makes count whole clock ticks, would read 0 mostly)
    assert min(quick) > 0, sorted(quick)[:5]


def test_numpy_work_is_timed_the_same_by_both_clocks_when_nothing_blocks():
    """A vectorised layer's time, as the speed sub-tests take it, is its CPU time."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 24, 30, 3))

    def work(A):
        for _ in range(50):
            A = np.maximum(A, A[:, ::-1]) * 0.5
        return A

    with worker.Stopwatch() as stopwatch:
        start = stopwatch.reading()
        work(A)
        end = stopwatch.reading()
    cpu, ran = worker.elapsed(start, end)
    if KNOWS_WAITS:
        assert ran == pytest.approx(cpu, rel=0.25, abs=0.005)
