"""Grading in this process, as a notebook's autograded cells do: what the in-process tests of
the assignments share."""

from __future__ import annotations

from types import ModuleType

from autograder.engine.harness import forget_scores, mistakes_of


def grade_all(module: ModuleType, namespace: dict, capsys) -> dict:
    """name -> (score, report, mistakes) of every function of MODULE.POINTS, in notebook order,
    graded from NAMESPACE (name -> the function) in one grading; nothing may reach stderr."""
    forget_scores()
    graded = {}
    for name in module.POINTS:
        score = getattr(module, f"grade_{name}")(namespace[name])
        out, err = capsys.readouterr()
        assert err == "", f"{name} wrote to stderr: {err}"
        graded[name] = (score, out, mistakes_of(name))
    return graded


def check_catalogue_in_the_sandbox(assignment: str, bugs: list, points: dict, graded,
                                   tmp_path) -> None:
    """Grade the solution, the blank release and every one of BUGS of ASSIGNMENT with the
    instructor's command (the sandbox, two workers) and check the scores: nbgrader's
    (GRADED, a conftest GradedBatch) function by function for the students both graded, full
    and zero marks, each bug losing points on exactly the functions it breaks, with its hint in
    their reports, and counted under its mistake id in the class report."""
    import csv

    import nbformat

    from autograder.batch import grade_batch
    from autograder.class_report import MISTAKES_CSV
    from autograder.course import Course
    from autograder.samples import sample_submissions

    samples = sample_submissions(Course(), assignment, bugs)
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student, notebook in samples.items():
        nbformat.write(notebook, folder / f"{student}.ipynb")

    results = {r.student_id: r for r in grade_batch(assignment, folder, tmp_path / "out",
                                                    workers=2, progress=False)}

    assert set(results) == set(samples)
    for student in samples:
        assert results[student].status == "graded", results[student].flags
    for student, row in graded.scores.items():
        scores = {test.name: test.score for test in results[student].tests}
        assert scores == row.scores, student
    assert results["solution"].score == 100 and results["blank"].score == 0
    for bug in bugs:
        lost = {test.name for test in results[bug.name].tests if test.score < points[test.name]}
        assert lost == set(bug.breaks), (bug.name, results[bug.name].tests)
        if bug.hint:
            reports = " ".join(" ".join(test.output.split()) for test in results[bug.name].tests
                               if test.name in bug.breaks)
            assert " ".join(bug.hint.split()) in reports, (bug.name, reports)
    with (tmp_path / "out" / MISTAKES_CSV).open() as handle:
        rows = list(csv.DictReader(handle))
    for bug in bugs:
        (function,) = bug.breaks
        found = [row for row in rows
                 if row["mistake_id"] == bug.mistake and row["function"] == function]
        assert found and bug.name in found[0]["student_ids"].split(), (bug.name, rows)


def release_namespace(assignment: str, written=()) -> dict:
    """name -> function of ASSIGNMENT's fresh release (each graded function raising
    NotImplementedError), with the solution's own for the names WRITTEN, all run in one
    namespace as a notebook's cells are."""
    from autograder.course import Course, get_assignment, read_notebook
    from autograder.samples import solution_sources

    course = Course()
    solution = solution_sources(read_notebook(course.source_notebook(assignment)))
    release = solution_sources(read_notebook(course.release_notebook(assignment)))
    cells: dict = {}
    exec(get_assignment(assignment).preamble, cells)
    for grade_id, code in release.items():
        exec(solution[grade_id] if grade_id in written else code, cells)
    return {name: cells[name] for name in release}
