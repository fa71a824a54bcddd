"""Where the Hydra configs live and the resolvers they use."""

from __future__ import annotations

import os
from pathlib import Path

from omegaconf import OmegaConf

__all__ = ["CONFIG_DIR", "REPO_ROOT", "register_resolvers"]

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = Path(os.environ.get("LMAC_CONFIG_DIR", REPO_ROOT / "conf")).resolve()


def register_resolvers() -> None:
    """``${lmac_root:}`` -> the repository root (where ``checkpoints/`` and ``conf/`` are)."""
    if not OmegaConf.has_resolver("lmac_root"):
        OmegaConf.register_new_resolver("lmac_root", lambda: str(REPO_ROOT))


register_resolvers()
