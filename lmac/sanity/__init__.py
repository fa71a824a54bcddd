"""The sanity suite of a trained explainer (``lmac sanity``): does it depend on the classifier and on the
class asked for? One :class:`Check` per question, each with its threshold and pass/fail."""

from lmac.sanity.checks import (
    Check,
    class_sensitivity,
    explain_both,
    explain_two_sources,
    kept_head_randomization,
    retrained_maps,
    saturation,
    target_swap,
    to_markdown,
)

__all__ = [
    "Check",
    "class_sensitivity",
    "explain_both",
    "explain_two_sources",
    "kept_head_randomization",
    "retrained_maps",
    "saturation",
    "target_swap",
    "to_markdown",
]
