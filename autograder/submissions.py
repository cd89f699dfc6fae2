"""Finding each student's files in a batch of submissions: a folder or an LMS zip.

``discover(path, assignment)`` returns one ``Entry`` per student, sorted by
student id. An entry holds the student's files (relative name -> bytes), read
in memory, or a ``problem`` ("kind: detail") saying why they cannot be graded.

Layouts of PATH (they may be mixed in one folder or zip):

- ``<student_id>.ipynb``: one notebook per student. The file is handed on under
  the assignment's notebook name (``Convolution_model_Step_by_Step.ipynb``).
  Any other file ``<student_id>.<ext>`` is that student's too, under its own
  name.
- ``<student_id>/...``: one folder per student, with their files at any depth.
  If the folder holds an ``<assignment>/`` folder (nbgrader's ``submitted/``
  layout, ``<student_id>/<assignment>/<notebook>.ipynb``), only the files in
  it count, named relative to it.
- A zip file holding any of the above at its top level, or an LMS download:

  * Canvas, flat files ``<name>[_LATE]_<user_id>_<submission_id>_<file name>``
    (``lastnamefirstname_12345_67890_Convolution_model_Step_by_Step.ipynb``):
    the student id is the user id (``12345``) and the file keeps the name the
    student uploaded. Canvas appends ``-1``, ``-2``... to resubmitted files;
    that suffix is dropped when what remains is the assignment's notebook name.
  * Moodle, folders ``<Full Name>_<user_id>_assignsubmission_<plugin>_/``
    (``Full Name_12345_assignsubmission_file_/``), or flat files
    ``<Full Name>_<user_id>_assignsubmission_<plugin>_<file name>``: the student
    id is the user id (``12345``).

  Every file or folder with the same LMS user id belongs to one entry. Outside
  these patterns the student id is the top-level file name without its
  extension, or the top-level folder name; two such items with the same id
  give one entry with a ``duplicate-student-id`` problem.

Student ids are made safe folder names: every run of characters other than
letters, digits, ``_``, ``.``, ``@``, ``+`` and ``-`` becomes ``_``
(``"Ada Lovelace"`` -> ``"Ada_Lovelace"``); ids that still collide are
duplicates.

Ignored everywhere: hidden files and folders (names starting with ``.``),
``.ipynb_checkpoints``, ``__MACOSX``, ``__pycache__``, symbolic links, and zip
members that are folders. Zips nested in a zip are files like any other (never
opened).

Zip safety: nothing is extracted to disk; members are read in memory. A member
with an absolute path (``/x``, ``C:x``) or a ``..`` component is never read: the
student it names gets an ``unsafe-path`` problem, and when it names no student
the whole zip is refused (``SubmissionsError``). Backslashes count as path
separators. ``InputLimits`` caps what is read: a file over ``file_bytes`` is not read
(problem ``oversized``); a student over ``student_files`` files or
``student_bytes`` bytes gets nothing read (problems ``too-many-files``,
``too-large``); a zip over ``zip_members`` members or whose files to read
exceed ``total_bytes`` in all is refused as a whole (``SubmissionsError``).
Sizes come from the zip's declarations and reading never goes past them.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import notebook_name

MB = 1_000_000

IGNORED_NAMES = frozenset({".ipynb_checkpoints", "__MACOSX", "__pycache__"})

CANVAS = re.compile(r"^(?P<name>[^_/]+)_(?:LATE_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_(?P<plugin>[A-Za-z]+)_"
                    r"(?P<file>.*)$")
UNSAFE_ID_CHARS = re.compile(r"[^\w.@+-]+")


class SubmissionsError(ValueError):
    """The batch as a whole cannot be read (no such path, a broken or oversized zip)."""


@dataclass
class Entry:
    """One student's submission.

    student_id -- a safe folder name
    files      -- relative name ("Convolution_model_Step_by_Step.ipynb", "data/x.npy")
                  -> content
    problem    -- "kind: detail" when the files cannot be graded, "" otherwise
    """

    student_id: str
    files: dict[str, bytes]
    problem: str = ""


@dataclass(frozen=True)
class InputLimits:
    """Caps on what discover reads (bytes are counted in units of 10**6 for MB)."""

    file_bytes: int = 20 * MB
    student_files: int = 1000
    student_bytes: int = 100 * MB
    zip_members: int = 100_000
    total_bytes: int = 2000 * MB


@dataclass
class _Member:
    """A file of the batch: its path parts below PATH, declared size, and a reader."""

    parts: tuple[str, ...]
    size: int
    read: Callable[[int], bytes]  # read(at_most) -> content
    name: str  # the path as the batch spells it, for messages
    unsafe: str = ""  # why the path is refused ("" when it is safe)
    orphan: bool = False  # unsafe and naming no student
    encrypted: bool = False
    is_dir: bool = False  # a zip's folder entry: it only says that the folder exists


@dataclass
class _Item:
    """A top-level file or folder of the batch, attributed to one student."""

    student_id: str
    label: str  # the top-level name, "alice/" for a folder
    lms: bool
    files: list[tuple[str, _Member]] = field(default_factory=list)


def discover(path: Path, assignment: str, limits: InputLimits = InputLimits()) -> list[Entry]:
    """One entry per student found in PATH (a folder or a zip), sorted by student id.

    Raises SubmissionsError when PATH is neither a folder nor a readable zip, or
    when a zip breaks the whole-zip limits or holds unsafe paths outside any
    student's folder.
    """
    path = Path(path)
    expected = notebook_name(assignment)
    if path.is_dir():
        folders = {entry.name for entry in path.iterdir()
                   if entry.is_dir() and not entry.is_symlink() and not _ignored((entry.name,))}
        return _build(path.name, _folder_members(path), folders, assignment, expected, limits)
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if len(infos) > limits.zip_members:
                    raise SubmissionsError(
                        f"zip-too-many-members: {path.name} holds {len(infos)} members; the "
                        f"limit is {limits.zip_members}")
                members = [_zip_member(archive, info) for info in infos]
                members = [member for member in members if member is not None]
                folders = {m.parts[0] for m in members if m.is_dir or len(m.parts) > 1}
                members = [member for member in members if not member.is_dir]
                return _build(path.name, members, folders, assignment, expected, limits)
        except zipfile.BadZipFile as error:
            raise SubmissionsError(f"{path.name} is not a readable zip file ({error}); "
                                   f"expected an LMS zip download") from None
    if path.exists():
        raise SubmissionsError(f"{path} is neither a folder nor a zip file; expected a folder "
                               f"of submissions or an LMS zip download")
    raise SubmissionsError(f"{path} does not exist; expected a folder of submissions or an LMS "
                           f"zip download")


def _build(label: str, members: list[_Member], folders: set[str], assignment: str,
           expected: str, limits: InputLimits) -> list[Entry]:
    """Entries from MEMBERS; FOLDERS are the top-level folders, empty ones included."""
    orphans = [member for member in members if member.orphan]
    if orphans:
        names = ", ".join(repr(member.name) for member in orphans[:5])
        raise SubmissionsError(
            f"unsafe-path: {label} holds members outside any student folder: {names}; "
            f"expected relative paths without '..'")
    items = _items(members, assignment, expected)
    seen = {item.label for item in items}
    items += [_folder_item(folder, [], assignment) for folder in sorted(folders)
              if folder + "/" not in seen]
    readable = sum(member.size for item in items for _, member in item.files
                   if not member.unsafe and member.size <= limits.file_bytes)
    if readable > limits.total_bytes:
        raise SubmissionsError(
            f"too-large: {label} would expand to {_size(readable)} of files to read; the "
            f"limit is {_limit(limits.total_bytes)}")
    by_id: dict[str, list[_Item]] = {}
    for item in items:
        by_id.setdefault(item.student_id, []).append(item)
    return [_entry(student_id, group, limits) for student_id, group in sorted(by_id.items())]


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Member | None:
    name = info.filename.replace("\\", "/")
    raw_parts = name.split("/")
    absolute = name.startswith("/") or bool(re.match(r"^[A-Za-z]:", name))
    unsafe = "an absolute path" if absolute else "a '..' component" if ".." in raw_parts else ""
    parts = tuple(part for part in raw_parts if part not in ("", "."))
    if not parts or (not unsafe and _ignored(parts)):
        return None
    orphan = bool(unsafe) and (absolute or raw_parts[0] in ("..", ".", "") or len(parts) < 2)

    def read(at_most: int) -> bytes:
        with archive.open(info) as member:
            return member.read(at_most)

    return _Member(parts, info.file_size, read, name, unsafe, orphan,
                   encrypted=bool(info.flag_bits & 0x1), is_dir=info.is_dir())


def _folder_members(root: Path) -> list[_Member]:
    members = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _ignored((d,))
                         and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            full = Path(folder) / name
            if _ignored((name,)):
                continue
            info = full.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue  # symbolic links and special files are never followed

            def read(at_most: int, full: Path = full) -> bytes:
                with open(full, "rb") as handle:
                    return handle.read(at_most)

            relative = full.relative_to(root)
            members.append(_Member(relative.parts, info.st_size, read, relative.as_posix()))
    return members


def _ignored(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") or part in IGNORED_NAMES for part in parts)


def _items(members: list[_Member], assignment: str, expected: str) -> list[_Item]:
    """Group members by top-level file or folder and attribute each group to a student."""
    groups: dict[tuple[str, bool], list[_Member]] = {}
    for member in members:
        is_folder = len(member.parts) > 1
        groups.setdefault((member.parts[0], is_folder), []).append(member)
    items = []
    for (top, is_folder), group in sorted(groups.items()):
        if is_folder:
            items.append(_folder_item(top, group, assignment))
        else:
            items.append(_file_item(top, group, expected))
    return items


def _folder_item(top: str, group: list[_Member], assignment: str) -> _Item:
    moodle = MOODLE.match(top)
    item = _Item(safe_student_id(moodle["user"] if moodle else top), top + "/", bool(moodle))
    inner = [m for m in group if len(m.parts) > 2 and m.parts[1] == assignment]
    if inner:
        item.files = [("/".join(m.parts[2:]), m) for m in inner]
    else:
        item.files = [("/".join(m.parts[1:]), m) for m in group]
    return item


def _file_item(top: str, group: list[_Member], expected: str) -> _Item:
    moodle = MOODLE.match(top)
    canvas = CANVAS.match(top)
    if moodle and moodle["file"]:
        item = _Item(safe_student_id(moodle["user"]), top, True)
        name = moodle["file"]
    elif canvas:
        item = _Item(safe_student_id(canvas["user"]), top, True)
        name = canvas["file"]
        resubmitted = re.sub(r"-\d+(\.[^.]+)$", r"\1", name)
        if resubmitted == expected:
            name = resubmitted
    else:
        stem, dot, extension = top.rpartition(".")
        if not dot or not stem:
            stem, extension = top, ""
        item = _Item(safe_student_id(stem), top, False)
        name = expected if extension.lower() == "ipynb" else top
    item.files = [(name, m) for m in group]
    return item


def safe_student_id(raw: str) -> str:
    """RAW as a safe folder name: each run of characters other than letters, digits and
    ``_ . @ + -`` becomes "_"; a leading "." becomes "_"."""
    cleaned = UNSAFE_ID_CHARS.sub("_", unicodedata.normalize("NFC", raw).strip())
    if cleaned.startswith("."):  # never ".", ".." or a hidden folder
        cleaned = "_" + cleaned[1:]
    return cleaned or "_"


def _entry(student_id: str, items: list[_Item], limits: InputLimits) -> Entry:
    labels = ", ".join(repr(item.label) for item in items)
    if len(items) > 1 and not all(item.lms for item in items):
        return Entry(student_id, {}, f"duplicate-student-id: {len(items)} submissions map to "
                                     f"student id {student_id!r}: {labels}")
    named: dict[str, _Member] = {}
    problems = []
    for item in items:
        for name, member in item.files:
            if name in named:
                problems.append(f"duplicate-file: {name} comes more than once in {labels}")
            named[name] = member
    unsafe = [name for name, m in named.items() if m.unsafe]
    for name in unsafe:
        problems.append(f"unsafe-path: {name} has {named[name].unsafe}; it is not read")
    oversized = [name for name, m in named.items() if m.size > limits.file_bytes]
    for name in oversized:
        problems.append(_oversized(name, named[name].size, limits))
    readable = {name: member for name, member in named.items()
                if name not in unsafe and name not in oversized}
    if len(named) > limits.student_files:
        problems.append(f"too-many-files: {len(named)} files; the limit is {limits.student_files}")
        readable = {}
    total = sum(m.size for m in readable.values())
    if total > limits.student_bytes:
        problems.append(f"too-large: the files hold {_size(total)}; the limit is "
                        f"{_limit(limits.student_bytes)}")
        readable = {}
    files = {}
    for name, member in sorted(readable.items()):
        if member.encrypted:
            problems.append(f"encrypted: {name} is password-protected; it is not read")
            continue
        try:
            content = member.read(limits.file_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as error:
            problems.append(f"unreadable: {name} could not be read ({error})")
            continue
        if len(content) > limits.file_bytes:
            problems.append(_oversized(name, max(len(content), member.size), limits))
            continue
        files[name] = content
    return Entry(student_id, files, "; ".join(problems))


def _oversized(name: str, size: int, limits: InputLimits) -> str:
    return f"oversized: {name} is {_size(size)}; the limit is {_limit(limits.file_bytes)}"


def _size(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _limit(size: int) -> str:
    """A limit in MB, without decimals when it is whole: 20 MB, 0.5 MB."""
    return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:g} MB"
