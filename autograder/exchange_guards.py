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
  latest before the due date with ``--before-duedate``), but only plain submissions of the
  students they name, and names every folder it leaves out and why: one made by another user
  (nbgrader's own collect only warns, then takes it as the named student's), one whose name
  is not a submission's (nbgrader's stops the whole collect), one holding a link, a special
  file, a file linked from elsewhere or another user's file (nbgrader's would copy what a
  link points to, with the instructor's rights), one whose ``timestamp.txt`` differs from
  its name's or whose ``submission_secret.txt`` is not one nbgrader's submit writes, one too
  large or too deep, one dated in the future, and one changed after it was submitted (a
  student owns their submission and could edit it, its timestamp included, after the due
  date; what they cannot set is the time the system records of each change,
  ``st_ctime``). Each submission is checked as it is copied, once, through open file
  descriptors and never through a link, into a folder of the instructor's, from where it
  is collected: nothing a student changes meanwhile can send the copy elsewhere. Its
  ``timestamp.txt`` is written by collect, from the folder's name.

Where ``inbound``'s group holds students too (a course whose users share one primary group),
a submission is as readable as nbgrader leaves it, to those who learn its folder's name: only
its owner and the instructor can (``inbound`` cannot be listed, and the name ends in a random
string).
"""

from __future__ import annotations

import fnmatch
import os
import pwd
import re
import shutil
import stat
import tempfile
from datetime import datetime, timedelta, timezone

from nbgrader.exchange.abc.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import parse_utc

# A submission once submitted: private to its owner and inbound's group (the instructor's).
SEALED_DIR, SEALED_FILE = 0o750, 0o640
# The same where that group is one of the student's own: as readable as nbgrader leaves it.
OPEN_DIR, OPEN_FILE = 0o755, 0o644
# What nbgrader's submit writes into the submission after copying it.
WRITTEN_AFTER_THE_COPY = ("timestamp.txt", "submission_secret.txt")

# How long after its timestamp a submission may still change while submit writes it and sets
# its permissions; a later change was made after it was submitted.
SETTLING = timedelta(minutes=5)
# How far ahead of this machine's clock a submission's timestamp may be.
SKEW = timedelta(minutes=1)
# The entries of a submission, and how deep its folders nest, before collect refuses it.
MAX_ENTRIES, MAX_DEPTH = 10_000, 32
# What nbgrader's submit writes into submission_secret.txt.
SECRET = re.compile(rb"[0-9a-f]{128}")

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
                _seal(self._submission)
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
        if not _seal(os.path.join(self.inbound_path, self.assignment_filename)):
            self.log.warning("The exchange's inbound belongs to a group of yours: your "
                             "submission stays readable by those who learn its name")


def _seal(folder: str) -> bool:
    """FOLDER's folders and files given their sealed modes, each changed only if it differs
    (a change of mode is a change the system records: collect refuses a submission changed
    after it settled). Returns whether they are private to the owner and inbound's group
    (False: that group is one of the owner's own, and they stay as readable as nbgrader
    leaves them)."""
    group = os.stat(folder).st_gid
    private = group not in os.getgroups() and group != os.getgid()
    dir_mode, file_mode = (SEALED_DIR, SEALED_FILE) if private else (OPEN_DIR, OPEN_FILE)
    for top, _, files in os.walk(folder, topdown=False):
        for path, mode in [*((os.path.join(top, name), file_mode) for name in files),
                           (top, dir_mode)]:
            if stat.S_IMODE(os.lstat(path).st_mode) != mode:
                os.chmod(path, mode)
    return private


class Refused(Exception):
    """A folder in ``inbound`` that is not a plain submission; the message says why."""


def _read_small(descriptor: int, limit: int) -> bytes:
    """At most LIMIT bytes of the open file DESCRIPTOR; Refused if it holds more."""
    content = os.read(descriptor, limit + 1)
    if len(content) > limit:
        raise Refused("its timestamp.txt or submission_secret.txt is too long")
    return content


class _Stager:
    """One pass over a submission's folder in ``inbound``, through open file descriptors
    and never through a link, that checks every entry and copies the submission into a
    folder of the instructor's (see ``stage``)."""

    def __init__(self, student_uid: int, submitted_at: datetime, coursedir, log):
        self.uid = student_uid
        self.latest = submitted_at.replace(tzinfo=timezone.utc) + SETTLING
        self.coursedir = coursedir
        self.log = log
        self.entries = 0
        self.size = 0

    def check(self, info: os.stat_result, relative: str) -> None:
        """Refused unless INFO (of RELATIVE) is the student's and unchanged since the
        submission settled."""
        if info.st_uid != self.uid:
            raise Refused(f"it holds a file of {owner(info.st_uid)} ({relative})")
        changed = datetime.fromtimestamp(info.st_ctime, timezone.utc)
        if changed > self.latest:
            raise Refused(f"it changed after it was submitted ({relative or 'its folder'} at "
                          f"{changed:%Y-%m-%d %H:%M:%S} UTC)")

    def ignored(self, name: str, size: int | None) -> bool:
        """Whether nbgrader's copy leaves NAME out (CourseDirectory.ignore, .include and
        .max_file_size, the latter in kB, for files of SIZE bytes)."""
        if any(fnmatch.fnmatch(name, pattern) for pattern in self.coursedir.ignore):
            return True
        if not any(fnmatch.fnmatch(name, pattern) for pattern in self.coursedir.include):
            return True
        if size is not None and size > 1000 * self.coursedir.max_file_size:
            self.log.warning("Ignoring file too large: %s (%d bytes)", name, size)
            return True
        return False

    def copy_folder(self, descriptor: int, dest: str, relative: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise Refused(f"its folders are nested more than {MAX_DEPTH} deep")
        os.mkdir(dest, 0o700)
        with os.scandir(descriptor) as listing:
            names = []
            for entry in listing:
                self.entries += 1
                if self.entries > MAX_ENTRIES:
                    raise Refused(f"it holds more than {MAX_ENTRIES} files")
                names.append(entry.name)
        for name in sorted(names):
            path = os.path.join(relative, name) if relative else name
            info = os.stat(name, dir_fd=descriptor, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                raise Refused(f"it holds a link ({path})")
            if stat.S_ISDIR(info.st_mode):
                if self.ignored(name, None):
                    continue
                inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                dir_fd=descriptor)
                try:
                    self.check(os.fstat(inner), path)
                    self.copy_folder(inner, os.path.join(dest, name), path, depth + 1)
                    self.check(os.fstat(inner), path)
                finally:
                    os.close(inner)
            elif stat.S_ISREG(info.st_mode):
                if self.ignored(name, info.st_size):
                    continue
                self.copy_file(descriptor, name, os.path.join(dest, name), path)
            else:
                raise Refused(f"it holds a special file ({path})")

    def copy_file(self, folder: int, name: str, dest: str, relative: str) -> None:
        source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
        try:
            info = os.fstat(source)
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"it holds a special file ({relative})")
            if info.st_nlink != 1:
                raise Refused(f"it holds a file linked from elsewhere ({relative})")
            self.check(info, relative)
            self.size += info.st_size
            if self.size > 1000 * self.coursedir.max_dir_size:
                raise Refused(f"it is larger than {self.coursedir.max_dir_size} kB")
            with open(dest, "wb") as target:
                left = info.st_size
                while left > 0:
                    chunk = os.read(source, min(left, 1 << 20))
                    if not chunk:
                        break
                    target.write(chunk)
                    left -= len(chunk)
            self.check(os.fstat(source), relative)
            os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(source)


def stage(path: str, student: str, submitted_at: datetime, stamp: str, dest: str, coursedir,
          log) -> None:
    """Copy the submission PATH (in ``inbound``) to DEST, a new folder of the instructor's;
    raise Refused, saying why, unless it is a plain submission of STUDENT made at
    SUBMITTED_AT (UTC, naive; STAMP as its folder's name spells it).

    A plain submission is a real folder of STUDENT's holding, at any depth, only folders
    and regular files of theirs, none linked from elsewhere, none changed more than SETTLING
    after SUBMITTED_AT (the time the system records of each change, which no user can
    set), within nbgrader's size limit, with a ``timestamp.txt`` that says SUBMITTED_AT and,
    if any, a ``submission_secret.txt`` as nbgrader's submit writes it. Every entry is
    opened relative to its folder's open descriptor, without following links, so that
    nothing the student changes meanwhile can send the copy elsewhere. DEST's
    ``timestamp.txt`` is STAMP, written here.
    """
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        raise Refused("it is not a folder") from None
    try:
        info = os.fstat(top)
        if owner(info.st_uid) != student:
            raise Refused(f"it names {student} but was made by {owner(info.st_uid)}")
        if submitted_at.replace(tzinfo=timezone.utc) > datetime.now(timezone.utc) + SKEW:
            raise Refused(f"its timestamp ({submitted_at}) is in the future")
        stager = _Stager(info.st_uid, submitted_at, coursedir, log)
        stager.check(info, "")
        for name, check in (("timestamp.txt", _timestamp_check(submitted_at)),
                            ("submission_secret.txt", _secret_check)):
            try:
                small = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK,
                                dir_fd=top)
            except FileNotFoundError:
                if name == "timestamp.txt":
                    raise Refused("it has no timestamp.txt") from None
                continue
            try:
                if not stat.S_ISREG(os.fstat(small).st_mode):
                    raise Refused(f"its {name} is not a file")
                check(_read_small(small, 200))
            finally:
                os.close(small)
        stager.copy_folder(top, dest, "", 0)
        stager.check(os.fstat(top), "")
    except OSError as error:
        raise Refused(f"it could not be read as a whole ({error.strerror})") from None
    finally:
        os.close(top)
    with open(os.path.join(dest, "timestamp.txt"), "w") as handle:
        handle.write(stamp)


def _timestamp_check(submitted_at: datetime):
    def check(content: bytes) -> None:
        try:
            written = parse_utc(content.decode("utf-8").strip())
        except (UnicodeDecodeError, ValueError, OverflowError):
            raise Refused("its timestamp.txt is not a time") from None
        if written != submitted_at:
            raise Refused(f"its timestamp.txt ({written}) differs from its name's "
                          f"({submitted_at})")
    return check


def _secret_check(content: bytes) -> None:
    if not SECRET.fullmatch(content):
        raise Refused("its submission_secret.txt is not one nbgrader's submit writes")


class GuardedCollect(ExchangeCollect):
    """nbgrader's collect of plain submissions only (see ``stage``), each copied once,
    checked as it is copied, into a folder of the instructor's, from where nbgrader's own
    collect takes it."""

    _staging: tempfile.TemporaryDirectory | None = None
    _staged: dict[str, str]

    def _path_to_record(self, path):
        filename = os.path.basename(path)
        try:
            record = super()._path_to_record(path)
        except (ExchangeError, ValueError, OverflowError):
            return self._refused(filename, "its name is not <student>+<assignment>+"
                                           "<timestamp>+<random>")
        if self._staging is None:
            self._staging = tempfile.TemporaryDirectory(prefix="nbgrader-collect-")
            self._staged = {}
        dest = os.path.join(self._staging.name, str(len(self._staged)))
        stamp = filename.rsplit("+", 3)[2]
        try:
            stage(path, record["username"], record["timestamp"], stamp, dest,
                  self.coursedir, self.log)
        except Refused as refusal:
            shutil.rmtree(dest, ignore_errors=True)
            return self._refused(filename, str(refusal), record["timestamp"])
        self._staged[os.path.abspath(path)] = dest
        return record

    @staticmethod
    def _refused(filename: str, why: str, timestamp: datetime = datetime.min) -> dict:
        return {"username": _REFUSED + filename, "filename": filename,
                "timestamp": timestamp, "why": why}

    def do_copy(self, src, dest, log=None):
        """The checked copy of SRC (made by ``_path_to_record``) copied to DEST."""
        shutil.copytree(self._staged[os.path.abspath(src)], dest)

    def copy_files(self):
        refused = [record for record in self.src_records
                   if record["username"].startswith(_REFUSED)]
        for record in refused:
            self.log.warning("Not collected: %s: %s", record["filename"], record["why"])
        self.src_records = [record for record in self.src_records if record not in refused]
        try:
            super().copy_files()
        finally:
            if self._staging is not None:
                self._staging.cleanup()
