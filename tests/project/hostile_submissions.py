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


def view_probe(name: str, looks: str, writable: str) -> Submission:
    """A ``grad_cam`` that reports what its worker sees, as the message of the error it raises
    (a JSON object; the test reads it from the reply).

    ``looks`` fills the dict ``seen`` (``importlib``, ``json``, ``os``, ``sys`` and ``tempfile``
    are imported); ``writable`` is a Python expression of a list of directories, and
    ``seen["writable"]`` lists those the probe could write a file in.
    """
    return in_grad_cam(name, f'''import importlib, json, os, sys, tempfile
{looks.strip()}
seen["writable"] = []
for directory in {writable}:
    try:
        with open(os.path.join(directory, "probe-write"), "w") as handle:
            handle.write("x")
        seen["writable"].append(directory)
    except OSError:
        pass
raise RuntimeError(json.dumps(seen))''')


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


# -- Trust: the worker sees only its own workspace (issue 9) ------------------------------
# Each ``*_FINDER`` is code that sets ``source`` to the reference ``grad_cam.py`` (or raises);
# the tests run it in the test process too, to show the attack works where nothing isolates it.

RUN_STOLEN = ("_stolen = {'__name__': 'stolen'}\n"
              "exec(compile(source, 'stolen', 'exec'), _stolen)\n"
              "return _stolen['grad_cam'](model, input_tensor, target_layer, class_idx)")
IS_REFERENCE = "lambda text: 'def grad_cam(' in text and 'def _min_max' in text and 'noch nicht implementiert' not in text"


def steals_reference(name: str, finder: str) -> Submission:
    """``grad_cam`` that finds the reference's source with ``finder``, runs it and returns its map."""
    return in_grad_cam(name, finder + "\n" + RUN_STOLEN)


def git_show_finder(repo: str) -> str:
    return ("import subprocess\n"
            f"source = subprocess.run(['git', '-C', {repo!r}, 'show', 'HEAD:solutions/xai_lab/grad_cam.py'],"
            " capture_output=True, text=True, check=True).stdout")


def git_objects_finder(repo: str) -> str:
    """Reads the object database directly (loose objects and whole objects in packs), no git binary."""
    return f'''import glob, os, struct, zlib
_is_reference = {IS_REFERENCE}
_git = os.path.join({repo!r}, '.git')
if os.path.isfile(_git):
    _git = open(_git).read().split(':', 1)[1].strip()
if os.path.isfile(os.path.join(_git, 'commondir')):
    _git = os.path.normpath(os.path.join(_git, open(os.path.join(_git, 'commondir')).read().strip()))
_found = []
for _path in glob.glob(os.path.join(_git, 'objects', '??', '*')):
    _text = zlib.decompress(open(_path, 'rb').read()).decode('utf-8', 'replace')
    if _is_reference(_text):
        _found.append(_text.split('\\0', 1)[1])
for _index in glob.glob(os.path.join(_git, 'objects', 'pack', '*.idx')):
    _raw = open(_index, 'rb').read()
    _count = struct.unpack('>I', _raw[8 + 255 * 4:8 + 256 * 4])[0]
    _start = 8 + 256 * 4 + _count * 24
    _pack = open(_index[:-4] + '.pack', 'rb').read()
    for _offset in struct.unpack(f'>{{_count}}I', _raw[_start:_start + 4 * _count]):
        if _offset & 0x80000000:
            continue
        _byte = _pack[_offset]
        _kind, _offset = (_byte >> 4) & 7, _offset + 1
        while _byte & 0x80:
            _byte, _offset = _pack[_offset], _offset + 1
        if _kind == 3:
            _text = zlib.decompressobj().decompress(_pack[_offset:_offset + 4_000_000]).decode('utf-8', 'replace')
            if _is_reference(_text):
                _found.append(_text)
source = _found[0]'''


def suites_finder_submission(suites: str) -> Submission:
    """Returns the stored reference map of a hidden-suites directory wherever it lies."""
    return in_grad_cam("reads_outside_suites", (
        "import os\n"
        f"return np.load(os.path.join({suites!r}, 'grad_cam', 'expected.npz'))['cam_default']"))


WORKSPACE_THIEF = "workspace_thief_marker"
OTHER_WORKSPACE_FINDER = f'''import glob, tempfile
_is_reference = {IS_REFERENCE}
_candidates = glob.glob('/tmp/xai-lab-grading-*/submission/xai_lab/grad_cam.py')
_candidates += glob.glob(tempfile.gettempdir() + '/../xai-lab-grading-*/submission/xai_lab/grad_cam.py')
_texts = [open(_path).read() for _path in _candidates]
source = [_text for _text in _texts if _is_reference(_text) and {WORKSPACE_THIEF!r} not in _text][0]'''


def writes_everywhere(targets: list[str]) -> Submission:
    """The reference, whose module tries at import to create each of ``targets`` (and its own scratch
    file in its private directory, which must work)."""
    return Submission("writes_everywhere", "grad_cam", (), at_import=(
        "import pathlib as _pathlib, tempfile as _tempfile\n"
        f"for _target in {targets!r}:\n"
        "    try:\n"
        "        _pathlib.Path(_target).write_text('pwned')\n"
        "    except OSError:\n"
        "        pass\n"
        "_pathlib.Path(_tempfile.gettempdir(), 'own-scratch.txt').write_text('mine')\n"))


# Leaves its hooks and poisons its model and input like POISONS_ITS_INPUTS, and at import
# replaces the torch observer of the harness so that every call looks clean.
CLEAN = ("{'hooks_added': 0, 'params_with_grad': [], 'requires_grad_changed': [], 'train_mode_changed': False, "
         "'model_training': False, 'state_changed': [], 'config_changed': False, 'input_changed': False, "
         "'input_requires_grad_changed': False, 'input_has_grad': False}")
PATCHES_ADAPTER = Submission("patches_adapter", "grad_cam", POISONS_ITS_INPUTS.edits, at_import=(
    "import importlib as _importlib, sys as _sys\n"
    "def _clean(self):\n"
    f"    return {CLEAN}\n"
    "_modules = [_module for _name, _module in list(_sys.modules.items()) if _name.startswith('autograder')]\n"
    "try:\n"
    "    _modules.append(_importlib.import_module('autograder.worker.calls.torch_state'))\n"
    "except ImportError:\n"
    "    pass\n"
    "for _module in _modules:\n"
    "    if hasattr(_module, 'ModelObserver'):\n"
    "        _module.ModelObserver.changes = _clean\n"
    "    if hasattr(_module, '_hook_count'):\n"
    "        _module._hook_count = lambda model: 0\n"
    "    if hasattr(_module, '_equal'):\n"
    "        _module._equal = lambda a, b: True\n"))
