"""JupyterHub for the course on one server: each user logs in with their Unix account and
gets their own JupyterLab, started as them (LocalProcessSpawner).

- Students (Unix group COURSE_STUDENTS_GROUP) get the learner's lab: Validate and nbgrader's
  Assignment List (Fetch, Submit, Fetch Feedback), none of the instructor's tools, in their
  home folder, where fetched assignments go.
- Instructors (Unix group COURSE_INSTRUCTORS_GROUP) get every nbgrader tool (Formgrader,
  Create Assignment), in the course folder COURSE_ROOT, their own clone of the course.

Settings, as environment variables of the hub (hub/README.md):

    COURSE_ROOT                the instructors' course folder (default: this repository)
    NBGRADER_EXCHANGE          nbgrader's exchange (default: /srv/nbgrader/exchange)
    COURSE_HUB_STATE           the hub's own files: database, cookie secret, the learner's
                               Jupyter configuration (default: /srv/jupyterhub)
    COURSE_STUDENTS_GROUP      default: cnn-students
    COURSE_INSTRUCTORS_GROUP   default: cnn-instructors

Run it as root, with the Python of the course's installation:
``.venv/bin/jupyterhub -f hub/jupyterhub_config.py``.
"""

import grp
import os
import pwd
import sys
from pathlib import Path

from autograder.exchange import VARIABLE, make_exchange
from autograder.lab import hidden_files, write_learner_config

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

HERE = Path(__file__).resolve().parent
COURSE_ROOT = Path(os.environ.get("COURSE_ROOT") or HERE.parent)
EXCHANGE = Path(os.environ.get(VARIABLE) or "/srv/nbgrader/exchange")
STATE = Path(os.environ.get("COURSE_HUB_STATE") or "/srv/jupyterhub")
STUDENTS = os.environ.get("COURSE_STUDENTS_GROUP") or "cnn-students"
INSTRUCTORS = os.environ.get("COURSE_INSTRUCTORS_GROUP") or "cnn-instructors"
SINGLE_USER = str(Path(sys.executable).parent / "jupyterhub-singleuser")

# The hub's own files (its database holds the users' tokens), for root only; the learner's
# Jupyter configuration, for everyone.
PRIVATE, LEARNER_CONFIG = STATE / "hub", STATE / "learner-jupyter"
for folder, mode in ((STATE, 0o755), (PRIVATE, 0o700)):
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(mode)
c.JupyterHub.db_url = f"sqlite:///{PRIVATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(PRIVATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(PRIVATE / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" /
                                       "configurable-http-proxy")]
write_learner_config(LEARNER_CONFIG, EXCHANGE)
make_exchange(EXCHANGE)

# Unix accounts, through PAM; only the course's two groups may log in.
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.PAMAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [SINGLE_USER]
c.Spawner.default_url = "/lab"
c.Spawner.args = [f"--ContentsManager.hide_globs={pattern}" for pattern in hidden_files()]


def is_instructor(username: str) -> bool:
    """Whether USERNAME belongs to the instructors' group (as a member or as its primary
    group)."""
    try:
        group = grp.getgrnam(INSTRUCTORS)
    except KeyError:
        return False
    return username in group.gr_mem or pwd.getpwnam(username).pw_gid == group.gr_gid


def course_server(spawner) -> None:
    """Each user's JupyterLab: the instructor's in the course folder, where nbgrader reads
    the course's nbgrader_config.py; a student's with the learner's configuration first."""
    spawner.environment[VARIABLE] = str(EXCHANGE)
    if is_instructor(spawner.user.name):
        spawner.cmd = ["sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", str(COURSE_ROOT),
                       SINGLE_USER]
    else:
        spawner.cmd = [SINGLE_USER]
        spawner.environment["JUPYTER_CONFIG_PATH"] = str(LEARNER_CONFIG)


c.Spawner.pre_spawn_hook = course_server
