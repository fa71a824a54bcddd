"""The layout heads read from a classifier's features, ``(B, C, ..., time)``, its check, and a
transform for models that fold patches of the clip into the batch axis.

Heads fold every axis between channels and time into channels and resample the last axis onto
their own time grid (:class:`~lmac.heads.spectrogram.FeatureFusion`), so a feature must hold the
clips on its first axis and time on its last. Many pretrained taggers do not: a VGGish- or
MobileNet-style AudioSet model frames the clip into 0.96 s patches and runs its conv layers on
``(B * patches, C, time, mel)``. :class:`UnfoldPatches` turns such an output back into
``(B, C, mel, patches * time)``; pass it per layer to
:class:`~lmac.classifiers.TappedClassifier` (``feature_transforms={"layers.13": UnfoldPatches(...)}``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["UnfoldPatches", "check_feature_layout"]

LAYOUT = "(B, C, ..., time): the clips on the first axis, time on the last"
HINT = (
    "; if the model folds patches of the clip into the batch axis, pass "
    "TappedClassifier(feature_transforms={layer: UnfoldPatches(...)})"
)


def check_feature_layout(feats: list[torch.Tensor], longer: list[torch.Tensor] | None, labels: list[str]) -> None:
    """Raise a ``ValueError`` naming the first feature not in the ``(B, C, ..., time)`` layout.

    Args:
        feats: features of a batch of 2 clips of the model's window.
        longer: features of 2 clips twice as long, or ``None`` (the model takes one length only).
        labels: how to name each feature in the error (e.g. ``"layer 'layers.13'"``).
    """
    for i, (feat, label) in enumerate(zip(feats, labels)):
        shape = tuple(feat.shape)
        if feat.dim() < 3 or shape[0] != 2:
            raise ValueError(f"{label} outputs {shape} for a batch of 2 clips; heads need {LAYOUT}{HINT}")
        if longer is None:
            continue
        other = tuple(longer[i].shape)
        if len(other) != len(shape) or other[0] != 2:
            raise ValueError(
                f"{label} outputs {shape} for 2 clips and {other} for 2 clips twice as long; heads need {LAYOUT}{HINT}"
            )
        if other[-1] == shape[-1] and other[1:-1] != shape[1:-1]:
            raise ValueError(
                f"{label} outputs {shape} for 2 clips and {other} for 2 clips twice as long: its last "
                f"axis does not follow the clip's length; heads need {LAYOUT} (move the time axis "
                "last with a feature transform)"
            )


class UnfoldPatches:
    """Feature transform for a layer whose output holds patches of each clip on the batch axis.

    ``(B * P, C, *rest)`` (the ``P`` patches of clip ``b`` in rows ``b * P .. b * P + P - 1``, the
    patch's own time on ``time_axis``) -> ``(B, C, *rest without time, P * t)``: the patches laid end
    to end on one time axis, moved last. With ``overlap > 0`` consecutive patches share frames and
    are overlap-added, averaging the shared frames (``torch.nn.functional.fold``), so the time axis
    covers the clip once.

    Args:
        time_axis: axis of the layer output that is time within a patch (``-2`` for
            ``(B * P, C, time, mel)``; ``-1`` for ``(B * P, C, time)``).
        overlap: fraction of a patch shared with the next one (0.5 for 0.96 s patches every 0.48 s).
    """

    def __init__(self, time_axis: int = -1, overlap: float = 0.0):
        if not 0 <= overlap < 1:
            raise ValueError(f"overlap must be in [0, 1), got {overlap}")
        if time_axis in (0, 1):
            raise ValueError(f"time_axis {time_axis} is the batch or channel axis; use the patch's time axis")
        self.time_axis, self.overlap = int(time_axis), float(overlap)

    def __call__(self, output: torch.Tensor, batch_size: int) -> torch.Tensor:
        """``output (B * P, C, *rest)``, ``batch_size`` B -> ``(B, C, *rest without time, time)``."""
        if output.dim() < 3 or output.shape[0] % batch_size:
            raise ValueError(
                f"UnfoldPatches: layer output {tuple(output.shape)} does not hold a whole number of "
                f"patches for each of {batch_size} clips on its first axis"
            )
        n_patches = output.shape[0] // batch_size
        x = output.movedim(self.time_axis, -1)  # (B * P, C, *rest, t)
        x = x.reshape(batch_size, n_patches, *x.shape[1:]).movedim(1, -2)  # (B, C, *rest, P, t)
        frames = x.shape[-1]
        hop = max(1, round(frames * (1 - self.overlap)))
        if hop >= frames:
            return x.flatten(-2)
        lead = x.shape[:-2]
        blocks = x.reshape(-1, n_patches, frames).transpose(1, 2)  # (N, t, P): fold's (N, C * kernel, L)
        length = (n_patches - 1) * hop + frames
        fold = dict(output_size=(1, length), kernel_size=(1, frames), stride=(1, hop))
        summed = F.fold(blocks, **fold)
        counts = F.fold(torch.ones_like(blocks[:1]), **fold)
        return (summed / counts).reshape(*lead, length)
