"""`make grade`'s job: sample submissions graded into a table and a CSV, the same every time."""

import csv

from autograder import demo


def test_demo_grades_the_samples_and_repeats_identically(course, capsys):
    csv_path = demo.run(course)
    first_output = capsys.readouterr().out
    first_csv = csv_path.read_text()

    demo.run(course)
    assert capsys.readouterr().out == first_output
    assert csv_path.read_text() == first_csv

    rows = {row["student_id"]: row for row in csv.DictReader(first_csv.splitlines())}
    assert rows["sample-solution"]["score"] == "100"
    assert rows["sample-blank"]["score"] == "0"
    for bug in demo.sample_bugs():
        assert float(rows[f"sample-{bug.name}"]["score"]) < 100, bug.name
    assert all(row["max_score"] == "100" for row in rows.values())
    for student in rows:
        assert course.feedback_html(student, demo.ASSIGNMENT).is_file()
    assert "sample-solution" in first_output and "100 / 100" in first_output
