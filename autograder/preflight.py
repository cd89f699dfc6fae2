"""Checking and repairing one submission before it is graded.

``preflight(entry, release, notebook_name)`` picks the student's notebook among
their files, parses it, and rebuilds it in the release's order: every release
cell in turn, solution cells with the student's code, every other release cell
(text, visible checks, graded test cells) exactly as released, and the cells
the student added kept after the release cell they followed. The result is a
valid notebook on the release's kernel, without outputs, whose known cells carry
the release's metadata (nbgrader checksums included), so that nbgrader finds no
locked cell to restore and no duplicated grade id to stop a batch on.

Rules: the notebook is the file with the expected name (at any depth, the
shallowest first), else the only notebook, renamed. Student cells are matched
to release cells by nbgrader grade_id; the first cell with a grade id is that
cell, later copies (and cells with grade ids the release lacks) become ordinary
cells without nbgrader metadata. Added cells keep their type, text, attachments
and id; an id already taken becomes "added-N".

Each repair is recorded as a flag "kind: detail". A submission that cannot be
graded gets no notebook and a reason "kind: detail" naming what was expected and
what came. Reasons: the entry's own problem (from discovery), missing-notebook,
several-notebooks, empty-notebook, invalid-json, not-a-notebook,
wrong-assignment. Flags, in this order: renamed-notebook, wrong-kernel,
invalid-notebook, reordered-cells, duplicate-grade-id, unknown-grade-id,
changed-cell-type, edited-test-cell, deleted-test-cell, edited-locked-cell,
deleted-locked-cell, deleted-solution-cell, duplicate-cell-id, invalid-text.
Cells a student adds are ordinary and get no flag.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import nbformat

from autograder.submissions import Entry

CELL_TYPES = ("code", "markdown", "raw")
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
MAX_NAMES = 12  # names listed in one message before "and N more"

# Flag kinds in the order preflight reports them.
FLAG_ORDER = (
    "renamed-notebook", "wrong-kernel", "invalid-notebook", "reordered-cells",
    "duplicate-grade-id", "unknown-grade-id", "changed-cell-type",
    "edited-test-cell", "deleted-test-cell", "edited-locked-cell", "deleted-locked-cell",
    "deleted-solution-cell", "duplicate-cell-id", "invalid-text",
)


@dataclass
class Preflight:
    """What preflight made of a submission.

    notebook -- the repaired notebook to grade, or None when it cannot be graded
    flags    -- "kind: detail" for each repair made
    reason   -- "kind: detail" when the submission cannot be graded ("" otherwise)
    """

    notebook: nbformat.NotebookNode | None
    flags: list[str] = field(default_factory=list)
    reason: str = ""


class NotGradable(Exception):
    """Raised inside preflight with the reason a submission cannot be graded."""


def preflight(entry: Entry, release: nbformat.NotebookNode, notebook_name: str) -> Preflight:
    """Check ENTRY's files and rebuild its notebook on RELEASE (see the module docstring)."""
    if entry.problem:
        return Preflight(None, [], entry.problem)
    flags = _Flags()
    try:
        name, content = _pick_notebook(entry.files, notebook_name, flags)
        raw = _parse(name, content)
        notebook = _rebuild(raw, release, name, flags)
    except NotGradable as reason:
        return Preflight(None, [], str(reason))
    return Preflight(notebook, flags.render())


class _Flags:
    """Details collected per flag kind; rendered one flag per kind in FLAG_ORDER."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, kind: str, detail: str) -> None:
        if kind not in FLAG_ORDER:
            raise ValueError(f"unknown flag kind {kind!r}; expected one of {FLAG_ORDER}")
        self.details.setdefault(kind, []).append(detail)

    def render(self) -> list[str]:
        flags = []
        for kind in FLAG_ORDER:
            if kind in self.details:
                flags.append(f"{kind}: {_render_detail(kind, self.details[kind])}")
        return flags


def _render_detail(kind: str, items: list[str]) -> str:
    """One sentence per kind: cell names listed, then what was done."""
    verbs = {
        "edited-test-cell": ("was changed", "were changed", "restored from the release"),
        "edited-locked-cell": ("was changed", "were changed", "restored from the release"),
        "deleted-test-cell": ("was deleted", "were deleted", "restored from the release"),
        "deleted-locked-cell": ("was deleted", "were deleted", "restored from the release"),
        "deleted-solution-cell": ("was deleted", "were deleted",
                                  "the release's stub is put back"),
        "unknown-grade-id": ("is not a cell of the release", "are not cells of the release",
                             "kept as ordinary cells without nbgrader metadata"),
    }
    if kind in verbs:
        one, many, action = verbs[kind]
        return f"{_names(items)} {one if len(items) == 1 else many}; {action}"
    return "; ".join(items)


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES])
    if len(items) > MAX_NAMES:
        shown += f" and {len(items) - MAX_NAMES} more"
    return shown


def _pick_notebook(files: dict[str, bytes], expected: str, flags: _Flags) -> tuple[str, bytes]:
    """The notebook to grade among FILES: the expected name, else the only notebook."""
    notebooks = sorted(name for name in files if name.lower().endswith(".ipynb"))
    exact = [name for name in notebooks if PurePosixPath(name).name == expected]
    if exact:
        chosen = min(exact, key=lambda name: (name.count("/"), name))
        return chosen, files[chosen]
    if len(notebooks) == 1:
        flags.add("renamed-notebook", f"found {notebooks[0]}; expected {expected}")
        return notebooks[0], files[notebooks[0]]
    if notebooks:
        raise NotGradable(f"several-notebooks: expected {expected}; found {_names(notebooks)}")
    found = _names(sorted(files)) if files else "no files"
    raise NotGradable(f"missing-notebook: expected {expected}; found {found}")


def _parse(name: str, content: bytes) -> dict:
    """NAME's JSON as an nbformat-4 dict with a 'cells' list of well-formed cells."""
    expected = "expected a Jupyter notebook (nbformat 4 JSON)"
    if not content.strip():
        raise NotGradable(f"empty-notebook: {name} is empty ({len(content)} bytes); {expected}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = content[error.start]
        raise NotGradable(f"invalid-json: {name} is not UTF-8 text (byte 0x{byte:02x} at "
                          f"position {error.start}); {expected}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotGradable(f"invalid-json: {name} is not valid JSON ({error}); {expected}") from None
    except RecursionError:
        raise NotGradable(f"invalid-json: {name} nests JSON too deeply to read; "
                          f"{expected}") from None
    if not isinstance(raw, dict):
        raise NotGradable(f"not-a-notebook: {name} holds a JSON {type(raw).__name__}, not an "
                          f"object; {expected}")
    version = raw.get("nbformat")
    if "nbformat" not in raw:
        keys = ", ".join(repr(key) for key in list(raw)[:MAX_NAMES]) or "no keys"
        raise NotGradable(f"not-a-notebook: {name} is JSON without an 'nbformat' version "
                          f"(keys: {keys}); {expected}")
    if version in (1, 2, 3):
        raw = _upgrade(name, text, expected)
    elif version != 4:
        raise NotGradable(f"not-a-notebook: {name} has nbformat {version!r}; {expected}")
    cells = raw.get("cells")
    if not isinstance(cells, list):
        raise NotGradable(f"not-a-notebook: {name} has no 'cells' list; {expected}")
    for index, cell in enumerate(cells):
        problem = _cell_problem(cell)
        if problem:
            raise NotGradable(f"not-a-notebook: cell {index} of {name} {problem}; {expected}")
    return raw


def _upgrade(name: str, text: str, expected: str) -> dict:
    """An nbformat 1-3 notebook converted to nbformat 4, without invented cell ids."""
    try:
        node = nbformat.reads(text, as_version=4)
    except (nbformat.ValidationError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise NotGradable(f"not-a-notebook: {name} could not be converted from its old "
                          f"nbformat ({type(error).__name__}: {error}); {expected}") from None
    raw = json.loads(nbformat.writes(node))
    for cell in raw.get("cells", []):
        cell.pop("id", None)
    raw["nbformat_minor"] = 4  # nbformat 4.4: cells without ids
    return raw


def _cell_problem(cell: object) -> str:
    if not isinstance(cell, dict):
        return f"is a JSON {type(cell).__name__}, not an object"
    if cell.get("cell_type") not in CELL_TYPES:
        return f"has cell_type {cell.get('cell_type')!r}, not {', '.join(CELL_TYPES)}"
    source = cell.get("source", "")
    if not (isinstance(source, str)
            or isinstance(source, list) and all(isinstance(line, str) for line in source)):
        return f"has a source that is a JSON {type(source).__name__}, not text"
    return ""


def _validation_message(raw: dict) -> str:
    """nbformat's own verdict on RAW with outputs cleared, in one line ("valid" if none)."""
    minor = raw.get("nbformat_minor")
    if not isinstance(minor, int) or isinstance(minor, bool):
        return f"nbformat: nbformat_minor is {json.dumps(minor)}, not a whole number"
    cleared = dict(raw)  # shallow copies: validation may rename duplicate ids in place
    cleared["cells"] = [dict(cell) for cell in raw["cells"]]
    for cell in cleared["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns while it renames duplicate ids
            nbformat.validate(cleared)
    except (nbformat.ValidationError, ValueError, KeyError, TypeError) as error:
        message = str(getattr(error, "message", error)).splitlines()[0]
        location = "/".join(str(part) for part in getattr(error, "absolute_path", []))
        return f"nbformat: {message}" + (f" at {location}" if location else "")
    return "valid"


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _grade_id(cell: dict) -> str | None:
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _rebuild(raw: dict, release: nbformat.NotebookNode, name: str,
             flags: _Flags) -> nbformat.NotebookNode:
    release_ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in release.cells]
    known = {grade_id: index for index, grade_id in enumerate(release_ids) if grade_id}
    graded = [grade_id for grade_id, cell in zip(release_ids, release.cells)
              if grade_id and _role(cell) in ("solution", "test")]
    free = {cell.get("id"): index for index, cell in enumerate(release.cells)
            if not release_ids[index] and cell.get("id")}

    cells = raw["cells"]
    matched: dict[int, dict] = {}  # release index -> student cell
    anchors: dict[int, list[dict]] = {}  # release index (-1: top) -> student cells added after it
    order: list[tuple[int, str]] = []
    anchor = -1
    counts: dict[str, int] = {}
    unknown: list[str] = []
    for cell in cells:
        grade_id = _grade_id(cell)
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        index = known.get(grade_id) if grade_id else free.get(cell_id)
        if grade_id:
            counts[grade_id] = counts.get(grade_id, 0) + 1
        if index is not None and index not in matched:
            matched[index] = cell
            order.append((index, grade_id or str(cell_id)))
            anchor = index
            continue
        if grade_id and index is None:
            unknown.append(grade_id)
        anchors.setdefault(anchor, []).append(cell)

    found_graded = [grade_id for grade_id in graded if known[grade_id] in matched]
    if graded and not found_graded:
        solutions = [g for g in graded if _role(release.cells[known[g]]) == "solution"]
        tests = [g for g in graded if g not in solutions]
        found_ids = sorted({g for g in (_grade_id(cell) for cell in cells) if g})
        found = (f"cells {_names(found_ids)}" if found_ids
                 else f"no nbgrader cells ({len(cells)} cells)")
        raise NotGradable(f"wrong-assignment: expected cells {', '.join(solutions + tests)}; "
                          f"found {found} in {name}")

    _check_kernel(raw, release, flags)
    message = _validation_message(raw)
    if message != "valid":
        flags.add("invalid-notebook", f"{message}; rebuilt from the release's cells")
    for (first, first_id), (second, second_id) in zip(order, order[1:]):
        if second < first:
            flags.add("reordered-cells", f"{second_id} came after {first_id} in the submission; "
                                         f"the release order is restored")
            break
    for grade_id, count in counts.items():
        if count > 1 and grade_id in known:
            flags.add("duplicate-grade-id", f"{grade_id} appears {count} times; the later "
                                            f"copies are kept as ordinary cells")
    for grade_id in dict.fromkeys(unknown):
        flags.add("unknown-grade-id", grade_id)

    built: list[tuple[dict, bool]] = []  # (cell, whether it is a release cell)
    for student_cell in anchors.get(-1, []):
        built.append((_added_cell(student_cell, flags), False))
    for index, release_cell in enumerate(release.cells):
        built.append((_release_cell(release_cell, matched.get(index), release_ids[index], flags),
                      True))
        for student_cell in anchors.get(index, []):
            built.append((_added_cell(student_cell, flags), False))
    _fresh_ids(built, flags)

    notebook = nbformat.v4.new_notebook()
    notebook.nbformat, notebook.nbformat_minor = release.nbformat, release.nbformat_minor
    notebook.metadata = nbformat.from_dict({key: copy.deepcopy(release.metadata[key])
                                            for key in ("kernelspec", "language_info")
                                            if key in release.metadata})
    notebook.cells = [nbformat.from_dict(cell) for cell, _ in built]
    nbformat.validate(notebook)
    return notebook


def _role(cell: nbformat.NotebookNode) -> str:
    """solution (the student writes it), test (graded, locked), locked, or free."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "solution"
    if meta.get("grade"):
        return "test" if meta.get("locked", True) else "solution"
    if meta.get("locked"):
        return "locked"
    return "free"


def _release_cell(release_cell: nbformat.NotebookNode, student: dict | None,
                  grade_id: str | None, flags: _Flags) -> dict:
    """RELEASE_CELL as the grader gets it, with the student's text where it is theirs."""
    cell = _clean(copy.deepcopy(dict(release_cell)))
    role = _role(release_cell)
    label = grade_id or str(release_cell.get("id"))
    if student is None:
        if role in ("test", "locked"):
            flags.add(f"deleted-{role}-cell", label)
        elif role == "solution":
            flags.add("deleted-solution-cell", label)
        return cell
    if student["cell_type"] != release_cell.cell_type:
        flags.add("changed-cell-type", f"{label} was turned from {release_cell.cell_type} into "
                                       f"{student['cell_type']}; the release's type is restored")
    if role in ("solution", "free"):
        cell["source"] = _text(_source(student), label, flags)
    elif _source(student).replace("\r\n", "\n") != release_cell.source.replace("\r\n", "\n") \
            and student["cell_type"] == release_cell.cell_type:
        flags.add(f"edited-{role}-cell", label)
    return cell


def _added_cell(student: dict, flags: _Flags) -> dict:
    """A cell the student added, as an ordinary cell: their type, text and id, no metadata."""
    cell_type = student["cell_type"]
    cell_id = student.get("id")
    label = cell_id if isinstance(cell_id, str) else "an added cell"
    cell: dict = {"cell_type": cell_type, "metadata": {},
                  "source": _text(_source(student), label, flags)}
    if isinstance(cell_id, str) and CELL_ID.match(cell_id):
        cell["id"] = cell_id
    if cell_type == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    elif _valid_attachments(cell, student.get("attachments")):
        cell["attachments"] = student["attachments"]
    return cell


def _valid_attachments(cell: dict, attachments: object) -> bool:
    """Whether ATTACHMENTS may go on CELL (invalid ones were flagged invalid-notebook)."""
    if not isinstance(attachments, dict):
        return False
    try:
        nbformat.validate(dict(cell, attachments=attachments, id="cell"),
                          ref=f"{cell['cell_type']}_cell", version=4, version_minor=5)
    except nbformat.ValidationError:
        return False
    return True


def _fresh_ids(cells: list[tuple[dict, bool]], flags: _Flags) -> None:
    """Release cells keep their ids; an added cell without a usable id, or with one
    already taken, gets a fresh one ("added-1", "added-2", ...)."""
    reserved = {cell["id"] for cell, is_release in cells if is_release and cell.get("id")}
    taken = set(reserved)
    avoid = reserved | _student_ids(cells)
    counter = 0
    repeated: list[str] = []
    for cell, is_release in cells:
        cell_id = cell.get("id")
        if is_release or (cell_id and cell_id not in taken):
            taken.add(cell_id)
            continue
        counter += 1
        while f"added-{counter}" in taken or f"added-{counter}" in avoid:
            counter += 1
        fresh = f"added-{counter}"
        if cell_id:
            repeated.append(f"{cell_id} -> {fresh}")
        cell["id"] = fresh
        taken.add(fresh)
    if repeated:
        flags.add("duplicate-cell-id", f"{_names(repeated)}; the later cells got fresh ids")


def _student_ids(cells: list[tuple[dict, bool]]) -> set[str]:
    return {cell["id"] for cell, is_release in cells if not is_release and cell.get("id")}


def _clean(cell: dict) -> dict:
    """CELL without outputs or execution counts."""
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    return cell


def _check_kernel(raw: dict, release: nbformat.NotebookNode, flags: _Flags) -> None:
    expected = release.metadata.get("kernelspec", {}).get("name")
    metadata = raw.get("metadata")
    kernelspec = metadata.get("kernelspec") if isinstance(metadata, dict) else None
    found = kernelspec.get("name") if isinstance(kernelspec, dict) else None
    if expected and found != expected:
        shown = json.dumps(found) if isinstance(found, str) else "no kernelspec"
        flags.add("wrong-kernel", f"found {shown}; expected {json.dumps(expected)}")


def _text(source: str, label: str, flags: _Flags) -> str:
    """SOURCE, with characters that cannot be written as UTF-8 (lone surrogates) replaced."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        flags.add("invalid-text", f"{label} held characters that are not valid Unicode; "
                                  f"replaced by U+FFFD")
        return "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in source)
    return source
