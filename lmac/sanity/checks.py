"""The checks of ``lmac sanity``: each explains clips with the explainer under test and scores the maps
with the pure functions of :mod:`lmac.metrics.sanity` and :mod:`lmac.metrics.sensitivity`.

Thresholds are those of issue 9's acceptance for the demo head; a check passes when its value is on
the right side of its threshold (``at most`` or ``at least``, or ``above`` the control's value).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch

from lmac.benchmark.scoring import score_two_sources
from lmac.metrics.sanity import model_randomization, rank_correlation
from lmac.metrics.sensitivity import map_correlation, unsaturated_share

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

RULES = {"at most": lambda v, t: v <= t, "at least": lambda v, t: v >= t, "above": lambda v, t: v > t}


@dataclass
class Check:
    """One row of the sanity table.

    Attributes:
        name: what is checked.
        value: the measured figure (``nan`` when the check did not run).
        rule: ``"at most"``, ``"at least"`` or ``"above"`` (strictly, e.g. the control's value).
        threshold: the figure ``value`` is compared with.
        n: clips or mixtures it was measured on.
        detail: further figures (per layer, the control's, ...).
    """

    name: str
    value: float
    rule: str
    threshold: float
    n: int
    detail: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        """Whether the check passes (``None`` when it did not run)."""
        if self.value != self.value:  # nan
            return None
        return bool(RULES[self.rule](self.value, self.threshold))

    def to_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def kept_head_randomization(
    explainer, wav: torch.Tensor, target: torch.Tensor, threshold: float = 0.6, seed: int = 0
) -> Check:
    """Cascading model randomisation with the explainer kept as it is
    (:func:`~lmac.metrics.sanity.model_randomization`).

    Value: mean Spearman correlation over ``wav (B, T)`` between the maps from the trained classifier and
    from the copy with every layer re-initialised; ``detail["by_layer"]``: the mean after each layer.
    """
    result = model_randomization(explainer, wav, target, seed=seed)
    corr = result["correlation"]
    by_layer = dict(zip(result["layers"], corr.mean(dim=1).tolist()))
    return Check("randomisation, head kept", float(corr[-1].mean()), "at most", threshold, wav.shape[0], by_layer)


def retrained_maps(
    name: str, reference: torch.Tensor, explainer, wav: torch.Tensor, target: torch.Tensor, threshold: float = 0.3
) -> Check:
    """Spearman correlation between ``reference (B, F, frames)`` (the maps of the explainer under test) and
    the maps of ``explainer`` (e.g. the head retrained on a randomised classifier) for the same clips and classes."""
    maps = explainer.explain(wav, target=target).saliency
    return Check(name, float(rank_correlation(reference, maps).mean()), "at most", threshold, wav.shape[0])


@torch.no_grad()
def target_swap(explainer, wav: torch.Tensor, threshold: float = 0.3) -> Check:
    """Pearson correlation of the maps for the classifier's top class and for its second class on each clip."""
    second, first = explainer.classifier(wav).topk(2, dim=-1).indices.unbind(dim=-1)
    corr = map_correlation(
        explainer.explain(wav, target=first).saliency, explainer.explain(wav, target=second).saliency
    )
    return Check("target swap (A-vs-B corr)", float(corr.mean()), "at most", threshold, wav.shape[0])


@torch.no_grad()
def saturation(explainer, wav: torch.Tensor, target: torch.Tensor, threshold: float = 0.2) -> Check:
    """Share of map values strictly inside (0.05, 0.95) (:func:`~lmac.metrics.sensitivity.unsaturated_share`)."""
    share = unsaturated_share(explainer.explain(wav, target=target).saliency)
    return Check("unsaturated share", float(share.mean()), "at least", threshold, wav.shape[0])


@torch.no_grad()
def explain_both(explainer, mix: torch.Tensor, classes: torch.Tensor):
    """Explain each mixture ``mix (M, T)`` once for each of its ``classes (M, 2)``, in one batch: every
    mixture for its first class, then every one for its second. Returns the explanation (``2M`` rows) and
    the class each row asks for, ``(2M,)``."""
    asked = torch.cat([classes[:, 0], classes[:, 1]])
    return explainer.explain(torch.cat([mix, mix]), target=asked), asked


@torch.no_grad()
def explain_two_sources(
    explainer, mix: torch.Tensor, sources: torch.Tensor, classes: torch.Tensor
) -> dict[str, torch.Tensor]:
    """:func:`explain_both`, scored by :func:`~lmac.benchmark.scoring.score_two_sources` with ``sources
    (M, 2, T)``: each value ``(M,)``."""
    return score_two_sources(explain_both(explainer, mix, classes)[0], sources)


def class_sensitivity(
    explainer, control, mix: torch.Tensor, sources: torch.Tensor, classes: torch.Tensor, threshold: float = 0.9
) -> list[Check]:
    """Both classes kept on two-class mixtures (at least ``threshold`` of them), and more often than by
    the classifier-free ``control`` (with a larger asked-for share)."""
    own = {k: float(v.mean()) for k, v in explain_two_sources(explainer, mix, sources, classes).items()}
    ctrl = {k: float(v.mean()) for k, v in explain_two_sources(control, mix, sources, classes).items()}
    n = mix.shape[0]
    return [
        Check("both classes kept", own["both_kept"], "at least", threshold, n, {"asked_share": own["asked_share"]}),
        Check(
            "beats the control: both kept",
            own["both_kept"],
            "above",
            ctrl["both_kept"],
            n,
            {"control": getattr(control, "name", "control")},
        ),
        Check("beats the control: asked share", own["asked_share"], "above", ctrl["asked_share"], n),
    ]


def to_markdown(checks: list[Check]) -> str:
    """The table: ``| check | value | threshold | n | pass |``."""
    lines = ["| check | value | threshold | n | pass |", "|---|---|---|---|---|"]
    for c in checks:
        verdict = {True: "pass", False: "FAIL", None: "not run"}[c.passed]
        value = "–" if c.passed is None else f"{c.value:.3f}"
        lines.append(f"| {c.name} | {value} | {c.rule} {c.threshold:.3f} | {c.n} | {verdict} |")
    return "\n".join(lines)
