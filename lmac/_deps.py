"""The torch / torchaudio pair lmac needs, checked once with a one-line message on failure.

torchaudio ships a native library built against one torch release. When pip resolves a
torchaudio built for another torch (seen on 2026-11-30: torch 2.11.0 with torchaudio 2.11.1),
``import torchaudio`` fails with an ``OSError`` about an undefined symbol deep inside
``libtorchaudio.so``. :func:`check_torchaudio` turns that into one line naming the installed
versions and the pair pinned in lmac's own requirements.
"""

from __future__ import annotations

import re
from importlib import metadata

__all__ = ["DependencyError", "check_torchaudio", "pinned_pair"]


class DependencyError(ImportError):
    """torch / torchaudio are missing or do not load together."""


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def pinned_pair() -> str:
    """``"torch==X torchaudio==X"`` as pinned in lmac's requirements (its installed metadata)."""
    try:
        requires = metadata.requires("lmac") or []
    except metadata.PackageNotFoundError:
        requires = []
    pins = [re.sub(r"\s+", "", r.split(";")[0]) for r in requires if re.match(r"(torch|torchaudio)\s*==", r)]
    return " ".join(sorted(pins)) or "the torch / torchaudio pair pinned in lmac's pyproject.toml"


def check_torchaudio() -> None:
    """Import torchaudio (which loads its native library) or raise :class:`DependencyError` in one line."""
    try:
        import torchaudio  # noqa: F401
        import torchaudio.functional  # noqa: F401
    except (OSError, ImportError, RuntimeError) as err:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        missing = [name for name in ("torch", "torchaudio") if _installed(name) == "not installed"]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            problem = f"{' and '.join(missing)} {verb} not installed in this Python"
        else:
            problem = f"torchaudio {_installed('torchaudio')} does not load with torch {_installed('torch')}"
        problem += f" ({detail[:160]})"
        raise DependencyError(f"{problem}; install the matching pair: pip install {pinned_pair()}") from None
