"""Two-level explanations scored against the concept task's ground truth (no Hydra).

On clips of :class:`~lmac.data.concepts.ConceptMusic` the concepts, the sources that produce them
and the emotion weights are known by construction, so each level can be checked:

* the concept layer: R^2 of each predicted concept, error of each output;
* level 2: per output, the Spearman correlation between the explained effects
  (predicted concept x learned weight) and the true ones (true concept x true weight), and the
  share of clips whose strongest concept is the true strongest; the learned weights themselves;
* level 1: per level-1 method and concept, the share of clips where the method's top source (the
  stem with the largest energy share in its explanation of the concept,
  :func:`~lmac.metrics.localization.stem_energy_share`) is the source the concept is computed from.
  LIME over the oracle stems always runs; a head trained on the concepts can run next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import torch

from lmac.classifiers.concepts import ConceptClassifier
from lmac.data.concepts import CONCEPT_SOURCES, EMOTION_WEIGHTS, ConceptMusic, true_effects
from lmac.explainers.concepts import Level1Factory, TwoLevelExplainer, concept_effects
from lmac.explainers.factorizations import OracleStems
from lmac.explainers.lime import SourceLIME
from lmac.metrics.concepts import concept_r2, effect_rank_correlation, top_match
from lmac.metrics.localization import stem_energy_share

__all__ = ["validate_two_level", "format_validation"]


def _batches(dataset: ConceptMusic, n_clips: int, batch_size: int):
    for start in range(0, n_clips, batch_size):
        items = [dataset[i] for i in range(start, min(start + batch_size, n_clips))]
        stems = {name: torch.stack([it["stems"][name] for it in items]) for name in items[0]["stems"]}
        yield (
            torch.stack([it["wav"] for it in items]),
            stems,
            torch.stack([it["concepts"] for it in items]),
            torch.stack([it["label"] for it in items]),
        )


def _top_sources(levels, stems: dict[str, torch.Tensor]) -> dict[str, dict[str, list[str | None]]]:
    """Per level-1 method and concept, per (clip, rank): the stem with the largest energy share in the
    explanation of the concept (``None`` for an explanation with no positive share)."""
    tops: dict[str, dict[str, list[str | None]]] = {}
    names = list(stems)
    for method, exps in levels.level1.items():
        per_concept = tops.setdefault(method, {c: [] for c in levels.concept_names})
        for rank, exp in enumerate(exps):
            shares = torch.stack(list(stem_energy_share(exp.explanation_wav, stems).values()), dim=1)  # (B, S)
            for b in range(len(shares)):
                top = names[int(shares[b].argmax())] if shares[b].sum() > 0 else None
                per_concept[levels.concept_names[int(levels.top[b, rank])]].append(top)
    return tops


@torch.no_grad()
def validate_two_level(
    classifier: ConceptClassifier,
    dataset: ConceptMusic,
    n_clips: int = 100,
    batch_size: int = 16,
    level1: Sequence[Level1Factory] = (),
) -> dict:
    """Score both levels of :class:`TwoLevelExplainer` on the first ``n_clips`` of ``dataset``, level 1
    with LIME over the oracle stems (exhaustive, the top stem) and the methods of ``level1`` (e.g. an
    L-MAC head trained on the concepts, :func:`~lmac.explainers.concepts.concept_head`).

    Returns:
        ``concept_r2`` (concept -> value), ``level1_top_source`` (method -> concept -> share of clips
        whose top source is the concept's own), ``level1_sources`` (method -> concept -> stem -> share
        of clips whose top source is that stem),
        ``target_mae``, ``effect_spearman`` and ``top_concept_match`` (output -> value), ``weights``
        (learned, ``C x K`` nested lists), ``true_weights``, ``n_clips``.
    """
    if (list(classifier.concept_names), list(classifier.class_names)) != (dataset.concept_names, dataset.class_names):
        raise ValueError(
            f"the classifier's concepts {classifier.concept_names} and outputs {classifier.class_names} "
            f"are not the concept task's ({dataset.concept_names}, {dataset.class_names})"
        )
    lime = partial(SourceLIME, factorization=OracleStems(), n_samples="exhaustive", top_k=1, progress=False)
    explainer = TwoLevelExplainer(classifier, [lime, *level1], top_concepts=classifier.n_concepts)
    names, outputs = classifier.concept_names, classifier.class_names
    pred, true, out_pred, out_true, tops = [], [], [], [], {}
    for wav, stems, concepts, labels in _batches(dataset, min(n_clips, len(dataset)), batch_size):
        explainer.bind_stems(stems)
        levels = explainer.explain_levels(wav, target=0)  # every concept is explained, whatever the output
        pred.append(levels.concepts.cpu()), true.append(concepts), out_true.append(labels)
        out_pred.append(classifier(wav).cpu())
        for method, per_concept in _top_sources(levels, stems).items():
            for concept, found in per_concept.items():
                tops.setdefault(method, {c: [] for c in names})[concept] += found
    pred, true, out_pred, out_true = map(torch.cat, (pred, true, out_pred, out_true))
    weights = classifier.concept_weights.detach().cpu()
    effect_corr, top_hit = {}, {}
    for t, name in enumerate(outputs):
        target = torch.full((len(pred),), t)
        explained, truth = concept_effects(pred, weights, target), true_effects(true, target)
        effect_corr[name] = float(effect_rank_correlation(explained, truth).mean())
        top_hit[name] = float(top_match(explained.abs(), truth.abs()).mean())
    return {
        "n_clips": len(pred),
        "concept_r2": dict(zip(names, concept_r2(pred, true).tolist())),
        "target_mae": dict(zip(outputs, (out_pred - out_true).abs().mean(0).tolist())),
        "effect_spearman": effect_corr,
        "top_concept_match": top_hit,
        "weights": weights.tolist(),
        "true_weights": EMOTION_WEIGHTS.tolist(),
        "level1_top_source": {
            m: {c: found.count(CONCEPT_SOURCES[c]) / len(found) for c, found in per.items()} for m, per in tops.items()
        },
        "level1_sources": {
            m: {c: {stem: found.count(stem) / len(found) for stem in dataset.stem_names} for c, found in per.items()}
            for m, per in tops.items()
        },
    }


def format_validation(result: dict, concept_names: list[str], output_names: list[str]) -> str:
    """The result of :func:`validate_two_level` as plain-text tables."""
    methods = list(result["level1_top_source"])
    lines = [
        f"{result['n_clips']} clips; level 1: share of clips where the method's top source is the concept's own",
        "",
        f"{'concept':<18}{'R^2':>7}{'own source':>12}"
        + "".join(f"{m:>8}" for m in methods)
        + "  "
        + "  ".join(f"{'w_' + o:>10}{'true':>6}" for o in output_names),
    ]
    for k, c in enumerate(concept_names):
        weights = "  ".join(
            f"{result['weights'][t][k]:>10.2f}{result['true_weights'][t][k]:>6.2f}" for t in range(len(output_names))
        )
        shares = "".join(f"{result['level1_top_source'][m][c]:>8.2f}" for m in methods)
        lines.append(f"{c:<18}{result['concept_r2'][c]:>7.3f}{CONCEPT_SOURCES[c]:>12}{shares}  {weights}")
    lines += ["", f"{'output':<10}{'MAE':>7}{'effect rho':>12}{'top concept':>13}"]
    lines += [
        f"{o:<10}{result['target_mae'][o]:>7.3f}{result['effect_spearman'][o]:>12.3f}"
        f"{result['top_concept_match'][o]:>13.2f}"
        for o in output_names
    ]
    return "\n".join(lines)
