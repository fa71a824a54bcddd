"""A small audio + lyrics classifier (MusicLIME's AST + RoBERTa fusion, CPU-sized): the demo model of
the multimodal ``songs`` task.

The audio goes through the demo log-mel CNN's trunk and pooling (:class:`~lmac.classifiers.MelCNN`),
the lyric through a bag of hashed word embeddings (each word's ``crc32`` picks one of ``text_buckets``
rows, so any lyric is read with no vocabulary file), and the two vectors are concatenated into one
linear layer. With no lyric (``lyrics=None`` or empty strings) the text vector is zero: the model
then decides on the audio alone, which is how its audio-only accuracy is measured.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import torch
from torch import nn

from lmac.checkpoint import capture_init
from lmac.classifiers.demo import MelCNN
from lmac.spectral import STFTConfig

__all__ = ["LyricsMelCNN", "words_of"]

_WORD = re.compile(r"[a-z0-9']+")


def words_of(text: str) -> list[str]:
    """The words of a lyric: lower-cased runs of letters, digits and apostrophes, in order."""
    return _WORD.findall(text.lower())


class LyricsMelCNN(MelCNN):
    """Audio (:class:`MelCNN` trunk) + lyrics (bag of hashed word embeddings), concatenated, one linear layer.

    ``forward(wav, lyrics=None)``: ``wav (B, T)`` and ``lyrics`` a list of ``B`` strings (or one string
    for every clip; ``None``: no words) -> logits ``(B, C)``. Every audio-only method (L-MAC heads,
    gradients, LIME over audio) sees it as an audio classifier with no lyric.

    Args:
        class_names, sample_rate, clip_seconds, n_fft, hop_length, n_mels, channels, dropout, output: as
            :class:`MelCNN`.
        text_buckets: rows of the word-embedding table (words are hashed into them).
        text_dim: size of the lyric vector (the sum of its words' embeddings).
    """

    @capture_init
    def __init__(
        self,
        class_names: list[str],
        sample_rate: int = 16000,
        clip_seconds: float = 2.0,
        n_fft: int = STFTConfig.n_fft,
        hop_length: int = STFTConfig.hop_length,
        n_mels: int = 64,
        channels: tuple[int, ...] = (16, 32, 64),
        dropout: float = 0.2,
        text_buckets: int = 4096,
        text_dim: int = 32,
        output: str = "softmax",
    ):
        super().__init__(class_names, sample_rate, clip_seconds, n_fft, hop_length, n_mels, channels, dropout, output)
        self.text_buckets = int(text_buckets)
        self.embedding = nn.EmbeddingBag(self.text_buckets, text_dim, mode="sum")
        self.fc = nn.Linear(channels[-1] + text_dim, len(class_names))

    def token_ids(self, lyrics: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """``B`` lyrics -> ``(ids (N,), offsets (B,))`` for the embedding bag (hashed words)."""
        ids, offsets = [], []
        for text in lyrics:
            offsets.append(len(ids))
            ids += [zlib.crc32(w.encode()) % self.text_buckets for w in words_of(text)]
        device = self.fc.weight.device
        as_long = dict(dtype=torch.long, device=device)
        return torch.tensor(ids, **as_long), torch.tensor(offsets, **as_long)

    def lyric_vectors(self, lyrics: str | Sequence[str] | None, batch: int) -> torch.Tensor:
        """``(B, text_dim)``: the sum of each lyric's word embeddings (zeros for no lyric)."""
        if lyrics is None:
            lyrics = [""] * batch
        elif isinstance(lyrics, str):
            lyrics = [lyrics] * batch
        if len(lyrics) != batch:
            raise ValueError(f"got {len(lyrics)} lyrics for {batch} clips")
        return self.embedding(*self.token_ids(lyrics))

    def _classify(self, deepest: torch.Tensor, lyrics: str | Sequence[str] | None = None) -> torch.Tensor:
        fused = torch.cat([self._pool(deepest), self.lyric_vectors(lyrics, deepest.shape[0])], dim=1)
        return self.fc(self.dropout(fused))

    def forward(self, wav: torch.Tensor, lyrics: str | Sequence[str] | None = None) -> torch.Tensor:
        """``wav (B, T)``, ``lyrics`` (``B`` strings, one string, or ``None``) -> logits ``(B, C)``."""
        return self._classify(self._trunk(self.frontend(wav))[-1], lyrics)
