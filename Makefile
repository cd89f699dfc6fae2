# The README's commands. Every target sets up .venv first if it is missing or
# older than pyproject.toml, so `make grade` and `make test` work on a fresh clone.
PYTHON3 ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
LAB_ARGS ?=
BENCH_ARGS ?=
# nbgrader starts helper programs (alembic) found on PATH: put the venv first.
export PATH := $(abspath $(VENV))/bin:$(PATH)
# nbgrader's exchange (nbgrader_config.py, autograder/exchange.py): EXCHANGE=/path sets it.
EXCHANGE ?=
ifneq ($(EXCHANGE),)
export NBGRADER_EXCHANGE := $(abspath $(EXCHANGE))
endif

.PHONY: setup grade grade-submissions grade-collected test lint hub-proxy lab lab-instructor exchange check release benchmark benchmark-batch benchmark-report clean

setup: $(VENV)/.installed data/train_faces.h5 data/test_faces.h5

$(VENV)/.installed: pyproject.toml
	@$(PYTHON3) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python >= 3.11 is needed; found " + sys.version.split()[0])'
	test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# The deep-network assignment's default pictures, built here, never committed (data/README.md).
data/train_faces.h5: data/build_faces.py data/h5_files.py $(VENV)/.installed
	$(PY) data/build_faces.py
data/test_faces.h5: data/train_faces.h5

## For every assignment: regenerate the release, grade sample submissions, print the table.
grade: setup
	$(PY) -m autograder demo

## Grade a folder or LMS zip of submissions in parallel:
##   make grade-submissions SUBMISSIONS=path/to/folder-or.zip [OUT=graded] [WORKERS=2]
ASSIGNMENT ?= conv_step_by_step
OUT        ?= graded
WORKERS    ?=
grade-submissions: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade-submissions SUBMISSIONS=path/to/folder-or.zip [OUT=graded] [WORKERS=N]"; exit 2; }
	$(PY) -m autograder grade $(ASSIGNMENT) "$(SUBMISSIONS)" --out "$(OUT)" $(if $(WORKERS),--workers $(WORKERS))

## Lint, then run the test suite, a test file at a time in each of TEST_WORKERS processes.
TEST_WORKERS ?= 2
test: setup lint hub-proxy
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

## Check the code with ruff (settings in pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check autograder utils tests benchmarks data hub

## JupyterHub's proxy, configurable-http-proxy, from npm into hub/node_modules (hub/README.md);
## without npm, the hub's test is skipped and says so.
HUB_PROXY := hub/node_modules/.bin/configurable-http-proxy
hub-proxy:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(HUB_PROXY); \
	else echo "npm not found: configurable-http-proxy not installed (tests/test_hub.py is skipped)"; fi

$(HUB_PROXY): hub/package.json hub/package-lock.json
	npm ci --prefix hub --no-audit --no-fund --loglevel=error
	touch $@

## Copy the release notebooks into notebooks/ (keeping files already there); open JupyterLab
## with nbgrader's Validate button and none of the instructor's tools.
## More options for JupyterLab: make lab LAB_ARGS="--no-browser --port=8889"
## With ASSIGNMENT_LIST=1 the lab also shows nbgrader's Assignment List of the exchange.
lab: setup
	$(PY) -m autograder workspace notebooks
	$(PY) -m autograder lab notebooks $(if $(ASSIGNMENT_LIST),--assignment-list) $(LAB_ARGS)

## Collect ASSIGNMENT's submissions from nbgrader's exchange and grade them; the grades go to
## autograder/collected/ASSIGNMENT/ and to the course's gradebook and feedback folder, from where
## `nbgrader release_feedback ASSIGNMENT` hands the pages back (README.md, "nbgrader's exchange").
grade-collected: setup
	$(VENV)/bin/nbgrader collect --update $(ASSIGNMENT)
	$(PY) -m autograder grade $(ASSIGNMENT) --collected $(if $(WORKERS),--workers $(WORKERS))

## Open JupyterLab on the course with every nbgrader tool (Formgrader, Create Assignment),
## the exchange made first if it is missing.
lab-instructor: setup
	$(PY) -m autograder lab --instructor . $(LAB_ARGS)

## Make nbgrader's exchange: the course's autograder/exchange, or EXCHANGE=/srv/nbgrader/exchange
## on a server its users share (made once, as root).
exchange: setup
	$(PY) -m autograder exchange

## Grade the notebooks in notebooks/ changed since their last check with the hidden tests;
## feedback in notebooks/feedback/. One notebook: make check NOTEBOOK=<file name>; all: ALL=1.
NOTEBOOK ?=
ALL      ?=
check: setup
	$(PY) -m autograder check notebooks $(if $(NOTEBOOK),--notebook "$(NOTEBOOK)") $(if $(ALL),--all)

## Regenerate release/ from source/ with nbgrader.
release: setup
	$(PY) -m autograder release

## Time each assignment's solution notebook and one submission under autograding; grade the
## numpy-training solution and loop layers 20 times each with every core busy; time
## make check NOTEBOOK=... on each solution.
benchmark: setup
	$(PY) benchmarks/dnn_timing.py
	$(PY) benchmarks/step_by_step_timing.py
	$(PY) benchmarks/numpy_training_timing.py
	$(PY) benchmarks/speed_under_load.py
	$(PY) benchmarks/application_timing.py
	$(PY) benchmarks/keras_timing.py
	$(PY) benchmarks/self_check.py

## Time classes of correct submissions (16 step by step, 6 application, 6 Keras): plain
## serial nbgrader against `python -m autograder grade`; then a class of 1,000, locally and
## on Dask. Other classes: .venv/bin/python benchmarks/batch_grading.py --help
benchmark-batch: setup
	$(PY) benchmarks/batch_grading.py --correct --count 16
	$(PY) benchmarks/batch_grading.py --correct --count 6 --assignment conv_application
	$(PY) benchmarks/batch_grading.py --correct --count 6 --assignment conv_keras
	$(PY) benchmarks/class_of_1000.py

## Time the class report of 1,000 synthetic submissions.
benchmark-report: setup
	$(PY) benchmarks/class_report.py $(BENCH_ARGS)

## Remove nbgrader's working folders and the grading outputs (not the venv, not the exchange):
## a class's collected submissions, gradebook and feedback go too.
clean:
	rm -rf autograder/submitted autograder/autograded autograder/feedback \
	       autograder/gradebook.db autograder/grades.csv autograder/samples autograder/graded \
	       autograder/collected
