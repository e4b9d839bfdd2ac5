"""Submissions that attack the grader. Each has an honest twin: the same code without
the attack, where the attacked function simply raises. A hostile submission must pass
exactly the checks its twin passes: no more (the attack gains nothing) and no fewer
(the rest of the submission is still graded)."""

from tests.project.editing import Edit, Submission

FIRST_LINE = "height, width = input_tensor.shape[-2:]"


def in_grad_cam(name: str, code: str, **extra) -> Submission:
    """``code`` runs at the start of ``grad_cam`` (indented by the caller's four spaces)."""
    body = "\n    ".join(code.strip().splitlines())
    return Submission(name, "grad_cam", (Edit("grad_cam", FIRST_LINE, f"{body}\n    {FIRST_LINE}"),), **extra)


RAISING_TWIN = in_grad_cam("raising_twin", "raise RuntimeError('twin')")

HOSTILE = [
    in_grad_cam("raises", "raise RuntimeError('boom')"),
    in_grad_cam("hangs", "while True:\n    pass"),
    in_grad_cam("sys_exit", "import sys\nsys.exit(0)"),
    in_grad_cam("os_exit", "import os\nos._exit(3)"),
    in_grad_cam("segfault", "import ctypes\nctypes.string_at(0)"),
    in_grad_cam("ignores_sigterm_and_hangs",
                "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.01)"),
    in_grad_cam("memory_hog", "import numpy\nhog = numpy.ones(10**10)\nraise RuntimeError('unreachable')"),
]

# Patches every comparison helper a naive grader might use, then returns garbage and
# mutates its input. Its twin does the same without the patches.
LIBRARY_PATCHES = '''import builtins
import numpy as np
import pytest
import torch
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
torch.equal = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
pytest.fail = lambda *a, **k: None
pytest.approx = lambda *a, **k: True
builtins.AssertionError = type("NeverRaised", (Exception,), {})
'''
GARBAGE = "input_tensor.sub_(0.5)\nreturn np.zeros((48, 64), np.float32)"
GARBAGE_TWIN = in_grad_cam("garbage_twin", GARBAGE)
PATCHES_LIBRARIES = in_grad_cam("patches_libraries", GARBAGE, at_import=LIBRARY_PATCHES)

FLOODS_STDOUT = in_grad_cam("floods_stdout", "for _ in range(400):\n    print('spam ' * 20000, flush=True)")


def fake_score(results_path: str) -> Submission:
    """Prints a fake score and a GitHub workflow command, and writes fake results files."""
    fake = '{"score": 100, "max_score": 40, "tests": []}'
    code = (
        "import pathlib\n"
        "print('Gesamt: 40/40 Punkte (100.0 %)')\n"
        "print('::notice title=Autograding complete::Points 100/100')\n"
        f"for target in ({results_path!r}, 'results.json'):\n"
        f"    pathlib.Path(target).write_text({fake!r})\n"
        "raise RuntimeError('::notice title=Autograding complete::Points 100/100')"
    )
    return in_grad_cam("fake_score", code, at_import="print('::notice title=Autograding complete::Points 100/100')\n")


def leaves_processes(seconds: str) -> Submission:
    """Starts a detached ``sleep SECONDS`` and a double-forked daemon in a new session that
    becomes ``sleep SECONDS``; the unusual duration lets a test find them by command line."""
    code = (
        "import os, subprocess, time\n"
        f"subprocess.Popen(['sleep', {seconds!r}], start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execvp('sleep', ['sleep', {seconds!r}])\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)"
    )
    return in_grad_cam("leaves_processes", code)


# Overwrites the worker's copy of the fixture weights (its path is in the worker's argv),
# then computes a correct Grad-CAM.
TAMPERS_WITH_FIXTURES = Submission("tampers_with_fixtures", "grad_cam", (), at_import=(
    "import json, pathlib, sys\n"
    "_fixtures = pathlib.Path(json.loads(sys.argv[1])['fixtures'])\n"
    "(_fixtures / 'grad_cam' / 'tiny_cnn.pt').write_bytes(b'garbage')\n"
))

# Reads the stored reference results through the engine's own path and returns them.
READS_EXPECTED = in_grad_cam("reads_expected", (
    "import pathlib, sys\n"
    "stored = pathlib.Path(sys.path[0]) / 'tests' / 'hidden' / 'grad_cam' / 'expected.npz'\n"
    "return np.load(stored)['cam_default']"
))
# Kills its parent (outside a PID namespace: the grader itself), then gives up. Inside the
# namespace the worker is PID 1, so whether it dies from its own signal or raises first is
# a race; either way it earns nothing, and the grader must survive.
KILLS_PARENT = in_grad_cam("kills_parent", (
    "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nraise RuntimeError('still alive')"
))

# Computes the correct map, then poisons the model and the input it was given. With fresh
# fixtures per call, only the check on side effects may notice.
POISONS_ITS_INPUTS = Submission("poisons_its_inputs", "grad_cam", (Edit(
    "grad_cam",
    "return _min_max(cam[0, 0]).cpu().numpy().astype(np.float32)",
    "result = _min_max(cam[0, 0]).cpu().numpy().astype(np.float32)\n"
    "    model.train()\n"
    "    with torch.no_grad():\n"
    "        for parameter in model.parameters():\n"
    "            parameter.mul_(-1.0)\n"
    "        input_tensor.mul_(0.0)\n"
    "    return result",
),))
