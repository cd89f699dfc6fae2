"""nbgrader's release, submit and collect, with students kept apart in the exchange.

The exchange's ``inbound`` folder takes every submission: a folder named
``<student>+<assignment>+<timestamp>+<random>``, made by whoever submitted it. nbgrader makes
``inbound`` writable and searchable by everyone, though not listable, and leaves each
submission's folder writable by everyone (mode 777), so that anyone who learns its name may
change what is in it. Three replacements, which the course's ``nbgrader_config.py`` sets:

- ``StickyRelease`` releases as nbgrader does, then sets ``inbound``'s sticky bit: a user
  may rename or remove only their own submission's folder.
- ``SealedSubmit`` submits as nbgrader does, then leaves the submission's folder writable by
  its owner only (mode 755): no one else can add, replace or remove a file in it. The
  instructor's collect still reads it.
- ``OwnerCheckedCollect`` leaves out every folder whose owner is not the student it names,
  and says so. nbgrader's own collect (``CollectApp.check_owner``) only warns, then collects
  such a folder as the named student's latest submission. Each student's own submissions are
  collected as before (the latest, or the latest before the due date with
  ``--before-duedate``).

A submission stays readable by everyone who knows its folder's name, as in nbgrader: the
instructor's collect runs as another user and must read it, and only its owner and the
instructor can learn the name (``inbound`` cannot be listed, and the name ends in a random
string).
"""

from __future__ import annotations

import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.submit import ExchangeSubmit

# A submission's folder once submitted: rwx for its owner, r-x for everyone else.
SEALED = 0o755

# The username given to a refused record, so that it never joins the named student's.
_REFUSED = "\0refused:"


def owner(path: str) -> str:
    """The name of the user who owns PATH (its uid where no user has it)."""
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class StickyRelease(ExchangeReleaseAssignment):
    """nbgrader's release, with the sticky bit on the course's ``inbound``."""

    def init_dest(self):
        super().init_dest()
        mode = os.stat(self.inbound_path).st_mode
        if not mode & stat.S_ISVTX:
            os.chmod(self.inbound_path, stat.S_IMODE(mode) | stat.S_ISVTX)


class SealedSubmit(ExchangeSubmit):
    """nbgrader's submit, leaving the submission's folder writable by its owner only."""

    def copy_files(self):
        super().copy_files()
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), SEALED)


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
