"""Code that runs inside a worker process, next to the submission's code.

Nothing here decides a score: it builds fresh fixtures, calls the submission,
observes what the call did to its inputs and sends plain data back. The trusted
process treats every reply as untrusted data.
"""
