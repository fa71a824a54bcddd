"""Factorizations for :class:`~lmac.explainers.lime.SourceLIME`: a clip as a sum of named parts.

A factorization maps a batch ``wav (B, T)`` to :class:`Components`: ``K`` named component
signals ``(B, K, T)`` whose sum gives back the clip (exactly for stems and time segments, to
float precision for STFT-domain splits), and composes the model input from any subset of them.

* :class:`OracleStems`: the ground-truth stems, bound with ``Explainer.bind_stems``.
* :class:`SeparatorFactorization`: any callable returning named sources (see
  :mod:`lmac.explainers.separators` for a SpeechBrain model from a local folder); the part
  the separator misses is kept as a ``rest`` component.
* :class:`NMFFactorization`: NMF of the magnitude, components rebuilt with the input phase.
* :class:`TimeSegments`, :class:`TimeFrequencyGrid` (SLIME-style): split every component of
  a source factorization (or the whole clip) into time segments / time-frequency blocks.
  Names join the source and the segment, e.g. ``drums0`` for the drums in segment 0.
"""

from __future__ import annotations

import abc
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
import torchaudio

from lmac.audio import fix_length
from lmac.spectral import STFT, STFTConfig

__all__ = [
    "Components",
    "Factorization",
    "OracleStems",
    "SeparatorFactorization",
    "NMFFactorization",
    "TimeSegments",
    "TimeFrequencyGrid",
]


@dataclass
class Components:
    """Named parts of a batch of clips.

    Attributes:
        names: ``K`` component names, shared by the batch.
        wav: ``(B, K, T)`` component signals; ``wav.sum(1)`` gives back the clips.
    """

    names: list[str]
    wav: torch.Tensor

    def compose(self, index: int, z: torch.Tensor) -> torch.Tensor:
        """Model inputs for clip ``index`` from on/off vectors ``z (N, K)`` -> ``(N, T)``."""
        return z.to(self.wav) @ self.wav[index]


class Factorization(abc.ABC):
    """Splits ``wav (B, T)`` at ``sample_rate`` into :class:`Components`."""

    @abc.abstractmethod
    def __call__(self, wav: torch.Tensor, sample_rate: int) -> Components:
        """``wav (B, T)`` -> components ``(B, K, T)`` summing to ``wav``."""

    def bind_stems(self, stems: Mapping[str, torch.Tensor] | None) -> None:  # noqa: B027 (optional hook)
        """Receive ground-truth stems (only :class:`OracleStems` uses them)."""


class OracleStems(Factorization):
    """The clip's ground-truth stems as components (named by stem).

    Stems arrive through ``explainer.bind_stems(stems)`` before each ``explain()`` call.

    Args:
        tolerance: largest allowed ``max |wav - sum(stems)|`` relative to the clip's peak;
            a larger gap means the stems belong to another clip.
    """

    def __init__(self, tolerance: float = 1e-3):
        self.tolerance = float(tolerance)
        self._stems: dict[str, torch.Tensor] | None = None

    def bind_stems(self, stems: Mapping[str, torch.Tensor] | None) -> None:
        if stems is None:
            self._stems = None
            return
        if not isinstance(stems, Mapping) or not stems:
            raise TypeError(f"stems must be a non-empty dict name -> (B, T) tensor, got {type(stems).__name__}")
        self._stems = {str(k): torch.as_tensor(v) for k, v in stems.items()}

    def __call__(self, wav: torch.Tensor, sample_rate: int) -> Components:
        if self._stems is None:
            raise RuntimeError("OracleStems has no stems: call explainer.bind_stems(stems) before explain()")
        parts = []
        for name, stem in self._stems.items():
            stem = stem.unsqueeze(0) if stem.dim() == 1 else stem
            if stem.shape != wav.shape:
                raise ValueError(f"stem {name!r} has shape {tuple(stem.shape)} but the clips are {tuple(wav.shape)}")
            parts.append(stem.to(wav))
        stacked = torch.stack(parts, dim=1)
        gap = (stacked.sum(1) - wav).abs().amax()
        if gap > self.tolerance * wav.abs().amax().clamp_min(1e-8):
            raise ValueError(
                f"the bound stems do not sum to the clip (max error {gap:.3g}); "
                "bind the stems of the clip being explained"
            )
        return Components(list(self._stems), stacked)


class SeparatorFactorization(Factorization):
    """Components from a source separator, plus the ``rest`` it leaves out.

    Args:
        separator: callable ``wav (B, T') -> {name: (B, T')}`` at ``sample_rate``.
        sample_rate: the separator's rate; ``None`` uses ``separator.sample_rate`` if it has
            one, else the clip's rate. Clips are resampled to it and sources back.
    """

    def __init__(self, separator: Callable[[torch.Tensor], Mapping[str, torch.Tensor]], sample_rate: int | None = None):
        self.separator = separator
        self.sample_rate = sample_rate

    def __call__(self, wav: torch.Tensor, sample_rate: int) -> Components:
        rate = int(self.sample_rate or getattr(self.separator, "sample_rate", None) or sample_rate)
        with torch.no_grad():
            sources = self.separator(torchaudio.functional.resample(wav, sample_rate, rate))
        if not isinstance(sources, Mapping) or not sources:
            raise TypeError(f"the separator must return a non-empty dict name -> (B, T), got {type(sources).__name__}")
        parts = []
        for name, src in sources.items():
            src = torchaudio.functional.resample(torch.as_tensor(src).to(wav), rate, sample_rate)
            if src.dim() != 2 or src.shape[0] != wav.shape[0]:
                raise ValueError(f"separated source {name!r} has shape {tuple(src.shape)}; expected (B, T)")
            parts.append(fix_length(src, wav.shape[-1]))
        stacked = torch.stack(parts, dim=1)
        rest = wav - stacked.sum(1)
        return Components([str(n) for n in sources] + ["rest"], torch.cat([stacked, rest[:, None]], dim=1))


def _soft_masks(w, h) -> torch.Tensor:
    """NMF factors ``w (F, K)``, ``h (K, N)`` -> Wiener-like masks ``(K, F, N)`` summing to 1."""
    parts = torch.einsum("fk,kn->kfn", torch.as_tensor(w), torch.as_tensor(h)).float()
    total = parts.sum(0, keepdim=True)
    uniform = torch.full_like(parts, 1.0 / parts.shape[0])
    return torch.where(total > 1e-10, parts / total.clamp_min(1e-10), uniform)


class NMFFactorization(Factorization):
    """Non-negative matrix factorization of ``|STFT(wav)|`` (scikit-learn), no weights needed.

    Each component is ``istft(mask_k * X)`` with ``mask_k = W_k H_k / sum_j W_j H_j`` and the
    input's phase, so the components sum to the clip. Names: ``nmf0 ... nmf{K-1}``.

    Args:
        n_components: number of NMF components ``K``.
        max_iter: NMF iterations.
        seed: NMF initialisation seed.
        stft: the STFT grid factorized (``None``: the default :class:`~lmac.spectral.STFTConfig`).
    """

    def __init__(self, n_components: int = 8, max_iter: int = 200, seed: int = 0, stft: STFTConfig | None = None):
        self.n_components, self.max_iter, self.seed = int(n_components), int(max_iter), int(seed)
        self.grid = STFTConfig.of(stft)

    def __call__(self, wav: torch.Tensor, sample_rate: int) -> Components:
        from sklearn.decomposition import NMF
        from sklearn.exceptions import ConvergenceWarning

        stft = STFT(self.grid).to(wav.device)
        spec = stft.complex(wav)  # (B, F, N)
        parts = []
        for clip_spec in spec:
            mag = clip_spec.abs().double().cpu().numpy()
            model = NMF(self.n_components, init="nndsvda", max_iter=self.max_iter, random_state=self.seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", (ConvergenceWarning, RuntimeWarning))
                w = model.fit_transform(mag)
            masks = _soft_masks(w, model.components_).to(wav.device)  # (K, F, N)
            parts.append(stft.inverse_complex(masks * clip_spec, wav.shape[-1]))
        return Components([f"nmf{k}" for k in range(self.n_components)], torch.stack(parts))


def _join(name: str, suffix: str) -> str:
    """``drums`` + ``0`` -> ``drums0``; ``nmf1`` + ``0`` -> ``nmf1_0`` (keeps names unambiguous)."""
    return f"{name}_{suffix}" if name[-1:].isdigit() and suffix[:1].isdigit() else f"{name}{suffix}"


class _Refinement(Factorization):
    """Splits every component of ``source`` (or the whole clip, named ``audio``) further."""

    def __init__(self, source: Factorization | None = None):
        self.source = source

    def bind_stems(self, stems: Mapping[str, torch.Tensor] | None) -> None:
        if self.source is not None:
            self.source.bind_stems(stems)

    @abc.abstractmethod
    def split(self, wav: torch.Tensor) -> tuple[list[str], torch.Tensor]:
        """``wav (B, T)`` -> segment suffixes and parts ``(B, S, T)`` summing to ``wav``."""

    def __call__(self, wav: torch.Tensor, sample_rate: int) -> Components:
        base = self.source(wav, sample_rate) if self.source is not None else Components(["audio"], wav[:, None])
        names, parts = [], []
        for k, name in enumerate(base.names):
            suffixes, sub = self.split(base.wav[:, k])
            names += [_join(name, s) for s in suffixes]
            parts.append(sub)
        return Components(names, torch.cat(parts, dim=1))


class TimeSegments(_Refinement):
    """Equal-length time segments (rectangular, so they sum exactly to the clip).

    Args:
        n_segments: segments per component.
        source: source factorization to segment; ``None`` segments the whole clip (``audio0``...).
    """

    def __init__(self, n_segments: int = 4, source: Factorization | None = None):
        super().__init__(source)
        if n_segments < 1:
            raise ValueError(f"n_segments must be >= 1, got {n_segments}")
        self.n_segments = int(n_segments)

    def split(self, wav: torch.Tensor) -> tuple[list[str], torch.Tensor]:
        edges = torch.linspace(0, wav.shape[-1], self.n_segments + 1).round().long()
        t = torch.arange(wav.shape[-1], device=wav.device)
        gates = torch.stack([(t >= a) & (t < b) for a, b in zip(edges[:-1], edges[1:])]).to(wav)  # (S, T)
        return [str(i) for i in range(self.n_segments)], wav[:, None] * gates


class TimeFrequencyGrid(_Refinement):
    """SLIME-style blocks: ``n_freq`` equal frequency bands x ``n_time`` equal frame ranges.

    Each block is ``istft(block_mask * X)`` with the input phase; blocks sum to the clip to
    float precision. Suffixes: ``f{i}t{j}`` (``audio_f0t1`` for the whole clip).

    Args:
        n_freq: frequency bands.
        n_time: time ranges.
        source: source factorization to split; ``None`` splits the whole clip.
        stft: the STFT grid the blocks are cut from (``None``: the default :class:`~lmac.spectral.STFTConfig`).
    """

    def __init__(
        self, n_freq: int = 4, n_time: int = 4, source: Factorization | None = None, stft: STFTConfig | None = None
    ):
        super().__init__(source)
        if n_freq < 1 or n_time < 1:
            raise ValueError(f"n_freq and n_time must be >= 1, got {n_freq}, {n_time}")
        self.n_freq, self.n_time = int(n_freq), int(n_time)
        self.grid = STFTConfig.of(stft)

    def split(self, wav: torch.Tensor) -> tuple[list[str], torch.Tensor]:
        stft = STFT(self.grid).to(wav.device)
        spec = stft.complex(wav)  # (B, F, N)
        f_edges = torch.linspace(0, spec.shape[-2], self.n_freq + 1).round().long()
        t_edges = torch.linspace(0, spec.shape[-1], self.n_time + 1).round().long()
        masks, suffixes = [], []
        for i in range(self.n_freq):
            for j in range(self.n_time):
                mask = torch.zeros(spec.shape[-2:], device=wav.device)
                mask[f_edges[i] : f_edges[i + 1], t_edges[j] : t_edges[j + 1]] = 1
                masks.append(mask)
                suffixes.append(f"_f{i}t{j}")
        blocks = spec[:, None] * torch.stack(masks)  # (B, S, F, N)
        return suffixes, stft.inverse_complex(blocks, wav.shape[-1])
