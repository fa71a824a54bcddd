"""Where the Hydra configs live and the resolvers they use."""

from __future__ import annotations

from omegaconf import OmegaConf

from lmac.resources import CONFIG_DIR, shipped_checkpoint

__all__ = ["CONFIG_DIR", "register_resolvers"]


def register_resolvers() -> None:
    """``${lmac_checkpoint:NAME}`` -> the path of the shipped checkpoint ``NAME`` (``lmac/checkpoints/NAME.pt``)."""
    if not OmegaConf.has_resolver("lmac_checkpoint"):
        OmegaConf.register_new_resolver("lmac_checkpoint", lambda name: str(shipped_checkpoint(name)))


register_resolvers()
