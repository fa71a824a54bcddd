"""Two-level explanations scored against the concept task's ground truth (no Hydra).

On clips of :class:`~lmac.data.concepts.ConceptMusic` the concepts, the sources that produce them
and the emotion weights are known by construction, so each level can be checked:

* the concept layer: R^2 of each predicted concept, error of each output;
* level 2: per output, the Spearman correlation between the explained effects
  (predicted concept x learned weight) and the true ones (true concept x true weight), and the
  share of clips whose strongest concept is the true strongest; the learned weights themselves;
* level 1: per concept, the share of clips where the level-1 explainer's top source (LIME's
  largest weight over the oracle stems) is the source the concept is computed from.
"""

from __future__ import annotations

from functools import partial

import torch

from lmac.classifiers.concepts import ConceptClassifier
from lmac.data.concepts import CONCEPT_SOURCES, EMOTION_WEIGHTS, ConceptMusic, true_effects
from lmac.explainers.concepts import TwoLevelExplainer, concept_effects
from lmac.explainers.factorizations import OracleStems
from lmac.explainers.lime import SourceLIME
from lmac.metrics.concepts import concept_r2, effect_rank_correlation, top_match

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


@torch.no_grad()
def validate_two_level(
    classifier: ConceptClassifier, dataset: ConceptMusic, n_clips: int = 100, batch_size: int = 16
) -> dict:
    """Score both levels of :class:`TwoLevelExplainer` (LIME over the oracle stems, exhaustive) on
    the first ``n_clips`` of ``dataset``.

    Returns:
        ``concept_r2`` and ``level1_top_source`` (concept -> value), ``target_mae``,
        ``effect_spearman`` and ``top_concept_match`` (output -> value), ``weights`` (learned, ``C x K``
        nested lists), ``true_weights``, ``n_clips``.
    """
    if (list(classifier.concept_names), list(classifier.class_names)) != (dataset.concept_names, dataset.class_names):
        raise ValueError(
            f"the classifier's concepts {classifier.concept_names} and outputs {classifier.class_names} "
            f"are not the concept task's ({dataset.concept_names}, {dataset.class_names})"
        )
    explainer = TwoLevelExplainer(
        classifier,
        [partial(SourceLIME, factorization=OracleStems(), n_samples="exhaustive", top_k=1, progress=False)],
        top_concepts=classifier.n_concepts,
    )
    names, outputs = classifier.concept_names, classifier.class_names
    source_index = {c: dataset.stem_names.index(CONCEPT_SOURCES[c]) for c in names}
    pred, true, out_pred, out_true, hits = [], [], [], [], {c: [] for c in names}
    for wav, stems, concepts, labels in _batches(dataset, min(n_clips, len(dataset)), batch_size):
        explainer.bind_stems(stems)
        levels = explainer.explain_levels(wav, target=0)
        pred.append(levels.concepts.cpu()), true.append(concepts), out_true.append(labels)
        out_pred.append(classifier(wav).cpu())
        for rank, exp in enumerate(levels.level1["lime"]):  # one rank per concept, in each clip's order
            weights = exp.extras["weights"]  # (B, stems)
            for b in range(len(wav)):
                concept = names[int(levels.top[b, rank])]
                hits[concept].append(float(int(weights[b].argmax()) == source_index[concept]))
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
        "level1_top_source": {c: sum(h) / len(h) for c, h in hits.items()},
    }


def format_validation(result: dict, concept_names: list[str], output_names: list[str]) -> str:
    """The result of :func:`validate_two_level` as plain-text tables."""
    lines = [
        f"{result['n_clips']} clips",
        "",
        f"{'concept':<18}{'R^2':>7}{'top source':>12}{'share':>7}  "
        + "  ".join(f"{'w_' + o:>10}{'true':>6}" for o in output_names),
    ]
    for k, c in enumerate(concept_names):
        weights = "  ".join(
            f"{result['weights'][t][k]:>10.2f}{result['true_weights'][t][k]:>6.2f}" for t in range(len(output_names))
        )
        lines.append(
            f"{c:<18}{result['concept_r2'][c]:>7.3f}{CONCEPT_SOURCES[c]:>12}"
            f"{result['level1_top_source'][c]:>7.2f}  {weights}"
        )
    lines += ["", f"{'output':<10}{'MAE':>7}{'effect rho':>12}{'top concept':>13}"]
    lines += [
        f"{o:<10}{result['target_mae'][o]:>7.3f}{result['effect_spearman'][o]:>12.3f}"
        f"{result['top_concept_match'][o]:>13.2f}"
        for o in output_names
    ]
    return "\n".join(lines)
