"""The trusted intake copies a submission's ``xai_lab/`` without following anything: links,
hard links, devices, FIFOs and sockets are refused with German reasons, the rest is copied."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from autograder.engine import intake
from autograder.engine.intake import copy_submission
from tests.project.editing import REPO, SOLUTIONS


def plain_package(root):
    package = root / "xai_lab"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "grad_cam.py").write_text("VALUE = 1\n")
    (package / "pdp.py").write_text("VALUE = 2\n")
    (package / "data").mkdir()
    (package / "data" / "table.csv").write_text("a,b\n1,2\n")
    return package


def test_plain_files_and_subdirectories_are_copied_and_nothing_refused(tmp_path):
    plain_package(tmp_path / "sub")
    (tmp_path / "sub" / "xai_lab" / "__pycache__").mkdir()
    (tmp_path / "sub" / "xai_lab" / "__pycache__" / "grad_cam.cpython-311.pyc").write_bytes(b"stale")
    result = copy_submission(tmp_path / "sub", tmp_path / "copy")
    copied = tmp_path / "copy" / "xai_lab"
    assert result.refused == {} and not result.package_refused
    assert (copied / "data" / "table.csv").read_text() == "a,b\n1,2\n"
    assert not (copied / "__pycache__").exists()
    assert result.files == 4
    assert stat.S_IMODE(os.stat(copied / "grad_cam.py").st_mode) == 0o644


def test_a_package_that_is_a_symbolic_link_into_the_checkout_is_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "xai_lab").symlink_to(SOLUTIONS / "xai_lab")
    result = copy_submission(tmp_path / "sub", tmp_path / "copy")
    assert not (tmp_path / "copy" / "xai_lab").exists()
    reason = result.module_refusal("grad_cam")
    assert "xai_lab/" in reason and "symbolischer Link" in reason
    assert result.module_refusal("pdp") == reason


def test_a_module_that_is_a_link_is_refused_and_the_others_are_copied(tmp_path):
    package = plain_package(tmp_path / "sub")
    (package / "grad_cam.py").unlink()
    (package / "grad_cam.py").symlink_to(SOLUTIONS / "xai_lab" / "grad_cam.py")
    (package / "data").rename(package / "real_data")
    (package / "data").symlink_to(REPO / "tests")  # a linked directory is not entered
    result = copy_submission(tmp_path / "sub", tmp_path / "copy")
    assert result.refused == {"xai_lab/grad_cam.py": "ein symbolischer Link", "xai_lab/data": "ein symbolischer Link"}
    assert result.module_refusal("grad_cam") == \
        "Die Datei xai_lab/grad_cam.py wird nicht bewertet: sie ist ein symbolischer Link."
    assert result.module_refusal("pdp") == ""
    assert (tmp_path / "copy" / "xai_lab" / "pdp.py").read_text() == "VALUE = 2\n"
    assert not os.path.lexists(tmp_path / "copy" / "xai_lab" / "grad_cam.py")
    assert not os.path.lexists(tmp_path / "copy" / "xai_lab" / "data")


def test_hard_links_fifos_sockets_and_devices_are_refused(tmp_path):
    package = plain_package(tmp_path / "sub")
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    os.link(outside, package / "linked.py")
    os.mkfifo(package / "pipe")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(package / "sock"))
    os.mknod(package / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # the grader runs as root
    try:
        result = copy_submission(tmp_path / "sub", tmp_path / "copy")
    finally:
        listener.close()
    assert set(result.refused) == {"xai_lab/linked.py", "xai_lab/pipe", "xai_lab/sock", "xai_lab/null"}
    assert "harter Link" in result.refused["xai_lab/linked.py"]
    assert result.refused["xai_lab/pipe"] == "eine Pipe (FIFO)"
    assert result.refused["xai_lab/sock"] == "ein Socket"
    assert result.refused["xai_lab/null"] == "eine Gerätedatei"
    assert sorted(os.listdir(tmp_path / "copy" / "xai_lab")) == ["__init__.py", "data", "grad_cam.py", "pdp.py"]


def test_a_refused_init_refuses_every_module(tmp_path):
    package = plain_package(tmp_path / "sub")
    (package / "__init__.py").unlink()
    (package / "__init__.py").symlink_to("/etc/passwd")
    result = copy_submission(tmp_path / "sub", tmp_path / "copy")
    assert "xai_lab/__init__.py" in result.module_refusal("pdp")


@pytest.mark.parametrize("limit, value, phrase", [("MAX_FILES", 3, "mehr als 3 Dateien"),
                                                  ("MAX_BYTES", 1024 * 1024, "mehr als 1 MB")])
def test_limits_on_files_and_size_refuse_the_package_with_a_message(tmp_path, monkeypatch, limit, value, phrase):
    monkeypatch.setattr(intake, limit, value)
    package = plain_package(tmp_path / "sub")
    (package / "big.bin").write_bytes(b"x" * (2 * 1024 * 1024) if limit == "MAX_BYTES" else b"x")
    result = copy_submission(tmp_path / "sub", tmp_path / "copy")
    assert phrase in result.package_refused and "höchstens" in result.package_refused
    assert result.module_refusal("grad_cam") == result.package_refused


def test_a_missing_package_is_reported(tmp_path):
    (tmp_path / "sub").mkdir()
    result = copy_submission(tmp_path / "sub", tmp_path / "copy")
    assert "kein Paket xai_lab/" in result.module_refusal("grad_cam")
