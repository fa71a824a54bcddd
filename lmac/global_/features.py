"""Per-clip features of a local explanation, the input of the global aggregation.

A feature extractor turns one batch's :class:`~lmac.explanation.Explanation` (and the clips' stems,
when the data has them) into :class:`LocalFeatures`: a name per feature and a weight per clip,
``NaN`` where the feature is absent from a clip (a silent stem, a component LIME never sampled),
so that the averages of :mod:`lmac.global_.scores` count only the clips where it can matter.

* :class:`ComponentWeights`: the surrogate weights of methods that weigh named components (LIME:
  ``extras["components"]``, ``extras["weights"]``).
* :class:`StemShares`: the explanation's energy share per ground-truth stem
  (:func:`~lmac.metrics.stem_energy_share`), for mask methods on data with stems.
* :class:`BandMass`: the explanation's share of magnitude per frequency band, for any method on any data.

An extractor returns ``None`` when it does not apply (no weights in the extras, no stems); the
aggregation uses the first extractor in its list that applies, so the default list
``[ComponentWeights(), StemShares(), BandMass()]`` gives LIME its weights, mask methods their stem
shares where stems are known, and band mass otherwise.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from lmac.explanation import Explanation
from lmac.metrics import stem_energy_share, stem_sounds
from lmac.spectral import STFT

__all__ = ["LocalFeatures", "FeatureExtractor", "ComponentWeights", "StemShares", "BandMass", "band_edges"]


@dataclass
class LocalFeatures:
    """Named feature weights of a batch of explanations.

    Attributes:
        names: ``K`` feature names.
        weights: ``(B, K)`` weights, ``NaN`` where the feature is absent from the clip.
        kind: what the weights are (``"component weight"``, ``"stem share"``, ``"band mass"``).
    """

    names: list[str]
    weights: torch.Tensor
    kind: str

    def __post_init__(self) -> None:
        if self.weights.dim() != 2 or self.weights.shape[1] != len(self.names):
            raise ValueError(f"feature weights {tuple(self.weights.shape)} do not match {len(self.names)} names")


class FeatureExtractor(abc.ABC):
    """``(explanation, stems or None) -> LocalFeatures``, or ``None`` when it does not apply."""

    @abc.abstractmethod
    def __call__(self, exp: Explanation, stems: Mapping[str, torch.Tensor] | None) -> LocalFeatures | None:
        """Features of ``exp`` (``B`` clips); ``stems``: name -> ``(B, T)`` sources of ``exp.wav``."""


class ComponentWeights(FeatureExtractor):
    """The weights a method gives its own named components (``extras["components"]`` and
    ``extras["weights"] (B, K)``, as LIME reports them), followed by the words of MultimodalLIME
    (``extras["words"]``: per clip, word -> weight; a word not in a clip's lyric is absent there).
    A component weight of exactly 0 is taken as absent: LIME gives it to components that are silent
    in the clip and never sampled."""

    def __call__(self, exp: Explanation, stems: Mapping[str, torch.Tensor] | None) -> LocalFeatures | None:
        if "components" not in exp.extras or "weights" not in exp.extras:
            return None
        weights = torch.as_tensor(exp.extras["weights"], dtype=torch.float32).cpu()
        weights = torch.where(weights == 0, torch.full_like(weights, math.nan), weights)
        per_clip = exp.extras.get("words") or [{} for _ in range(len(weights))]
        words = list(dict.fromkeys(w for clip in per_clip for w in clip))
        word_weights = torch.tensor(
            [[clip.get(w, math.nan) for w in words] for clip in per_clip], dtype=torch.float32
        ).reshape(len(weights), len(words))
        return LocalFeatures(
            list(exp.extras["components"]) + words, torch.cat([weights, word_weights], dim=1), "component weight"
        )


class StemShares(FeatureExtractor):
    """The share of the explanation's energy that comes from each ground-truth stem
    (:func:`~lmac.metrics.stem_energy_share`); ``NaN`` for a stem silent in the clip (below
    ``floor_db`` of its energy). ``exclude``: stems left out (e.g. a contamination)."""

    def __init__(self, floor_db: float = -60.0, exclude: tuple[str, ...] = ("contamination",)):
        self.floor_db, self.exclude = float(floor_db), tuple(exclude)

    def __call__(self, exp: Explanation, stems: Mapping[str, torch.Tensor] | None) -> LocalFeatures | None:
        if not stems:
            return None
        stems = {k: v.to(exp.explanation_wav) for k, v in stems.items() if k not in self.exclude}
        shares = stem_energy_share(exp.explanation_wav, stems)
        columns = [
            torch.where(stem_sounds(stems[k], exp.wav, self.floor_db), shares[k], torch.full_like(shares[k], math.nan))
            for k in stems
        ]
        return LocalFeatures(list(stems), torch.stack(columns, dim=1).float().cpu(), "stem share")


def band_edges(n_bands: int, sample_rate: int, low_hz: float = 100.0) -> list[float]:
    """``n_bands + 1`` edges in Hz: 0, then log-spaced from ``low_hz`` to the Nyquist frequency."""
    if n_bands < 1:
        raise ValueError(f"n_bands must be at least 1, got {n_bands}")
    nyquist = sample_rate / 2
    if n_bands == 1:
        return [0.0, nyquist]
    inner = torch.logspace(math.log10(low_hz), math.log10(nyquist), n_bands).tolist()
    return [0.0, *inner]


class BandMass(FeatureExtractor):
    """The share of the explanation's STFT magnitude (on the explanation's grid) in each of
    ``n_bands`` frequency bands (:func:`band_edges`): which frequencies the explanation keeps, for
    any method and any data. Always present (never ``NaN``); shares of a clip sum to 1 (0 for a
    silent explanation).

    Args:
        n_bands: number of bands.
        low_hz: upper edge of the lowest band (the bands above it are log-spaced).
    """

    def __init__(self, n_bands: int = 8, low_hz: float = 100.0):
        band_edges(n_bands, 16000, low_hz)  # validate early
        self.n_bands, self.low_hz = int(n_bands), float(low_hz)

    def __call__(self, exp: Explanation, stems: Mapping[str, torch.Tensor] | None) -> LocalFeatures:
        edges = band_edges(self.n_bands, exp.sample_rate, self.low_hz)
        mag, _ = STFT(exp.grid).to(exp.explanation_wav.device)(exp.explanation_wav)  # (B, F, frames)
        freqs = torch.linspace(0, exp.sample_rate / 2, mag.shape[1], device=mag.device)
        band = torch.bucketize(freqs, torch.tensor(edges[1:-1], device=mag.device), right=True)  # (F,)
        per_bin = mag.sum(-1)  # (B, F)
        mass = torch.zeros(mag.shape[0], self.n_bands, device=mag.device).index_add_(1, band, per_bin)
        total = mass.sum(1, keepdim=True)
        shares = torch.where(total > 0, mass / total.clamp_min(1e-12), torch.zeros_like(mass))
        names = [f"{lo:.0f}-{hi:.0f} Hz" for lo, hi in zip(edges[:-1], edges[1:])]
        return LocalFeatures(names, shares.float().cpu(), "band mass")
