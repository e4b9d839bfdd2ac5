"""Front ends of the results model: each report is a pure function of a :class:`~autograder.model.Grade`.

Reports return text; the command-line front ends decide where it goes (stdout, a
file, GitHub's step summary).
"""
