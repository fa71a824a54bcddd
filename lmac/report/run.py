"""A benchmark run folder as the report reads it.

Layout (``lmac benchmark`` writes it, see :mod:`lmac.tasks.benchmark`; ``results.*`` last, so a
run that stopped has no ``results.json``)::

    results.json / .csv / .md              one record per (method, setting)
    examples/<setting>/<clip>.wav           an example clip's input, shared by the methods
    examples/<setting>/<method>/<clip>.*    its explanation by one method (lmac explain's format)
    .hydra/config.yaml                      the composed configuration (Hydra)

Runs written before examples and curves existed still read: those sections are left out.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from lmac.report.clips import ClipView, ReportError, read_clip

__all__ = ["EXAMPLES", "Run", "is_run_folder", "read_run"]

EXAMPLES = "examples"
_RUN_MARKERS = ("results.json", "results.md", "results.csv", ".hydra", EXAMPLES)


@dataclass
class Run:
    """A finished benchmark run.

    Attributes:
        path: the run folder.
        records: ``results.json``.
        settings, methods: in the order of the records.
        examples: setting -> clips, each a list of views (one per method, in ``methods`` order).
        config: the text of ``.hydra/config.yaml``, if present.
    """

    path: Path
    records: list[dict]
    settings: list[str]
    methods: list[str]
    examples: dict[str, list[list[ClipView]]] = field(default_factory=dict)
    config: str | None = None

    def records_of(self, setting: str) -> list[dict]:
        return [r for r in self.records if r["setting"] == setting]


def is_run_folder(path: str | os.PathLike) -> bool:
    """True where ``path`` holds (part of) a benchmark run."""
    return any((Path(path) / m).exists() for m in _RUN_MARKERS)


def _read_records(path: Path) -> list[dict]:
    results = path / "results.json"
    if not results.is_file():
        raise ReportError(f"{path}: partial benchmark run folder, results.json is missing (did the run finish?)")
    try:
        records = json.loads(results.read_text())
    except (OSError, ValueError) as err:
        raise ReportError(f"{results}: not readable as JSON ({err})") from None
    if (
        not isinstance(records, list)
        or not records
        or not all(isinstance(r, dict) and {"method", "setting", "n"} <= set(r) for r in records)
    ):
        raise ReportError(f"{results}: not a benchmark result (expected a list of records with method, setting, n)")
    return records


def _read_examples(path: Path, setting: str, methods: list[str]) -> list[list[ClipView]]:
    """The clips of ``examples/<setting>``: every method folder must hold the same clips."""
    folder = path / EXAMPLES / setting
    stems: dict[str, list[str]] = {}
    for method in methods:
        if not (folder / method).is_dir():
            raise ReportError(f"{folder / method}: missing (partial benchmark run folder)")
        stems[method] = sorted(p.name[: -len(".json")] for p in (folder / method).glob("*.json"))
    first = stems[methods[0]]
    for method, names in stems.items():
        if names != first:
            raise ReportError(
                f"{folder / method}: holds clips {names}, {methods[0]} holds {first} (partial run folder)"
            )
    return [[read_clip(folder / m / f"{stem}.json") for m in methods] for stem in first]


def read_run(path: str | os.PathLike) -> Run:
    """Read a benchmark run folder; a missing or partial one raises :class:`ReportError`."""
    path = Path(path)
    if not path.is_dir():
        raise ReportError(f"{path}: no such folder")
    records = _read_records(path)
    settings = list(dict.fromkeys(r["setting"] for r in records))
    methods = list(dict.fromkeys(r["method"] for r in records))
    run = Run(path, records, settings, methods)
    for setting in settings:
        if (path / EXAMPLES / setting).is_dir():
            present = [r["method"] for r in run.records_of(setting)]
            run.examples[setting] = _read_examples(path, setting, present)
    config = path / ".hydra" / "config.yaml"
    run.config = config.read_text() if config.is_file() else None
    return run
