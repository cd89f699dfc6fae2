"""`make lab` gives a learner nbgrader's Validate and none of the instructor's tools;
`make lab-instructor` gives every tool. Both start as root (CI runs as root).

In headless Chromium, as a learner: each fresh notebook opens unmodified, Run All reaches
its last cell with every figure drawn (or one line where a figure waits for the learner's
function) and no traceback, and Validate reports each graded cell. Then the learner writes one
function, wrongly (a catalogue mistake its check can see), and runs it and its check: the check
says what differs with a hint and no solution line, and Validate shows that message in lines
its dialog does not cut. Screenshots of Run All, the check and both Validate dialogs go to
tests/screenshots/ (git-ignored).
"""

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest
from waiting import free_port, wait_for

from autograder import lab
from autograder.course import ASSIGNMENTS, REPO_ROOT, Course, copy_course, get_assignment
from autograder.exchange import MODE, VARIABLE, make_exchange
from autograder.selfstudy import make_workspace

COURSE_ID = Course().nbgrader_config().CourseDirectory.course_id



@contextlib.contextmanager
def running_lab(tmp_path, *options):
    """JupyterLab started by `python -m autograder lab OPTIONS`, its exchange (the variable
    NBGRADER_EXCHANGE) tmp_path/exchange."""
    port = free_port()
    command = [sys.executable, "-m", "autograder", "lab", *options, "--no-browser",
               f"--port={port}", "--ip=127.0.0.1", "--IdentityProvider.token=",
               "--ServerApp.password="]
    log = open(tmp_path / "lab.log", "w")
    env = {**os.environ, VARIABLE: str(tmp_path / "exchange")}
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "lab.log").read_text()
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base}/api/status", timeout=2)
                break
            time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start: " + (tmp_path / "lab.log").read_text())
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the command became JupyterLab: one process
        process.wait(timeout=30)
        log.close()


def status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def page_config(base: str) -> dict:
    html = urllib.request.urlopen(f"{base}/lab", timeout=10).read().decode()
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      html, re.S)
    return json.loads(found.group(1))


def test_learners_lab_has_validate_and_no_instructor_tools(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    with running_lab(tmp_path, str(folder)) as base:
        disabled = page_config(base)["disabledExtensions"]
        assert set(lab.INSTRUCTOR_PLUGINS) <= set(disabled), disabled
        assert "@jupyter/nbgrader:validate-assignment" not in disabled
        assert status(f"{base}/formgrader") == 404
        assert status(f"{base}/assignments") == 404
        assert status(f"{base}/formgraders") == 404


def test_instructors_lab_has_every_nbgrader_tool(tmp_path):
    """Formgrader and the Assignment List work at once: the exchange is made as the lab
    starts, and neither warns about it."""
    with running_lab(tmp_path, "--instructor", str(REPO_ROOT)) as base:
        disabled = page_config(base)["disabledExtensions"]
        assert not any(plugin in disabled for plugin in lab.INSTRUCTOR_PLUGINS), disabled
        page = urllib.request.urlopen(f"{base}/formgrader", timeout=30).read().decode()
        assert "Manage Assignments" in page and 'id="warning-exchange"' not in page
        courses = json.load(urllib.request.urlopen(f"{base}/courses", timeout=30))
        assert courses["success"] is True, courses
    assert stat.S_IMODE((tmp_path / "exchange").stat().st_mode) == MODE


def test_a_learners_lab_with_the_assignment_list_fetches_from_the_exchange(tmp_path):
    """make lab ASSIGNMENT_LIST=1, as on a shared server: the Assignment List lists what the
    instructor released to the exchange and fetches it; no instructor tool is there."""
    course = copy_course(tmp_path / "course")
    course.generate_release("conv_step_by_step")
    exchange = make_exchange(tmp_path / "exchange")
    environ = {**os.environ, VARIABLE: str(exchange)}
    subprocess.run([sys.executable, "-m", "nbgrader", "release_assignment", "conv_step_by_step"],
                   cwd=course.root, env=environ, check=True, capture_output=True)
    folder = tmp_path / "home"
    folder.mkdir()
    with running_lab(tmp_path, str(folder), "--assignment-list") as base:
        disabled = page_config(base)["disabledExtensions"]
        # The Assignment List, and the Nbgrader menu that opens it (which shows nothing else
        # when the other tools are off: tests/test_hub.py looks at it in Chromium).
        kept = {lab.ASSIGNMENT_LIST_PLUGIN, lab.MENU_PLUGIN}
        assert not kept & set(disabled)
        assert set(lab.INSTRUCTOR_PLUGINS) - kept <= set(disabled)
        assert status(f"{base}/formgrader") == 404
        listed = json.load(urllib.request.urlopen(
            f"{base}/assignments?course_id={COURSE_ID}", timeout=30))
        assert listed["success"] is True, listed
        assert [(entry["assignment_id"], entry["status"]) for entry in listed["value"]] == [
            ("conv_step_by_step", "released")]
        # As the page does: the _xsrf cookie the lab sets, sent back as a header.
        cookies = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        browser.open(f"{base}/lab", timeout=30).read()
        xsrf = next(cookie.value for cookie in cookies if cookie.name == "_xsrf")
        request = urllib.request.Request(
            f"{base}/assignments/fetch", method="POST", data=json.dumps(
                {"course_id": COURSE_ID, "assignment_id": "conv_step_by_step"}).encode(),
            headers={"Content-Type": "application/json", "X-XSRFToken": xsrf})
        fetched = json.load(browser.open(request, timeout=60))
        assert fetched["success"] is True, fetched
        assert [(entry["assignment_id"], entry["status"]) for entry in fetched["value"]] == [
            ("conv_step_by_step", "fetched")]
    assert (folder / "conv_step_by_step" / "Convolution_model_Step_by_Step.ipynb").is_file()


def test_the_file_browser_hides_build_leftovers(tmp_path):
    """The instructor's file browser lists the course, not the folder pip's editable install
    leaves at its root."""
    course = tmp_path / "course"
    for folder in ("source", "conv_step_by_step.egg-info", "__pycache__"):
        (course / folder).mkdir(parents=True)
    with running_lab(tmp_path, "--instructor", str(course)) as base:
        listing = json.load(urllib.request.urlopen(f"{base}/api/contents/", timeout=10))
    assert [entry["name"] for entry in listing["content"]] == ["source"]


def test_lab_allows_root_only_when_run_as_root(monkeypatch, tmp_path):
    monkeypatch.setattr(lab.os, "geteuid", lambda: 0)
    assert lab.lab_command(tmp_path)[-1] == "--allow-root"
    assert lab.lab_command(tmp_path, ["--allow-root"]).count("--allow-root") == 1
    monkeypatch.setattr(lab.os, "geteuid", lambda: 1000)
    assert "--allow-root" not in lab.lab_command(tmp_path)


# --- in a real browser ------------------------------------------------------------------------

SCREENSHOTS = REPO_ROOT / "tests" / "screenshots"  # git-ignored

# Scripts run in the page; NOTEBOOK is the node of the notebook in the main area.
NOTEBOOK = "window.jupyterapp.shell.currentWidget.node"
STATE = f"""
const panel = window.jupyterapp.shell.currentWidget;
const cells = Array.from({{length: panel.content.model.cells.length}},
                         (_, i) => panel.content.model.cells.get(i)).filter(c => c.type === 'code');
const indicator = {NOTEBOOK}.querySelector('.jp-Notebook-ExecutionIndicator');
return {{status: indicator ? indicator.getAttribute('data-status') : null,
         ran: cells.filter(c => c.executionCount !== null).length,
         cells: cells.length,
         dirty: document.querySelectorAll('.jp-mod-dirty').length}};
"""
# Every cell's outputs, read from the notebook's model: JupyterLab draws only the cells near the
# view, so the page itself may not hold them all.
OUTPUTS = """
const model = window.jupyterapp.shell.currentWidget.content.model;
return Array.from({length: model.cells.length}, (_, i) => model.cells.get(i)).map(cell =>
    cell.type !== 'code' ? [] : cell.outputs.toJSON().map(o => {
        const data = o.data || {};
        const text = [].concat(o.output_type === 'stream' ? o.text
                               : o.output_type === 'error' ? o.traceback
                               : data['text/plain'] || []).join('');
        const mime = o.output_type === 'stream' ? 'application/vnd.jupyter.' + o.name
                   : o.output_type === 'error' ? 'application/vnd.jupyter.error'
                   : Object.keys(data)[0];
        return {mime: mime, text: text, image: 'image/png' in data};
    }));
"""



# In each notebook of the browser test, the learner has written one function, wrongly (a
# mistake of the catalogue whose visible check can see it); the others are not written yet.
WRONG = {
    "dnn_step_by_step": "dW-without-1-over-m",
    "conv_step_by_step": "zero-pad-every-axis",
    "cnn_numpy_training": "loss-not-averaged",
    "conv_application": "glorot-uniform",
    "conv_keras": "from-logits-false",
}
# Whether some element of Validate's dialog is wider than the room it has: a cut line.
OVERFLOW = """
const dialog = document.querySelector('.jp-Dialog');
return Array.from(dialog.querySelectorAll('pre, code, div')).filter(
    e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'
         && e.innerText.trim()).map(e => e.innerText.slice(0, 200));
"""


def wrong_code(assignment):
    """(the function WRONG's mistake is in, the solution's code of it with that mistake)."""
    from autograder.course import Course, read_notebook
    from autograder.samples import solution_sources, with_bugs

    [bug] = [bug for bug in ASSIGNMENTS[assignment].bugs() if bug.name == WRONG[assignment]]
    sources = solution_sources(read_notebook(Course().source_notebook(assignment)))
    return bug.function, with_bugs(sources, [bug])[bug.function]


def run_cell(chromium, state, index):
    """Run the notebook's cell INDEX alone and wait until the kernel is idle again."""
    chromium.execute_script(
        "const panel = window.jupyterapp.shell.currentWidget.content;"
        f"panel.activeCellIndex = {index}; panel.scrollToItem({index}, 'center');"
        "window.jupyterapp.commands.execute('notebook:run-cell'); return 1;")
    time.sleep(1)
    wait_for(lambda: state()["status"] == "idle", 120, f"cell {index} to run")


def open_validate(chromium):
    """Click Validate; return the text of its results dialog."""
    from selenium.webdriver.common.by import By

    button = next(b for b in chromium.find_elements(
        By.CSS_SELECTOR, ".jp-NotebookPanel-toolbar jp-button, "
                         ".jp-NotebookPanel-toolbar button")
        if b.text.strip() == "Validate" and b.is_displayed())
    button.click()
    return wait_for(lambda: chromium.execute_script(
        "const d = document.querySelector('.jp-Dialog'); return d && d.innerText.includes("
        "'Validation Results') && !d.innerText.includes('Validating') ? d.innerText : null"),
        300, "Validate's results")


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_a_learner_runs_all_and_validates_a_fresh_notebook_in_chromium(
        assignment, chromium, tmp_path):
    import hint_policy

    folder = tmp_path / "notebooks"
    make_workspace(folder)
    name = ASSIGNMENTS[assignment].notebook
    graded = list(get_assignment(assignment).grading().POINTS)
    with running_lab(tmp_path, str(folder), "--LabApp.expose_app_in_browser=True") as base:
        chromium.get(f"{base}/lab/tree/{name}?reset")
        state = lambda: chromium.execute_script(  # noqa: E731
            "if (!window.jupyterapp || !window.jupyterapp.shell.currentWidget) return null;"
            + STATE)
        wait_for(lambda: (state() or {}).get("status") == "idle", 90, "the kernel")
        time.sleep(2)
        assert state()["dirty"] == 0, "the notebook opened modified"

        chromium.execute_script(
            "window.jupyterapp.commands.execute('notebook:run-all-cells'); return 1;")
        wait_for(lambda: (lambda s: s["ran"] == s["cells"] and s["status"] == "idle")(state()),
                 300, "Run All to reach the last cell", lambda: (state(), [
                     [o["text"][:300] for o in cell if o["mime"].endswith("error")]
                     for cell in chromium.execute_script(OUTPUTS)]))
        cells = chromium.execute_script(OUTPUTS)
        SCREENSHOTS.mkdir(exist_ok=True)
        chromium.save_screenshot(str(SCREENSHOTS / f"{assignment}-run-all.png"))
        ids = cell_ids(folder / name)
        assert len(cells) == len(ids)
        outputs = [output for cell in cells for output in cell]
        assert not [o for o in outputs if "Traceback" in o["text"]
                    or o["mime"] == "application/vnd.jupyter.error"], outputs
        for cell_id, shown in zip(ids, cells):
            if cell_id.endswith("_figure"):  # drawn, or one line: it waits for the learner
                assert ([o["image"] for o in shown] == [True]
                        or len(shown) == 1 and "This figure draws your" in shown[0]["text"]
                        and shown[0]["text"].count("\n") <= 1), (cell_id, shown)
        stderr = [o["text"] for o in outputs if o["mime"] == "application/vnd.jupyter.stderr"
                  and "not implemented yet" in " ".join(o["text"].split())]
        assert len(stderr) == len(graded), stderr

        dialog = open_validate(chromium)
        chromium.save_screenshot(str(SCREENSHOTS / f"{assignment}-validate.png"))
        assert dialog.count("The following cell failed") == len(graded), dialog
        for function in graded:
            assert f"checks.validate({function})" in dialog
        assert "Traceback" not in dialog
        assert chromium.execute_script(OVERFLOW) == []

        # The learner writes one function, wrongly, and runs its cell and its check: the check
        # says what differs with a hint and no answer; so does Validate, in uncut lines.
        chromium.execute_script("document.querySelector('.jp-Dialog button').click(); return 1;")
        wrong, code = wrong_code(assignment)
        solution, check = ids.index(wrong), ids.index(f"{wrong}_check")
        chromium.execute_script(
            "const model = window.jupyterapp.shell.currentWidget.content.model;"
            f"model.cells.get({solution}).sharedModel.setSource(arguments[0]); return 1;", code)
        run_cell(chromium, state, solution)
        run_cell(chromium, state, check)
        said = "".join(o["text"] for o in chromium.execute_script(OUTPUTS)[check])
        assert "CheckFailed" in said and "Hint: " in said, said
        hint_policy.assert_no_leak(said, code, where=f"the check of {wrong}")
        chromium.save_screenshot(str(SCREENSHOTS / f"{assignment}-check.png"))
        chromium.execute_script(
            "window.jupyterapp.commands.execute('docmanager:save'); return 1;")
        wait_for(lambda: state()["dirty"] == 0, 30, "the notebook to be saved")

        dialog = open_validate(chromium)
        assert chromium.execute_script(
            "const item = Array.from(document.querySelectorAll('.jp-Dialog-body pre')).find("
            f"e => e.innerText.includes('validate({wrong})'));"
            "if (item) item.scrollIntoView({block: 'start'}); return Boolean(item);")
        time.sleep(1)
        chromium.save_screenshot(str(SCREENSHOTS / f"{assignment}-validate-wrong.png"))
        assert dialog.count("The following cell failed") == len(graded), dialog
        assert "Hint: " in dialog, dialog
        hint_policy.assert_no_leak(dialog, code, where="Validate's dialog")
        assert chromium.execute_script(OVERFLOW) == []


def cell_ids(path):
    notebook = nbformat.read(path, as_version=4)
    return [cell.metadata.get("nbgrader", {}).get("grade_id", "") for cell in notebook.cells]
