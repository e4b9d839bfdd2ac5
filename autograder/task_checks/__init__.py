"""What a task's public and hidden check suites share: one module per task.

Both suites import from here (the student release ships this package with the engine), so
a rule or a German message that both need is written once. Nothing here is secret: it
judges results, it holds no reference outputs. The hidden checks pass their own
recognition of listed mistakes in where a helper fails (``before_failing``).
"""
