"""Tests of the application notebook's visible checks (utils/application_checks.py) and of
its TensorFlow set-up (utils/tensorflow_setup.py).

The reference solution comes from the source notebook (autograder.samples); wrong
implementations are the entries of tests/application_bug_catalogue.py. The visible checks
see only the reference case (64 x 64 images, 3 epochs on 256 images), so a few catalogue
bugs pass them: those are listed in BLIND below, and only the hidden tests catch them.
"""

import inspect
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import hint_policy
import in_process
import pytest

from autograder.catalogue.application import BUGS
from autograder.course import Course, read_notebook
from autograder.samples import solution_namespace, solution_sources, with_bugs
from utils import application_checks as checks
from utils import signs
from utils.checks import CheckFailed, NotImplementedYet
from utils.tensorflow_setup import import_tensorflow, quiet_tensorflow_warnings

tf = import_tensorflow()

ASSIGNMENT = "conv_application"
ROOT = Path(__file__).resolve().parent.parent
NAMES = checks.GRADED_FUNCTIONS
BUG = {bug.name: bug for bug in BUGS}

# Catalogue bugs that pass the visible check of the function they edit. Only the hidden tests
# see them, which is why the hidden tests exist; the tests below prove that these pass.
BLIND = {
    # VALID and SAME max pooling give the same shapes and values on 64 x 64 images; the hidden
    # tests use other image sizes.
    "pool-valid-padding",
    # check_model looks at what model returns and at its costs, not at how the mini-batches
    # are drawn or on which set the test accuracy is measured; the hidden tests train and
    # measure on their own data.
    "no-shuffling",
    "test-accuracy-on-train",
    # check_model trains with the default learning rate, close to the fixed one.
    "learning-rate-ignored",
}


@pytest.fixture(scope="module")
def sol():
    return solution_namespace(assignment=ASSIGNMENT)


@pytest.fixture(scope="module")
def data():
    """X_train, Y_train, X_test, Y_test as the notebook prepares them: scaled and one-hot."""
    X_train_orig, Y_train_orig, X_test_orig, Y_test_orig, classes = signs.load_dataset()
    assert len(classes) == 6
    return (X_train_orig / 255.0, signs.convert_to_one_hot(Y_train_orig, 6),
            X_test_orig / 255.0, signs.convert_to_one_hot(Y_test_orig, 6))


@pytest.fixture(autouse=True)
def fresh_default_graph():
    """Each test starts and ends with an empty default graph (model builds in it), with the
    v1 API's deprecation warnings ignored as in the notebook (pytest resets the filters)."""
    quiet_tensorflow_warnings()
    tf.compat.v1.reset_default_graph()
    yield
    tf.compat.v1.reset_default_graph()


def helpers(name):
    """The graded functions check_NAME takes after NAME itself, from its signature."""
    parameters = list(inspect.signature(getattr(checks, f"check_{name}")).parameters)
    return [parameter for parameter in parameters[1:] if parameter in NAMES]


def run_check(name, functions, data=None, raw=False):
    """check_NAME on FUNCTIONS[NAME], with FUNCTIONS' helpers; model trains on DATA. RAW:
    the check itself, which raises NotImplementedYet where the notebook's check cell prints
    one line instead."""
    check = getattr(checks, f"check_{name}")
    check = check.__wrapped__ if raw else check
    if name == "model":
        return check(functions["model"], *data)
    return check(functions[name], *[functions[helper] for helper in helpers(name)])


def failure(name, functions, data=None, error=CheckFailed):
    """The message of the ERROR that check_NAME raises on FUNCTIONS."""
    with pytest.raises(error) as info:
        run_check(name, functions, data, raw=error is NotImplementedYet)
    return str(info.value)


def with_bug(bug_name):
    return solution_namespace([BUG[bug_name]], assignment=ASSIGNMENT)


def test_checks_take_the_helpers_the_notebook_passes():
    assert helpers("create_placeholders") == []
    assert helpers("forward_propagation") == ["create_placeholders", "initialize_parameters"]
    assert helpers("compute_cost") == ["forward_propagation", "create_placeholders",
                                       "initialize_parameters"]


# --- the solution passes ------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_check_passes_on_the_solution(name, sol, data, capsys):
    assert run_check(name, sol, data) is None
    out = capsys.readouterr().out
    assert out.endswith(f"{name}: all checks passed.\n")
    assert out.count("  ok: ") >= 1
    if name == "model":
        assert "ok: the cost falls over 3 epochs" in out
    else:  # the check built its graph elsewhere: the default graph is still empty
        assert tf.compat.v1.get_default_graph().get_operations() == []


# --- catalogue bugs the checks catch, with what was expected ------------------------------------

CAUGHT = {
    # bug name: (the check that must fail, texts its message must hold)
    "placeholder-fixed-batch": ("create_placeholders", [
        "X is Tensor(\"Placeholder:0\", shape=(64, 64, 64, 3), dtype=float32)",
        "expected Tensor(\"Placeholder:0\", shape=(?, 64, 64, 3), dtype=float32)",
        "the number of examples, None leaves open", "section 1.1"]),
    "placeholder-float64": ("create_placeholders", [
        "shape=(?, 64, 64, 3), dtype=float64); expected", "dtype=float32)",
        "X and Y are float32 placeholders"]),
    "glorot-uniform": ("initialize_parameters", [
        "W1[1, 1, 1] is", "expected\n[ 0.0339385 -0.1655417",
        "Glorot normal initializer with seed 0", "section 1.2"]),
    "conv-valid-padding": ("forward_propagation", [
        "Z3 is", "expected\n[[ 0.9405632  0.3751261  1.2375003", "CONV2D 4x4 stride 1 SAME"]),
    "relu-on-logits": ("forward_propagation", [
        "Z3 is", "-1.1231548]", "no activation", "section 2.1"]),
    "relu-missing": ("forward_propagation", [
        "Z3 is", "expected\n[[ 0.9405632", "RELU"]),
    "second-pool-2x2": ("forward_propagation", [
        "expected\n[[ 0.9405632", "MAXPOOL 4x4 stride 4 SAME"]),
    "average-pool": ("forward_propagation", [
        "expected\n[[ 0.9405632", "MAXPOOL 8x8 stride 8 SAME"]),
    "cost-summed": ("compute_cost", [
        "cost is\n8.4430218\nexpected\n2.1107554", "the mean, not the sum"]),
    "softmax-before-cost": ("compute_cost", [
        "expected\n2.1107554", "Z3 goes in as the logits, as it is",
        "applies the softmax itself"]),
    "cost-arguments-swapped": ("compute_cost", [
        "expected\n2.1107554", "Y as the labels", "section 2.2"]),
    "no-optimizer-step": ("model", [
        "the cost did not fall in 3 epochs", "every mini-batch runs it", "section 3.1"]),
    # Four mini-batch costs summed: about 4 x ln(6), far above the mean's start near ln(6).
    "epoch-cost-summed": ("model", [
        "the first epoch's cost is", "mean of its mini-batch costs"]),
}


def test_every_catalogue_bug_is_either_caught_or_known_to_pass():
    assert set(CAUGHT) | BLIND == set(BUG)
    assert not set(CAUGHT) & BLIND
    for bug_name, (check, _) in CAUGHT.items():
        assert check == BUG[bug_name].function, bug_name


@pytest.mark.parametrize("bug_name", sorted(CAUGHT))
def test_check_fails_on_the_bug_saying_what_was_expected(bug_name, data):
    name, texts = CAUGHT[bug_name]
    message = failure(name, with_bug(bug_name), data)
    assert message.startswith(f"{name}")
    if name != "model":  # check_model's expectation is a falling cost, named in TEXTS
        assert "expected" in message
    for text in texts:
        assert text in message, f"{bug_name}: {text!r} not in\n{message}"
    assert message.splitlines()[-1].startswith("Hint: "), message
    hint_policy.assert_no_leak(message, learner_code(bug_name),
                               where=f"the check's message on {bug_name}")


def learner_code(bug_name):
    """The code of the graded cells of the solution with the bug BUG_NAME."""
    sources = solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))
    return "\n".join(with_bugs(sources, [BUG[bug_name]]).values())


def test_summed_cost_is_the_mean_times_the_four_examples():
    # The reference case has 4 examples; the message shows that the sum is 4 x the mean.
    message = failure("compute_cost", with_bug("cost-summed"))
    got, expected = map(float, re.search(r"cost is\n(\S+)\nexpected\n(\S+)\n", message).groups())
    assert expected == pytest.approx(checks.REFERENCE["compute_cost"]["cost"], abs=1e-7)
    assert got == pytest.approx(4 * expected, abs=1e-5)


@pytest.mark.parametrize("bug_name", sorted(BUG))
def test_checks_of_functions_the_bug_does_not_reach_pass(bug_name, capsys):
    # A bug in one function must not fail the check of another that does not call it.
    functions = with_bug(bug_name)
    unaffected = [name for name in NAMES if name != "model"
                  and BUG[bug_name].function not in [name, *helpers(name)]]
    for name in unaffected:
        run_check(name, functions)
        assert capsys.readouterr().out.endswith(f"{name}: all checks passed.\n"), name


# --- catalogue bugs the checks do not catch -----------------------------------------------------

def test_pool_valid_padding_passes_the_visible_checks(capsys):
    # Only the hidden tests see this bug (they use images other than 64 x 64): this is why
    # the hidden tests exist. Same shapes and values on the reference case.
    functions = with_bug("pool-valid-padding")
    run_check("forward_propagation", functions)
    run_check("compute_cost", functions)
    out = capsys.readouterr().out
    assert "forward_propagation: all checks passed." in out
    assert "compute_cost: all checks passed." in out


# --- not implemented yet ------------------------------------------------------------------------

def stubs():
    """The graded functions as the release notebook has them: not implemented yet."""
    def create_placeholders(n_H0, n_W0, n_C0, n_y):
        raise NotImplementedError()

    def initialize_parameters():
        raise NotImplementedError()

    def forward_propagation(X, parameters):
        raise NotImplementedError()

    def compute_cost(Z3, Y):
        raise NotImplementedError()

    def model(X_train, Y_train, X_test, Y_test, learning_rate=0.005, num_epochs=150,
              minibatch_size=64, progress=True):
        raise NotImplementedError()

    return {func.__name__: func for func in (create_placeholders, initialize_parameters,
                                             forward_propagation, compute_cost, model)}


def test_stubs_are_named_like_the_graded_functions():
    assert list(stubs()) == list(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_becomes_not_implemented_yet_in_the_check(name, sol, data):
    message = failure(name, {**sol, name: stubs()[name]}, data, error=NotImplementedYet)
    assert f"{name} (or a function it calls) is not implemented yet" in message
    assert "raise NotImplementedError()" in message


@pytest.mark.parametrize("name", NAMES)
def test_check_cell_says_not_implemented_in_one_line_and_goes_on(name, sol, data, capsys):
    assert run_check(name, {**sol, name: stubs()[name]}, data) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "is not implemented yet" in out, out


def test_is_implemented_waits_for_the_model_and_its_helpers(sol, capsys):
    assert checks.is_implemented(sol["model"]) is True
    assert capsys.readouterr().out == ""
    assert checks.is_implemented(stubs()["model"]) is False
    out = capsys.readouterr().out
    assert out == "This cell waits for model: not implemented yet. Implement it, then run " \
                  "this cell again.\n", out
    model = solution_namespace(assignment=ASSIGNMENT)["model"]
    model.__globals__["forward_propagation"] = stubs()["forward_propagation"]
    model.__globals__["create_placeholders"] = stubs()["create_placeholders"]
    assert checks.is_implemented(model) is False
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert out.startswith("This cell waits for create_placeholders and forward_propagation: "
                          "not implemented yet. Implement them"), out


def test_is_implemented_names_every_function_a_fresh_notebook_waits_for(capsys):
    # The release's model calls none of its helpers yet: the notebook's contract names them.
    namespace = {}
    namespace.update({name: types.FunctionType(func.__code__, namespace, name,
                                               func.__defaults__)
                      for name, func in stubs().items()})
    assert checks.is_implemented(namespace["model"]) is False
    assert capsys.readouterr().out == (
        "This cell waits for model, create_placeholders, initialize_parameters, "
        "forward_propagation and 1 more: not implemented yet. Implement them, then run this "
        "cell again.\n")
    assert list(checks.waited_functions(namespace["forward_propagation"])) == [
        "forward_propagation"]


def test_waited_functions_follows_the_names_each_function_uses(sol):
    namespace = {}

    def compute_cost(Z3, Y):
        return forward_propagation(Z3, {})  # noqa: F821 - looked up in NAMESPACE

    compute_cost = types.FunctionType(compute_cost.__code__, namespace, "compute_cost")
    namespace.update(compute_cost=compute_cost, forward_propagation=sol["forward_propagation"])
    assert list(checks.waited_functions(compute_cost)) == ["compute_cost",
                                                            "forward_propagation"]


def test_check_says_not_implemented_when_a_helper_is_not(sol):
    functions = {**sol, "create_placeholders": stubs()["create_placeholders"]}
    message = failure("compute_cost", functions, error=NotImplementedYet)
    assert "compute_cost (or a function it calls) is not implemented yet" in message


@pytest.mark.parametrize("name", NAMES)
def test_assert_implemented_stops_a_stub(name, capsys):
    with pytest.raises(NotImplementedYet) as info:
        checks.assert_implemented(stubs()[name])
    assert f"{name} is not implemented yet" in str(info.value)
    assert "run this cell again" in str(info.value)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", NAMES)
def test_assert_implemented_is_silent_on_the_solution(name, sol, capsys):
    assert checks.assert_implemented(sol[name]) is None
    assert capsys.readouterr().out == ""


def test_assert_implemented_reports_another_error_in_one_line(capsys):
    def compute_cost(Z3, Y):
        raise TypeError("unsupported operand\nsecond line")

    assert checks.assert_implemented(compute_cost) is None
    out = capsys.readouterr().out
    assert out == ("compute_cost raised TypeError on a small example: unsupported operand; "
                   "the tests below grade each case.\n")


def test_assert_implemented_names_a_helper_that_is_not_implemented(capsys):
    forward_propagation = stubs()["forward_propagation"]

    def model(X_train, Y_train, X_test, Y_test, num_epochs=150, progress=True):
        return forward_propagation(X_train, {})

    assert checks.assert_implemented(model) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("model calls forward_propagation, which is not implemented yet")


def test_assert_implemented_refuses_other_functions():
    def predict(X_data, trained):
        raise NotImplementedError()

    with pytest.raises(ValueError, match="create_placeholders, initialize_parameters"):
        checks.assert_implemented(predict)
    with pytest.raises(ValueError, match="assert_implemented checks the graded functions"):
        checks.assert_implemented(lambda: None)


# --- TensorFlow set-up, in fresh processes ------------------------------------------------------

def python(script):
    """Run SCRIPT in a fresh interpreter from the repository, without the TensorFlow
    variables this process has set (import_tensorflow sets TF_USE_LEGACY_KERAS here)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL")}
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_tensorflow_is_quiet_from_import_to_session():
    result = python(
        "import os\n"
        "assert 'TF_USE_LEGACY_KERAS' not in os.environ\n"
        "import numpy as np\n"
        "from utils.tensorflow_setup import import_tensorflow\n"
        "tf = import_tensorflow()\n"
        "X = tf.compat.v1.placeholder(tf.float32, (None, 3))\n"
        "Z = tf.compat.v1.layers.dense(X, 2)\n"
        "with tf.compat.v1.Session() as sess:\n"
        "    sess.run(tf.compat.v1.global_variables_initializer())\n"
        "    print(sess.run(Z, {X: np.ones((4, 3))}).shape, tf.executing_eagerly(),\n"
        "          tf.keras.__name__.split('.')[0])\n")
    assert result.returncode == 0, result.stderr
    # Graph mode and the legacy Keras of tf-keras: the dense layer ran in a session.
    assert result.stdout == "(4, 2) False tf_keras\n"
    assert result.stderr == ""


def test_tensorflow_imported_first_without_legacy_keras_is_refused():
    result = python(
        "import os\n"
        "assert 'TF_USE_LEGACY_KERAS' not in os.environ\n"
        "import tensorflow\n"
        "from utils.tensorflow_setup import TensorFlowSetupError, import_tensorflow\n"
        "try:\n"
        "    import_tensorflow()\n"
        "except TensorFlowSetupError as error:\n"
        "    print('refused:', error)\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused: TensorFlow was imported in this kernel before")
    assert "Restart the kernel" in result.stdout


def test_the_training_cells_of_a_fresh_release_name_every_function_they_wait_for(capsys):
    namespace = in_process.release_namespace(ASSIGNMENT)
    assert checks.is_implemented(namespace["model"]) is False
    assert capsys.readouterr().out == (
        "This cell waits for model, create_placeholders, initialize_parameters, "
        "forward_propagation and 1 more: not implemented yet. Implement them, then run this "
        "cell again.\n")
    namespace = in_process.release_namespace(
        ASSIGNMENT, written=("model", "create_placeholders", "initialize_parameters"))
    assert checks.is_implemented(namespace["model"]) is False
    assert capsys.readouterr().out.startswith(
        "This cell waits for forward_propagation and compute_cost: not implemented yet.")
    namespace = in_process.release_namespace(ASSIGNMENT, written=NAMES)
    assert checks.is_implemented(namespace["model"]) is True
    assert capsys.readouterr().out == ""
