"""Pretrain LMAC-TD's encoder/decoder pair as an autoencoder (the LMAC-TD paper pretrains its codec).

SepFormerMaskHead's decoder is linear (a transposed conv without bias), so explanation + residual =
``decode(encoded * mask) + decode(encoded * (1 - mask)) = decode(encode(wav))`` for any mask: with
a codec that rebuilds its input, the two parts add up to the input by construction, and a frozen
codec (``SepFormerMaskHead(codec_path=...)``) keeps it so while the masker trains.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from lmac.heads.sepformer import SepFormerMaskHead

__all__ = ["reconstruction_snr", "train_codec"]


def reconstruction_snr(head: SepFormerMaskHead, wav: torch.Tensor) -> torch.Tensor:
    """Per-clip SNR (dB) of ``decode(encode(wav))`` against ``wav (B, T)`` -> ``(B,)``."""
    rebuilt = head.decode(head.encode(wav), wav.shape[-1])
    error = (rebuilt - wav).pow(2).sum(-1).clamp_min(1e-12)
    return 10 * torch.log10(wav.pow(2).sum(-1).clamp_min(1e-12) / error)


def train_codec(head: SepFormerMaskHead, batches: Iterable[torch.Tensor], lr: float = 1e-3) -> list[float]:
    """Fit the head's encoder and decoder to rebuild each batch ``(B, T)``; the masker is not touched.

    The loss is the error power relative to the input's (scale-free, as ``LMACLoss``'s consistency
    term). Returns the loss after each step. Refuses a frozen pair (a head built with ``codec_path``).
    """
    params = [*head.encoder.parameters(), *head.decoder.parameters()]
    if not all(p.requires_grad for p in params):
        raise ValueError(
            "train_codec: the head's encoder/decoder pair is frozen (codec_path / freeze_codec); "
            "build it with codec_path=None"
        )
    optimizer = torch.optim.Adam(params, lr=lr)
    losses = []
    for wav in batches:
        rebuilt = head.decode(head.encode(wav), wav.shape[-1])
        loss = ((rebuilt - wav).pow(2).mean(-1) / wav.pow(2).mean(-1).clamp_min(1e-8)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
