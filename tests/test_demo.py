"""`make grade`'s job: every assignment's sample submissions graded with the instructor's
command into tables, CSVs and feedback, the same every time; the Keras assignment's, whose
models the probes bring back from the sandbox as data, get nbgrader's scores function by
function."""

import csv

from autograder import demo
from autograder.course import ASSIGNMENTS


def test_demo_grades_every_assignments_samples_and_repeats_identically(course, capsys,
                                                                     graded_keras):
    paths = demo.run(course)
    first_output = capsys.readouterr().out
    first = {assignment: path.read_text() for assignment, path in paths.items()}
    assert list(paths) == list(ASSIGNMENTS)

    # Again for the two quickest assignments: the same output, the same grades.
    again = ["dnn_step_by_step", "conv_step_by_step"]
    demo.run(course, again)
    output = capsys.readouterr().out
    assert output and first_output.startswith(output)
    assert {assignment: paths[assignment].read_text() for assignment in again} == {
        assignment: first[assignment] for assignment in again}

    for assignment, text in first.items():
        rows = {row["student_id"]: row for row in csv.DictReader(text.splitlines())}
        assert rows["sample-solution"]["score"] == "100", assignment
        assert rows["sample-blank"]["score"] == "0", assignment
        with (paths[assignment].parent / "mistakes.csv").open() as handle:
            mistakes = list(csv.DictReader(handle))
        assert (paths[assignment].parent / "report.html").is_file()
        for bug in ASSIGNMENTS[assignment].sample_bugs():  # the class report counts it
            assert any(m["mistake_id"] == bug.mistake and m["function"] in bug.breaks
                       and f"sample-{bug.name}" in m["student_ids"].split()
                       for m in mistakes), (bug.name, mistakes)
            row = rows[f"sample-{bug.name}"]
            solution = rows["sample-solution"]
            graded = ASSIGNMENTS[assignment].grading().POINTS
            lost = {name for name in graded if float(row[name]) < float(solution[name])}
            assert lost == set(bug.breaks), (assignment, bug.name, row)
        assert all(row["max_score"] == "100" for row in rows.values())
        # Honest samples: nothing replaced in their own process.
        assert not any("tamper-attempt" in row["flags"] for row in rows.values()), rows
        assert rows["sample-solution"]["flags"] == "", rows["sample-solution"]
        if assignment == "conv_keras":  # the probes bring the models back: nbgrader's scores
            for student, scores in graded_keras.scores.items():
                row = rows[f"sample-{student}"]
                assert {name: float(row[name]) for name in scores.scores} == scores.scores
        if assignment == "conv_step_by_step":  # one line wrong: conv_single_step's points only
            row = rows["sample-bias-per-element"]
            assert float(row["conv_single_step"]) == 0
            assert float(row["score"]) == 100 - graded["conv_single_step"]
        for student in rows:
            folder = paths[assignment].parent / "feedback" / student / assignment
            assert (folder / "results.json").is_file()
            assert (folder / ASSIGNMENTS[assignment].notebook.replace(".ipynb", ".html")).is_file()
    assert first_output.count("sample-solution") == len(ASSIGNMENTS)
    assert first_output.count("report.html (what the class got wrong") == len(ASSIGNMENTS)
    assert "100 / 100" in first_output
