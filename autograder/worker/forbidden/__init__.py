"""Replacements for library modules the contract forbids, bound over the originals' files in
the worker's view (see ``autograder.engine.sandbox.FORBIDDEN_FILES``).

They are plain files, not run-time patches: ``importlib.reload``, a closure or a fresh
import finds the same refusing code, because the original code is not in the view. Each
file is self-contained (it runs as part of scikit-learn, without the engine).
"""
