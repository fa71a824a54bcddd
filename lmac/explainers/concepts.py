"""Two-level explanations through a concept layer (Chowdhury, Praher & Widmer, SMC 2021).

A :class:`~lmac.classifiers.concepts.ConceptClassifier` computes its outputs as a linear map of
named concepts, ``outputs = W @ concepts + b``. For the asked output ``t``:

* **level 2**: each concept's effect ``concepts[k] * W[t, k]`` (the output is the sum of the
  effects plus ``b[t]``) and its relative effect ``effect / sum(|effects|)``; concepts are ranked
  by ``|effect|``.
* **level 1**: for the ``top_concepts`` strongest concepts, which sounds produce them: any explainer
  run on :class:`~lmac.classifiers.concepts.ConceptOutputs` (the concepts as regression outputs),
  e.g. LIME over the sources with the concept's value as the regression target, or an L-MAC head
  trained on the concepts (:func:`concept_head`; ``lmac train experiment=demo_concepts_lmac``). Each
  gives a listenable explanation of the concept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import torch

from lmac.classifiers.concepts import ConceptClassifier, ConceptOutputs
from lmac.explainers.base import Explainer, Target
from lmac.explainers.lmac import LMAC
from lmac.explanation import Explanation, _jsonable

__all__ = ["TwoLevelExplainer", "ConceptExplanation", "concept_effects", "relative_effects", "concept_head"]

Level1Factory = Callable[[ConceptOutputs], Explainer]
"""Builds a level-1 explainer on the concept view, e.g. ``functools.partial(SourceLIME, factorization=...)``."""


def concept_head(path) -> Level1Factory:
    """Level-1 factory of an L-MAC head trained on the concepts (an explainer exported by ``lmac train
    experiment=demo_concepts_lmac``, path or shipped name): loads it on the concept view it is given,
    refusing a head trained on another classifier (weight fingerprint)."""
    return partial(LMAC.from_pretrained, path)


def concept_effects(concepts: torch.Tensor, weights: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Effect of each concept on output ``target``: ``concepts (B, K) * weights[target]`` -> ``(B, K)``,
    with ``weights (C, K)`` the concept layer's."""
    return concepts * weights.to(concepts)[target.long()]


def relative_effects(effects: torch.Tensor) -> torch.Tensor:
    """``effects (B, K) / sum_k |effects|`` -> ``(B, K)``, signed, absolute values summing to 1."""
    return effects / effects.abs().sum(dim=-1, keepdim=True).clamp_min(1e-12)


def _clip_part(value, index: int, batch: int):
    """Clip ``index``'s part of an extras value: tensors and lists with one entry per clip; lists of
    names (``str``, e.g. LIME's ``components``) are shared by the batch and kept whole."""
    names = isinstance(value, list) and all(isinstance(v, str) for v in value)
    if (torch.is_tensor(value) and value.dim() > 0 or isinstance(value, list) and not names) and len(value) == batch:
        return value[index]
    return value


@dataclass
class ConceptExplanation:
    """Both levels for a batch of clips.

    Attributes:
        target: ``(B,)`` the explained output indices.
        output_names, concept_names: the classifier's output (``C``) and concept (``K``) names.
        concepts: ``(B, K)`` concept values.
        weights: ``(B, K)`` each concept's weight in the clip's target output.
        effects: ``(B, K)`` ``concepts * weights``.
        output: ``(B,)`` the target output's value (logit, or value for regression): ``effects.sum(-1) + bias``.
        bias: ``(B,)`` the target output's bias.
        top: ``(B, n)`` concept indices by decreasing ``|effect|``, the ``n`` strongest.
        level1: per level-1 method name, one :class:`Explanation` per rank (``level1[m][r]`` explains
            concept ``top[:, r]``; its ``target`` holds those concept indices).
    """

    target: torch.Tensor
    output_names: list[str]
    concept_names: list[str]
    concepts: torch.Tensor
    weights: torch.Tensor
    effects: torch.Tensor
    output: torch.Tensor
    bias: torch.Tensor
    top: torch.Tensor
    level1: dict[str, list[Explanation]] = field(default_factory=dict)

    @property
    def relative(self) -> torch.Tensor:
        """``(B, K)`` relative effects (:func:`relative_effects`)."""
        return relative_effects(self.effects)

    def level2_record(self, index: int) -> list[dict]:
        """Clip ``index``'s concepts, strongest first: name, value, weight, effect, relative effect."""
        order = self.effects[index].abs().argsort(descending=True, stable=True).tolist()
        rel = self.relative[index]
        return [
            {
                "concept": self.concept_names[k],
                "value": float(self.concepts[index, k]),
                "weight": float(self.weights[index, k]),
                "effect": float(self.effects[index, k]),
                "relative_effect": float(rel[k]),
            }
            for k in order
        ]

    def record(self, index: int) -> dict:
        """Both levels of clip ``index`` as a JSON-friendly dict (each level-1 entry with its
        ``energy_share``: the explanation's energy over the clip's)."""
        batch = len(self.target)
        level1 = {
            method: [
                {
                    "rank": r,
                    "concept": self.concept_names[int(exp.target[index])],
                    "energy_share": float(
                        exp.explanation_wav[index].pow(2).sum() / exp.wav[index].pow(2).sum().clamp_min(1e-12)
                    ),
                    "extras": _jsonable({k: _clip_part(v, index, batch) for k, v in exp.extras.items()}),
                }
                for r, exp in enumerate(exps)
            ]
            for method, exps in self.level1.items()
        }
        return {
            "target": int(self.target[index]),
            "target_name": self.output_names[int(self.target[index])],
            "output_value": float(self.output[index]),
            "bias": float(self.bias[index]),
            "level2": self.level2_record(index),
            "level1": level1,
        }


class TwoLevelExplainer(Explainer):
    """Explain a concept classifier's output in two levels (see the module docstring).

    Args:
        classifier: the concept classifier.
        level1: factories of the level-1 explainers, each called with the concept view
            (:class:`ConceptOutputs`), e.g. ``[functools.partial(SourceLIME, factorization=OracleStems(),
            n_samples="exhaustive", top_k=1)]``; the first one gives :meth:`explain`'s audio.
        top_concepts: how many of the strongest concepts get a level-1 explanation.
        name: method name recorded in explanations.
    """

    def __init__(
        self,
        classifier: ConceptClassifier,
        level1: Sequence[Level1Factory],
        top_concepts: int = 2,
        name: str = "two-level",
    ):
        if not isinstance(classifier, ConceptClassifier):
            raise ValueError(f"{type(classifier).__name__} has no concept layer; a ConceptClassifier is needed")
        if not level1:
            raise ValueError("give at least one level-1 explainer (e.g. LIME over the sources)")
        if not 1 <= int(top_concepts) <= classifier.n_concepts:
            raise ValueError(f"top_concepts must be in 1..{classifier.n_concepts}, got {top_concepts}")
        self.classifier = classifier.freeze()
        self.view = ConceptOutputs(self.classifier)
        self.level1 = [factory(self.view) for factory in level1]
        self.top_concepts, self.name = int(top_concepts), name

    @property
    def grid(self):
        """The saliency grid of the first level-1 explainer (whose audio :meth:`explain` returns)."""
        return self.level1[0].grid

    def bind_stems(self, stems: dict[str, torch.Tensor] | None) -> None:
        """Pass ground-truth stems to every level-1 explainer (LIME over ``OracleStems``)."""
        for explainer in self.level1:
            explainer.bind_stems(stems)

    @torch.no_grad()
    def explain_levels(self, wav: torch.Tensor, target: Target = None) -> ConceptExplanation:
        """Both levels for ``wav (B, T)`` and output ``target`` (see ``Explainer``; ``None``: the
        largest output, so name the output of a regression model, e.g. ``target="valence"``)."""
        wav, target = self.prepare(wav, target)
        layer = self.classifier.concept_layer
        concepts = self.classifier.concepts(wav)
        effects = concept_effects(concepts, layer.weight, target)
        bias = layer.bias[target] if layer.bias is not None else torch.zeros_like(target, dtype=wav.dtype)
        top = effects.abs().argsort(dim=-1, descending=True, stable=True)[:, : self.top_concepts]
        result = ConceptExplanation(
            target,
            list(self.classifier.class_names),
            list(self.classifier.concept_names),
            concepts,
            layer.weight[target],
            effects,
            effects.sum(-1) + bias,
            bias,
            top,
        )
        for explainer in self.level1:
            result.level1[explainer.name] = [explainer.explain(wav, target=top[:, r]) for r in range(top.shape[1])]
        return result

    def explain(self, wav: torch.Tensor, target: Target = None) -> Explanation:
        """The sounds behind the strongest concept of each clip (first level-1 method) as an
        :class:`Explanation` of output ``target``; ``extras["levels"]`` holds both levels per clip
        (:meth:`ConceptExplanation.record`)."""
        levels = self.explain_levels(wav, target)
        first = levels.level1[self.level1[0].name][0]
        extras = {"levels": [levels.record(i) for i in range(len(levels.target))]}
        return Explanation(
            first.wav,
            first.explanation_wav,
            first.residual_wav,
            first.saliency,
            levels.target,
            self.name,
            self.sample_rate,
            first.grid,
            extras,
        )
