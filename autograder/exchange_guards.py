"""nbgrader's release, submit and collect, with students kept apart in the exchange.

The exchange's ``inbound`` folder takes every submission: a folder named
``<student>+<assignment>+<timestamp>+<random>``, made by whoever submitted it. nbgrader makes
``inbound`` writable and searchable by everyone, though not listable, and leaves each
submission readable by everyone and its folder writable by everyone (mode 777): anyone who
learns a folder's name may read and change what is in it. Three replacements, which the
course's ``nbgrader_config.py`` (and the learner's lab, for submit) sets:

- ``GuardedRelease`` releases as nbgrader does, then sets two bits on ``inbound``: sticky
  (a user may rename or remove only their own submission's folder) and set-group-id (each
  submission's folder belongs to ``inbound``'s group, the instructor's).
- ``SealedSubmit`` submits as nbgrader does, then leaves the submission writable by its
  owner only and readable by its owner and ``inbound``'s group only (folders 750, files
  640), where that group is not one of the student's own (else as readable as nbgrader
  leaves it, with a warning: folders 755, files 644). The instructor's collect reads it
  through that group.
- ``OwnerCheckedCollect`` leaves out every folder whose owner is not the student it names,
  and says so. nbgrader's own collect (``CollectApp.check_owner``) only warns, then collects
  such a folder as the named student's latest submission. Each student's own submissions are
  collected as before (the latest, or the latest before the due date with
  ``--before-duedate``).

Where ``inbound``'s group holds students too (a course whose users share one primary group),
a submission is as readable as nbgrader leaves it, to those who learn its folder's name: only
its owner and the instructor can (``inbound`` cannot be listed, and the name ends in a random
string). On a shared server, give ``inbound`` a group of the instructors only (README.md,
"nbgrader's exchange").
"""

from __future__ import annotations

import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit

# A submission once submitted: private to its owner and inbound's group (the instructor's).
SEALED_DIR, SEALED_FILE = 0o750, 0o640
# The same where that group is one of the student's own: as readable as nbgrader leaves it.
OPEN_DIR, OPEN_FILE = 0o755, 0o644

# What nbgrader's submit writes into the submission after copying it.
WRITTEN_AFTER_THE_COPY = ("timestamp.txt", "submission_secret.txt")

# The username given to a refused record, so that it never joins the named student's.
_REFUSED = "\0refused:"


def owner(path: str) -> str:
    """The name of the user who owns PATH (its uid where no user has it)."""
    uid = os.stat(path).st_uid
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

    def do_copy(self, src, dest, log=None):
        """nbgrader's copy; into ``inbound``, every file of the submission belongs to
        ``inbound``'s group, the two that submit writes afterwards included.

        nbgrader's copy ends by giving the submission's folder the mode of the student's
        (which drops its set-group-id bit), and a file made in it afterwards would belong
        to the student's group. So the copy goes to a hidden folder first; the submission's
        folder is made anew (taking the group and the bit from ``inbound``) and receives
        the copy's entries, and the two files submit writes next are made there first.
        """
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(self.inbound_path):
            return super().do_copy(src, dest, log)
        staging = os.path.join(self.inbound_path, f".{os.path.basename(dest)}.partial")
        super().do_copy(src, staging, log)
        os.mkdir(dest)
        for name in os.listdir(staging):
            os.rename(os.path.join(staging, name), os.path.join(dest, name))
        os.rmdir(staging)
        for name in WRITTEN_AFTER_THE_COPY:
            with open(os.path.join(dest, name), "a"):
                pass

    def copy_files(self):
        super().copy_files()
        folder = os.path.join(self.inbound_path, self.assignment_filename)
        group = os.stat(folder).st_gid
        if group in os.getgroups() or group == os.getgid():
            self.log.warning("The exchange's inbound belongs to a group of yours (%s): your "
                             "submission stays readable by those who learn its name",
                             group)
            self.set_perms(folder, fileperms=OPEN_FILE, dirperms=OPEN_DIR)
        else:
            self.set_perms(folder, fileperms=SEALED_FILE, dirperms=SEALED_DIR)


class OwnerCheckedCollect(ExchangeCollect):
    """nbgrader's collect, refusing submissions whose folder the named student does not
    own."""

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        made_by = owner(path)
        if made_by != record["username"]:
            record = {**record, "username": _REFUSED + record["filename"],
                      "claimed": record["username"], "owner": made_by}
        return record

    def copy_files(self):
        refused = [record for record in self.src_records
                   if record["username"].startswith(_REFUSED)]
        for record in refused:
            self.log.warning("Not collected: %s names %s but was made by %s",
                             record["filename"], record["claimed"], record["owner"])
        self.src_records = [record for record in self.src_records if record not in refused]
        super().copy_files()
