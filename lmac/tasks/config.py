"""Where the Hydra configs live, the resolvers they use, and values given to nodes at wiring time."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from lmac.resources import CONFIG_DIR, shipped_checkpoint

__all__ = ["CONFIG_DIR", "register_resolvers", "compose_train", "fill_grid", "method_config", "one_line_errors"]


def register_resolvers() -> None:
    """``${lmac_checkpoint:NAME}`` -> the path of the shipped checkpoint ``NAME`` (``lmac/checkpoints/NAME.pt``)."""
    if not OmegaConf.has_resolver("lmac_checkpoint"):
        OmegaConf.register_new_resolver("lmac_checkpoint", lambda name: str(shipped_checkpoint(name)))


def method_config(name: str) -> DictConfig:
    """The method option ``name`` (``lmac/conf/method/<name>.yaml``) composed as ``lmac benchmark``
    composes it (options built on a base, such as the ``lime_*`` ones on ``lime_base``, come out
    whole); build it with ``hydra.utils.instantiate(method_config(name), classifier=...)``. For
    scripts: it (re)initialises Hydra's global state, so do not call it inside a running Hydra app."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("benchmark", overrides=[f"+method@methods.{name}={name}"]).methods[name]


def compose_train(overrides: list[str], run_dir: str | os.PathLike) -> DictConfig:
    """``conf/train.yaml`` composed with ``overrides`` as ``lmac train`` composes it, ``run_dir`` as its output dir."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(run_dir)
        cfg.overrides = list(overrides)
    HydraConfig.instance().set_config(cfg)
    return cfg


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


@contextlib.contextmanager
def one_line_errors(prog: str) -> Iterator[None]:
    """Bad input met by the wiring (data that does not fit the classifier, an unusable checkpoint or
    audio file, a shard that cannot run) ends the task with one line on stderr and exit code 2, like
    the other lmac commands."""
    from lmac.audio import AudioError
    from lmac.checkpoint import CheckpointError
    from lmac.data.base import ClipFormatError
    from lmac.sharding import ShardError

    try:
        yield
    except (ClipFormatError, CheckpointError, AudioError, ShardError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        sys.exit(2)


register_resolvers()
