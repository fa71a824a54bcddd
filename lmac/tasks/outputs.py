"""What ``lmac explain`` writes: one output set per clip, written as the clip is explained, and an index.

Per clip ``<stem>``: ``<stem>.explanation.wav`` and ``<stem>.residual.wav`` (32-bit float, written
block by block), ``<stem>.png`` (input spectrogram, saliency, explanation spectrogram, pooled over
time to at most ``MAX_COLUMNS`` columns for long recordings) and ``<stem>.json``. The four appear
together or not at all. ``index.csv`` and ``index.json`` have one row per input (:data:`INDEX_FIELDS`).
Each row is also appended, as its input finishes, to the shard's journal ``index.<i>-of-<n>.jsonl``
(:func:`journal_path`), which a restarted run reads to skip what is done (:func:`journal_rows`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
from pathlib import Path

import torch

from lmac.atomic import atomic_path, atomic_paths
from lmac.audio import AudioWriter
from lmac.explainers.streaming import FrameStream
from lmac.explainers.windowing import ClipPiece
from lmac.explanation import clip_record
from lmac.report.plots import spectrogram_panels
from lmac.sharding import Shard, read_rows
from lmac.spectral import STFT, STFTConfig

__all__ = [
    "OUTPUT_SUFFIXES",
    "INDEX_FIELDS",
    "INDEX_NAME",
    "MAX_COLUMNS",
    "ClipWriter",
    "output_paths",
    "write_index",
    "journal_path",
    "journal_rows",
]

OUTPUT_SUFFIXES = {"explanation": ".explanation.wav", "residual": ".residual.wav", "png": ".png", "json": ".json"}
INDEX_NAME = "index"  # index.csv, index.json
INDEX_FIELDS = [
    "input",
    "status",
    "error",
    "json",
    "explanation",
    "residual",
    "png",
    "target",
    "target_name",
    "output",
    "prob_original",
    "prob_explanation",
    "prob_residual",
    "duration",
    "seconds",
]
MAX_COLUMNS = 1000  # time columns of a PNG panel; longer recordings are averaged over groups of frames


def output_paths(out_dir: str | os.PathLike, stem: str) -> dict[str, Path]:
    """The four files of clip ``stem`` (``stem`` may hold sub-folders): kind -> path."""
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}


class _ColumnPool:
    """Average consecutive frames ``(F, n)`` in groups of ``k`` as they arrive."""

    def __init__(self, k: int):
        self.k, self._rest, self._columns = k, None, []

    def push(self, frames: torch.Tensor) -> None:
        frames = frames.detach().float().cpu()
        frames = frames if self._rest is None else torch.cat([self._rest, frames], dim=1)
        full = frames.shape[1] // self.k * self.k
        if full:
            self._columns.append(frames[:, :full].unflatten(1, (-1, self.k)).mean(dim=2))
        self._rest = frames[:, full:]

    def result(self) -> torch.Tensor:
        if self._rest is not None and self._rest.shape[1]:
            self._columns.append(self._rest.mean(dim=1, keepdim=True))
        return torch.cat(self._columns, dim=1)


class ClipWriter:
    """Write one clip's output set while its :class:`~lmac.explainers.windowing.ClipPiece` s arrive.

    A context manager: the files are written to temporary names and renamed together when the
    block ends without error (:func:`~lmac.atomic.atomic_paths`); on error none appears.

    Args:
        out_dir: output folder.
        stem: file name stem (may hold sub-folders).
        length: samples of the clip.
        sample_rate: its rate.
        grid: the STFT grid of the saliency (the spectrograms in the PNG are drawn on it too).
    """

    def __init__(self, out_dir: str | os.PathLike, stem: str, length: int, sample_rate: int, grid: STFTConfig):
        self.paths = output_paths(out_dir, stem)
        self.stem, self.length, self.sample_rate, self.grid = stem, int(length), int(sample_rate), grid
        stft = STFT(grid)
        self._frames = (FrameStream(length, stft), FrameStream(length, stft))
        k = math.ceil(grid.n_frames(length) / MAX_COLUMNS)
        self._pools = [_ColumnPool(k) for _ in range(3)]  # input, saliency, explanation
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> ClipWriter:
        tmps = dict(zip(self.paths, self._stack.enter_context(atomic_paths(list(self.paths.values())))))
        self._tmps = tmps
        self._wavs = {
            kind: self._stack.enter_context(AudioWriter(tmps[kind], self.sample_rate))
            for kind in ("explanation", "residual")
        }
        return self

    def __exit__(self, *exc) -> bool | None:
        return self._stack.__exit__(*exc)

    def write(self, piece: ClipPiece) -> None:
        """Append the next samples and saliency frames."""
        self._wavs["explanation"].write(piece.explanation_wav)
        self._wavs["residual"].write(piece.residual_wav)
        frames_in, frames_e = self._frames
        self._pools[0].push(frames_in.push(piece.wav.cpu()))
        self._pools[1].push(piece.saliency)
        self._pools[2].push(frames_e.push(piece.explanation_wav.cpu()))

    def finish(self, method: str, target: int, info: dict, extras: dict) -> dict:
        """Write the PNG and the JSON record (``clip_record(method, ..., info, extras)``); returns the record."""
        for pool, frames in ((self._pools[0], self._frames[0]), (self._pools[2], self._frames[1])):
            pool.push(frames.finish())
        title = f"{self.stem}: {method}, target {info.get('target_name', target)}"
        mag, saliency, mag_e = (pool.result() for pool in self._pools)
        png = spectrogram_panels(mag, saliency, mag_e, self.length / self.sample_rate, self.sample_rate, title)
        Path(self._tmps["png"]).write_bytes(png)
        record = clip_record(method, self.sample_rate, target, self.grid, info, extras)
        Path(self._tmps["json"]).write_text(json.dumps(record, indent=2))
        return record


def write_index(rows: list[dict], out_dir: str | os.PathLike, **metadata) -> list[Path]:
    """Write ``index.csv`` and ``index.json`` (``{**metadata, "rows": rows}``) into ``out_dir``, atomically.

    Each row has the :data:`INDEX_FIELDS`: ``input``, ``status`` (``ok`` / ``error``), ``error``
    (the one-line message), the four output paths relative to ``out_dir``, the target, ``output``
    (``softmax`` / ``sigmoid``: how the three probabilities were computed), the three probabilities,
    ``duration`` (seconds of audio) and ``seconds`` (wall time).
    """
    out_dir = Path(out_dir)
    rows = [{field: row.get(field) for field in INDEX_FIELDS} for row in rows]
    paths = [out_dir / f"{INDEX_NAME}.csv", out_dir / f"{INDEX_NAME}.json"]
    with atomic_path(paths[0]) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=INDEX_FIELDS)
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    with atomic_path(paths[1]) as tmp:
        Path(tmp).write_text(json.dumps({**metadata, "rows": rows}, indent=2))
    return paths


def journal_path(out_dir: str | os.PathLike, shard: Shard) -> Path:
    """The journal of ``shard``: ``out_dir/index.<index>-of-<count>.jsonl``, one index row per line."""
    return Path(out_dir) / f"{INDEX_NAME}.{shard.name}.jsonl"


def journal_rows(out_dir: str | os.PathLike, run: str) -> dict[str, dict]:
    """Input path -> its index row, from the journals of every shard in ``out_dir`` whose rows carry
    ``run`` (the same checkpoint, classifier and target); an ``ok`` row beats an ``error`` row."""
    found: dict[str, dict] = {}
    for path in sorted(Path(out_dir).glob(f"{INDEX_NAME}.*.jsonl")):
        for row in read_rows(path):
            if row.get("run") == run and (row["status"] == "ok" or row["input"] not in found):
                found[row["input"]] = row
    return found
