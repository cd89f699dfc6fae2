"""The JupyterHub recipe (hub/jupyterhub_config.py), run for real: a hub on loopback with
configurable-http-proxy, PAM logins and the local process spawner, Unix users made for the
test, and headless Chromium as their browser.

A student logs in, opens the Assignment List from the Nbgrader menu, fetches, submits, and
after the instructor has collected, graded (``grade --collected``) and released feedback,
fetches it and opens the page. The instructor logs in, lands in the course folder, and
Formgrader shows the grades. Screenshots go to tests/screenshots/.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from classroom import ASSIGNMENT, COURSE_ID, NOTEBOOK, classroom, classroom_problem
from hostile_submissions import REPLACES_COMPARISONS, solution_with
from unprivileged import with_open_python
from waiting import free_port, wait_for

from autograder.course import REPO_ROOT
from autograder.exchange import VARIABLE
from autograder.samples import build_submission, solution_sources

HUB = REPO_ROOT / "hub"
PROXY = HUB / "node_modules" / ".bin" / "configurable-http-proxy"
SCREENSHOTS = Path(__file__).parent / "screenshots"

pytestmark = [
    pytest.mark.skipif(classroom_problem() is not None, reason=str(classroom_problem())),
    pytest.mark.skipif(not PROXY.is_file(),
                       reason="needs configurable-http-proxy: `make hub-proxy` installs it "
                              "with npm"),
]



@contextlib.contextmanager
def running_hub(room):
    """The recipe's hub, started as root as its README says, on loopback."""
    port = free_port()
    state = room.base / "hub-state"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "HOME": "/root", "COURSE_ROOT": str(room.course), VARIABLE: str(room.exchange),
           "COURSE_HUB_STATE": str(state), "COURSE_STUDENTS_GROUP": room.students_group,
           "COURSE_INSTRUCTORS_GROUP": room.instructors_group}
    command = [sys.executable, "-m", "jupyterhub", "-f", str(HUB / "jupyterhub_config.py"),
               f"--JupyterHub.bind_url=http://127.0.0.1:{port}",
               f"--JupyterHub.hub_port={free_port()}",
               f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}"]
    log = open(room.base / "hub.log", "w")
    process = subprocess.Popen(with_open_python(command, room.base / "staging"),
                               cwd=room.base, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, (room.base / "hub.log").read_text()[-5000:]
            with contextlib.suppress(OSError):
                json.load(urllib.request.urlopen(f"{base}/hub/api/", timeout=2))
                break
            time.sleep(0.5)
        else:
            pytest.fail("the hub did not start: " + (room.base / "hub.log").read_text())
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()
        # The single-user servers run in sessions of their own: stop what is left of them.
        for user in (room.instructor, room.ada, room.bob):
            subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)



def log_in(chromium, base: str, user: str, password: str) -> None:
    """Log in on the hub's page and wait for the user's JupyterLab."""
    from selenium.webdriver.common.by import By

    chromium.get(f"{base}/hub/logout")  # whoever was logged in before
    chromium.get(f"{base}/hub/login")
    wait_for(lambda: chromium.find_elements(By.ID, "username_input"), 30, "the login page",
             lambda: chromium.page_source[:3000])
    chromium.find_element(By.ID, "username_input").send_keys(user)
    chromium.find_element(By.ID, "password_input").send_keys(password)
    chromium.find_element(By.ID, "login_submit").click()
    wait_for(lambda: chromium.find_elements(By.CSS_SELECTOR, ".jp-LabShell .lm-MenuBar-item"),
             180, f"{user}'s JupyterLab", lambda: chromium.current_url)


def open_assignment_list(chromium) -> None:
    """Nbgrader > Assignment List, as a student opens it."""
    from selenium.webdriver.common.by import By

    menu = next(item for item in chromium.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
                if item.text == "Nbgrader")
    menu.click()
    entries = wait_for(lambda: [item for item in chromium.find_elements(
        By.CSS_SELECTOR, ".lm-Menu-item") if item.is_displayed() and item.text], 30,
        "the Nbgrader menu")
    assert [entry.text for entry in entries] == ["Assignment List"]
    entries[0].click()
    wait_for(lambda: chromium.find_elements(By.ID, "released_assignments_list"), 30,
             "the Assignment List")


def click_in(chromium, section: str, label: str, seconds: float = 120) -> None:
    """Click the button LABEL of the assignment in the Assignment List's SECTION (the id of
    its list), once it is there."""
    from selenium.webdriver.common.by import By

    button = wait_for(lambda: next(
        (button for button in chromium.find_elements(By.CSS_SELECTOR, f"#{section} button")
         if button.text == label), None), seconds, f"{label} in {section}",
        lambda: chromium.find_element(By.ID, "nbgrader-assignment-list").text)
    button.click()


def section_text(chromium, section: str) -> str:
    from selenium.webdriver.common.by import By

    return chromium.find_element(By.ID, section).text


def refresh_list(chromium) -> None:
    from selenium.webdriver.common.by import By

    chromium.find_element(By.ID, "refresh_assignments_list").click()
    time.sleep(1)


@pytest.fixture(scope="module")
def hub_round_trip(chromium):
    SCREENSHOTS.mkdir(exist_ok=True)
    with classroom("hub-", learner_config=False) as room, running_hub(room) as base:
        teach = room.instructor
        # What an editable install leaves at the root of the instructor's course.
        (room.course / "conv_step_by_step.egg-info").mkdir()
        room.run(teach, sys.executable, "-m", "autograder", "release", ASSIGNMENT,
                 cwd=room.course)
        room.nbgrader(teach, "release_assignment", ASSIGNMENT)

        log_in(chromium, base, room.ada, room.password)
        open_assignment_list(chromium)
        wait_for(lambda: ASSIGNMENT in section_text(chromium, "released_assignments_list"),
                 60, "the released assignment")
        chromium.save_screenshot(str(SCREENSHOTS / "hub-student-assignment-list.png"))
        listed = section_text(chromium, "released_assignments_list")
        click_in(chromium, "released_assignments_list", "Fetch")
        wait_for(lambda: ASSIGNMENT in section_text(chromium, "fetched_assignments_list"),
                 120, "the fetched assignment")
        release = nbformat.read(room.course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
        solutions = solution_sources(nbformat.read(
            room.course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4))
        room.write_work(room.ada, build_submission(release, solutions))
        click_in(chromium, "fetched_assignments_list", "Submit")
        wait_for(lambda: ASSIGNMENT in section_text(chromium, "submitted_assignments_list"),
                 120, "the submission")
        [submission] = (room.exchange / COURSE_ID / "inbound").iterdir()
        sealed = (oct(stat.S_IMODE(submission.stat().st_mode)),
                  grp.getgrgid(submission.stat().st_gid).gr_name)
        chromium.save_screenshot(str(SCREENSHOTS / "hub-student-submitted.png"))
        # A classmate, from a terminal, submits the solution with numpy's comparisons replaced.
        exchange = f"--Exchange.root={room.exchange}"
        room.nbgrader(room.bob, "fetch_assignment", ASSIGNMENT, exchange)
        room.write_work(room.bob, solution_with({"solution": build_submission(
            release, solutions)}, "zero_pad", REPLACES_COMPARISONS))
        room.nbgrader(room.bob, "submit", ASSIGNMENT, exchange)

        room.nbgrader(teach, "collect", "--update", ASSIGNMENT)
        room.run(teach, sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--collected",
                 "--workers", "2", "--no-progress", cwd=room.course)
        room.nbgrader(teach, "release_feedback", ASSIGNMENT)

        refresh_list(chromium)
        click_in(chromium, "submitted_assignments_list", "Fetch Feedback")
        wait_for(lambda: "view feedback" in section_text(chromium,
                                                         "submitted_assignments_list"),
                 120, "the fetched feedback")
        chromium.save_screenshot(str(SCREENSHOTS / "hub-student-feedback-fetched.png"))
        [page] = (room.home(room.ada) / ASSIGNMENT / "feedback").glob("*/*.html")
        relative = page.relative_to(room.home(room.ada))
        chromium.get(f"{base}/user/{room.ada}/files/{relative.as_posix()}")
        feedback = wait_for(lambda: chromium.find_element("tag name", "body").text, 60,
                            "the feedback page")
        chromium.save_screenshot(str(SCREENSHOTS / "hub-student-feedback-page.png"))
        chromium.get(f"{base}/user/{room.ada}/formgrader")
        student_formgrader = chromium.find_element("tag name", "body").text

        log_in(chromium, base, teach, room.password)
        instructor_files = wait_for(lambda: chromium.execute_script(
            "return Array.from(document.querySelectorAll('.jp-DirListing-itemName'))"
            ".map(e => e.innerText)"), 60, "the instructor's file browser")
        chromium.get(f"{base}/user/{teach}/formgrader/manage_submissions/{ASSIGNMENT}")
        gradebook = wait_for(lambda: room.ada in chromium.find_element(
            "tag name", "body").text and chromium.find_element("tag name", "body").text,
            60, "Formgrader's submissions",
            lambda: (chromium.current_url, chromium.find_element("tag name", "body").text))
        chromium.save_screenshot(str(SCREENSHOTS / "hub-instructor-formgrader.png"))
        chromium.get(f"{base}/user/{teach}/formgrader/gradebook/{ASSIGNMENT}/"
                     f"{Path(NOTEBOOK).stem}")
        flags = wait_for(lambda: len(chromium.find_elements(
            "css selector", "td.flagged")) == 2 and [cell.find_elements(
                "css selector", ".glyphicon-flag") != [] for cell in chromium.find_elements(
                "css selector", "td.flagged")], 60, "Formgrader's gradebook of the notebook",
            lambda: chromium.find_element("tag name", "body").text)
        chromium.save_screenshot(str(SCREENSHOTS / "hub-instructor-flagged.png"))
        # The flagged notebook in Formgrader's grading view: the flag's text is the comment
        # under its first graded cell (Formgrader shows an automatic comment in the comment
        # box, greyed, until the instructor writes their own).
        chromium.get(chromium.execute_script(
            "return Array.from(document.querySelectorAll('tr')).find(row => "
            "row.querySelector('.glyphicon-flag')).querySelector('a[href*=submissions]')"
            ".href"))
        comment = wait_for(lambda: next(
            (value for value in chromium.execute_script(
                "return Array.from(document.querySelectorAll('textarea'))"
                ".map(box => box.placeholder)") if "tamper-attempt" in value), None), 60,
            "the flag's comment in Formgrader's grading view",
            lambda: chromium.find_element("tag name", "body").text[:2000])
        chromium.execute_script(
            "Array.from(document.querySelectorAll('textarea')).find(box => "
            "box.placeholder.includes('tamper-attempt')).scrollIntoView({block: 'center'})")
        chromium.save_screenshot(str(SCREENSHOTS / "hub-instructor-flag-comment.png"))
        yield {"room": room, "feedback": feedback, "gradebook": gradebook,
               "instructor_files": instructor_files, "listed": listed, "sealed": sealed,
               "flags": flags, "comment": comment,
               "student_formgrader": student_formgrader}


def test_a_student_fetches_submits_and_opens_their_feedback(hub_round_trip):
    room = hub_round_trip["room"]
    assert f"Feedback for {room.ada}" in hub_round_trip["feedback"]
    assert "Score: 100 / 100" in hub_round_trip["feedback"]
    submitted = room.course / "autograder" / "submitted" / room.ada / ASSIGNMENT
    assert (submitted / NOTEBOOK).is_file()


def test_the_instructor_works_in_the_course_and_formgrader_shows_the_grade(hub_round_trip):
    room = hub_round_trip["room"]
    files = set(hub_round_trip["instructor_files"])
    assert {"autograder", "source", "release", "nbgrader_config.py"} <= files
    assert "conv_step_by_step.egg-info" not in files
    for student in (room.ada, room.bob):
        rows = [line for line in hub_round_trip["gradebook"].splitlines() if student in line]
        assert len(rows) == 1 and "100 / 100" in rows[0], hub_round_trip["gradebook"]
        assert "graded" in rows[0]
    # Of the two notebooks, the tamper attempt's alone carries Formgrader's flag, and its
    # grading view says what was replaced.
    assert sorted(hub_round_trip["flags"]) == [False, True]
    assert hub_round_trip["comment"].startswith(
        "Flags:\n- tamper-attempt: replaced builtins.all, numpy.allclose, "
        "numpy.testing.assert_allclose, utils.checks.check_zero_pad in its own process")


def test_the_hub_gives_students_the_learners_lab(hub_round_trip):
    """The student's lab listed the course's release and has no Formgrader; the learner's
    configuration the hub wrote names the exchange and the sealed submit."""
    assert ASSIGNMENT in hub_round_trip["listed"] and COURSE_ID in hub_round_trip["listed"]
    assert "404" in hub_round_trip["student_formgrader"]
    state = hub_round_trip["room"].base / "hub-state"
    assert stat.S_IMODE((state / "hub").stat().st_mode) == 0o700  # the hub's database
    nbgrader = json.loads((state / "learner-jupyter" / "nbgrader_config.json").read_text())
    assert nbgrader["Exchange"] == {"root": str(hub_round_trip["room"].exchange),
                                    "timezone": "UTC"}
    assert nbgrader["ExchangeFactory"]["submit"] == "autograder.exchange_guards.SealedSubmit"
    # ... which the Assignment List's Submit used: the submission is the instructor's to read.
    assert hub_round_trip["sealed"] == ("0o750", hub_round_trip["room"].instructor)
