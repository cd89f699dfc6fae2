"""nbgrader's exchange out of the box: where it is, how it is made, and nbgrader's own
release into it with the course's configuration."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder.course import REPO_ROOT, Course, copy_course
from autograder.exchange import MODE, VARIABLE, ExchangeUnavailable, exchange_root, make_exchange
from autograder.lab import SEALED_SUBMIT

COURSE_ID = Course().nbgrader_config().CourseDirectory.course_id


def test_the_exchange_is_where_the_courses_nbgrader_config_says(tmp_path, monkeypatch):
    """The variable's, or the course's own autograder/exchange: what nbgrader itself reads
    from the course's nbgrader_config.py."""
    course = copy_course(tmp_path / "course")
    monkeypatch.delenv(VARIABLE, raising=False)
    assert exchange_root(course) == course.root.resolve() / "autograder" / "exchange"
    monkeypatch.setenv(VARIABLE, "")
    assert exchange_root(course) == course.root.resolve() / "autograder" / "exchange"
    monkeypatch.setenv(VARIABLE, "/srv/nbgrader/exchange")
    assert exchange_root(course) == Path("/srv/nbgrader/exchange")
    listed = subprocess.run([sys.executable, "-m", "nbgrader", "list"], cwd=course.root,
                            capture_output=True, text=True)
    assert "/srv/nbgrader/exchange" in listed.stdout + listed.stderr


def test_the_exchange_is_made_writable_by_everyone_and_sticky(tmp_path):
    root = tmp_path / "srv" / "exchange"
    assert make_exchange(root) == root
    assert stat.S_IMODE(root.stat().st_mode) == MODE == 0o1777
    root.chmod(0o755)  # made by hand with the wrong mode: put right
    make_exchange(root)
    assert stat.S_IMODE(root.stat().st_mode) == MODE


def test_an_exchange_that_cannot_be_made_says_what_to_do(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with pytest.raises(ExchangeUnavailable) as raised:
        make_exchange(blocked / "exchange")
    message = str(raised.value)
    assert str(blocked / "exchange") in message and "chmod 1777" in message
    assert "EXCHANGE=" in message


def test_the_exchange_command_makes_the_courses_exchange(tmp_path):
    root = tmp_path / "exchange"
    run = subprocess.run([sys.executable, "-m", "autograder", "exchange"], cwd=REPO_ROOT,
                         env={"PATH": "/usr/bin:/bin", VARIABLE: str(root)},
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"exchange: {root}\n"
    assert stat.S_IMODE(root.stat().st_mode) == MODE


def test_nbgrader_releases_into_the_courses_exchange_with_its_permissions(tmp_path,
                                                                          monkeypatch):
    """With nothing set, the course's nbgrader_config.py sends a release to the course's own
    exchange; nbgrader makes the course's folders there: outbound readable by all, inbound
    writable by all and listable by none but its owner."""
    monkeypatch.delenv(VARIABLE, raising=False)
    course = copy_course(tmp_path / "course")
    course.generate_release("conv_step_by_step")
    root = make_exchange(exchange_root(course))
    course.nbgrader("release_assignment", "conv_step_by_step")
    released = root / COURSE_ID / "outbound" / "conv_step_by_step"
    assert (released / "Convolution_model_Step_by_Step.ipynb").is_file()
    assert stat.S_IMODE((root / COURSE_ID / "outbound").stat().st_mode) == 0o755
    # inbound: anyone may add a submission, list none, and rename or remove only their own;
    # what is made in it belongs to its group (the instructor's).
    assert stat.S_IMODE((root / COURSE_ID / "inbound").stat().st_mode) == 0o3733


def test_a_submission_is_writable_by_its_owner_only(tmp_path, monkeypatch):
    """nbgrader's submit, as the course configures it: the submission's folder is not left
    writable by everyone (nbgrader's own leaves it mode 777). Here the student and the
    instructor are one user, so inbound's group is the student's own and the submission
    stays readable; tests/test_classroom.py has students and an instructor apart."""
    monkeypatch.delenv(VARIABLE, raising=False)
    course = copy_course(tmp_path / "course")
    course.generate_release("conv_step_by_step")
    root = make_exchange(exchange_root(course))
    course.nbgrader("release_assignment", "conv_step_by_step")
    home = tmp_path / "student"
    work = home / "conv_step_by_step"
    work.mkdir(parents=True)
    (work / "Convolution_model_Step_by_Step.ipynb").write_bytes(
        course.release_notebook("conv_step_by_step").read_bytes())
    inbound = root / COURSE_ID / "inbound"
    modes = {}
    for factory in ("nbgrader.exchange.default.submit.ExchangeSubmit", SEALED_SUBMIT):
        before = set(inbound.iterdir())
        run = subprocess.run(
            [sys.executable, "-m", "nbgrader", "submit", "conv_step_by_step",
             f"--CourseDirectory.course_id={COURSE_ID}", f"--Exchange.root={root}",
             f"--ExchangeFactory.submit={factory}"],
            cwd=home, env={**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home)},
            capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        [made] = set(inbound.iterdir()) - before
        modes[factory.rsplit(".", 1)[1]] = stat.S_IMODE(made.stat().st_mode)
    assert modes == {"ExchangeSubmit": 0o777, "SealedSubmit": 0o755}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to make folders owned by others")
def test_collect_takes_only_plain_submissions_of_the_students_they_name(tmp_path,
                                                                         monkeypatch):
    """Submissions made as the users nobody, daemon, bin and sys (as root): nobody's own,
    collected; every other one left out, named with its reason, and the collect goes on
    (nbgrader's own would collect the first three for daemon, bin and sys, copying the file
    the link points to, and stop at the badly named folder)."""
    monkeypatch.delenv(VARIABLE, raising=False)
    course = copy_course(tmp_path / "course")
    course.generate_release("conv_step_by_step")
    root = make_exchange(exchange_root(course))
    course.nbgrader("release_assignment", "conv_step_by_step")
    inbound = root / COURSE_ID / "inbound"
    secret = tmp_path / "instructors-only.txt"
    secret.write_text("the instructor's")
    secret.chmod(0o600)
    now = datetime.now(timezone.utc)
    stamp = f"{now:%Y-%m-%d %H:%M:%S.%f} UTC"
    early = f"{now - timedelta(hours=1):%Y-%m-%d %H:%M:%S.%f} UTC"
    late = f"{now + timedelta(days=1):%Y-%m-%d %H:%M:%S.%f} UTC"

    def submission(made_by, named, timestamp=stamp, written=None, extra=None, name=None):
        folder = inbound / (name or f"{named}+conv_step_by_step+{timestamp}+{made_by}")
        folder.mkdir()
        (folder / "Convolution_model_Step_by_Step.ipynb").write_bytes(
            course.release_notebook("conv_step_by_step").read_bytes())
        (folder / "timestamp.txt").write_text(written or timestamp)
        if extra:
            extra(folder)
        account = pwd.getpwnam(made_by)
        for path in (folder, *folder.rglob("*")):
            os.lchown(path, account.pw_uid, account.pw_gid)
        return folder.name

    submission("nobody", "nobody")
    refused = {
        submission("nobody", "daemon"): "names daemon but was made by nobody",
        submission("daemon", "daemon", extra=lambda folder: (folder / "answers.txt")
                   .symlink_to(secret)): "holds a link (answers.txt)",
        submission("bin", "bin", written=early): "its timestamp.txt (",
        submission("sys", "sys", timestamp=early): "changed after it was submitted",
        submission("sys", "sys", name="sys+conv_step_by_step+not a time+x2"):
            "its name is not <student>+<assignment>+<timestamp>+<random>",
        submission("lp", "lp", extra=lambda folder: os.mkfifo(folder / "pipe")):
            "holds a special file (pipe)",
        submission("mail", "mail", extra=lambda folder: (
            folder / "submission_secret.txt").write_text("../" * 50)):
            "its submission_secret.txt is not one nbgrader's submit writes",
        submission("news", "news", extra=lambda folder: os.link(
            folder / "timestamp.txt", folder / "copy.txt")):
            "holds a file linked from elsewhere",
        submission("proxy", "proxy", timestamp=late): "is in the future",
        submission("uucp", "uucp", extra=lambda folder: (folder / "data").mkdir() or (
            folder / "data" / "answers.txt").symlink_to(secret)):
            "holds a link (data/answers.txt)",
    }
    run = course.nbgrader("collect", "conv_step_by_step")
    submitted = course.root / "autograder" / "submitted"
    assert sorted(path.name for path in submitted.iterdir()) == ["nobody"]
    assert (submitted / "nobody" / "conv_step_by_step" / "timestamp.txt").is_file()
    said = run.stdout + run.stderr
    for folder, why in refused.items():
        assert f"Not collected: {folder}: " in said and why in said.split(folder)[-1], why
    assert "the instructor's" not in "".join(
        path.read_text() for path in submitted.rglob("*") if path.is_file())
