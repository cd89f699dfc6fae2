"""JupyterLab for learners and for instructors.

``make lab`` (``python -m autograder lab FOLDER``) opens the self-study folder with what a
learner needs of nbgrader: the Validate button of each notebook. The instructor's tools
(Formgrader with its Generate buttons, Create Assignment, Course List, Assignment List and
the Nbgrader menu that opens them) are switched off, in the browser and on the server, by a
configuration folder put first on JUPYTER_CONFIG_PATH for that run only. The learner's own
Jupyter settings (~/.jupyter) stay in use.

``make lab-instructor`` (``python -m autograder lab --instructor``) opens the course's root
with every nbgrader tool, as nbgrader installs them.

Both add ``--allow-root`` when run as root (containers), which JupyterLab refuses otherwise,
and then become JupyterLab (exec), so a signal to the command reaches JupyterLab itself.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

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


def write_learner_config(folder: Path) -> Path:
    """Write into FOLDER the Jupyter configuration that hides the instructor's tools;
    return FOLDER (to put first on JUPYTER_CONFIG_PATH)."""
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    page = {"disabledExtensions": {plugin: True for plugin in INSTRUCTOR_PLUGINS}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2))
    server = {"ServerApp": {"jpserver_extensions": {
        extension: False for extension in INSTRUCTOR_SERVER_EXTENSIONS}}}
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=2))
    return folder


# What the file browser does not list: Jupyter's own defaults and the folder a package's
# editable install leaves at the course's root (conv_step_by_step.egg-info).
HIDDEN_FILES = ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.egg-info")


def lab_command(notebook_dir: Path, extra_args: list[str] = ()) -> list[str]:
    """The command that starts JupyterLab on NOTEBOOK_DIR with EXTRA_ARGS."""
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebook_dir}",
               *(f"--ContentsManager.hide_globs={pattern}" for pattern in HIDDEN_FILES),
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


def run(notebook_dir: Path, instructor: bool = False, extra_args: list[str] = ()) -> None:
    """Become JupyterLab on NOTEBOOK_DIR (for a learner, or with INSTRUCTOR for the
    instructor); returns only if JupyterLab cannot be started (OSError)."""
    command = lab_command(notebook_dir, list(extra_args))
    env = dict(os.environ) if instructor else learner_environment(
        write_learner_config(learner_config_folder()))
    os.execve(command[0], command, env)
