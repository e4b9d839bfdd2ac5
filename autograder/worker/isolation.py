"""Enter the worker's minimal root before any library or submission code runs.

Runs only as PID 1 of the private namespaces the engine's sandbox starts the worker in
(:mod:`autograder.engine.sandbox`); elsewhere it does nothing. It mounts a small tmpfs,
binds into it, at their usual absolute paths, exactly what the view lists (read-only
except the private directory), mounts a fresh ``/proc`` of the worker's PID namespace,
pivots into that root and detaches the old one, so no path of the machine outside the
view can be reached any more. Then it gives up the power to change that: as real root
it becomes ``nobody``; inside a user namespace it drops every capability. Either way
``no_new_privs`` is set, so nothing it executes can gain privileges. A pooled worker
keeps its privileges: each call's child drops them (:mod:`autograder.worker.pooled`).
"""

from __future__ import annotations

import ctypes
import platform
import os
import stat

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
_MNT_DETACH = 2
_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP = 38, 24
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
_CAP_LAST = 63
OLD_ROOT = ".old-root"

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {source} on {target}")


def _inside(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def _make_mount_point(root: str, path: str, is_directory: bool) -> str:
    target = _inside(root, path)
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if is_directory:
        os.makedirs(target, mode=0o755, exist_ok=True)
    elif not os.path.lexists(target):
        with open(target, "w"):
            pass
    return target


def _bind(root: str, path: str, flags: int) -> None:
    """Bind ``path`` at the same place below ``root``, then apply ``flags`` (read-only, nosuid...)."""
    if os.path.islink(path):
        target = _inside(root, path)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    target = _make_mount_point(root, path, stat.S_ISDIR(os.stat(path).st_mode))
    _mount(path, target, None, _MS_BIND)
    _mount(None, target, None, _MS_BIND | _MS_REMOUNT | flags)


def _pivot(root: str) -> None:
    number = _SYS_PIVOT_ROOT[platform.machine()]
    os.chdir(root)
    _check(_libc.syscall(number, b".", os.fsencode(OLD_ROOT)), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(os.fsencode("/" + OLD_ROOT), _MNT_DETACH), "umount old root")


def _drop_capabilities() -> None:
    for capability in range(_CAP_LAST + 1):
        _libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the kernel's last one
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (two words each): none
    _check(_libc.syscall(_SYS_CAPSET[platform.machine()], header, data), "capset")


def enter_view(view: dict, staging: str) -> bool:
    """Build the view's root on ``staging`` and pivot into it; return whether it happened.

    An empty view (isolation ``processes``) does nothing. A view outside a fresh PID namespace
    is an error: the grade would claim an isolation the worker does not have.
    """
    if not view:
        return False
    if os.getpid() != 1:
        raise RuntimeError("the worker's view needs its own PID and mount namespaces")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount("tmpfs", staging, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=8m")
    for link, target in view.get("links", {}).items():
        inside = _inside(staging, link)
        os.makedirs(os.path.dirname(inside), mode=0o755, exist_ok=True)
        if not os.path.lexists(inside):
            os.symlink(target, inside)
    for path in view["read_only"]:
        _bind(staging, path, _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    for inside_path, replacement in view.get("overlays", {}).items():
        _mount(replacement, _inside(staging, inside_path), None, _MS_BIND)
        _mount(None, _inside(staging, inside_path), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    for path in view["writable"]:
        _bind(staging, path, _MS_NOSUID | _MS_NODEV)
    for device in view.get("devices", []):
        _bind(staging, device, _MS_RDONLY | _MS_NOSUID)  # writes to a device node pass a read-only mount
    os.makedirs(_inside(staging, "/proc"), mode=0o555, exist_ok=True)
    _mount("proc", _inside(staging, "/proc"), "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    os.makedirs(_inside(staging, OLD_ROOT), mode=0o700, exist_ok=True)
    _mount(None, staging, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    _pivot(staging)
    os.chdir(view.get("cwd") or view["writable"][0])  # relative paths land in the private directory
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if not view.get("pooled"):
        drop_privileges(view)
    return True


def drop_privileges(view: dict) -> None:
    """Give up the power to change the view: become ``nobody`` as real root, else drop every capability."""
    if view.get("drop_to") is not None:
        os.setgroups([])
        os.setresgid(view["drop_to"], view["drop_to"], view["drop_to"])
        os.setresuid(view["drop_to"], view["drop_to"], view["drop_to"])
    else:
        _drop_capabilities()
