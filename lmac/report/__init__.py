"""Listening reports: the per-clip view shared with the training callback, figures, and the HTML page.

Names are imported on first use (PEP 562), so ``lmac explain`` (which writes clips through
:mod:`lmac.report.clips`) does not load the page's templating and the benchmark tables.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "lmac.report.clips": ["ClipView", "ReportError", "clip_view", "read_clip", "signal_probabilities"],
    "lmac.report.page": ["PageOptions", "write_report"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name in _MODULE_OF:
        return getattr(importlib.import_module(_MODULE_OF[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
