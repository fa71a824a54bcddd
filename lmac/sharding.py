"""Split a run over processes (shards) and keep per-item rows as JSON lines, so a killed run resumes.

A :class:`Shard` owns the items whose position ``i`` in the run's full, ordered list has
``i % count == index``: every item goes to exactly one shard, the same one on every call, and the
shards of one run are balanced to within one item. Each shard appends one row per finished item to
its own JSON-lines file (:class:`RowWriter`); a restarted shard reads it back (:func:`read_rows`) and
skips what is done; a merge step reads every shard's rows and combines them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

__all__ = ["Shard", "ShardError", "RowWriter", "read_rows"]

T = TypeVar("T")


class ShardError(ValueError):
    """A shard that cannot be run or merged as asked (a bad index, another run's rows, a missing shard)."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (``Shard()``: the whole run in one process).

    Raises:
        ShardError: ``count < 1`` or ``index`` outside ``[0, count)``.
    """

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if (
            isinstance(self.index, bool)
            or isinstance(self.count, bool)
            or not isinstance(self.index, int)
            or not isinstance(self.count, int)
        ):
            raise ShardError(f"a shard is two integers (index, count), got {self.index!r}, {self.count!r}")
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ShardError(
                f"shard index must be in [0, count) with count >= 1, got index {self.index}, count {self.count}"
            )

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/N"`` (e.g. ``"0/4"``, the command-line form) -> ``Shard(I, N)``."""
        index, sep, count = str(text).partition("/")
        if not sep or not index.strip().isdigit() or not count.strip().isdigit():
            raise ShardError(f"a shard is written INDEX/COUNT (e.g. 0/4), got {text!r}")
        return cls(int(index), int(count))

    @property
    def name(self) -> str:
        """``"<index>-of-<count>"``, used in file names."""
        return f"{self.index}-of-{self.count}"

    def owns(self, position: int) -> bool:
        """True when the item at ``position`` of the full list belongs to this shard."""
        return position % self.count == self.index

    def select(self, items: Sequence[T]) -> list[tuple[int, T]]:
        """This shard's ``(position, item)`` pairs of ``items``, in order."""
        return [(i, item) for i, item in enumerate(items) if self.owns(i)]


def read_rows(path: str | os.PathLike) -> list[dict]:
    """The rows of a JSON-lines file (``[]`` if it does not exist). A last line without its newline
    (the process was killed while writing it) is dropped; any other unreadable line is an error.

    Raises:
        ShardError: a damaged line before the last, naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        return []
    lines = path.read_text().split("\n")[:-1]  # what follows the last newline is empty or torn
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise ShardError(
                f"{path}, line {number}: not a JSON row; the file is damaged (remove it to run those items again)"
            ) from None
    return rows


class RowWriter:
    """Append rows to a JSON-lines file, one line per row, flushed as each is written (a process
    killed between two rows loses nothing; one killed mid-line leaves a torn line, which
    :func:`read_rows` drops and the next writer cuts off).

    A context manager. The file (and its folder) is opened at the first :meth:`write`, so a writer
    that writes nothing leaves nothing behind.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._file = None

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+b")
        size = self._file.seek(0, os.SEEK_END)
        if size:
            self._file.seek(size - 1)
            if self._file.read(1) != b"\n":  # a torn last line: cut it
                self._file.seek(0)
                self._file.truncate(self._file.read().rfind(b"\n") + 1)
        self._file.seek(0, os.SEEK_END)

    def write(self, row: dict) -> None:
        """Append ``row`` (NaN is written as ``NaN``, which :func:`read_rows` reads back)."""
        if self._file is None:
            self._open()
        self._file.write((json.dumps(row) + "\n").encode())
        self._file.flush()
