"""LMAC-TD: a SepFormer-style time-domain head (Mancini, Paissan, Ravanelli, Subakan, ICASSP 2025).

Encoder, masker and decoder are SpeechBrain's dual-path blocks
(:mod:`speechbrain.lobes.models.dual_path`). The mask lives on the learned encoder's frames,
so explanation and residual are decoded straight to audio, with no phase borrowed from anywhere.
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from speechbrain.lobes.models.dual_path import Decoder, Dual_Path_Model, Encoder, SBTransformerBlock
from torch import nn

from lmac.checkpoint import amend_config, capture_init
from lmac.heads.base import HeadOutput, MaskHead
from lmac.heads.spectrogram import FeatureFusion, bounded_sigmoid, group_norm
from lmac.spectral import STFT, STFTConfig, relative_magnitude

__all__ = ["SepFormerMaskHead", "save_codec"]


def _transformer(n_layers: int, d_model: int, n_heads: int, d_ffn: int, dropout: float) -> SBTransformerBlock:
    return SBTransformerBlock(
        n_layers, d_model, n_heads, d_ffn=d_ffn, dropout=dropout, use_positional_encoding=True, norm_before=True
    )


def save_codec(head: SepFormerMaskHead, path: str | os.PathLike) -> None:
    """Write a head's encoder/decoder pair to ``path`` (loadable by ``SepFormerMaskHead(codec_path=...)``)."""
    torch.save(
        {
            "encoder": head.encoder.state_dict(),
            "decoder": head.decoder.state_dict(),
            "n_channels": head.encoder.conv1d.out_channels,
            "kernel_size": head.encoder.conv1d.kernel_size[0],
        },
        path,
    )


class BoundedSigmoid(nn.Module):
    """:func:`~lmac.heads.spectrogram.bounded_sigmoid` as a module (the masker's output activation)."""

    def __init__(self, bound: float):
        super().__init__()
        self.bound = float(bound)

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        return bounded_sigmoid(logits, self.bound)


class SepFormerMaskHead(MaskHead):
    """LMAC-TD head: sigmoid mask over a learned 1-D conv encoding of the waveform.

    ``encoded = Encoder(wav)``; masker input ``GroupNorm((1 - alpha) * encoded + alpha * proj(features))``
    (``proj`` ends in GroupNorm too), FiLM-conditioned on the target class from a class embedding drawn
    N(0, ``film_std``) that acts on the normalised input, so the condition is never drowned by the
    activations' scale; the mask is ``bounded_sigmoid`` of the masker's output (never exactly 0 or 1,
    see :mod:`lmac.heads.spectrogram`); explanation = ``Decoder(encoded * mask)``,
    residual = ``Decoder(encoded * (1 - mask))``.

    Args:
        feature_shapes: shapes (without batch) of the classifier's features, deepest first
            (``AudioClassifier.feature_shapes()``; passed at wiring time).
        n_classes: classes the head can be asked to explain (target conditioning).
        alpha: weight of the classifier features in the masker input (paper: 0, 0.75, 1).
        n_channels: encoder filters ``N`` (paper 256).
        kernel_size: encoder kernel in samples (paper 16); the stride is ``kernel_size // 2``.
        masker_channels: width of the dual-path transformer.
        chunk_size: dual-path chunk length ``K`` in encoder frames (paper 250).
        n_dual_blocks: dual-path blocks (paper 2).
        n_layers: transformer layers in each intra / inter model.
        n_heads, d_ffn, dropout: transformer settings.
        tap_channels: channels each classifier feature tap is projected to before fusion.
        codec_path: file with a pretrained ``{"encoder", "decoder"}`` state-dict pair (see
            :func:`save_codec`); it is loaded and frozen. ``None`` trains them jointly.
        freeze_codec: keep the encoder/decoder fixed (implied by ``codec_path``; recorded in
            exported checkpoints, whose weights already hold the pair).
        logit_bound: bound of the mask logits (:func:`~lmac.heads.spectrogram.bounded_sigmoid`).
        film_std: standard deviation of the class embedding's initial scale and shift.
        stft: STFT grid of the saliency and of the sparsity term (``None``: the default
            :class:`~lmac.spectral.STFTConfig`); the mask itself lives on the encoder's frames.
    """

    method_name = "lmac-td"

    @capture_init
    def __init__(
        self,
        feature_shapes: list[tuple[int, ...]],
        n_classes: int,
        alpha: float = 0.75,
        n_channels: int = 256,
        kernel_size: int = 16,
        masker_channels: int = 256,
        chunk_size: int = 250,
        n_dual_blocks: int = 2,
        n_layers: int = 8,
        n_heads: int = 8,
        d_ffn: int = 1024,
        dropout: float = 0.0,
        tap_channels: int = 64,
        codec_path: str | None = None,
        freeze_codec: bool = False,
        stft: STFTConfig | None = None,
        logit_bound: float = 6.0,
        film_std: float = 0.5,
    ):
        super().__init__()
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        if kernel_size < 2 or kernel_size % 2:
            raise ValueError(f"kernel_size must be an even number >= 2 (stride = kernel_size // 2), got {kernel_size}")
        feature_shapes = [tuple(int(s) for s in shape) for shape in feature_shapes]
        freeze_codec = bool(freeze_codec or codec_path)
        # the exported weights hold the codec pair: record it as frozen, not where it came from
        amend_config(self, codec_path=None, freeze_codec=freeze_codec, stft=STFTConfig.of(stft))
        self.alpha, self.kernel_size, self.stride = float(alpha), kernel_size, kernel_size // 2
        self.encoder = Encoder(kernel_size=kernel_size, out_channels=n_channels)
        self.decoder = Decoder(
            in_channels=n_channels, out_channels=1, kernel_size=kernel_size, stride=self.stride, bias=False
        )
        self.fusion = FeatureFusion(feature_shapes, tap_channels)
        self.proj = nn.Sequential(nn.Conv1d(self.fusion.out_channels, n_channels, 1), group_norm(n_channels))
        self.input_norm = group_norm(n_channels)
        self.film = nn.Embedding(n_classes, 2 * n_channels)  # per-class scale and shift of the masker input
        nn.init.normal_(self.film.weight, 0.0, film_std)
        block = (n_layers, masker_channels, n_heads, d_ffn, dropout)
        self.masker = Dual_Path_Model(
            n_channels,
            masker_channels,
            _transformer(*block),
            _transformer(*block),
            num_layers=n_dual_blocks,
            norm="ln",
            K=chunk_size,
            num_spks=1,
            skip_around_intra=True,
            linear_layer_after_inter_intra=False,
        )
        self.masker.activation = BoundedSigmoid(logit_bound)  # SepFormer ends in ReLU; LMAC-TD's is a sigmoid
        self.stft = STFT(stft)  # the grid of saliency maps
        if codec_path is not None:
            self._load_codec(codec_path)
        if freeze_codec:
            self.encoder.requires_grad_(False)
            self.decoder.requires_grad_(False)

    @property
    def grid(self) -> STFTConfig:
        return self.stft.grid

    def _load_codec(self, path: str | os.PathLike) -> None:
        try:
            pair = torch.load(path, map_location="cpu", weights_only=True)
            self.encoder.load_state_dict(pair["encoder"])
            self.decoder.load_state_dict(pair["decoder"])
        except FileNotFoundError:
            raise FileNotFoundError(f"codec_path {path}: no such file") from None
        except (KeyError, RuntimeError, TypeError) as err:
            raise ValueError(
                f"codec_path {path}: not an encoder/decoder pair for kernel {self.kernel_size} "
                f"and {self.encoder.conv1d.out_channels} channels ({type(err).__name__})"
            ) from None

    def encode(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> ``encoded (B, N, L)``; right-padded so the decoder gives back ``>= T`` samples."""
        length = max(wav.shape[-1], self.kernel_size)
        padded = self.stride * -(-(length - self.kernel_size) // self.stride) + self.kernel_size
        return self.encoder(F.pad(wav, (0, padded - wav.shape[-1])))

    def estimate_mask(self, encoded: torch.Tensor, features: list[torch.Tensor], target: torch.Tensor) -> torch.Tensor:
        """``encoded (B, N, L)``, classifier features, ``target (B,)`` -> ``mask (B, N, L)`` in [0, 1]."""
        projected = self.proj(self.fusion(features))  # (B, N, T_tap)
        projected = F.interpolate(projected, size=encoded.shape[-1], mode="linear", align_corners=False)
        x = self.input_norm((1 - self.alpha) * encoded + self.alpha * projected)
        scale, shift = self.film(target).unsqueeze(-1).chunk(2, dim=1)
        return self.masker(x * (1 + scale) + shift)[0]

    def decode(self, encoded: torch.Tensor, length: int) -> torch.Tensor:
        """``(B, N, L)`` -> ``wav (B, length)`` (SpeechBrain's Decoder squeezes a batch of one; undo it)."""
        return self.decoder(encoded).reshape(encoded.shape[0], -1)[:, :length]

    def forward(self, wav: torch.Tensor, features: list[torch.Tensor], target: torch.Tensor) -> HeadOutput:
        """``wav (B, T)`` -> explanation / residual ``(B, T)``, encoder-domain mask ``(B, N, L)``,
        saliency ``(B, F, frames)`` (explanation magnitude relative to the input's) and sparsity
        ``log1p |STFT(explanation)|`` ``(B, F, frames)``."""
        encoded = self.encode(wav)
        mask = self.estimate_mask(encoded, features, target)
        length = wav.shape[-1]
        explanation = self.decode(encoded * mask, length)
        residual = self.decode(encoded * (1 - mask), length)
        saliency = relative_magnitude(explanation, wav, self.stft)
        sparsity = torch.log1p(self.stft(explanation)[0])
        return HeadOutput(explanation, residual, mask=mask, saliency=saliency, sparsity=sparsity, grid=self.grid)
