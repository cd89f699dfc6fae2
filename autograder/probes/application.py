"""Probes of "Convolutional networks: application": the student's TensorFlow graph functions
turned into plain data.

Each ``probe_NAME(func, *args)`` builds a fresh graph with the student's function FUNC, runs
what it built on the inputs the grader passes as ARGS, and returns plain data (values, shapes,
the operations' attributes) that the hidden tests (``autograder.hidden_tests.application``)
judge in the grader's process. A probe runs in the student's process: in the kernel for the
notebook, in the sandboxed worker when the grader grades (``autograder.engine.session``), which
names it "autograder.probes.application:probe_NAME". This module is readable by student
code, so it holds no cases, expected values or hints: what to feed and what to look at comes
from the grader.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograder.engine.wire import describe


def tensorflow():
    """TensorFlow, set up for the graph API (``utils.tensorflow_setup``)."""
    from utils.tensorflow_setup import import_tensorflow
    return import_tensorflow()


def _tensor_data(tf, value: Any, graph) -> dict:
    """What a tensor is, as plain data: its operation, dtype, static shape, graph."""
    if not isinstance(value, tf.Tensor):
        return {"tensor": False, "describe": describe(value)}
    rank = value.shape.rank
    return {"tensor": True, "op": value.op.type, "dtype": value.dtype.name,
            "shape": None if rank is None else list(value.shape.as_list()),
            "in_graph": value.graph is graph}


def probe_create_placeholders(func: Callable, args: list) -> Any:
    """(X, Y) of FUNC(*ARGS) in a fresh graph, as data; anything else as its description."""
    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        pair = func(*args)
    if isinstance(pair, (tuple, list)) and len(pair) == 2:
        return [_tensor_data(tf, value, graph) for value in pair]
    return {"describe": describe(pair)}


def probe_initialize_parameters(func: Callable, keys: list) -> dict:
    """FUNC() in a fresh graph: the keys it returned, and, if it returned all of KEYS, for each
    of them its initial value and whether it is a trainable variable (or why the values could
    not be evaluated)."""
    tf = tensorflow()
    with tf.Graph().as_default():
        parameters = func()
        if not isinstance(parameters, dict):
            return {"describe": describe(parameters)}
        found = {"keys": sorted(str(key) for key in parameters)}
        if not set(keys) <= set(parameters):
            return found
        trainable = {id(variable) for variable in tf.compat.v1.trainable_variables()}
        found["trainable"] = {key: id(parameters[key]) in trainable for key in keys}
        found["describe_values"] = {key: describe(parameters[key]) for key in keys}
        try:
            with tf.compat.v1.Session() as session:
                session.run(tf.compat.v1.global_variables_initializer())
                found["values"] = {key: np.asarray(session.run(parameters[key]))
                                   for key in keys}
        except Exception as error:  # reported as a failure by the judge
            found["error"] = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
        return found


GRAPH_SEED = 1


def probe_forward_propagation(func: Callable, W: dict, X: np.ndarray, op_types: list,
                              input_types: list = ()) -> dict:
    """FUNC(X_placeholder, W_variables) in a fresh graph, with a variable for each array of
    the dict W, run on the images X: Z3's values, its static shape and the operation it comes
    from (past Identity operations), the values of the graph's other trainable variables, the
    operations of OP_TYPES it built, with their strides, ksize and padding if they have them,
    and, for each operation of INPUT_TYPES that Z3 depends on, in the order they were built,
    the values of its first input."""
    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        # The initial weights of layers the function makes (the dense layer's) follow from
        # the graph's seed: the same function gets the same weights, and so the same score,
        # every time it is graded.
        tf.compat.v1.set_random_seed(GRAPH_SEED)
        X_in = tf.compat.v1.placeholder(tf.float32, (None, *X.shape[1:]), name="X")
        parameters = {key: tf.compat.v1.get_variable(key, initializer=value.astype(np.float32))
                      for key, value in W.items()}
        before = set(graph.get_operations())
        Z3 = func(X_in, parameters)
        ops = [op for op in graph.get_operations() if op not in before]
        found = {"Z3": _tensor_data(tf, Z3, graph)}
        if not found["Z3"]["tensor"]:
            return found
        op = Z3.op
        while op.type == "Identity" and op.inputs:
            op = op.inputs[0].op
        found["Z3_op"] = op.type
        found["ops"] = [{"type": op.type, "name": op.name,
                         **{attr: (op.get_attr(attr).decode() if attr == "padding"
                                   else list(op.get_attr(attr)))
                            for attr in ("strides", "ksize", "padding")
                            if attr in op.node_def.attr}}
                        for op in ops if op.type in op_types]
        used = _ancestors(Z3.op)
        fed = [op for op in ops if op.type in input_types and op in used and op.inputs]
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            values, inputs = session.run([Z3, [op.inputs[0] for op in fed]], {X_in: X})
            found["values"] = np.asarray(values)
            found["inputs"] = [{"type": op.type, "name": op.name, "value": np.asarray(value)}
                               for op, value in zip(fed, inputs)]
            others = [v for v in tf.compat.v1.trainable_variables()
                      if all(v is not p for p in parameters.values())]
            found["others"] = [np.asarray(value) for value in session.run(others)]
    return found


def _ancestors(op) -> set:
    """OP and every operation it depends on."""
    seen, todo = set(), [op]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(tensor.op for tensor in current.inputs)
            todo.extend(current.control_inputs)
    return seen


def probe_compute_cost(func: Callable, cases: list) -> dict:
    """FUNC(Z3, Y) on placeholders of shape (None, 6) in a fresh graph, run on each
    (logits, labels) of CASES: the cost tensor as data and its values."""
    tf = tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        Z3 = tf.compat.v1.placeholder(tf.float32, (None, 6), name="Z3")
        Y = tf.compat.v1.placeholder(tf.float32, (None, 6), name="Y")
        cost = func(Z3, Y)
        found = {"cost": _tensor_data(tf, cost, graph)}
        if found["cost"]["tensor"]:
            with tf.compat.v1.Session() as session:
                found["values"] = [np.asarray(session.run(cost, {Z3: Z, Y: labels}))
                                   for Z, labels in cases]
    return found
