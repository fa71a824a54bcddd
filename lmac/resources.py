"""Files shipped inside the package: the Hydra configs and the small demo checkpoints.

They live in ``lmac/conf/`` and ``lmac/checkpoints/`` so that an installed wheel finds them as
well as a checkout does. This is the one place that knows where they are.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PACKAGE_DIR",
    "CONFIG_DIR",
    "CHECKPOINT_DIR",
    "shipped_checkpoints",
    "shipped_checkpoint",
    "resolve_checkpoint",
]

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_DIR = Path(os.environ.get("LMAC_CONFIG_DIR", PACKAGE_DIR / "conf")).resolve()
CHECKPOINT_DIR = PACKAGE_DIR / "checkpoints"


def shipped_checkpoints() -> list[str]:
    """Names of the shipped checkpoints (file names without ``.pt``)."""
    return sorted(p.stem for p in CHECKPOINT_DIR.glob("*.pt"))


def shipped_checkpoint(name: str) -> Path:
    """Path of the shipped checkpoint ``name`` (e.g. ``"demo_lmac"``, or ``"codecs/demo_lmactd"`` for a
    shipped part of one); ``FileNotFoundError`` naming the shipped ones otherwise."""
    path = CHECKPOINT_DIR / Path(name).parent / f"{Path(name).stem}.pt"
    if Path(name).name not in (path.stem, path.name) or not path.is_file():
        raise FileNotFoundError(f"no shipped checkpoint named {name!r}; shipped: {shipped_checkpoints()}")
    return path


def resolve_checkpoint(path_or_name: str | os.PathLike) -> Path:
    """An existing file path as given, else the shipped checkpoint of that name, else the path as given
    (so the caller's "no such file" error names what the user typed)."""
    path = Path(path_or_name)
    if path.exists() or path.parent != Path("."):
        return path
    try:
        return shipped_checkpoint(str(path_or_name))
    except FileNotFoundError:
        return path
