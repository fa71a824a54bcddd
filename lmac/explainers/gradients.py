"""Gradient baselines through captum, attributing to the STFT magnitude.

Every method attributes the target logit to ``|STFT(wav)|`` on the grid of its ``stft`` argument:
through ``classifier.logits_from_magnitude(mag)`` when the classifier has that fast path on the same
grid (``classifier.magnitude_grid``), else through ``classifier(STFT.inverse(mag, phase, T))``
(differentiable, input phase). The magnitude is
divided by each clip's peak before attribution (so SmoothGrad's ``noise_level`` is relative to
the clip's peak, independent of loudness and of the rest of the batch); the per-clip factor
vanishes in the normalisation below.

``|attribution| / max |attribution|`` per clip is a soft mask in [0, 1], rendered like L-MAC:
``explanation = istft(mask * |X|, phase)``, ``residual = istft((1 - mask) * |X|, phase)``, so
explanation + residual gives back the clip (to STFT precision). ``saliency`` is the mask.

Captum objects are built inside :meth:`explain`, so a shallow copy of an explainer with
another classifier works (captum is imported there too: it takes ~1 s to import).
"""

from __future__ import annotations

import abc
from collections.abc import Callable

import torch
import torch.nn.functional as F

from lmac.explainers.base import Explainer, Target
from lmac.explanation import Explanation
from lmac.spectral import STFT, STFTConfig

__all__ = [
    "GradientExplainer",
    "Saliency",
    "IntegratedGradients",
    "SmoothGrad",
    "GradCAM",
    "magnitude_forward",
    "deepest_map_layer",
]


def magnitude_forward(classifier, stft: STFT) -> Callable[..., torch.Tensor]:
    """``f(mag_n, scale, phase, length) -> logits (B, C)`` with ``mag = mag_n * scale``.

    ``mag_n, phase (B, F, frames)``, ``scale (B, 1, 1)``; uses ``logits_from_magnitude`` when
    the classifier has it on ``stft``'s grid (``classifier.magnitude_grid``), else the classifier
    on the inverse STFT with ``phase``.
    """
    same_grid = getattr(classifier, "magnitude_grid", None) == stft.grid
    fast = getattr(classifier, "logits_from_magnitude", None) if same_grid else None

    def forward(mag_n: torch.Tensor, scale: torch.Tensor, phase: torch.Tensor, length: int) -> torch.Tensor:
        mag = mag_n * scale
        return fast(mag) if fast is not None else classifier(stft.inverse(mag, phase, length))

    return forward


class GradientExplainer(Explainer):
    """Shared rendering of an attribution over the STFT magnitude (see module doc).

    Args:
        classifier: the classifier to explain.
        seed: seed of any noise the method draws (global RNG state is restored afterwards).
        name: method name recorded in explanations.
        stft: the STFT grid attributed over and of the saliency (``None``: the default
            :class:`~lmac.spectral.STFTConfig`).
    """

    def __init__(self, classifier, seed: int = 0, name: str = "gradient", stft: STFTConfig | None = None):
        self.classifier = classifier
        self.seed = int(seed)
        self.name = name
        self.grid = STFTConfig.of(stft)

    @abc.abstractmethod
    def attribute(self, forward: Callable, mag_n: torch.Tensor, target: torch.Tensor, args: tuple) -> torch.Tensor:
        """Attribution ``(B, F, frames)`` of ``target (B,)`` over ``mag_n (B, F, frames)``.

        ``args`` are the extra forward arguments ``(scale, phase, length)``.
        """

    def explain(self, wav: torch.Tensor, target: Target = None) -> Explanation:
        """Explain ``wav (B, T)`` (see ``Explainer`` for ``target``)."""
        wav, target = self.prepare(wav, target)
        stft = STFT(self.grid).to(wav.device)
        with torch.no_grad():
            mag, phase = stft(wav)
        scale = mag.amax(dim=(1, 2), keepdim=True).clamp_min(1e-8)
        forward = magnitude_forward(self.classifier, stft)
        with torch.enable_grad(), torch.random.fork_rng(devices=[wav.device] if wav.is_cuda else []):
            torch.manual_seed(self.seed)
            mag_n = (mag / scale).detach().requires_grad_()
            attr = self.attribute(forward, mag_n, target, (scale, phase, wav.shape[-1]))
        attr = attr.detach().abs()
        peak = attr.amax(dim=(1, 2), keepdim=True)
        mask = torch.where(peak > 0, attr / peak.clamp_min(1e-30), torch.zeros_like(attr)).clamp(0, 1)
        with torch.no_grad():
            explanation, residual = stft.split(mask, mag, phase, wav.shape[-1])
        return Explanation(
            wav,
            explanation,
            residual,
            mask,
            target,
            self.name,
            self.sample_rate,
            self.grid,
            {"attribution_peak": peak.flatten().cpu()},
        )


class Saliency(GradientExplainer):
    """Vanilla gradient |d logit / d mag| (captum ``Saliency``)."""

    def __init__(self, classifier, seed: int = 0, name: str = "saliency", stft: STFTConfig | None = None):
        super().__init__(classifier, seed, name, stft)

    def attribute(self, forward, mag_n, target, args):
        from captum.attr import Saliency as CaptumSaliency

        return CaptumSaliency(forward).attribute(mag_n, target=target, abs=True, additional_forward_args=args)


class IntegratedGradients(GradientExplainer):
    """Integrated gradients from a silent (all-zero magnitude) baseline (captum).

    Args:
        n_steps: integration steps.
        internal_batch_size: inputs per forward pass (``None``: all steps at once).
    """

    def __init__(
        self,
        classifier,
        n_steps: int = 32,
        internal_batch_size: int | None = None,
        seed: int = 0,
        name: str = "integrated_gradients",
        stft: STFTConfig | None = None,
    ):
        super().__init__(classifier, seed, name, stft)
        self.n_steps, self.internal_batch_size = int(n_steps), internal_batch_size

    def attribute(self, forward, mag_n, target, args):
        from captum.attr import IntegratedGradients as CaptumIG

        return CaptumIG(forward).attribute(
            mag_n,
            baselines=torch.zeros_like(mag_n),
            target=target,
            additional_forward_args=args,
            n_steps=self.n_steps,
            internal_batch_size=self.internal_batch_size,
        )


class SmoothGrad(GradientExplainer):
    """SmoothGrad: mean |gradient| over noisy copies (captum ``NoiseTunnel`` over ``Saliency``).

    Args:
        n_samples: noisy copies per clip.
        noise_level: noise standard deviation relative to the clip's peak magnitude.
        batch_size: noisy copies per forward pass (``None``: all at once).
    """

    def __init__(
        self,
        classifier,
        n_samples: int = 16,
        noise_level: float = 0.1,
        batch_size: int | None = None,
        seed: int = 0,
        name: str = "smoothgrad",
        stft: STFTConfig | None = None,
    ):
        super().__init__(classifier, seed, name, stft)
        self.n_samples, self.noise_level, self.batch_size = int(n_samples), float(noise_level), batch_size

    def attribute(self, forward, mag_n, target, args):
        from captum.attr import NoiseTunnel
        from captum.attr import Saliency as CaptumSaliency

        tunnel = NoiseTunnel(CaptumSaliency(forward))
        return tunnel.attribute(
            mag_n,
            nt_type="smoothgrad",
            nt_samples=self.n_samples,
            nt_samples_batch_size=self.batch_size,
            stdevs=self.noise_level,
            target=target,
            abs=True,
            additional_forward_args=args,
        )


class GradCAM(GradientExplainer):
    """Grad-CAM on a named classifier layer (captum ``LayerGradCam``), upsampled to the STFT grid.

    A layer output ``(B, C, H, W)`` is read as (frequency, time) and resized bilinearly to
    ``(F, frames)``; note that for a mel front end its frequency axis is mel-spaced, so the
    map is placed on linear bins only approximately. An output ``(B, C, L)`` is read as time
    and spread over all frequencies.

    The map must be in the ``(B, C, ..., time)`` layout heads read; a layer with a feature
    transform on the classifier (``TappedClassifier(feature_transforms=...)``, e.g. patches
    folded into the batch axis) has its map passed through that transform first.

    Args:
        layer: name of the layer, as ``classifier.named_layers()`` names it (for a
            :class:`~lmac.classifiers.TappedClassifier`, the wrapped model's own names, as in its
            ``layers=``); ``None`` picks the last layer whose output is a map ``(B, C, ..., L)``
            with ``L > 1`` (found with one probe forward pass).
    """

    def __init__(
        self, classifier, layer: str | None = None, seed: int = 0, name: str = "gradcam", stft: STFTConfig | None = None
    ):
        super().__init__(classifier, seed, name, stft)
        self.layer = layer

    def attribute(self, forward, mag_n, target, args):
        from captum.attr import LayerAttribution, LayerGradCam

        name = self.layer if self.layer is not None else deepest_map_layer(self.classifier, forward, mag_n[:1], args)
        modules = self.classifier.named_layers()
        if name not in modules:
            raise ValueError(
                f"GradCAM layer {name!r} not found in the classifier; available: {sorted(n for n in modules if n)}"
            )
        cam = LayerGradCam(forward, modules[name]).attribute(
            mag_n, target=target, additional_forward_args=args, relu_attributions=True
        )
        transform = self.classifier.feature_transform(name)
        cam = cam if transform is None else transform(cam, mag_n.shape[0])
        if cam.shape[0] != mag_n.shape[0]:
            raise ValueError(
                f"GradCAM layer {name!r} gives maps {tuple(cam.shape)} for {mag_n.shape[0]} clips; it needs "
                "(B, C, ..., time) (a model that folds patches into the batch axis: pass "
                "TappedClassifier(feature_transforms={layer: UnfoldPatches(...)}))"
            )
        n_freq, n_frames = mag_n.shape[-2:]
        if cam.dim() == 4:
            return LayerAttribution.interpolate(cam, (n_freq, n_frames), "bilinear")[:, 0]
        if cam.dim() == 3:
            return F.interpolate(cam, size=n_frames, mode="linear")[:, 0, None, :].expand(-1, n_freq, -1)
        raise ValueError(f"GradCAM layer {name!r} outputs {tuple(cam.shape)}; pick a layer with a (B, C, ...) map")


def deepest_map_layer(classifier, forward: Callable, mag_n: torch.Tensor, args: tuple) -> str:
    """Name (as ``classifier.named_layers()`` gives it) of the last layer with a ``(B, C, ..., L > 1)``
    output, in one probe pass of ``forward``."""
    seen: list[str] = []
    handles = [
        module.register_forward_hook(
            lambda _m, _i, out, n=name: (
                seen.append(n) if torch.is_tensor(out) and out.dim() >= 3 and out.shape[-1] > 1 else None
            )
        )
        for name, module in classifier.named_layers().items()
        if name
    ]
    try:
        with torch.no_grad():
            forward(mag_n, *(a[:1] if torch.is_tensor(a) else a for a in args))
    finally:
        for handle in handles:
            handle.remove()
    if not seen:
        raise ValueError("GradCAM found no layer with a (B, C, ...) output; name one with `layer`")
    return seen[-1]
