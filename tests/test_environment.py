"""The pip route (pyproject.toml) and the conda route (environment.yml) install the same pins."""

import tomllib

import yaml

from autograder.course import REPO_ROOT


def pip_pins():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pins = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        pins += extra
    return pins


def conda_pip_pins():
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_sections = [item["pip"] for item in environment["dependencies"] if isinstance(item, dict)]
    assert len(pip_sections) == 1, "environment.yml should have one pip section"
    return [pin for pin in pip_sections[0] if pin != "-e ."], environment


def test_every_pin_is_exact():
    for pin in pip_pins():
        assert "==" in pin, f"{pin!r} in pyproject.toml is not an exact pin"


def test_environment_yml_lists_the_same_pins_as_pyproject():
    conda_pins, _ = conda_pip_pins()
    assert sorted(set(conda_pins)) == sorted(set(pip_pins()))
    assert len(conda_pins) == len(set(conda_pins)), "environment.yml lists a package twice"


def test_environment_yml_installs_the_project_and_python_311():
    _, environment = conda_pip_pins()
    pip_section = next(item["pip"] for item in environment["dependencies"]
                       if isinstance(item, dict))
    assert "-e ." in pip_section
    assert "python=3.11" in environment["dependencies"]
