"""The benchmark: score any set of explainers on any set of settings with one suite of metrics."""

from lmac.benchmark.aggregate import METRICS, mean_ci, summarize, to_markdown, write_results
from lmac.benchmark.runner import Benchmark
from lmac.benchmark.scoring import score_explanation

__all__ = ["Benchmark", "METRICS", "mean_ci", "score_explanation", "summarize", "to_markdown", "write_results"]
