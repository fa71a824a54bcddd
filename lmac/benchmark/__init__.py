"""The benchmark: score any set of explainers on any set of settings with one suite of metrics."""

from lmac.benchmark.aggregate import METRICS, format_cell, mean_ci, summarize, to_markdown, write_results
from lmac.benchmark.rows import IncompleteRun, merge_runs, read_run_rows, records_from_rows
from lmac.benchmark.runner import Benchmark, ExampleSink
from lmac.benchmark.scoring import score_explanation, score_with_curves

__all__ = [
    "Benchmark",
    "ExampleSink",
    "IncompleteRun",
    "METRICS",
    "format_cell",
    "mean_ci",
    "merge_runs",
    "read_run_rows",
    "records_from_rows",
    "score_explanation",
    "score_with_curves",
    "summarize",
    "to_markdown",
    "write_results",
]
