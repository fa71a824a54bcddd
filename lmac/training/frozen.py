"""Quiet Lightning's "modules in eval mode" message when those modules are the frozen classifier.

Lightning warns "Found N module(s) in eval mode at the start of training" on every fit; while a
head trains, the frozen classifier is in ``eval()`` on purpose (see
:meth:`~lmac.classifiers.AudioClassifier.freeze`). :func:`quiet_frozen_eval_warning` silences
exactly that message with N = the classifier's module count, so any other module left in eval
mode (a larger N) is still reported.
"""

from __future__ import annotations

import contextlib
import re
import warnings

from torch import nn

__all__ = ["quiet_frozen_eval_warning"]


def quiet_frozen_eval_warning(frozen: nn.Module) -> contextlib.ExitStack:
    """Start silencing the message for ``frozen``'s modules; ``.close()`` the returned stack to stop
    (the filter lives in a ``warnings.catch_warnings`` context, so other filters are untouched)."""
    n_eval = sum(not m.training for m in frozen.modules())
    stack = contextlib.ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.filterwarnings(
        "ignore", message=re.escape(f"Found {n_eval} module(s) in eval mode at the start of training.")
    )
    return stack
