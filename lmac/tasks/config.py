"""Where the Hydra configs live, the resolvers they use, and values given to nodes at wiring time."""

from __future__ import annotations

from omegaconf import DictConfig, ListConfig, OmegaConf

from lmac.resources import CONFIG_DIR, shipped_checkpoint

__all__ = ["CONFIG_DIR", "register_resolvers", "fill_grid"]


def register_resolvers() -> None:
    """``${lmac_checkpoint:NAME}`` -> the path of the shipped checkpoint ``NAME`` (``lmac/checkpoints/NAME.pt``)."""
    if not OmegaConf.has_resolver("lmac_checkpoint"):
        OmegaConf.register_new_resolver("lmac_checkpoint", lambda name: str(shipped_checkpoint(name)))


def fill_grid(node: DictConfig | ListConfig | None, grid: DictConfig) -> None:
    """Set every ``stft: null`` in ``node`` (at any depth, in place) to the run's grid node ``grid``
    (``conf/stft/``), so a head, or every method of a benchmark, shares one STFT grid given once."""
    if isinstance(node, DictConfig):
        for key, value in node.items_ex(resolve=False):
            if key == "stft" and value is None:
                node[key] = grid
            else:
                fill_grid(value, grid)
    elif isinstance(node, ListConfig):
        for value in node._iter_ex(resolve=False):
            fill_grid(value, grid)


register_resolvers()
