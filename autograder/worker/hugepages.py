"""Back a worker's anonymous memory with 2 MiB pages before it forks a child per call.

Every call runs in a child forked from the worker (:mod:`autograder.worker.forking`).
Forking copies the page table entries of the worker's anonymous memory and the child's
exit tears them down again: after the framework imports that is 200-400 MB in 4 KiB
pages, so fork and exit alone cost ~35 ms of every call (most of a small call). Backed by
transparent huge pages the same memory needs 1/512 of the entries. The kernel's default
here (``madvise``) gives huge pages only to memory that asks for them, so the worker asks
(``MADV_HUGEPAGE``) and has its existing memory collapsed at once (``MADV_COLLAPSE``,
Linux 6.1). A child writing into a shared huge page copies only the 4 KiB it writes.

Only a pooled worker collapses its memory: collapsing takes 1.25 s here (346 MB of a torch
worker), about what one grading's calls save, so a worker that serves a single grading
would pay more than it gains (a fresh reference grading of ``grad_cam``: 7.0 s with
collapsing, 5.5-6.3 s without). Nor does a worker that forks once per submission
(TensorFlow): in a batch of 12 its collapse cost more than its 12 forks saved (the
TensorFlow worker and its children: 16.2-16.8 CPU-s with collapsing, 14.9-15.9 without;
the batch 26.7-27.4 s against 25.1-26.4 s).

Best effort: on an older kernel or without free huge pages nothing changes but the speed.
"""

from __future__ import annotations

import ctypes

_MADV_HUGEPAGE = 14
_MADV_COLLAPSE = 25
_HUGE_PAGE = 2 * 1024 * 1024


def anonymous_regions(maps: str) -> list[tuple[int, int]]:
    """The private writable anonymous mappings of ``/proc/<pid>/maps`` text (the heap included),
    each shrunk to whole huge pages; regions smaller than one huge page are left out."""
    regions = []
    for line in maps.splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[1] != "rw-p" or (len(fields) > 5 and fields[5] != "[heap]"):
            continue
        start, end = (int(address, 16) for address in fields[0].split("-"))
        start = (start + _HUGE_PAGE - 1) // _HUGE_PAGE * _HUGE_PAGE
        end = end // _HUGE_PAGE * _HUGE_PAGE
        if end > start:
            regions.append((start, end))
    return regions


def collapse() -> int:
    """Ask for huge pages for this process's anonymous memory; return how many bytes were collapsed."""
    try:
        with open("/proc/self/maps") as maps:
            regions = anonymous_regions(maps.read())
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return 0
    madvise = libc.madvise
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    collapsed = 0
    for start, end in regions:
        madvise(start, end - start, _MADV_HUGEPAGE)
        if madvise(start, end - start, _MADV_COLLAPSE) == 0:
            collapsed += end - start
    return collapsed
