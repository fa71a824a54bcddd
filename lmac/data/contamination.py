"""Out-of-domain settings of the L-MAC protocol, as dataset wrappers.

Each wrapper takes a dataset of dict items (``wav (T,)``, ``label``, optional ``stems`` name ->
``(T,)``, as :class:`~lmac.data.SyntheticMixtures` gives) and returns contaminated items:

* :class:`Clean`: the items unchanged (the in-domain setting).
* :class:`OtherClassMixture`: mixed with a clip of another class, ``0.8 x / ||x|| + 0.2 y / ||y||``.
* :class:`WhiteNoise`: ``1.0 x / ||x|| + 0.5 n / ||n||`` with Gaussian white noise ``n``.
* :class:`UnrelatedSource`: mixed 0.8 / 0.2 with a source from outside the task (the L-MAC
  paper uses LJSpeech; by default a synthetic speech-like babble, or any dataset you pass).

Every mixture is then peak-normalised (divided by its largest absolute sample; SpeechBrain's
recipe divides by the maximum, which differs only for clips whose negative peak is larger).
Item ``i`` is the same for the same ``seed`` (its generator is seeded by ``(seed, i)``).
The stems stay consistent: the clean item's stems are scaled like the clip, and the added
signal becomes one more stem, ``"contamination"``, so ``wav == sum(stems)`` still holds.
"""

from __future__ import annotations

import abc

import numpy as np
import torch
from scipy.signal import lfilter
from torch.utils.data import Dataset

__all__ = [
    "Contaminated",
    "Clean",
    "OtherClassMixture",
    "WhiteNoise",
    "UnrelatedSource",
    "babble",
    "CONTAMINATION_STEM",
]

CONTAMINATION_STEM = "contamination"


class Contaminated(Dataset, abc.ABC):
    """Base of the settings: wraps ``dataset``; item ``i`` draws from a generator seeded by ``(seed, i)``.

    The wrapped dataset's ``class_names``, ``sample_rate``, ``clip_seconds`` and ``stem_names`` are passed through.
    """

    adds_stem = True  # whether items gain a "contamination" stem

    def __init__(self, dataset: Dataset, seed: int = 0):
        self.dataset, self.seed = dataset, int(seed)
        self.class_names = getattr(dataset, "class_names", None)
        self.sample_rate = getattr(dataset, "sample_rate", None)
        self.clip_seconds = getattr(dataset, "clip_seconds", None)
        names = getattr(dataset, "stem_names", None)
        self.stem_names = None if names is None else list(names) + ([CONTAMINATION_STEM] if self.adds_stem else [])

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        item = dict(self.dataset[index])
        return self.contaminate(item, index, np.random.default_rng([self.seed, index]))

    @abc.abstractmethod
    def contaminate(self, item: dict, index: int, rng: np.random.Generator) -> dict:
        """Return the contaminated copy of ``item`` (never modify the input tensors in place)."""


def mix_items(item: dict, other: torch.Tensor, gain: float, other_gain: float) -> dict:
    """``gain * x / ||x|| + other_gain * y / ||y||``, peak-normalised; stems scaled alike, plus ``"contamination"``."""
    wav = item["wav"]
    if other.shape != wav.shape:
        raise ValueError(f"contamination has shape {tuple(other.shape)}, clip {tuple(wav.shape)}")
    a = gain / wav.norm().clamp_min(1e-12)
    b = other_gain / other.norm().clamp_min(1e-12)
    mixture = a * wav + b * other
    peak = mixture.abs().max().clamp_min(1e-12)
    out = {**item, "wav": mixture / peak}
    if item.get("stems") is not None:
        out["stems"] = {**{k: v * (a / peak) for k, v in item["stems"].items()}, CONTAMINATION_STEM: other * (b / peak)}
    return out


class Clean(Contaminated):
    """The in-domain setting: items unchanged."""

    adds_stem = False

    def contaminate(self, item: dict, index: int, rng: np.random.Generator) -> dict:
        return item


class OtherClassMixture(Contaminated):
    """Mix each clip with a clip of another class drawn from the same dataset (0.8 / 0.2)."""

    def __init__(
        self, dataset: Dataset, seed: int = 0, gain: float = 0.8, other_gain: float = 0.2, max_tries: int = 100
    ):
        super().__init__(dataset, seed)
        self.gain, self.other_gain, self.max_tries = float(gain), float(other_gain), int(max_tries)

    def contaminate(self, item: dict, index: int, rng: np.random.Generator) -> dict:
        for _ in range(self.max_tries):
            other = self.dataset[int(rng.integers(len(self.dataset)))]
            if other["label"] != item["label"]:
                return mix_items(item, other["wav"], self.gain, self.other_gain)
        raise ValueError(
            f"found no clip of a class other than {item['label']} in {self.max_tries} draws; "
            "OtherClassMixture needs a dataset with at least two classes"
        )


class WhiteNoise(Contaminated):
    """Add Gaussian white noise: ``1.0 x / ||x|| + 0.5 n / ||n||``, peak-normalised."""

    def __init__(self, dataset: Dataset, seed: int = 0, gain: float = 1.0, noise_gain: float = 0.5):
        super().__init__(dataset, seed)
        self.gain, self.noise_gain = float(gain), float(noise_gain)

    def contaminate(self, item: dict, index: int, rng: np.random.Generator) -> dict:
        noise = torch.from_numpy(rng.standard_normal(item["wav"].shape[-1]).astype(np.float32))
        return mix_items(item, noise, self.gain, self.noise_gain)


class UnrelatedSource(Contaminated):
    """Mix each clip with a source unrelated to the task (0.8 / 0.2).

    Args:
        dataset: the clean items.
        sources: a dataset of items with ``wav (T',)`` (e.g. speech recordings at the same rate);
            cut or zero-padded to the clip length. ``None``: a synthetic babble (:func:`babble`).
        seed, gain, other_gain: as in the other settings.
    """

    def __init__(
        self,
        dataset: Dataset,
        sources: Dataset | None = None,
        seed: int = 0,
        gain: float = 0.8,
        other_gain: float = 0.2,
    ):
        super().__init__(dataset, seed)
        if sources is None and self.sample_rate is None:
            raise ValueError("UnrelatedSource needs the dataset's sample_rate to synthesise its babble")
        self.sources, self.gain, self.other_gain = sources, float(gain), float(other_gain)

    def contaminate(self, item: dict, index: int, rng: np.random.Generator) -> dict:
        n = item["wav"].shape[-1]
        if self.sources is None:
            other = torch.from_numpy(babble(rng, self.sample_rate, n))
        else:
            wav = self.sources[int(rng.integers(len(self.sources)))]["wav"][:n]
            other = torch.nn.functional.pad(wav, (0, n - wav.shape[-1]))
        return mix_items(item, other.to(item["wav"].dtype), self.gain, self.other_gain)


VOWELS = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410)]


def babble(rng: np.random.Generator, sample_rate: int, n_samples: int) -> np.ndarray:
    """A speech-like source: syllables of a sawtooth glottal source with a gliding pitch through
    three vowel formant resonators, separated by short pauses. RMS 0.1, float32 ``(n_samples,)``."""
    out = np.zeros(n_samples)
    pos = int(rng.uniform(0, 0.1) * sample_rate)
    while pos < n_samples:
        length = int(rng.uniform(0.12, 0.3) * sample_rate)
        f0 = rng.uniform(90, 220) * (1 + rng.uniform(-0.15, 0.15) * np.linspace(-1, 1, length))
        source = 2 * (np.cumsum(f0 / sample_rate) % 1.0) - 1
        voice = np.zeros(length)
        for formant, bandwidth in zip(VOWELS[rng.integers(len(VOWELS))], (80, 100, 120)):
            r, theta = np.exp(-np.pi * bandwidth / sample_rate), 2 * np.pi * formant / sample_rate
            voice += lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], source)
        stop = min(n_samples, pos + length)
        out[pos:stop] = (voice * np.hanning(length))[: stop - pos]
        pos = stop + int(rng.uniform(0.03, 0.15) * sample_rate)
    rms = np.sqrt(np.mean(out**2))
    return (out * (0.1 / rms if rms > 0 else 0.0)).astype(np.float32)
