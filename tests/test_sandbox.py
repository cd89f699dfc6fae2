"""The sandbox student code runs in: what it can read, write and use, as root and as an
ordinary user.

A probe program runs in a real sandbox and reports what it finds; the grader's own
environment and files are the control. The last test grades a hostile submission with the
instructor's command run by an unprivileged user who owns a copy of the course, so that
only the sandbox stands between the student's code and the course.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from unprivileged import as_user, unprivileged_grading_problem

import autograder
from autograder.course import REPO_ROOT, Course, notebook_files
from autograder.engine import sandbox
from autograder.engine.sandbox import GIB, MIB, Limits
from autograder.samples import sample_submissions

PROBE = r"""
import errno, json, os, resource, socket, subprocess, sys
repo, hidden, source = sys.argv[1:4]
found = {"uid": os.getuid(), "cwd": os.getcwd(), "repo": sorted(os.listdir(repo)),
         "package": sorted(os.listdir(os.path.join(repo, "autograder"))),
         "hidden_readable": os.path.exists(hidden), "source_readable": os.path.exists(source),
         "interfaces": [name for _, name in socket.if_nameindex()],
         "processes": resource.getrlimit(resource.RLIMIT_NPROC)[0],
         "file_size": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
         "memory": resource.getrlimit(resource.RLIMIT_AS)[0]}
try:
    open(os.path.join(repo, "utils", "injected.py"), "w")
    found["utils_writable"] = True
except OSError as error:
    found["utils_writable"] = errno.errorcode[error.errno]
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    found["network"] = True
except OSError as error:
    found["network"] = errno.errorcode.get(error.errno, str(error))
with open("written.txt", "w") as handle:
    handle.write("scratch")
found["scratch_writable"] = os.path.exists("written.txt")
try:
    with open("big.bin", "wb") as handle:
        handle.write(b"x" * (2 * 1024 * 1024))
    found["big_file"] = "written"
except OSError as error:
    found["big_file"] = errno.errorcode[error.errno]
nested = subprocess.run(["unshare", "--user", "--map-root-user", "true"],
                        capture_output=True, text=True)
found["nested_namespace"] = nested.returncode
try:
    open("/dev/planted", "w")
    found["dev_writable"] = True
except OSError as error:
    found["dev_writable"] = errno.errorcode[error.errno]
children = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            import time
            time.sleep(5)
            os._exit(0)
        children += 1
except OSError as error:
    found["fork"] = errno.errorcode[error.errno]
found["children"] = children
print(json.dumps(found))
"""

HIDDEN = Path(autograder.__file__).parent / "hidden_tests" / "step_by_step.py"
SOURCE = REPO_ROOT / "source" / "conv_step_by_step" / "Convolution_model_Step_by_Step.ipynb"


def run_probe(tmp_path: Path) -> dict:
    limits = Limits(memory_limit=2 * GIB, processes=32, file_size=MIB)
    start = sandbox.launch([sys.executable, "-c", PROBE, str(REPO_ROOT), str(HIDDEN),
                            str(SOURCE)], limits, tmp_path / "root", notebook_files())
    done = subprocess.run(start.argv, env=start.env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_student_code_sees_only_what_its_notebook_needs(tmp_path):
    assert HIDDEN.is_file() and SOURCE.is_file()  # the control: the grader reads both
    found = run_probe(tmp_path)
    assert found["repo"] == sorted([".venv", "autograder", "data", "utils"]) or \
        found["repo"] == sorted(["autograder", "data", "utils"])
    assert found["package"] == ["__init__.py", "engine", "probes"]
    assert not found["hidden_readable"] and not found["source_readable"]
    assert found["utils_writable"] == "EROFS"
    assert found["dev_writable"] in ("EROFS", "EACCES")
    # No user namespace of its own, in which it could gain capabilities (and chroot out).
    assert found["nested_namespace"] != 0
    assert found["scratch_writable"] and found["cwd"] == "/tmp/work"


def test_student_code_has_no_network_and_its_limits(tmp_path):
    found = run_probe(tmp_path)
    assert found["interfaces"] == ["lo"] and found["network"] == "ENETUNREACH"
    assert (found["processes"], found["file_size"], found["memory"]) == (32, MIB, 2 * GIB)
    assert found["big_file"] == "EFBIG"
    assert found["fork"] == "EAGAIN" and found["children"] < 32


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs sandboxes as users of their own")
def test_root_runs_each_sandbox_as_a_user_of_its_own(tmp_path):
    code = "import os, time; print(os.getuid()); time.sleep(1)"
    starts = [sandbox.launch([sys.executable, "-c", code], Limits(), tmp_path / f"root{i}")
              for i in range(2)]
    running = [subprocess.Popen(start.argv, env=start.env, stdout=subprocess.PIPE, text=True)
               for start in starts]
    uids = [int(process.communicate(timeout=60)[0]) for process in running]
    assert min(uids) >= sandbox.FIRST_SANDBOX_UID and uids[0] != uids[1]


def test_only_the_named_variables_reach_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "secret")
    start = sandbox.launch([sys.executable, "-c", "import os; print(sorted(os.environ))"],
                           Limits(), tmp_path / "root")
    assert "INSTRUCTOR_TOKEN" not in start.env
    done = subprocess.run(start.argv, env=start.env, capture_output=True, text=True,
                          timeout=60)
    assert "INSTRUCTOR_TOKEN" not in done.stdout and "HOME" in done.stdout


# Grading as an unprivileged user ----------------------------------------------------------

NOBODY = 65534


def as_nobody(command: list[str], home: Path, cwd: Path, pythonpath: str,
              timeout: float) -> subprocess.CompletedProcess:
    """COMMAND run by an unprivileged user with the project's own Python."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": pythonpath,
           "LANG": "C.UTF-8", **{k: v for k, v in os.environ.items()
                                 if k.startswith("OPENBLAS_")}}
    return as_user(command, NOBODY, NOBODY, env, cwd, cwd.parent, timeout)


@pytest.fixture
def shared_tmp():
    """A folder an unprivileged user can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="unprivileged-grading-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(unprivileged_grading_problem() is not None,
                    reason=str(unprivileged_grading_problem()))
def test_an_unprivileged_instructors_course_and_home_survive_a_hostile_submission(shared_tmp):
    tmp_path = shared_tmp
    # A course the unprivileged user owns: writable by them, so only the sandbox protects it.
    course = tmp_path / "course"
    for name in ("autograder", "utils", "data", "source", "release"):
        shutil.copytree(REPO_ROOT / name, course / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.h5", "graded",
                                                      "samples"))
    for name in ("train_digits.h5", "test_digits.h5"):
        shutil.copy(REPO_ROOT / "data" / name, course / "data" / name)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course)
    home = tmp_path / "home"
    (home / ".bashrc").parent.mkdir()
    (home / ".bashrc").write_text("# the instructor's\n")
    targets = [course / "autograder" / "hidden_tests" / "step_by_step.py",
               course / "source" / "conv_step_by_step" / "Convolution_model_Step_by_Step.ipynb",
               home / ".bashrc"]
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    solution = sample_submissions(Course(), "conv_step_by_step", bugs=())["solution"]
    hostile = nbformat.from_dict(json.loads(nbformat.writes(solution)))
    attack = "\n".join(f"open({str(path)!r}, 'a').write('POISON = True')"
                       for path in targets)
    for cell in hostile.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "zero_pad":
            cell.source += "\n" + attack
    nbformat.write(hostile, submissions / "hostile.ipynb")
    nbformat.write(solution, submissions / "honest.ipynb")
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(tmp_path)], check=True)
    os.chmod(tmp_path, 0o755)
    before = {path: path.read_bytes() for path in targets}
    pythonpath = str(course)

    # The control: this user can write every target itself, outside the sandbox.
    control = as_nobody([sys.executable, "-c", "import os, sys; print(all(os.access(p, "
                         "os.W_OK) for p in sys.argv[1:]))", *map(str, targets)],
                        home, course, pythonpath, timeout=60)
    assert control.stdout.strip() == "True", control.stderr

    graded = as_nobody([sys.executable, "-m", "autograder", "grade", "conv_step_by_step",
                        str(submissions), "--out", str(tmp_path / "out"), "--workers", "1",
                        "--no-progress", "--time-limit", "120", "--cell-timeout", "30"],
                       home, course, pythonpath, timeout=600)
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert {path: path.read_bytes() for path in targets} == before
    rows = {line.split(",")[0]: line for line in
            (tmp_path / "out" / "grades.csv").read_text().splitlines()[1:]}
    assert rows["honest"].startswith("honest,100,100,graded,")
    assert rows["hostile"].startswith("hostile,100,100,graded-with-flags,")
    assert "Read-only file system" in rows["hostile"] or "No such file" in rows["hostile"]


def test_home_files_are_copies_in_the_sandboxs_home(tmp_path):
    cache = tmp_path / "cache.json"
    cache.write_text('{"fonts": []}')
    code = ("import os; path = os.path.expanduser('~/matplotlib/cache.json'); "
            "open(path, 'a').write(' changed'); print(open(path).read())")
    start = sandbox.launch([sys.executable, "-c", code], Limits(), tmp_path / "root",
                           home_files={"matplotlib/cache.json": cache})
    done = subprocess.run(start.argv, env=start.env, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == '{"fonts": []} changed', done.stderr
    assert cache.read_text() == '{"fonts": []}'
