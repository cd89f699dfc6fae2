"""Helpers that the course notebooks import: ``checks`` holds the visible checks students run
before grading (reference values and targeted messages, and ``assert_implemented`` for the
graded cells), ``gradient_check`` holds ``rel_error`` and ``numerical_gradient`` for checking
backward passes against central differences, ``plotting`` draws the notebooks' figures, and
``signs`` loads the application assignment's data (``load_dataset``) and cuts mini-batches,
``application_checks`` holds that assignment's visible checks, ``tensorflow_setup``
imports TensorFlow for its graph API, ``catvnoncat`` and ``dnn_checks`` serve the deep-network
assignment (its pictures and its visible checks), ``h5_datasets`` is the loaders' shared
reader, and ``mnist`` and ``training_checks`` serve the numpy-training assignment.
The package holds no solutions. Import the submodules by name, e.g.
``from utils import checks, plotting``.
"""
