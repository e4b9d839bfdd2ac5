"""Stands in for ``sklearn/inspection/_plot/partial_dependence.py`` in the worker's view.

Mounted together with ``sklearn_partial_dependence.py``, which stands in for the module
imported here: the refusal and its German text live there.
"""

from sklearn.inspection._partial_dependence import ForbiddenShortcut, _refuse

FORBIDDEN = True
__all__ = ["FORBIDDEN", "ForbiddenShortcut", "PartialDependenceDisplay"]


class PartialDependenceDisplay:
    """Refuses to be built or used: the contract's plot draws the student's own values."""

    def __init__(self, *args, **kwargs):
        _refuse()

    @classmethod
    def from_estimator(cls, *args, **kwargs):
        _refuse()
