"""Hydra entry point of ``lmac aggregate``."""

from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from lmac.tasks.config import CONFIG_DIR, one_line_errors


@hydra.main(config_path=str(CONFIG_DIR), config_name="aggregate", version_base="1.3")
def main(cfg: DictConfig) -> None:
    from lmac.tasks.aggregate import aggregate

    with one_line_errors("lmac aggregate"):
        aggregate(cfg, HydraConfig.get().runtime.output_dir)


if __name__ == "__main__":
    main()
