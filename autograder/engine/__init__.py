"""The trusted side of grading: workers, checks, scores and reports.

Nothing in this package imports a submission's code.
"""
