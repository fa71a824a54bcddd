"""Per-clip rows of a benchmark run, and the records (the table) made from them.

A run, or each shard of it, produces JSON-serialisable rows (written as JSON lines by ``lmac
benchmark``, :mod:`lmac.sharding`):

- ``{"kind": "plan", "settings": {name: clips}, "methods": [...], "sanity": setting | None, ...}``:
  what the whole run covers (every shard writes the same plan, plus its ``shard``);
- ``{"kind": "clip", "setting", "method", "clip", "target", "scores": {metric: value}, "seconds",
  "classifier_seconds", "deletion_curve", "insertion_curve", "example"}``: one clip scored by one method;
- ``{"kind": "sanity", "setting", "method", "fields": {...}}``: the model-randomisation check of a
  method (run once, by shard 0, on the first clips of the sanity setting).

:func:`records_from_rows` turns the rows of every shard into one record per (method, setting),
from the per-clip values, so the means and 95 % intervals are those of one unsharded run.
"""

from __future__ import annotations

import math
import shutil
from collections import defaultdict
from pathlib import Path

import torch

from lmac.benchmark.aggregate import summarize, write_results
from lmac.sharding import ShardError, read_rows

__all__ = [
    "ROWS_DIR",
    "IncompleteRun",
    "clip_row",
    "row_key",
    "records_from_rows",
    "read_run_rows",
    "rows_path",
    "merge_runs",
]

ROWS_DIR = "rows"  # <run dir>/rows/<index>-of-<count>.jsonl, one file per shard


class IncompleteRun(ShardError):
    """The rows do not cover the run's plan yet (a shard is missing or still running)."""


def rows_path(run_dir: str | Path, shard_name: str) -> Path:
    """Where the shard named ``shard_name`` (:attr:`lmac.sharding.Shard.name`) writes its rows."""
    return Path(run_dir) / ROWS_DIR / f"{shard_name}.jsonl"


def clip_row(
    setting: str,
    method: str,
    clip: int,
    target: int,
    scores: dict[str, float],
    seconds: float,
    classifier_seconds: float,
    curves: dict[str, list[float]],
    example: bool,
) -> dict:
    """The row of clip ``clip`` of ``setting`` explained by ``method`` (fields: see the module docstring)."""
    return {
        "kind": "clip",
        "setting": setting,
        "method": method,
        "clip": int(clip),
        "target": int(target),
        "scores": scores,
        "seconds": seconds,
        "classifier_seconds": classifier_seconds,
        **curves,
        "example": bool(example),
    }


def row_key(row: dict) -> tuple:
    """What a row is about: ``("clip", setting, method, clip)`` or ``("sanity", setting, method)``."""
    key = (row["kind"], row["setting"], row["method"])
    return key + (row["clip"],) if row["kind"] == "clip" else key


def read_run_rows(run_dirs: list[str | Path]) -> list[dict]:
    """Every row under ``<run_dir>/rows/*.jsonl`` of each run folder, in file-name order.

    Raises:
        ShardError: a folder without rows (not a run of this version, or nothing run yet).
    """
    rows = []
    for run_dir in run_dirs:
        files = sorted((Path(run_dir) / ROWS_DIR).glob("*.jsonl"))
        if not files:
            raise ShardError(f"{run_dir}: no per-clip rows ({ROWS_DIR}/*.jsonl); is it an lmac benchmark run folder?")
        for path in files:
            rows += read_rows(path)
    return rows


def _plan(rows: list[dict]) -> dict:
    plans = [{k: v for k, v in r.items() if k != "shard"} for r in rows if r.get("kind") == "plan"]
    if not plans:
        raise ShardError("the rows hold no plan row: they are not from lmac benchmark")
    if any(p != plans[0] for p in plans):
        raise ShardError(
            "the rows come from different benchmark configurations (their plans differ); "
            "merge only the shards of one run"
        )
    return plans[0]


def _by_key(rows: list[dict], plan: dict) -> dict[tuple, dict]:
    """Rows by :func:`row_key` (a clip run twice, e.g. by overlapping shards, counts once), checked
    against the plan."""
    found: dict[tuple, dict] = {}
    for row in rows:
        if row.get("kind") in ("clip", "sanity"):
            found.setdefault(row_key(row), row)
    missing = [
        (s, m, i)
        for s, n in plan["settings"].items()
        for m in plan["methods"]
        for i in range(n)
        if ("clip", s, m, i) not in found
    ]
    missing_sanity = [m for m in plan["methods"] if plan["sanity"] and ("sanity", plan["sanity"], m) not in found]
    if missing or missing_sanity:
        total = sum(plan["settings"].values()) * len(plan["methods"])
        parts = [f"{len(missing)} of {total} clip rows"] if missing else []
        parts += [f"the sanity rows of {', '.join(missing_sanity)} (shard 0)"] if missing_sanity else []
        raise IncompleteRun(
            f"the run is not complete: missing {' and '.join(parts)}; "
            f"first missing clip: {missing[0] if missing else '-'}"
        )
    return found


def records_from_rows(rows: list[dict]) -> list[dict]:
    """One record per (method, setting), in the plan's order (settings outer), from the per-clip rows
    of all shards: means and 95 % intervals over the clips (:func:`~lmac.benchmark.aggregate.summarize`),
    mean deletion / insertion curves, and the sanity fields on the sanity setting's records.

    Raises:
        IncompleteRun: a clip or sanity row of the plan is missing.
        ShardError: no plan, or plans of different configurations.
    """
    plan = _plan(rows)
    found = _by_key(rows, plan)
    records = []
    for setting, n in plan["settings"].items():
        for method in plan["methods"]:
            clips = [found[("clip", setting, method, i)] for i in range(n)]
            scores: dict[str, list[float]] = defaultdict(list)
            for row in clips:
                for key, value in row["scores"].items():
                    scores[key].append(math.nan if value is None else value)
            curves = {
                key: torch.tensor([row[key] for row in clips]).mean(dim=0).tolist()
                for key in clips[0]
                if key.endswith("_curve")
            }
            record = summarize(
                method,
                setting,
                scores,
                [r["seconds"] for r in clips],
                [r["classifier_seconds"] for r in clips],
                **curves,
            )
            if setting == plan["sanity"]:
                record.update(found[("sanity", setting, method)]["fields"])
            records.append(record)
    return records


def merge_runs(run_dirs: list[str | Path], out_dir: str | Path) -> list[dict]:
    """Combine the per-clip rows of the shard folders ``run_dirs`` into one table in ``out_dir``:
    ``results.json``, ``.csv``, ``.md`` (:func:`records_from_rows`), and copy their ``examples/``
    there, so ``lmac report out_dir`` plays them. Returns the records.

    Raises:
        IncompleteRun: a shard's rows are missing (nothing is written).
    """
    records = records_from_rows(read_run_rows(run_dirs))
    out_dir = Path(out_dir)
    for run_dir in run_dirs:
        examples = Path(run_dir) / "examples"
        if examples.is_dir() and examples.resolve() != (out_dir / "examples").resolve():
            shutil.copytree(examples, out_dir / "examples", dirs_exist_ok=True)
    write_results(records, out_dir)
    return records
