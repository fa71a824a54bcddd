"""Score one :class:`~lmac.explanation.Explanation` with the whole suite: per-example values."""

from __future__ import annotations

import torch

from lmac.explanation import Explanation
from lmac.metrics import (
    area_under_curve,
    average_drop,
    average_drop_speechbrain,
    average_gain,
    average_increase,
    complexity,
    confound_detected,
    deletion_insertion_curves,
    faithfulness,
    fidelity_in,
    select_stem,
    si_sdr,
    sparseness,
    stem_energy_share,
    stem_sounds,
)
from lmac.metrics.sensitivity import asked_source_share, both_kept, map_correlation, unsaturated_share

__all__ = ["score_explanation", "score_two_sources", "score_with_curves"]


def score_explanation(
    classifier,
    exp: Explanation,
    stems: dict[str, torch.Tensor] | None = None,
    curve_steps: int = 10,
    confound: str | None = None,
) -> dict[str, torch.Tensor]:
    """Every metric that applies, each ``(B,)`` on the CPU (see :func:`score_with_curves`)."""
    return score_with_curves(classifier, exp, stems, curve_steps, confound)[0]


@torch.no_grad()
def score_with_curves(
    classifier,
    exp: Explanation,
    stems: dict[str, torch.Tensor] | None = None,
    curve_steps: int = 10,
    confound: str | None = None,
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Every metric that applies, each ``(B,)`` on the CPU, and the curves behind ``del_auc`` /
    ``ins_auc``: ``{"deletion": (B, steps + 1), "insertion": (B, steps + 1)}``.

    The classifier is run on the audio the user hears (original, explanation, residual; one
    batched call, which is exact for a frozen classifier in ``eval()``).
    Localisation (``evidence_share``: :func:`~lmac.metrics.stem_energy_share` of the target
    class's stem; ``si_sdr`` of the explanation against that stem) is added when ``stems`` holds
    a stem named after every explained class; it is NaN (left out of the means) for clips where
    that stem is silent, i.e. the classifier predicts an instrument that does not play.
    ``confound`` (1 where the explanation is dominated by that stem) is added when it names a stem.

    Args:
        classifier: ``wav (B, T) -> logits (B, C)`` with ``class_names`` and ``output`` (softmax or
            sigmoid: how every probability below is computed).
        exp: the explanation of ``exp.wav`` for ``exp.target``.
        stems: name -> ``(B, T)`` ground-truth sources of ``exp.wav``, or ``None``.
        curve_steps: increments of the deletion / insertion curves.
        confound: name of a confounding stem, or ``None``.
    """
    t, out = exp.target, classifier.output
    logits, logits_in, logits_out = classifier(torch.cat([exp.wav, exp.explanation_wav, exp.residual_wav])).chunk(3)
    deletion, insertion = deletion_insertion_curves(
        classifier, exp.wav, exp.saliency, t, curve_steps, grid=exp.grid, output=out
    )
    scores = {
        "ai": average_increase(logits, logits_in, t, output=out),
        "ad": average_drop(logits, logits_in, t, output=out),
        "ad_sb": average_drop_speechbrain(logits, logits_in, t, output=out),
        "ag": average_gain(logits, logits_in, t, output=out),
        "ff": faithfulness(logits, logits_out, t, output=out),
        "fid_in": fidelity_in(logits_in, t, output=out),
        "sps": sparseness(exp.saliency),
        "comp": complexity(exp.saliency),
        "unsaturated": unsaturated_share(exp.saliency),
        "del_auc": area_under_curve(deletion),
        "ins_auc": area_under_curve(insertion),
    }
    if stems:
        stems = {k: v.to(exp.wav.device) for k, v in stems.items()}
        names = [classifier.class_names[int(i)] for i in t]
        if set(names) <= set(stems):
            shares = stem_energy_share(exp.explanation_wav, stems)
            evidence = select_stem(stems, names)
            sounds = stem_sounds(evidence, exp.wav)
            nan = torch.full_like(sounds, float("nan"), dtype=exp.wav.dtype)
            share = torch.stack([shares[n][b] for b, n in enumerate(names)])
            scores["evidence_share"] = torch.where(sounds, share, nan)
            scores["si_sdr"] = torch.where(sounds, si_sdr(exp.explanation_wav, evidence), nan)
        if confound is not None and confound in stems:  # only clips where the confound sounds
            present = stem_sounds(stems[confound], exp.wav)
            nan = torch.full_like(present, float("nan"), dtype=exp.wav.dtype)
            scores["confound"] = torch.where(present, confound_detected(exp.explanation_wav, stems, confound), nan)
    curves = {"deletion": deletion, "insertion": insertion}
    return (
        {k: v.detach().float().cpu() for k, v in scores.items()},
        {k: v.detach().float().cpu() for k, v in curves.items()},
    )


@torch.no_grad()
def score_two_sources(exp: Explanation, sources: torch.Tensor) -> dict[str, torch.Tensor]:
    """Class sensitivity on two-class mixtures, each ``(M,)`` on the CPU.

    Args:
        exp: ``2M`` explanations: mixtures ``0 .. M-1`` explained for their first source's class,
            then the same mixtures for their second source's class.
        sources: ``(M, 2, T)`` the two sources of each mixture (they add up to it).

    Returns:
        ``both_kept`` (1 where each explanation takes more than half of its energy from its own
        class's source, :func:`~lmac.metrics.sensitivity.both_kept`), ``share_first`` /
        ``share_second`` (:func:`~lmac.metrics.sensitivity.asked_source_share` of each explanation),
        ``asked_share`` (their mean) and ``ab_corr`` (the Pearson correlation of the two saliency
        maps; 1 when the class asked for changes nothing).
    """
    n = sources.shape[0]
    sources = sources.to(exp.explanation_wav.device)
    first = asked_source_share(exp.explanation_wav[:n], sources)
    second = asked_source_share(exp.explanation_wav[n:], sources.flip(1))
    scores = {
        "both_kept": both_kept(torch.cat([first, second]), torch.arange(n, device=first.device).repeat(2)),
        "share_first": first,
        "share_second": second,
        "asked_share": (first + second) / 2,
        "ab_corr": map_correlation(exp.saliency[:n], exp.saliency[n:]),
    }
    return {k: v.detach().float().cpu() for k, v in scores.items()}
