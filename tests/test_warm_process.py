"""The warm process that forks each grading's worker (autograder/engine/warm.py).

Its invariants, each shown on real sandboxes forked from a real warm process: it is
single-threaded when it forks (or refuses, and the grading starts its worker anew); two
gradings forked side by side cannot signal, trace, see or write each other or the warm
process; nothing a grading starts outlives it; a warm process that dies is replaced; and a
grading forked from it scores exactly as one started anew.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course, get_assignment, notebook_files
from autograder.engine import sandbox, warm
from autograder.engine.sandbox import Limits
from autograder.engine.session import WORKER_ENV, _Session, grade_notebook
from autograder.samples import sample_submissions

MODULES = ("numpy",)
LIMITS = Limits(time_limit=120, cell_timeout=60)


def cell(index: int, source: str) -> dict:
    return {"index": index, "name": f"cell{index}", "source": textwrap.dedent(source),
            "locked": False}


def printed(session: _Session, index: int) -> str:
    return "".join(output.get("text", "") for output in session.outputs.get(index, [])
                   if output.get("output_type") == "stream")


def descendants(pid: int) -> list[int]:
    """The processes below PID, as the host sees them."""
    found = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        found += [child, *descendants(child)]
    return found


def the_warm_process() -> warm.WarmProcess:
    spec = sandbox.jail_spec(LIMITS, Path("/tmp"), env=WORKER_ENV)
    return warm.warm_process(MODULES, spec["env"])


def test_each_assignments_warm_process_is_single_threaded_when_it_forks():
    for assignment in ("conv_step_by_step", "conv_application", "conv_keras"):
        graded = get_assignment(assignment)
        spec = sandbox.jail_spec(LIMITS, Path("/tmp"),
                                 env={**WORKER_ENV, **dict(graded.preload_env)})
        process = warm.warm_process(graded.preload, spec["env"])
        process.wait_ready()
        tasks = len(os.listdir(f"/proc/{process.process.pid}/task"))
        assert tasks == 1, (assignment, tasks)


def test_a_warm_process_with_threads_refuses_to_fork_and_the_grading_starts_anew(tmp_path):
    (tmp_path / "starts_a_thread.py").write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(120,), daemon=True).start()\n")
    spec = sandbox.jail_spec(LIMITS, tmp_path / "root", env=WORKER_ENV)
    env = {**spec["env"], "PYTHONPATH": f"{tmp_path}{os.pathsep}{spec['env']['PYTHONPATH']}"}
    threaded = warm.WarmProcess(("starts_a_thread",), env)
    try:
        with pytest.raises(warm.WarmUnavailable, match="2 threads"):
            threaded.fork(spec, 0, 1, 2)
        assert threaded.refusal == "importing starts_a_thread started 2 threads"
    finally:
        threaded.close()
    # A warm process that cannot even start: the grading's worker is started anew.
    with _Session([cell(0, "print(6 * 7)")], LIMITS, [], ("no_such_module",)) as session:
        assert session.start()
        assert printed(session, 0) == "42\n"
        assert "No module named 'no_such_module'" in session.started_anew


@pytest.mark.skipif(os.geteuid() != 0, reason="root's sandboxes have users of their own, by "
                    "which the host tells their processes apart")
def test_two_gradings_side_by_side_cannot_reach_each_other_or_the_warm_process():
    process = the_warm_process()
    # The neighbour: writes a file in its scratch, waits, and checks the file is intact.
    neighbour_cells = [
        cell(0, "open('/tmp/work/mine.txt', 'w').write('intact'); print('started')"),
        cell(1, """
            import time
            time.sleep(6)
            print(open('/tmp/work/mine.txt').read())
            """),
    ]
    with _Session(neighbour_cells, LIMITS, [], MODULES) as neighbour:
        running = threading.Thread(target=neighbour.start)
        running.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(descendants(process.process.pid)) < 4:
            time.sleep(0.05)
        targets = {"warm": process.process.pid}
        targets.update({f"neighbour{i}": pid
                        for i, pid in enumerate(descendants(process.process.pid))})
        assert len(targets) >= 5, targets  # its holder, init, keeper and worker
        paths = {"neighbour_root": str(neighbour.root), "warm_folder": str(process.folder)}
        hostile = cell(0, f"""
            import ctypes, errno, json, os
            libc = ctypes.CDLL(None, use_errno=True)
            found = {{"pids": sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
                     "uid": os.getuid()}}
            for name, pid in {targets!r}.items():
                try:
                    os.kill(pid, 0)
                    found['signal ' + name] = 'sent'
                except OSError as error:
                    found['signal ' + name] = errno.errorcode[error.errno]
                if libc.ptrace(ctypes.c_long(16), ctypes.c_long(pid), None, None) == 0:
                    found['trace ' + name] = 'attached'
                else:
                    found['trace ' + name] = errno.errorcode[ctypes.get_errno()]
            for name, path in {paths!r}.items():
                found['see ' + name] = os.path.exists(path)
                try:
                    open(os.path.join(path, 'planted'), 'w').write('x')
                    found['write ' + name] = 'written'
                except OSError as error:
                    found['write ' + name] = errno.errorcode[error.errno]
            print(json.dumps(found))
            """)
        # What it leaves behind: a process of its own, detached, meant to outlive it.
        lingering = cell(1, """
            import os, time
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(600)
                os._exit(0)
            print('left one behind')
            """)
        everyone = cell(2, "import os, signal; os.kill(-1, signal.SIGKILL)")
        with _Session([hostile, lingering, everyone], LIMITS, [], MODULES) as attacker:
            attacker.start()
            found = json.loads(printed(attacker, 0))
            assert printed(attacker, 1) == "left one behind\n"
        running.join(timeout=60)
        assert printed(neighbour, 0) == "started\n" and printed(neighbour, 1) == "intact\n"
        assert neighbour.notes == [], neighbour.notes
    # The attacker saw only its own process-id namespace ...
    assert max(found["pids"]) < 100, found["pids"]
    for name in targets:
        # ... in which the host's process ids name no process.
        assert found["signal " + name] == "ESRCH", (name, found)
        assert found["trace " + name] == "ESRCH", (name, found)
    for name, path in paths.items():
        assert found["see " + name] is False and found["write " + name] == "ENOENT", found
        assert not (Path(path) / "planted").exists()
    assert process.alive() and the_warm_process() is process
    # Nothing of either sandbox is left on the host.
    time.sleep(0.5)
    assert descendants(process.process.pid) == []
    assert found["uid"] >= sandbox.FIRST_SANDBOX_UID
    assert [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
            if _uid(pid) == found["uid"]] == []


def _uid(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def test_a_warm_process_that_dies_is_replaced_and_grading_goes_on():
    first = the_warm_process()
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait()
    with _Session([cell(0, "print('graded')")], LIMITS, [], MODULES) as session:
        assert session.start()
        assert printed(session, 0) == "graded\n" and session.started_anew is None
    assert the_warm_process() is not first and the_warm_process().alive()


def test_a_forked_grading_scores_as_one_started_anew():
    graded = get_assignment("conv_step_by_step")
    samples = sample_submissions(Course(), "conv_step_by_step", bugs=graded.sample_bugs())
    for name, notebook in samples.items():
        runs = [grade_notebook(notebook, graded.grading(), LIMITS, notebook_files(),
                               graded.skipped_cells, modules, dict(graded.preload_env))
                for modules in (None, graded.preload)]
        scores = [[(test.name, test.score) for test in run.tests] for run in runs]
        assert scores[0] == scores[1], name
        assert runs[0].notes == runs[1].notes, name
        assert runs[0].outputs == runs[1].outputs, name


@pytest.mark.parametrize("option, forked", [((), True), (("--no-warm",), False)])
def test_grade_forks_from_the_warm_process_unless_told_not_to(option, forked, tmp_path,
                                                               monkeypatch, capsys):
    """`python -m autograder grade` forks each grading from a warm process, and with
    --no-warm starts each grading's process anew; both grade the solution in full."""
    from autograder import batch
    from autograder.__main__ import main
    from autograder.engine import session

    forks = []
    real_forked = session._Process.forked

    def counted(warm_process, spec):
        forks.append(spec)
        return real_forked(warm_process, spec)

    monkeypatch.setattr(session._Process, "forked", staticmethod(counted))
    monkeypatch.setattr(batch, "default_executor", batch.inline_executor)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    solution = sample_submissions(Course(), "conv_step_by_step", bugs=())["solution"]
    nbformat.write(solution, submissions / "solution.ipynb")
    assert main(["grade", "conv_step_by_step", str(submissions), "--out", str(tmp_path / "out"),
                 "--no-progress", *option]) == 0
    assert "1 graded" in capsys.readouterr().out
    [row] = csv.DictReader((tmp_path / "out" / "grades.csv").open())
    assert (row["score"], row["flags"]) == (row["max_score"], ""), row
    assert bool(forks) is forked, forks
