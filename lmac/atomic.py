"""Write files all-or-nothing: into temporary files beside the targets, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["atomic_path", "atomic_paths"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_paths(paths: Sequence[str | os.PathLike]) -> Iterator[list[str]]:
    """Yield one temporary path beside each of ``paths``; on success every one replaces its target
    (with the usual file permissions), on error all are removed and the targets are left untouched.

    The targets' folders are created if needed. The renames at the end are not one atomic step,
    but nothing can fail between them except the file system itself.
    """
    paths = [Path(p) for p in paths]
    tmps: list[str] = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent, prefix=f".{path.stem}.")
            os.close(fd)
            tmps.append(tmp)
        yield list(tmps)
        mode = 0o666 & ~_umask()
        for tmp in tmps:
            os.chmod(tmp, mode)
        for tmp, path in zip(tmps, paths):
            os.replace(tmp, path)
    finally:
        for tmp in tmps:
            Path(tmp).unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it is
    removed and ``path`` is left untouched (:func:`atomic_paths` for one file)."""
    with atomic_paths([path]) as (tmp,):
        yield tmp
