"""A course folder as data: what the cross-check and the gradebook of a batch start from.

``CourseBundle.build`` copies a course's nbgrader_config.py and source/, generates the
assignment with nbgrader (in this process: ``generate_assignment``), and keeps the files a
worker needs, the gradebook that knows the assignment among them; ``materialize`` writes
them into a folder again, on any machine.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from autograder.course import Course, NbgraderError, copy_course, notebook_name

# Files of a course folder that a bundle keeps, besides the submission.
BUNDLE_FOLDERS = ("source",)
BUNDLE_FILES = ("nbgrader_config.py", "autograder/gradebook.db")

@dataclass(frozen=True)
class CourseBundle:
    """The course files a worker grades with: nbgrader_config.py, source/, a gradebook
    that knows the assignment. relative path -> content."""

    assignment: str
    files: dict[str, bytes]

    @classmethod
    def build(cls, course: Course, assignment: str) -> CourseBundle:
        """Bundle COURSE for ASSIGNMENT, with a fresh gradebook made by generate_assignment."""
        notebook_name(assignment)  # a clear error for an unknown assignment
        with tempfile.TemporaryDirectory() as tmp:
            copy = copy_course(Path(tmp) / "course", course.root)
            generate_assignment(copy, assignment)
            files = {name: (copy.root / name).read_bytes() for name in BUNDLE_FILES}
            for folder in BUNDLE_FOLDERS:
                for path in sorted((copy.root / folder / assignment).rglob("*")):
                    if path.is_file():
                        files[str(path.relative_to(copy.root))] = path.read_bytes()
        return cls(assignment, files)

    def materialize(self, root: Path) -> Course:
        for name, content in self.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return Course(root)


def generate_assignment(course: Course, assignment: str) -> None:
    """nbgrader generate_assignment of ASSIGNMENT in COURSE, run in this process.

    This is what ``nbgrader generate_assignment ASSIGNMENT --force --create`` does in
    COURSE, with the course's nbgrader_config.py, without its two program starts (nbgrader,
    then alembic, which nbgrader asks for the gradebook's schema revision when it creates a
    gradebook): together they took most of the five seconds a batch spent on its bundle.
    The gradebook is created here as nbgrader creates it, the revision read in this process.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    gradebook = course.gradebook_path
    if not gradebook.exists():
        gradebook.parent.mkdir(parents=True, exist_ok=True)
        new_gradebook(gradebook)
    config = course.nbgrader_config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.db_url = course.gradebook_url
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        outcome = api.generate_assignment(assignment, force=True, create=True)
    if not outcome["success"]:
        tail = "\n".join((outcome.get("log", "") + outcome.get("error", "")).splitlines()[-30:])
        raise NbgraderError(f"nbgrader generate_assignment {assignment} failed in "
                            f"{course.root}:\n{tail}")


def new_gradebook(path: Path) -> None:
    """An empty gradebook at PATH, as ``nbgrader.api.Gradebook`` creates one: its tables,
    and the alembic revision of nbgrader's schema, which nbgrader reads by starting the
    ``alembic`` program and this function reads from nbgrader's migration scripts."""
    import nbgrader
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    [revision] = ScriptDirectory.from_config(config).get_heads()
    engine = create_engine(f"sqlite:///{path}", future=True)
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version "
                                    "(version_num VARCHAR(32) NOT NULL);"))
            connection.execute(text("INSERT INTO alembic_version (version_num) "
                                    "VALUES (:revision);"), {"revision": revision})
    finally:
        engine.dispose()
