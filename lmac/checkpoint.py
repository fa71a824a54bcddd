"""Self-describing checkpoints that load with ``torch.load(..., weights_only=True)``.

A component (classifier or head) is stored as a plain record::

    {"target": "lmac.classifiers.demo.MelCNN", "config": {...init kwargs...},
     "state_dict": {...tensors...}, "fingerprint": "sha256..."}

Only plain containers, numbers, strings and tensors are stored, so loading never unpickles
code. Rebuilding imports the named class only from the ``lmac`` package unless the caller
explicitly allows other modules.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import platform
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lmac.atomic import atomic_path
from lmac.resources import resolve_checkpoint

__all__ = ["CheckpointError", "versions", "fingerprint", "component_record", "build_component",
           "save_checkpoint", "load_checkpoint", "read_weights_only"]


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: unreadable, wrong kind, or for another classifier."""


def versions() -> dict[str, str]:
    """Versions of the packages a checkpoint depends on."""
    from lmac import __version__
    import torchaudio
    return {"lmac": str(__version__), "torch": str(torch.__version__), "torchaudio": str(torchaudio.__version__),
            "python": platform.python_version()}


def fingerprint(module: nn.Module) -> str:
    """SHA-256 over the module's state dict (names, shapes and values), in a fixed order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def component_record(module: nn.Module) -> dict[str, Any]:
    """Plain description of a component: class path, init kwargs, weights and fingerprint.

    A module whose ``config()`` raises ``NotImplementedError`` (e.g. a ``TappedClassifier``
    around a user's own network) is stored by fingerprint only (``"config": None``); loading
    then needs the object itself, which the fingerprint check ties to these weights.
    """
    cls = type(module)
    record = {"target": f"{cls.__module__}.{cls.__qualname__}", "config": None, "state_dict": {},
              "fingerprint": fingerprint(module)}
    try:
        record["config"] = module.config()
    except NotImplementedError:
        return record
    record["state_dict"] = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    return record


def build_component(record: dict, base: type, allow_external: bool = False, load_weights: bool = True) -> nn.Module:
    """Rebuild a component from :func:`component_record` output.

    Args:
        record: the stored record.
        base: the class the rebuilt object must derive from (e.g. ``AudioClassifier``).
        allow_external: allow classes outside the ``lmac`` package (imports that module).
        load_weights: load the stored state dict.
    """
    target = record["target"]
    if record.get("config") is None:
        raise CheckpointError(f"the stored {target} could not be described (only its weight fingerprint is "
                              "stored); pass the model object itself (e.g. classifier=...)")
    module_name, _, cls_name = target.rpartition(".")
    if not (module_name == "lmac" or module_name.startswith("lmac.")) and not allow_external:
        raise CheckpointError(f"checkpoint names class {target!r} outside lmac; pass allow_external=True "
                              "only for checkpoints you trust")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError) as err:
        raise CheckpointError(f"checkpoint names class {target!r}, which cannot be found ({err})") from None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise CheckpointError(f"checkpoint class {target!r} is not a {base.__name__}")
    module = cls(**record["config"])
    if load_weights:
        module.load_state_dict(record["state_dict"])
    return module


def save_checkpoint(payload: dict, path: str | os.PathLike) -> Path:
    """Write ``payload`` atomically with ``torch.save`` (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {**payload, "versions": versions()}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def read_weights_only(path: Path, missing: str, unreadable: str) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU; a missing or unloadable file raises
    :class:`CheckpointError` as ``"<path>: <missing>"`` / ``"<path>: <unreadable> (<error type>)"``."""
    if not path.is_file():
        raise CheckpointError(f"{path}: {missing}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # unpickling, zip and I/O errors all mean "not usable"
        raise CheckpointError(f"{path}: {unreadable} ({type(err).__name__})") from None


def load_checkpoint(path: str | os.PathLike, formats: tuple[str, ...]) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` (a path, or the name of a shipped one such
    as ``"demo_lmac"``), checking its format tag."""
    path = resolve_checkpoint(path)
    payload = read_weights_only(path, "no such checkpoint file", "not a readable lmac checkpoint")
    fmt = payload.get("format") if isinstance(payload, dict) else None
    if fmt not in formats:
        raise CheckpointError(f"{path}: checkpoint format {fmt!r}, expected one of {list(formats)}")
    return payload
