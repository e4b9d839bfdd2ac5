"""Stands in for ``sklearn/inspection/_partial_dependence.py`` in the worker's view.

The contract forbids scikit-learn's partial dependence inside ``xai_lab/pdp.py``; this
file keeps ``sklearn.inspection`` importable and refuses the call with German feedback.
"""

from autograder.worker.forbidden import MESSAGE, ForbiddenShortcut

FORBIDDEN = True


def partial_dependence(*args, **kwargs):
    raise ForbiddenShortcut(MESSAGE.format(name="partial_dependence"))


def _partial_dependence_brute(*args, **kwargs):
    raise ForbiddenShortcut(MESSAGE.format(name="partial_dependence"))


def _partial_dependence_recursion(*args, **kwargs):
    raise ForbiddenShortcut(MESSAGE.format(name="partial_dependence"))


def _grid_from_X(*args, **kwargs):
    raise ForbiddenShortcut(MESSAGE.format(name="partial_dependence"))
