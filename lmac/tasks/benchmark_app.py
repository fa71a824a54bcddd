"""Hydra entry point of ``lmac benchmark``."""

from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from lmac.tasks.config import CONFIG_DIR, one_line_errors


@hydra.main(config_path=str(CONFIG_DIR), config_name="benchmark", version_base="1.3")
def main(cfg: DictConfig) -> None:
    from lmac.tasks.benchmark import benchmark

    with one_line_errors("lmac benchmark"):
        benchmark(cfg, cfg.results_dir or HydraConfig.get().runtime.output_dir)


if __name__ == "__main__":
    main()
