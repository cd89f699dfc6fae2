"""nbgrader's release, submit and collect, with students kept apart in the exchange.

The exchange's ``inbound`` folder takes every submission: a folder named
``<student>+<assignment>+<timestamp>+<random>``, made by whoever submitted it. nbgrader makes
``inbound`` writable and searchable by everyone, though not listable; it leaves each
submission readable by everyone and its folder writable by everyone (mode 777), so anyone
who learns a folder's name may read and change what is in it; and its collect, run by the
instructor, takes whatever a folder holds. Three replacements, which the course's
``nbgrader_config.py`` (and the learner's lab, for submit) sets:

- ``GuardedRelease`` releases as nbgrader does, and makes sure ``inbound`` is sticky (a user
  may rename or remove only their own submission's folder) and set-group-id (each
  submission's folder belongs to ``inbound``'s group, the instructor's).
- ``SealedSubmit`` submits as nbgrader does, then leaves the submission writable by its
  owner only and readable by its owner and ``inbound``'s group only (folders 750, files
  640), where that group is not one of the student's own (else as readable as nbgrader
  leaves it, with a warning: folders 755, files 644). The instructor's collect reads it
  through that group.
- ``GuardedCollect`` collects as nbgrader does (each student's latest submission, or the
  latest before the due date with ``--before-duedate``), but leaves out, and names, every
  folder that is not a plain submission of the student it names: one made by another user
  (nbgrader's own collect only warns, then takes it as the named student's), one whose name
  is not a submission's (nbgrader's stops the whole collect), one holding a link, a special
  file or a file of another user (nbgrader's would copy what a link points to, with the
  instructor's rights), one whose ``timestamp.txt`` differs from its name's timestamp, and
  one changed after it was submitted (a student owns their submission and could edit it,
  its timestamp included, after the due date; what they cannot set is the time the system
  records of each change, ``st_ctime``). It copies without ever following a link.

Where ``inbound``'s group holds students too (a course whose users share one primary group),
a submission is as readable as nbgrader leaves it, to those who learn its folder's name: only
its owner and the instructor can (``inbound`` cannot be listed, and the name ends in a random
string).
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from datetime import datetime, timedelta, timezone

from nbgrader.exchange.abc.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import ignore_patterns, parse_utc

# A submission once submitted: private to its owner and inbound's group (the instructor's).
SEALED_DIR, SEALED_FILE = 0o750, 0o640
# The same where that group is one of the student's own: as readable as nbgrader leaves it.
OPEN_DIR, OPEN_FILE = 0o755, 0o644
# What nbgrader's submit writes into the submission after copying it.
WRITTEN_AFTER_THE_COPY = ("timestamp.txt", "submission_secret.txt")

# How long after its timestamp a submission may still change while submit writes it and sets
# its permissions; a later change was made after it was submitted.
SETTLING = timedelta(minutes=2)
# The entries of a submission collect looks at before it refuses it as too many.
MAX_ENTRIES = 10_000

# The username given to a refused record, so that it never joins the named student's.
_REFUSED = "\0refused:"


def owner(uid: int) -> str:
    """The name of the user UID (the number itself where no user has it)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class GuardedRelease(ExchangeReleaseAssignment):
    """nbgrader's release, with the sticky and set-group-id bits on the course's
    ``inbound``."""

    def init_dest(self):
        super().init_dest()
        mode = stat.S_IMODE(os.stat(self.inbound_path).st_mode)
        wanted = mode | stat.S_ISVTX | stat.S_ISGID
        if mode != wanted:
            os.chmod(self.inbound_path, wanted)


class SealedSubmit(ExchangeSubmit):
    """nbgrader's submit, leaving the submission writable by its owner only and readable
    by its owner and ``inbound``'s group only."""

    _submission: str | None = None

    def do_copy(self, src, dest, log=None):
        """nbgrader's copy; into ``inbound``, every file of the submission belongs to
        ``inbound``'s group, the two that submit writes afterwards included.

        nbgrader's copy ends by giving the submission's folder the mode of the student's
        (which drops its set-group-id bit), and a file made in it afterwards would belong
        to the student's group. So the copy goes to a hidden folder first; the submission's
        folder is made anew (taking the group and the bit from ``inbound``) and receives
        the copy's entries, and the two files submit writes next are made there first.
        The next copy, to the student's own cache, starts by sealing the submission.
        """
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(self.inbound_path):
            if self._submission is not None:
                self._seal(self._submission)
            return super().do_copy(src, dest, log)
        staging = os.path.join(self.inbound_path, f".{os.path.basename(dest)}.partial")
        try:
            super().do_copy(src, staging, log)
            os.mkdir(dest)
            for name in os.listdir(staging):
                os.rename(os.path.join(staging, name), os.path.join(dest, name))
            os.rmdir(staging)
            for name in WRITTEN_AFTER_THE_COPY:
                with open(os.path.join(dest, name), "a"):
                    pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._submission = dest

    def copy_files(self):
        super().copy_files()
        self._seal(os.path.join(self.inbound_path, self.assignment_filename))

    def _seal(self, folder: str) -> None:
        group = os.stat(folder).st_gid
        if group in os.getgroups() or group == os.getgid():
            self.log.warning("The exchange's inbound belongs to a group of yours (%s): your "
                             "submission stays readable by those who learn its name",
                             group)
            self.set_perms(folder, fileperms=OPEN_FILE, dirperms=OPEN_DIR)
        else:
            self.set_perms(folder, fileperms=SEALED_FILE, dirperms=SEALED_DIR)


def submission_problem(path: str, student: str, submitted_at: datetime) -> str | None:
    """Why the folder PATH is not a plain submission of STUDENT made at SUBMITTED_AT (UTC,
    naive), or None: see the module's docstring."""
    folder = os.lstat(path)
    if not stat.S_ISDIR(folder.st_mode):
        return "it is not a folder"
    if owner(folder.st_uid) != student:
        return f"it names {student} but was made by {owner(folder.st_uid)}"
    latest = submitted_at.replace(tzinfo=timezone.utc) + SETTLING
    entries = 0
    for top, folders, files in os.walk(path):
        for name in [*folders, *files]:
            entries += 1
            if entries > MAX_ENTRIES:
                return f"it holds more than {MAX_ENTRIES} files"
            entry = os.lstat(os.path.join(top, name))
            relative = os.path.relpath(os.path.join(top, name), path)
            if stat.S_ISLNK(entry.st_mode):
                return f"it holds a link ({relative})"
            if not (stat.S_ISREG(entry.st_mode) or stat.S_ISDIR(entry.st_mode)):
                return f"it holds a special file ({relative})"
            if entry.st_uid != folder.st_uid:
                return f"it holds a file of {owner(entry.st_uid)} ({relative})"
            changed = datetime.fromtimestamp(entry.st_ctime, timezone.utc)
            if changed > latest:
                return (f"it changed after it was submitted ({relative} at "
                        f"{changed:%Y-%m-%d %H:%M:%S} UTC)")
    try:
        with open(os.path.join(path, "timestamp.txt"), "rb") as handle:
            written = parse_utc(handle.read(100).decode("utf-8", "replace").strip())
    except (OSError, ValueError, OverflowError):
        return "it has no readable timestamp.txt"
    if written != submitted_at:
        return f"its timestamp.txt ({written}) differs from its name's ({submitted_at})"
    return None


def _copy_regular_file(src: str, dst: str) -> str:
    """SRC copied to DST, with its times, if SRC is a regular file (never through a link,
    never blocking on a special file); otherwise nothing is copied."""
    try:
        descriptor = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return dst
    with os.fdopen(descriptor, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            return dst
        with open(dst, "wb") as target:
            shutil.copyfileobj(source, target)
    shutil.copystat(src, dst, follow_symlinks=False)
    return dst


class GuardedCollect(ExchangeCollect):
    """nbgrader's collect, refusing every folder that is not a plain submission of the
    student it names, and copying without following links."""

    def _path_to_record(self, path):
        filename = os.path.basename(path)
        try:
            record = super()._path_to_record(path)
        except (ExchangeError, ValueError, OverflowError):
            return self._refused(filename, "its name is not <student>+<assignment>+"
                                           "<timestamp>+<random>")
        problem = submission_problem(path, record["username"], record["timestamp"])
        if problem:
            return self._refused(filename, problem, record["timestamp"])
        return record

    @staticmethod
    def _refused(filename: str, why: str, timestamp: datetime = datetime.min) -> dict:
        return {"username": _REFUSED + filename, "filename": filename,
                "timestamp": timestamp, "why": why}

    def do_copy(self, src, dest, log=None):
        """SRC copied to DEST as nbgrader's copy does (its size limit, its ignored and
        included files), except that a link is copied as a link, never followed, and a
        special file is left out."""
        size = self.get_size(src)
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is "
                               f"{1000 * self.coursedir.max_dir_size}")
        shutil.copytree(src, dest, symlinks=True, copy_function=_copy_regular_file,
                        ignore=ignore_patterns(exclude=self.coursedir.ignore,
                                               include=self.coursedir.include,
                                               max_file_size=self.coursedir.max_file_size,
                                               log=self.log))

    def copy_files(self):
        refused = [record for record in self.src_records
                   if record["username"].startswith(_REFUSED)]
        for record in refused:
            self.log.warning("Not collected: %s: %s", record["filename"], record["why"])
        self.src_records = [record for record in self.src_records if record not in refused]
        super().copy_files()
