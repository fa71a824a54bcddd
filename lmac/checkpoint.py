"""Self-describing checkpoints that load with ``torch.load(..., weights_only=True)``.

A component (classifier or head) is stored as a plain record::

    {"target": "lmac.classifiers.demo.MelCNN", "config": {...init kwargs...},
     "state_dict": {...tensors...}, "fingerprint": "sha256..."}

Only plain containers, numbers, strings and tensors are stored, so loading never unpickles
code. Rebuilding imports the named class only from the ``lmac`` package unless the caller
explicitly allows other modules. A component's init kwargs are recorded by :func:`capture_init`
on its ``__init__``; every file carries a format tag (:data:`CLASSIFIER_FORMAT`,
:data:`EXPLAINER_FORMAT`).
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import functools
import hashlib
import importlib
import inspect
import os
import platform
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lmac.atomic import atomic_path
from lmac.resources import resolve_checkpoint

__all__ = [
    "CLASSIFIER_FORMAT",
    "EXPLAINER_FORMAT",
    "CheckpointError",
    "capture_init",
    "captured_config",
    "amend_config",
    "versions",
    "fingerprint",
    "component_record",
    "build_component",
    "save_checkpoint",
    "load_checkpoint",
    "read_weights_only",
]

CLASSIFIER_FORMAT = "lmac-classifier/1"
EXPLAINER_FORMAT = "lmac-explainer/1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: unreadable, wrong kind, or for another classifier."""


def _plain(value: Any) -> Any:
    """An init argument as a plain value a weights-only checkpoint can hold (tuples and config
    containers become lists / dicts, dataclasses such as ``STFTConfig`` their field dicts)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if k != "_target_"}
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    raise TypeError(f"cannot record an init argument of type {type(value).__name__} in a checkpoint")


def capture_init(init: Callable) -> Callable:
    """Decorate a component's ``__init__`` so that ``self._config`` holds the call's arguments
    (defaults filled in, as plain values): the kwargs :func:`captured_config` returns and
    :func:`build_component` rebuilds the component from. The outermost decorated ``__init__`` of
    a class hierarchy records; the body may amend the record with :func:`amend_config` (e.g. drop a
    file path whose contents the weights already hold). An argument that is not a plain value (a tensor, a model)
    makes the component undescribable: it is then stored by weight fingerprint only. Arguments the
    class lists in ``unrecorded_args`` are left out (rebuilt with their defaults; e.g. a head's
    factorization, an object that holds no weights)."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if "_config" not in self.__dict__:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(list(bound.arguments.items())[1:])  # without self
            for name, param in signature.parameters.items():
                if param.kind is param.VAR_KEYWORD:
                    arguments.update(arguments.pop(name))
            for name in getattr(type(self), "unrecorded_args", ()):
                arguments.pop(name, None)
            try:
                config = {k: _plain(v) for k, v in arguments.items()}
            except TypeError as err:
                config = err
            object.__setattr__(self, "_config", config)
        init(self, *args, **kwargs)

    return wrapper


def amend_config(module: Any, **values: Any) -> None:
    """Replace recorded init kwargs of ``module`` (e.g. the resolved value of a ``None`` default);
    a no-op for an undescribable module."""
    config = module.__dict__.get("_config")
    if isinstance(config, dict):
        config.update({k: _plain(v) for k, v in values.items()})


def captured_config(module: Any) -> dict:
    """A copy of the init kwargs recorded by :func:`capture_init` (``NotImplementedError`` if none were)."""
    config = module.__dict__.get("_config")
    if not isinstance(config, dict):
        reason = f" ({config})" if isinstance(config, Exception) else ""
        raise NotImplementedError(
            f"{type(module).__name__} cannot be described in a checkpoint{reason}; "
            "pass the object itself when loading instead"
        )
    return copy.deepcopy(config)


def versions() -> dict[str, str]:
    """Versions of the packages a checkpoint depends on."""
    import torchaudio

    from lmac import __version__

    return {
        "lmac": str(__version__),
        "torch": str(torch.__version__),
        "torchaudio": str(torchaudio.__version__),
        "python": platform.python_version(),
    }


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
    record = {
        "target": f"{cls.__module__}.{cls.__qualname__}",
        "config": None,
        "state_dict": {},
        "fingerprint": fingerprint(module),
    }
    try:
        record["config"] = module.config()
    except NotImplementedError:
        return record
    record["state_dict"] = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    return record


# Set while a component allowed to be external is built, so records nested in its config (a view's
# classifier, rebuilt by the view's own __init__) are trusted as the caller trusted the outer one.
_ALLOW_EXTERNAL: contextvars.ContextVar[bool] = contextvars.ContextVar("lmac_allow_external", default=False)


def build_component(record: dict, base: type, allow_external: bool = False, load_weights: bool = True) -> nn.Module:
    """Rebuild a component from :func:`component_record` output.

    Args:
        record: the stored record.
        base: the class the rebuilt object must derive from (e.g. ``AudioClassifier``).
        allow_external: allow classes outside the ``lmac`` package (imports that module). Components
            the rebuilt one builds from records in its own config while it is constructed (e.g. the
            classifier inside :class:`~lmac.classifiers.ConceptOutputs`) inherit this permission.
        load_weights: load the stored state dict.
    """
    allow_external = allow_external or _ALLOW_EXTERNAL.get()
    target = record["target"]
    if record.get("config") is None:
        raise CheckpointError(
            f"the stored {target} could not be described (only its weight fingerprint is "
            "stored); pass the model itself: --classifier MODULE:FACTORY on the command line, "
            "classifier=... in Python"
        )
    module_name, _, cls_name = target.rpartition(".")
    if not (module_name == "lmac" or module_name.startswith("lmac.")) and not allow_external:
        raise CheckpointError(
            f"checkpoint names class {target!r} outside lmac; pass --allow-external "
            "(allow_external=True in Python) only for checkpoints you trust"
        )
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError) as err:
        raise CheckpointError(f"checkpoint names class {target!r}, which cannot be found ({err})") from None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise CheckpointError(f"checkpoint class {target!r} is not a {base.__name__}")
    token = _ALLOW_EXTERNAL.set(allow_external)
    try:
        module = cls(**record["config"])
    finally:
        _ALLOW_EXTERNAL.reset(token)
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
