"""Per-clip scores -> one record per (method, setting) -> results.json / .csv / .md."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from statistics import median

import torch
from scipy.stats import t as student_t

from lmac.atomic import atomic_paths

__all__ = ["METRICS", "format_cell", "mean_ci", "summarize", "to_markdown", "write_results"]

# key -> (table header, higher is better). Order is the table's column order.
METRICS: dict[str, tuple[str, bool]] = {
    "ai": ("AI", True),
    "ad": ("AD", False),
    "ag": ("AG", True),
    "ff": ("FF", True),
    "fid_in": ("Fid-In", True),
    "ad_sb": ("AD (SB)", False),
    "sps": ("SPS", True),
    "comp": ("COMP", False),
    "unsaturated": ("Unsat.", True),
    "del_auc": ("Del AUC", False),
    "ins_auc": ("Ins AUC", True),
    "evidence_share": ("Share", True),
    "si_sdr": ("SI-SDR", True),
    "confound": ("Confound", False),
    "both_kept": ("Both kept", True),
    "asked_share": ("Asked share", True),
    "ab_corr": ("A-vs-B corr", False),
    "rand_corr": ("Rand corr", False),
    "clf_acc": ("Clf acc", True),
}


def mean_ci(values: list[float] | torch.Tensor) -> tuple[float, float]:
    """Mean and half-width of its 95% Student-t interval, ignoring NaN (``(nan, nan)`` if empty;
    half-width 0 for one value)."""
    x = torch.as_tensor(values, dtype=torch.float64).flatten()
    x = x[~torch.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan
    if len(x) == 1:
        return float(x[0]), 0.0
    half = float(student_t.ppf(0.975, len(x) - 1)) * float(x.std(unbiased=True)) / math.sqrt(len(x))
    return float(x.mean()), half


def summarize(
    method: str,
    setting: str,
    scores: dict[str, list[float]],
    seconds: list[float],
    classifier_seconds: list[float],
    **extra,
) -> dict:
    """One record: ``method``, ``setting``, ``n``, each metric's mean and ``<metric>_ci95`` (half-width
    of the 95% interval), ``seconds_median`` (per explanation), ``classifier_seconds_median`` (one
    forward pass on the same clips) and ``ratio_to_classifier``, plus ``extra`` fields."""
    record: dict = {"method": method, "setting": setting, "n": len(seconds)}
    for key, values in scores.items():
        record[key], record[f"{key}_ci95"] = mean_ci(values)
        record[f"{key}_n"] = int(sum(not math.isnan(v) for v in values))
    sec, clf = median(seconds), median(classifier_seconds)
    record.update(seconds_median=sec, classifier_seconds_median=clf, ratio_to_classifier=sec / max(clf, 1e-12))
    record.update(extra)
    return record


def format_cell(record: dict, key: str) -> str:
    """``record[key]`` as the table shows it: ``mean ± half-width`` (``–`` when absent or NaN)."""
    value = record.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    digits = 1 if abs(value) >= 10 or key in ("ai", "ad", "ag", "ad_sb") else 3
    half = record.get(f"{key}_ci95")
    return f"{value:.{digits}f}" + ("" if half is None or math.isnan(half) else f" ± {half:.{digits}f}")


def to_markdown(records: list[dict]) -> str:
    """Markdown table: one row per record, metric columns that any record has (mean ± 95% half-width)."""
    keys = [k for k in METRICS if any(k in r for r in records)]
    head = ["method", "setting", "n"] + [f"{METRICS[k][0]} {'↑' if METRICS[k][1] else '↓'}" for k in keys]
    head += ["s / expl.", "× classifier"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in records:
        cells = [r["method"], r["setting"], str(r["n"])] + [format_cell(r, k) for k in keys]
        cells += [f"{r['seconds_median']:.4f}", f"{r['ratio_to_classifier']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _jsonable(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def write_results(records: list[dict], run_dir: str | Path) -> list[Path]:
    """Write ``results.json`` (list of records, NaN as null), ``results.csv`` and ``results.md``, all or
    nothing (two shards finishing together may both write them)."""
    run_dir = Path(run_dir)
    paths = [run_dir / "results.json", run_dir / "results.csv", run_dir / "results.md"]
    clean = [{k: _jsonable(v) for k, v in r.items()} for r in records]
    fields = list(dict.fromkeys(k for r in clean for k in r))
    with atomic_paths(paths) as tmps:
        Path(tmps[0]).write_text(json.dumps(clean, indent=2))
        with open(tmps[1], "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows([{k: ("" if v is None else v) for k, v in r.items()} for r in clean])
        Path(tmps[2]).write_text(to_markdown(records) + "\n")
    return paths
