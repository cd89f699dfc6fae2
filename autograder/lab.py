"""JupyterLab for learners and for instructors.

``make lab`` (``python -m autograder lab FOLDER``) opens the self-study folder with what a
learner needs of nbgrader: the Validate button of each notebook. The instructor's tools
(Formgrader with its Generate buttons, Create Assignment, Course List, Assignment List and
the Nbgrader menu that opens them) are switched off, in the browser and on the server, by a
configuration folder put first on JUPYTER_CONFIG_PATH for that run only. The learner's own
Jupyter settings (~/.jupyter) stay in use. With ``--assignment-list`` (``make lab
ASSIGNMENT_LIST=1``, for a course that hands out through nbgrader's exchange) the Assignment
List and the Nbgrader menu that opens it stay, and that folder's nbgrader configuration
names the exchange.

``make lab-instructor`` (``python -m autograder lab --instructor``) opens the course's root
with every nbgrader tool, as nbgrader installs them, after making the course's exchange if
it is missing.

Both add ``--allow-root`` when run as root (containers), which JupyterLab refuses otherwise,
and then become JupyterLab (exec), so a signal to the command reaches JupyterLab itself.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from autograder.course import Course
from autograder.exchange import ExchangeUnavailable, exchange_root, make_exchange

# nbgrader's JupyterLab plugins a learner does not see.
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:menu",
)
# nbgrader's server extensions a learner's JupyterLab does not load (Validate's stays).
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)


# What a learner's lab keeps of them for a course that hands out through nbgrader's exchange
# (a shared server, a JupyterHub): the Assignment List, with its Fetch, Submit and Fetch
# Feedback buttons.
ASSIGNMENT_LIST_PLUGIN = "@jupyter/nbgrader:assignment-list"
# The Nbgrader menu, where the Assignment List opens.
MENU_PLUGIN = "@jupyter/nbgrader:menu"
ASSIGNMENT_LIST_SERVER_EXTENSION = "nbgrader.server_extensions.assignment_list"

# The learner's submit: nbgrader's, leaving the submission to its owner and the instructor.
SEALED_SUBMIT = "autograder.exchange_guards.SealedSubmit"


def write_learner_config(folder: Path, exchange: Path | None = None,
                         workspace: Path | None = None) -> Path:
    """Write into FOLDER the Jupyter configuration that hides the instructor's tools;
    return FOLDER (to put first on JUPYTER_CONFIG_PATH). With EXCHANGE, the Assignment List
    stays, and nbgrader's configuration there names the exchange and WORKSPACE, the folder
    fetched assignments go to (None: nbgrader's default, the server's working folder)."""
    kept = ({ASSIGNMENT_LIST_PLUGIN, MENU_PLUGIN, ASSIGNMENT_LIST_SERVER_EXTENSION}
            if exchange else set())
    for place in (folder, folder / "labconfig"):  # readable by every user of a server
        place.mkdir(parents=True, exist_ok=True)
        place.chmod(0o755)
    page = {"disabledExtensions": {plugin: True for plugin in INSTRUCTOR_PLUGINS
                                   if plugin not in kept}}
    _write_json(folder / "labconfig" / "page_config.json", page)
    server = {"ServerApp": {"jpserver_extensions": {
        extension: False for extension in INSTRUCTOR_SERVER_EXTENSIONS
        if extension not in kept}}}
    _write_json(folder / "jupyter_server_config.json", server)
    nbgrader = folder / "nbgrader_config.json"
    if exchange is None:
        nbgrader.unlink(missing_ok=True)
    else:
        settings = {"root": str(exchange), "timezone": "UTC"}
        if workspace is not None:
            settings["assignment_dir"] = str(Path(workspace).absolute())
        _write_json(nbgrader, {"Exchange": settings,
                               "ExchangeFactory": {"submit": SEALED_SUBMIT}})
    return folder


def _write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=2))
    path.chmod(0o644)


# What the file browser does not list besides Jupyter's own hidden files: the folder a
# package's editable install leaves at the course's root (conv_step_by_step.egg-info).
ALSO_HIDDEN = ("*.egg-info",)


def hidden_files() -> list[str]:
    """Jupyter's own ContentsManager.hide_globs, then ALSO_HIDDEN."""
    from jupyter_server.services.contents.manager import ContentsManager

    return [*ContentsManager.class_traits()["hide_globs"].default(), *ALSO_HIDDEN]


def lab_command(notebook_dir: Path, extra_args: list[str] = ()) -> list[str]:
    """The command that starts JupyterLab on NOTEBOOK_DIR with EXTRA_ARGS."""
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebook_dir}",
               *(f"--ContentsManager.hide_globs={pattern}" for pattern in hidden_files()),
               *extra_args]
    if os.geteuid() == 0 and "--allow-root" not in extra_args:
        command.append("--allow-root")
    return command


def learner_environment(config: Path, environ: dict | None = None) -> dict:
    """ENVIRON (default: this process's) with CONFIG first on JUPYTER_CONFIG_PATH."""
    env = dict(os.environ if environ is None else environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        part for part in (str(config), env.get("JUPYTER_CONFIG_PATH", "")) if part)
    return env


def learner_config_folder() -> Path:
    """Where the learner's configuration is written: beside this environment's own Jupyter
    configuration (the virtual environment's etc/), or a temporary folder where that cannot
    be written."""
    folder = Path(sys.prefix) / "etc" / "learner-jupyter"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path(tempfile.mkdtemp(prefix="learner-jupyter-"))


def run(notebook_dir: Path, instructor: bool = False, extra_args: list[str] = (),
        exchange: Path | None = None) -> None:
    """Become JupyterLab on NOTEBOOK_DIR: for a learner (with EXCHANGE, with the Assignment
    List of the course's exchange), or with INSTRUCTOR for the instructor, whose exchange
    is made first if missing (so Formgrader can release and collect; where it cannot be,
    a warning says why); returns only if JupyterLab cannot be started (OSError)."""
    command = lab_command(notebook_dir, list(extra_args))
    if instructor:
        course = Course(Path(notebook_dir).absolute())
        try:
            if (course.root / "nbgrader_config.py").is_file():  # a course folder
                make_exchange(exchange_root(course))
        except ExchangeUnavailable as problem:
            print(f"warning: {problem}; Formgrader's Release and Collect will not work",
                  file=sys.stderr)
        env = dict(os.environ)
    else:
        env = learner_environment(write_learner_config(learner_config_folder(), exchange,
                                                       Path(notebook_dir)))
    os.execve(command[0], command, env)
