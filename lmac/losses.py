"""The L-MAC training objective, as a dict of named differentiable terms.

Kept apart from :mod:`lmac.metrics` (evaluation): these are differentiable and weighted.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lmac.outputs import check_output

__all__ = [
    "LMACLoss",
    "RegressionMaskLoss",
    "masked_in_out",
    "total_variation",
    "oracle_mask",
    "masked_in_similarity",
    "guidance_bce",
    "mixture_overlap",
    "kept_energy",
]


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbours along the last two axes; ``(B, F, N)`` -> ``(B,)``.

    An axis of length 1 (a head's gates as ``(B, 1, K)``) has no neighbours and adds 0."""
    tv = x.new_zeros(x.shape[0])
    if x.shape[-2] > 1:
        tv = tv + (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1).mean(dim=1)
    if x.shape[-1] > 1:
        tv = tv + (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1).mean(dim=1)
    return tv


def masked_in_out(
    logits_in: torch.Tensor, logits_out: torch.Tensor, target: torch.Tensor, output: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """The masked-in and masked-out terms per example, ``(B,)`` each, for the classifier's ``output``.

    softmax: ``loss_in = CE(logits_in, target)`` and ``loss_out = -log(1 - p_out)`` with
    ``p_out = softmax(logits_out)[target]``. sigmoid (multi-label): binary cross-entropy toward
    "target present" on the explanation, ``loss_in = -log sigmoid(z_in)``, and the same bounded form
    toward "absent" on the residual, ``loss_out = -log(1 - sigmoid(z_out))``, with ``z`` the target's
    logit (computed as ``softplus(-z_in)`` and ``softplus(z_out)``, exact for any logit).
    """
    t = target.long()[:, None]
    if check_output(output) == "sigmoid":
        return F.softplus(-logits_in.gather(1, t).squeeze(1)), F.softplus(logits_out.gather(1, t).squeeze(1))
    p_out = logits_out.softmax(dim=-1).gather(1, t).squeeze(1)
    return F.cross_entropy(logits_in, target, reduction="none"), -torch.log1p(-p_out.clamp(max=1 - 1e-6))


def oracle_mask(clean_mag: torch.Tensor, threshold: float = 0.35) -> torch.Tensor:
    """The target source's binarised oracle mask, as SpeechBrain's L-MAC fine-tuning builds it:
    ``log1p |S| >= threshold * max(log1p |S|)`` per clip. ``clean_mag (B, F, N)`` -> ``(B, F, N)`` in {0, 1};
    a silent source gives an all-zero mask."""
    log_clean = torch.log1p(clean_mag)
    peak = log_clean.flatten(1).amax(dim=1)[:, None, None]
    return ((log_clean >= threshold * peak) & (peak > 0)).float()


def masked_in_similarity(saliency: torch.Tensor, mag: torch.Tensor, clean_mag: torch.Tensor) -> torch.Tensor:
    """How much the masked-in input looks like the clean target source: the cosine (normalised dot product,
    not mean-centred: SpeechBrain's ``crosscortype="dotp"``) between ``log1p |S|`` and ``saliency * log1p |X|``.

    ``saliency``, ``mag`` (the input's ``|X|``) and ``clean_mag`` (the source's ``|S|``), all ``(B, F, N)`` on
    one grid -> ``(B,)`` in [0, 1] (0 for a silent source)."""
    clean = torch.log1p(clean_mag).flatten(1)
    masked_in = (saliency * torch.log1p(mag)).flatten(1)
    return F.cosine_similarity(clean, masked_in, dim=1, eps=1e-8)


def guidance_bce(saliency: torch.Tensor, clean_mag: torch.Tensor, threshold: float = 0.35) -> torch.Tensor:
    """Binary cross-entropy between the mask and the source's :func:`oracle_mask`, averaged over the bins:
    ``(B, F, N)`` each -> ``(B,)``."""
    target = oracle_mask(clean_mag, threshold)
    return F.binary_cross_entropy(saliency.clamp(0, 1), target, reduction="none").flatten(1).mean(dim=1)


def kept_energy(explanation_wav: torch.Tensor, wav: torch.Tensor) -> torch.Tensor:
    """Share of the input's energy the explanation keeps, ``||explanation||^2 / ||input||^2``:
    ``(B, T)`` each -> ``(B,)``."""
    return explanation_wav.pow(2).sum(-1) / wav.pow(2).sum(-1).clamp_min(1e-12)


def mixture_overlap(saliency_a: torch.Tensor, saliency_b: torch.Tensor, mag: torch.Tensor) -> torch.Tensor:
    """Share of a mixture's energy kept by both of its explanations: ``sum(m_a m_b |X|^2) / sum(|X|^2)``.

    ``saliency_a``, ``saliency_b`` (the masks explaining the mixture for its two classes) and the mixture's
    ``mag`` ``|X|``, all ``(M, F, N)`` on one grid -> ``(M,)`` in [0, 1]."""
    power = mag.pow(2).flatten(1)
    both = (saliency_a * saliency_b).flatten(1)
    return (both * power).sum(1) / power.sum(1).clamp_min(1e-12)


class LMACLoss(nn.Module):
    """Masked-in / masked-out loss with L1 and total-variation regularisers.

    Terms (each averaged over the batch, before weighting; :func:`masked_in_out`):
        ``loss_in``  = CE(logits_in, target): the explanation alone must keep the decision
        (sigmoid classifiers: -log p_in[target], binary cross-entropy toward "present").
        ``loss_out`` = -log(1 - p_out[target]): the residual must lose it. This is the
        bounded form of the paper's "minus cross-entropy of the residual" (same optimum,
        p_out -> 0, without a term that goes to minus infinity); p is softmax or sigmoid.
        ``l1``       = mean |sparsity|: explanations as small as possible.
        ``tv``       = total variation of the sparsity map.
        ``consistency`` = error power of explanation + residual against the input, relative to the
        input's power per clip (``10 ** (-SNR / 10)``: 0.01 at 20 dB, whatever the level)
        (only when ``wav`` and ``rebuilt_wav`` are given; a head whose two parts are decoded
        separately, like LMAC-TD's, need not add up to the input otherwise).
        ``guide``    = guidance (L-MAC FT, the paper's fine-tuning stage; only when the target source's
        magnitude ``clean_mag`` is given): :func:`guidance_bce` between the saliency and the source's
        :func:`oracle_mask`, on the clips whose masked-in input is already close to the source
        (:func:`masked_in_similarity` >= ``gate_threshold``; 0 elsewhere), averaged over the batch.
        ``guided`` is the share of such clips (logged, not weighted). With ``w_guide > 0`` the L1, TV and
        energy terms leave the guided clips out (as SpeechBrain's recipe does: there the oracle, not
        sparsity, says how much to keep).
        ``energy``   = ||explanation||^2 / ||input||^2 per clip (only when ``wav`` and ``explanation_wav``
        are given): the share of the input's energy the explanation keeps. L1 charges every mask value
        alike, so keeping a loud source the decision does not need costs no more than keeping a quiet
        bin; this term charges for what is heard (on a two-class mixture: the other class's source).
        ``overlap``  = :func:`mixture_overlap`, averaged over the mixtures (only when ``pairs`` says which
        rows explain one mixture for its two classes, with ``saliency`` and ``mag``): the energy both
        explanations of a two-class mixture keep. No stems needed; it charges a mask that keeps the
        same part of the mixture whatever class is asked for.
        ``loss``     = w_in * loss_in + w_out * loss_out + w_l1 * l1 + w_tv * tv
        (+ w_energy * energy) (+ w_overlap * overlap) (+ w_consistency * consistency) (+ w_guide * guide).

    Paper defaults (L-MAC): w_in 4, w_out 0.2, w_l1 0.4, w_tv 0; energy and overlap off (0, not in the
    paper); consistency off (0); guidance off (0;
    SpeechBrain's fine-tuning stage uses 4, oracle threshold 0.35, gate 0.6).
    ``output`` is the classifier's output type (``classifier.output``, passed at wiring time).
    """

    def __init__(
        self,
        w_in: float = 4.0,
        w_out: float = 0.2,
        w_l1: float = 0.4,
        w_tv: float = 0.0,
        w_energy: float = 0.0,
        w_overlap: float = 0.0,
        w_consistency: float = 0.0,
        w_guide: float = 0.0,
        oracle_threshold: float = 0.35,
        gate_threshold: float = 0.6,
        output: str = "softmax",
    ):
        super().__init__()
        self.output = check_output(output)
        if self.output == "regression":
            raise ValueError(
                "LMACLoss is for class outputs (softmax / sigmoid); a regression output needs a "
                "regression form of the masked-in / masked-out terms"
            )
        self.weights = {"loss_in": w_in, "loss_out": w_out, "l1": w_l1, "tv": w_tv}
        self.w_energy, self.w_overlap, self.w_consistency = float(w_energy), float(w_overlap), float(w_consistency)
        self.w_guide, self.oracle_threshold, self.gate_threshold = float(w_guide), oracle_threshold, gate_threshold

    def forward(
        self,
        logits_in: torch.Tensor,
        logits_out: torch.Tensor,
        target: torch.Tensor,
        sparsity: torch.Tensor,
        wav: torch.Tensor | None = None,
        rebuilt_wav: torch.Tensor | None = None,
        saliency: torch.Tensor | None = None,
        mag: torch.Tensor | None = None,
        clean_mag: torch.Tensor | None = None,
        explanation_wav: torch.Tensor | None = None,
        pairs: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> dict[str, torch.Tensor]:
        """``logits_in/out (B, C)``, ``target (B,)``, ``sparsity (B, F, N)``, optionally the input
        ``wav (B, T)``, the ``explanation_wav (B, T)`` and ``rebuilt_wav`` = explanation + residual ``(B, T)``,
        and for guidance the ``saliency``, the input's ``mag`` and the target source's ``clean_mag``
        (``(B, F', N')`` each, on the saliency's grid) -> named scalar terms. ``pairs``: two ``(M,)`` row
        indices, the rows explaining mixture ``m`` for its first and its second class (``saliency`` and ``mag``
        needed)."""
        if self.w_consistency and (wav is None or rebuilt_wav is None):
            raise ValueError("w_consistency > 0 needs wav and rebuilt_wav")
        if self.w_energy and (wav is None or explanation_wav is None):
            raise ValueError("w_energy > 0 needs wav and explanation_wav")
        has_source = clean_mag is not None
        if self.w_guide and (not has_source or saliency is None or mag is None):
            raise ValueError(
                "w_guide > 0 needs the saliency, the input's magnitude and the explained class's stem "
                "(train on data with stems; the built-in data: data.cache_stems=true)"
            )
        loss_in, loss_out = masked_in_out(logits_in, logits_out, target, self.output)
        terms = {"loss_in": loss_in.mean(), "loss_out": loss_out.mean()}
        keep = torch.ones_like(loss_in)  # clips the regularisers act on
        if has_source:
            gate = (masked_in_similarity(saliency, mag, clean_mag) >= self.gate_threshold).float()
            terms["guide"] = (guidance_bce(saliency, clean_mag, self.oracle_threshold) * gate).mean()
            terms["guided"] = gate.mean()
            if self.w_guide:
                keep = 1 - gate
        terms["l1"] = (sparsity.abs().flatten(1).mean(dim=1) * keep).mean()
        terms["tv"] = (total_variation(sparsity) * keep).mean()
        terms["loss"] = sum(self.weights[k] * terms[k] for k in self.weights)
        if wav is not None and explanation_wav is not None:
            terms["energy"] = (kept_energy(explanation_wav, wav) * keep).mean()
            terms["loss"] = terms["loss"] + self.w_energy * terms["energy"]
        if pairs is not None and len(pairs[0]):
            if saliency is None or mag is None:
                raise ValueError("the overlap term needs the saliency and the input's magnitude")
            terms["overlap"] = mixture_overlap(saliency[pairs[0]], saliency[pairs[1]], mag[pairs[0]]).mean()
            terms["loss"] = terms["loss"] + self.w_overlap * terms["overlap"]
        if has_source:
            terms["loss"] = terms["loss"] + self.w_guide * terms["guide"]
        if wav is not None and rebuilt_wav is not None:
            error = (rebuilt_wav - wav).pow(2).mean(-1)
            terms["consistency"] = (error / wav.pow(2).mean(-1).clamp_min(1e-8)).mean()
            terms["loss"] = terms["loss"] + self.w_consistency * terms["consistency"]
        return terms


class RegressionMaskLoss(nn.Module):
    """The masked-in / masked-out loss for a regression output (e.g. a concept of a concept
    classifier, :class:`~lmac.classifiers.concepts.ConceptOutputs`), with L1, total variation and
    an energy term.

    With ``v`` the target output's value on the input, ``v_in`` / ``v_out`` its value on the
    explanation / residual and ``r`` its value on a reference (silence: the output with nothing
    to hear):
        ``loss_in``  = mean (v_in - v)^2: the explanation alone keeps the value;
        ``loss_out`` = mean (v_out - r)^2: the residual loses it (back to the reference);
        ``l1``, ``tv`` as :class:`LMACLoss`;
        ``energy``   = mean ||explanation||^2 / ||input||^2: the explanation as quiet as possible.
        Sources of music are sparse in time and frequency, so a mask can keep a source that does not
        carry the concept at little L1 cost; it cannot keep its energy for free. Together with
        ``loss_out`` (the residual must lose the concept, so a uniform quieter mask does not pay) it
        drops the sources the concept does not need.
        ``loss``     = w_in * loss_in + w_out * loss_out + w_l1 * l1 + w_tv * tv + w_energy * energy.
    ``output`` is the classifier's output type; it must be ``"regression"``.
    """

    def __init__(
        self,
        w_in: float = 1.0,
        w_out: float = 1.0,
        w_l1: float = 0.1,
        w_tv: float = 0.0,
        w_energy: float = 1.0,
        output: str = "regression",
    ):
        super().__init__()
        self.output = check_output(output)
        if self.output != "regression":
            raise ValueError(f"RegressionMaskLoss is for regression outputs, not {output}; use LMACLoss")
        self.weights = {"loss_in": w_in, "loss_out": w_out, "l1": w_l1, "tv": w_tv, "energy": w_energy}

    def forward(
        self,
        values_in: torch.Tensor,
        values_out: torch.Tensor,
        values: torch.Tensor,
        reference: torch.Tensor,
        target: torch.Tensor,
        sparsity: torch.Tensor,
        wav: torch.Tensor,
        explanation_wav: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """``values_in/out`` and the input's ``values (B, C)``, the reference's ``(C,)``, ``target (B,)``,
        ``sparsity (B, F, N)``, input and explanation ``(B, T)`` -> named scalar terms."""
        t = target.long()[:, None]
        v_in, v_out, v = (x.gather(1, t).squeeze(1) for x in (values_in, values_out, values))
        terms = {
            "loss_in": (v_in - v).pow(2).mean(),
            "loss_out": (v_out - reference.to(v)[target.long()]).pow(2).mean(),
            "l1": sparsity.abs().mean(),
            "tv": total_variation(sparsity).mean(),
            "energy": kept_energy(explanation_wav, wav).mean(),
        }
        terms["loss"] = sum(self.weights[k] * terms[k] for k in self.weights)
        return terms
