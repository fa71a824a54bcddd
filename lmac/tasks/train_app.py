"""Hydra entry point of ``lmac train`` (also run directly by Lightning's DDP launcher)."""

from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from lmac.tasks.config import CONFIG_DIR, one_line_errors


@hydra.main(config_path=str(CONFIG_DIR), config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> None:
    from lmac.tasks.train import train

    hc = HydraConfig.get()
    with open_dict(cfg):
        cfg.overrides = list(hc.overrides.task)
    with one_line_errors("lmac train"):
        train(cfg, hc.runtime.output_dir)


if __name__ == "__main__":
    main()
