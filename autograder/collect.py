"""nbgrader's collect, without the submissions made in another student's name.

A submission in the exchange's ``inbound`` is a folder named ``<student>+<assignment>+
<timestamp>+<random>``, made by whoever submitted it. Anyone may write there, so a student
can make a folder in a classmate's name, and nbgrader's own collect (``CollectApp.
check_owner``) only warns that the owner differs before it collects it, as the classmate's
latest submission. ``OwnerCheckedCollect``, which ``nbgrader_config.py`` sets as the
exchange's collect, leaves out every folder whose owner is not the student it names, and
says so; the student's own submissions are collected as before (the latest, or the latest
before the due date with ``--before-duedate``).
"""

from __future__ import annotations

import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect

# The username given to a refused record, so that it never joins the named student's.
_REFUSED = "\0refused:"


def owner(path: str) -> str:
    """The name of the user who owns PATH (its uid where no user has it)."""
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


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
