"""A source-level head: one gate in [0, 1] per component of a factorization (oracle stems, a
separator's outputs, NMF, time segments ...), predicted in one pass from the classifier's features.

L-MAC's one-pass cost with audioLIME's musically meaningful parts. A time-frequency mask cannot
single out a broadband source that overlaps another (the confound study: drums under piano); a
gate over the true stems can. The explanation is the sum of the gated components and the residual
the sum of the rest, so the two add up to the input exactly:

    explanation = sum_k g_k c_k,    residual = sum_k (1 - g_k) c_k.

How a component is described to the gate network: the classifier's features *of the mixture*,
pooled under the component. On each tap's grid (mel bands x frames, or frames only) a cell's
weight for component ``k`` is ``share_k(cell) * |C_k|(cell)`` with ``share_k`` the component's
share of the cell's energy, normalised over cells: cells the component dominates count most.
No extra classifier pass is needed (one pass in all, as L-MAC).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
import torchaudio
from torch import nn

from lmac.checkpoint import amend_config, capture_init
from lmac.explainers.factorizations import Components, Factorization, OracleStems
from lmac.heads.base import HeadOutput, MaskHead
from lmac.heads.spectrogram import bounded_sigmoid
from lmac.spectral import STFT, STFTConfig

__all__ = ["ComponentGateHead", "SoloComponentGateHead", "pool_under_components"]


def _cell_energy(power: torch.Tensor, tap_shape: tuple[int, ...], sample_rate: int) -> torch.Tensor:
    """Component power ``(B, K, F, N)`` on the STFT grid -> ``(B, K, *tap_spatial, T_tap)`` on a tap's grid.

    A tap ``(C, M, T)`` is read as mel bands x frames (log-mel classifiers: the demo CNN, CNN14):
    the power is summed into ``M`` mel bands (torchaudio's filterbank, 0 Hz to Nyquist); a tap
    ``(C, T)`` has frames only; any other tap is pooled over frames only, its other axes folded.
    """
    batch, k, n_freq, n_frames = power.shape
    steps = tap_shape[-1]
    if len(tap_shape) == 3:
        fbank = torchaudio.functional.melscale_fbanks(n_freq, 0.0, sample_rate / 2, tap_shape[1], sample_rate)
        bands = torch.einsum("bkfn,fm->bkmn", power, fbank.to(power))
        return F.adaptive_avg_pool2d(bands.flatten(0, 1), (tap_shape[1], steps)).unflatten(0, (batch, k))
    frames = power.sum(dim=2)  # (B, K, N)
    return F.adaptive_avg_pool1d(frames, steps)


def pool_under_components(feature: torch.Tensor, power: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """Pool one tap under each component.

    Args:
        feature: ``(B, C, *spatial, T_tap)`` classifier feature of the mixture.
        power: ``(B, K, F, N)`` each component's power on the STFT grid.
        sample_rate: places the mel bands of a ``(B, C, M, T)`` tap.

    Returns:
        ``(B, K, C)``: per component, the feature averaged with weights
        ``share_k(cell) * sqrt(power_k(cell))`` normalised over the tap's cells.
    """
    energy = _cell_energy(power, tuple(feature.shape[1:]), sample_rate)  # (B, K, [M,] T_tap)
    if energy.dim() == 3 and feature.dim() > 3:  # a tap with several spatial axes: frames only
        feature = feature.flatten(2, -2).mean(dim=2)
    share = energy / energy.sum(dim=1, keepdim=True).clamp_min(1e-12)
    weight = (share * energy.clamp_min(0).sqrt()).flatten(2)  # (B, K, cells)
    weight = weight / weight.sum(dim=-1, keepdim=True).clamp_min(1e-12)
    return torch.einsum("bkx,bcx->bkc", weight, feature.flatten(2))


class ComponentGateHead(MaskHead):
    """One gate per component of ``factorization``, from classifier features pooled under it and the target.

    Per component: each tap's pooled feature (:func:`pool_under_components`) is LayerNorm-ed and
    projected, with the component's level relative to the clip (dB / 20); the concatenation goes
    through a linear layer, LayerNorm, FiLM from a class embedding drawn N(0, ``film_std``) and GELU,
    then a residual layer that also sees the mean over the clip's components (context: what else
    sounds), and a bounded logit (:func:`~lmac.heads.spectrogram.bounded_sigmoid`).

    ``mask`` is the gates ``(B, K)``; ``saliency`` spreads them on the STFT grid by each
    component's share of each bin; ``sparsity`` is the gates as ``(B, 1, K)`` (the L1 term is
    their mean). The factorization is not stored in checkpoints: a loaded head uses oracle stems
    (bound with ``explainer.bind_stems``); set ``head.factorization`` for another one.

    Args:
        feature_shapes: shapes (without batch) of the classifier's features, deepest first.
        n_classes: classes the head can be asked to explain.
        sample_rate: the classifier's rate (derived at wiring time).
        stft: the STFT grid of the saliency and of the component shares (``None``: default).
        factorization: splits a clip into components (``None``: :class:`OracleStems`).
        tap_channels: width each tap's pooled feature is projected to.
        hidden: width of the gate network.
        logit_bound: ``b`` of the bounded sigmoid.
        film_std: spread of the class embedding's initial scale and shift.
    """

    method_name = "lmac-gate"
    unrecorded_args = ("factorization",)

    @capture_init
    def __init__(
        self,
        feature_shapes: list[tuple[int, ...]],
        n_classes: int,
        sample_rate: int = 16000,
        stft: STFTConfig | None = None,
        factorization: Factorization | None = None,
        tap_channels: int = 32,
        hidden: int = 64,
        logit_bound: float = 6.0,
        film_std: float = 0.5,
    ):
        super().__init__()
        self.feature_shapes = [tuple(int(s) for s in shape) for shape in feature_shapes]
        self.sample_rate, self.logit_bound = int(sample_rate), float(logit_bound)
        self.factorization = factorization if factorization is not None else OracleStems()
        self.stft = STFT(stft)
        amend_config(self, stft=self.grid)
        self.taps = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(shape[0]), nn.Linear(shape[0], tap_channels), nn.GELU())
            for shape in self.feature_shapes
        )
        self.proj = nn.Sequential(nn.Linear(tap_channels * len(self.taps) + 1, hidden), nn.LayerNorm(hidden))
        self.film = nn.Embedding(n_classes, 2 * hidden)
        nn.init.normal_(self.film.weight, 0.0, film_std)
        self.context = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.LayerNorm(hidden), nn.GELU())
        self.out = nn.Linear(hidden, 1)

    @property
    def grid(self) -> STFTConfig:
        return self.stft.grid

    def bind_stems(self, stems: Mapping[str, torch.Tensor] | None) -> None:
        """Pass ground-truth stems to the factorization (used by :class:`OracleStems`)."""
        self.factorization.bind_stems(stems)

    def describe(
        self, parts: Components, features: list[torch.Tensor], power: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        """Components ``(B, K, T)``, features (deepest first), component power ``(B, K, F, N)`` and
        ``target (B,)`` -> descriptions ``(B, K, D)``."""
        pooled = [tap(pool_under_components(f, power, self.sample_rate)) for tap, f in zip(self.taps, features)]
        return torch.cat([*pooled, self._level(power)], dim=-1)

    @staticmethod
    def _level(power: torch.Tensor) -> torch.Tensor:
        """``(B, K, F, N)`` -> each component's level relative to the clip, ``log10(E_k / E) / 2``, ``(B, K, 1)``."""
        energy = power.flatten(2).sum(-1)
        return (torch.log10(energy.clamp_min(1e-10) / energy.sum(1, keepdim=True).clamp_min(1e-10)) / 2)[..., None]

    def gates(self, description: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Descriptions ``(B, K, D)`` and ``target (B,)`` -> gates ``(B, K)`` in [0, 1]."""
        x = self.proj(description)
        scale, shift = self.film(target).unsqueeze(1).chunk(2, dim=-1)
        x = F.gelu(x * (1 + scale) + shift)
        context = x.mean(dim=1, keepdim=True).expand_as(x)
        x = x + self.context(torch.cat([x, context], dim=-1))
        return bounded_sigmoid(self.out(x).squeeze(-1), self.logit_bound)

    def forward(self, wav: torch.Tensor, features: list[torch.Tensor], target: torch.Tensor) -> HeadOutput:
        """``wav (B, T)`` -> explanation / residual ``(B, T)``, gates ``(B, K)``, saliency ``(B, F, frames)``."""
        parts: Components = self.factorization(wav, self.sample_rate)  # (B, K, T)
        mag, _ = self.stft(parts.wav.flatten(0, 1))
        power = mag.unflatten(0, parts.wav.shape[:2]).pow(2)  # (B, K, F, N)
        gate = self.gates(self.describe(parts, features, power, target), target)
        explanation = torch.einsum("bk,bkt->bt", gate, parts.wav)
        residual = torch.einsum("bk,bkt->bt", 1 - gate, parts.wav)
        share = power / power.sum(dim=1, keepdim=True).clamp_min(1e-12)
        saliency = torch.einsum("bk,bkfn->bfn", gate, share)
        return HeadOutput(
            explanation, residual, mask=gate, saliency=saliency, sparsity=gate.unsqueeze(1), grid=self.grid
        )


class SoloComponentGateHead(ComponentGateHead):
    """:class:`ComponentGateHead` describing each component by the classifier's view of it *alone*:
    one batched classifier pass over the ``K`` components (``K + 1`` passes in all, against
    LIME's ``2^K`` or 1000). Per component: each tap's features averaged over all but the channel
    axis, the component's logits (``tanh(z / 10)``), its logit for the target and its level.

    The classifier is handed over on each call with :meth:`bind_classifier` (the explainer and the
    training module do it); it is not stored in the head's checkpoint. Same arguments as
    :class:`ComponentGateHead`.
    """

    method_name = "lmac-gate"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        n_classes = self.film.num_embeddings
        width = self.proj[0].in_features - 1 + n_classes + 2
        self.proj[0] = nn.Linear(width, self.proj[0].out_features)
        self._classifier: tuple = ()

    def bind_classifier(self, classifier: nn.Module) -> None:
        """The classifier whose view of each component describes it (kept out of the module tree)."""
        self._classifier = (classifier,)

    def describe(
        self, parts: Components, features: list[torch.Tensor], power: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        if not self._classifier:
            raise RuntimeError("SoloComponentGateHead has no classifier: call head.bind_classifier(classifier)")
        with torch.no_grad():
            logits, solo = self._classifier[0].logits_and_features(parts.wav.flatten(0, 1))  # K clips per row
        shape = parts.wav.shape[:2]
        pooled = [tap(f.flatten(2).mean(-1).unflatten(0, shape)) for tap, f in zip(self.taps, solo)]
        logits = logits.unflatten(0, shape)  # (B, K, C)
        own = logits.gather(2, target[:, None, None].expand(-1, shape[1], 1))
        return torch.cat([*pooled, torch.tanh(logits / 10), torch.tanh(own / 10), self._level(power)], dim=-1)
