"""Model-randomisation sanity check (Adebayo et al. 2018, "Sanity checks for saliency maps").

The weights of the classifier's layers are re-initialised from the top (output) down, one more
layer at each step (cascading randomisation), and the explainer is re-run on each copy. A
saliency map that barely changes while the model it claims to explain is destroyed does not
depend on the model: the method fails the check. The score is the Spearman rank correlation
between the map from the trained classifier and the map from each randomised copy (scipy's
``spearmanr``, ties averaged); low is good.

The explainer is passed in (anything with ``classifier``, ``with_classifier(classifier)`` and
``explain(wav, target)``); this module does not import explainers.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import torch
from scipy.stats import spearmanr
from torch import nn

__all__ = [
    "layer_order",
    "randomize_layers",
    "cascading_randomization",
    "rank_correlation",
    "model_randomization",
    "passes_randomization",
]


@torch.no_grad()
def layer_order(model: nn.Module, wav: torch.Tensor) -> list[str]:
    """Names of the layers with a weight matrix / kernel (conv, linear), in the order a forward
    pass on ``wav (B, T)`` runs them (input side first)."""
    names = {m: n for n, m in model.named_modules() if any(p.dim() >= 2 for p in m.parameters(recurse=False))}
    seen: list[str] = []
    hooks = [
        m.register_forward_hook(lambda mod, *_: seen.append(names[mod]) if names[mod] not in seen else None)
        for m in names
    ]
    try:
        model(wav)
    finally:
        for h in hooks:
            h.remove()
    return seen


@torch.no_grad()
def randomize_layers(model: nn.Module, names: list[str], seed: int = 0) -> nn.Module:
    """A deep copy of ``model`` with the named layers re-initialised (``reset_parameters`` where the
    layer has it, else a normal draw with the weight's own standard deviation)."""
    clone = copy.deepcopy(model)
    modules = dict(clone.named_modules())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for name in names:
            layer = modules[name]
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
            else:
                for p in layer.parameters(recurse=False):
                    p.normal_(0.0, float(p.std()) if p.numel() > 1 else 0.02)
    return clone


def cascading_randomization(model: nn.Module, wav: torch.Tensor, seed: int = 0) -> list[tuple[str, nn.Module]]:
    """Copies with the top 1, 2, ..., L layers randomised: ``[(name of the deepest layer reset, copy), ...]``."""
    order = layer_order(model, wav)[::-1]
    return [(name, randomize_layers(model, order[: k + 1], seed)) for k, name in enumerate(order)]


def rank_correlation(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Spearman correlation per example of two ``(B, ...)`` maps -> ``(B,)``.

    Identical maps score 1 (also when constant); a constant map against a varying one scores 0.
    """
    if a.shape != b.shape:
        raise ValueError(f"maps differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    x = a.detach().flatten(1).double().cpu().numpy()
    y = b.detach().flatten(1).double().cpu().numpy()
    out = []
    for xi, yi in zip(x, y):
        if np.array_equal(xi, yi):
            out.append(1.0)
        elif np.ptp(xi) == 0 or np.ptp(yi) == 0:
            out.append(0.0)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(float(spearmanr(xi, yi).statistic))
    return torch.tensor(out, dtype=torch.float32)


def model_randomization(explainer, wav: torch.Tensor, target: torch.Tensor, seed: int = 0) -> dict:
    """Run the cascading model-randomisation check.

    Args:
        explainer: an ``Explainer`` (uses ``classifier``, ``with_classifier`` and ``explain``).
        wav: ``(B, T)`` clips.
        target: ``(B,)`` the classes explained with the trained classifier (kept for every copy).
        seed: seed of the re-initialisation.

    Returns:
        ``{"layers": [L names, top first], "correlation": (L, B)}``: row k compares the trained
        classifier's saliency with the one after randomising layers ``layers[:k + 1]``.
    """
    reference = explainer.explain(wav, target=target).saliency
    layers, rows = [], []
    for name, randomized in cascading_randomization(explainer.classifier, wav, seed):
        saliency = explainer.with_classifier(randomized).explain(wav, target=target).saliency
        layers.append(name)
        rows.append(rank_correlation(reference, saliency))
    return {"layers": layers, "correlation": torch.stack(rows) if rows else torch.empty(0, wav.shape[0])}


def passes_randomization(correlation: torch.Tensor, threshold: float = 0.9) -> torch.Tensor:
    """1. where the map after randomising every layer correlates below ``threshold``, else 0.

    The default 0.9 flags maps that hardly change; it is a convention, not part of Adebayo et
    al. (who compare maps visually and by correlation curves). Even a plain gradient through a
    log-mel front end keeps a correlation around 0.6 with a fully random network, because the
    log's ``1 / magnitude`` factor does not depend on the weights.

    Args:
        correlation: ``(L, B)`` from :func:`model_randomization`.
    """
    return (correlation[-1] < threshold).float()
