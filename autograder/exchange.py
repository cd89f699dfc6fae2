"""nbgrader's exchange: the folder through which a course on one machine hands out
assignments, takes submissions in and hands feedback back.

Its place is what the course's ``nbgrader_config.py`` says: the environment variable
NBGRADER_EXCHANGE (``make ... EXCHANGE=/srv/nbgrader/exchange`` sets it, for a server that
several users share), or else ``autograder/exchange`` in the course (git ignores it). nbgrader
makes each course's folders in it with the permissions it documents (``inbound`` takes
submissions that students cannot list, ``feedback`` pages only their owners can name);
the exchange itself must exist and be writable by everyone, as ``make_exchange`` leaves it.
"""

from __future__ import annotations

import stat
from pathlib import Path

from autograder.course import Course

VARIABLE = "NBGRADER_EXCHANGE"
# Everyone may make entries (nbgrader makes a course's folders there as its instructor);
# the sticky bit lets each user remove or rename only their own.
MODE = 0o1777


class ExchangeUnavailable(Exception):
    """The exchange's folder cannot be made or given its permissions here."""


def exchange_root(course: Course = Course()) -> Path:
    """Where COURSE's exchange is, as its nbgrader_config.py says: NBGRADER_EXCHANGE, or
    COURSE/autograder/exchange."""
    return Path(course.nbgrader_config().Exchange.root)


def make_exchange(root: Path) -> Path:
    """ROOT, made if missing, with mode MODE (rwx for everyone, sticky); returns ROOT.

    Raises ExchangeUnavailable, saying what to do, where this user cannot make it or set
    its mode (a shared server's exchange is made once, by root).
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        if stat.S_IMODE(root.stat().st_mode) != MODE:
            root.chmod(MODE)
    except OSError as error:
        raise ExchangeUnavailable(
            f"the exchange {root} could not be made with mode {MODE:o} ({error.strerror}): "
            f"make it once as root (mkdir -p {root} && chmod {MODE:o} {root}), or choose "
            f"another place with EXCHANGE=/path (the variable {VARIABLE})") from None
    return root
