"""xai-lab's grading engine: ``python -m autograder grade SUBMISSION``."""

__version__ = "0.1.0"
