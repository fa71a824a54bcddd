"""``lmac aggregate``: build the classifier, the methods and the data; explain every clip with every
method; aggregate per predicted class; write the table, figures and montages (:mod:`lmac.global_`)."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig

from lmac.global_ import GlobalAggregation, GlobalResult, to_markdown, write_global
from lmac.tasks.benchmark import build_data, build_methods

__all__ = ["aggregate"]

log = logging.getLogger("lmac.aggregate")


def aggregate(cfg: DictConfig, run_dir: str | Path) -> GlobalResult:
    """Run the aggregation of ``cfg`` and write its outputs into ``run_dir``."""
    classifier = instantiate(cfg.classifier).to(cfg.device)
    methods = build_methods(cfg, classifier)
    data = build_data(cfg, classifier)
    runner: GlobalAggregation = instantiate(cfg.runner)
    result = runner.run(classifier, methods, data)
    paths = write_global(result, run_dir)
    print(to_markdown(result))
    print(f"wrote {len(paths)} files into {run_dir}")
    log.info("wrote %s", paths)
    return result
