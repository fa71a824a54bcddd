"""The built-in concept task: generated music whose perceptual concepts are known by construction,
and emotion targets that are a known linear function of them (SMC'21 two-level explanations in
miniature).

Four sources, one concept each (:mod:`lmac.data.concept_music`): ``drums`` -> ``rhythm_stability``,
``melody`` -> ``articulation``, ``harmony`` -> ``dissonance``, ``bass`` -> ``brightness``. Each
clip draws the four concept parameters ``p`` uniformly in [0, 1]; the concept value is
``2 p - 1`` (in [-1, 1]). The targets are ``arousal`` and ``valence``:
``y = EMOTION_WEIGHTS @ concepts + N(0, NOISE^2)``.

``confound`` (0..1) ties the drums' level to the ``brightness`` concept (the bass's): drums gain
``-10 + 10 * (confound * p_brightness + (1 - confound) * u)`` dB, ``u`` uniform. A model trained
with ``confound=1`` can read brightness off the drums' loudness; on ``confound=0`` data it cannot.

Items are :class:`~lmac.data.base.Item` dicts: ``wav (T,)``, ``stems`` (the four sources,
``wav == sum(stems)``), ``label`` (the targets, float ``(C,)``), ``concepts`` (float ``(K,)``),
``seed``. With ``labels="concepts"`` the concepts are the labels (``class_names`` are the concept
names, ``label`` the concepts): the data of a head explaining the concepts
(:class:`~lmac.classifiers.concepts.ConceptOutputs`).
"""

from __future__ import annotations

import zlib

import numpy as np
import torch
from torch.utils.data import Dataset

from lmac.data.base import AudioDataModule
from lmac.data.concept_music import CONCEPT_SYNTHS
from lmac.data.synthetic import MixtureCache

__all__ = [
    "CONCEPTS",
    "CONCEPT_SOURCES",
    "EMOTIONS",
    "EMOTION_WEIGHTS",
    "NOISE",
    "ConceptMusic",
    "ConceptMusicDataModule",
    "true_effects",
]

CONCEPT_SOURCES = {"rhythm_stability": "drums", "articulation": "melody", "dissonance": "harmony", "brightness": "bass"}
CONCEPTS = list(CONCEPT_SOURCES)
EMOTIONS = ["arousal", "valence"]
EMOTION_WEIGHTS = torch.tensor(
    [
        [0.3, 0.6, 0.15, 0.9],  # arousal: brightness, articulation first
        [0.5, -0.2, -0.9, 0.3],
    ]
)  # valence: dissonance (negative), rhythm stability
NOISE = 0.05
SPLITS = ("train", "val", "test", "demo")
LABELS = {"emotions": EMOTIONS, "concepts": CONCEPTS}


def true_effects(concepts: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The task's own concept effects on output ``target (B,)``: ``concepts (B, K) * W[target]`` -> ``(B, K)``."""
    return concepts * EMOTION_WEIGHTS.to(concepts)[target.long()]


def label_names(labels: str) -> list[str]:
    """The class names of the task's ``labels`` (``"emotions"`` or ``"concepts"``)."""
    if labels not in LABELS:
        raise ValueError(f"unknown labels {labels!r}; choose from {list(LABELS)}")
    return list(LABELS[labels])


def make_concept_item(seed: int, sample_rate: int, clip_seconds: float, confound: float) -> dict:
    """Generate one item from its seed (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_samples = int(round(clip_seconds * sample_rate))
    params = {name: float(rng.uniform(0, 1)) for name in CONCEPTS}
    gains = {source: rng.uniform(-6, 0) for source in CONCEPT_SYNTHS}
    gains["drums"] = -10 + 10 * (confound * params["brightness"] + (1 - confound) * rng.uniform(0, 1))
    stems = {}
    for concept, source in CONCEPT_SOURCES.items():
        stem = CONCEPT_SYNTHS[source](rng, sample_rate, n_samples, params[concept])
        stem = stem * (0.1 / max(np.sqrt(np.mean(stem**2)), 1e-8))
        stems[source] = (stem * 10 ** (gains[source] / 20)).astype(np.float32)
    scale = np.float32(0.9 / max(np.abs(sum(stems.values())).max(), 1e-8))
    stems = {k: torch.from_numpy(v * scale) for k, v in stems.items()}
    concepts = torch.tensor([2 * params[c] - 1 for c in CONCEPTS])
    label = EMOTION_WEIGHTS @ concepts + NOISE * torch.from_numpy(rng.standard_normal(len(EMOTIONS))).float()
    return {
        "wav": torch.stack(list(stems.values())).sum(0),
        "stems": stems,
        "label": label,
        "concepts": concepts,
        "seed": seed,
    }


class ConceptMusic(Dataset):
    """A deterministic split of the concept task.

    Args:
        split: ``train``, ``val``, ``test`` or ``demo``; splits never share items.
        n_items: number of clips.
        seed: base seed; the same (seed, split, confound, index) always gives the same clip.
        confound: how strongly the drums' level follows the brightness concept (0: not at all).
        sample_rate, clip_seconds: clip format.
        labels: ``"emotions"`` (arousal, valence) or ``"concepts"`` (see the module docstring).
    """

    concept_names = CONCEPTS
    stem_names = list(CONCEPT_SYNTHS)

    def __init__(
        self,
        split: str = "train",
        n_items: int = 1000,
        seed: int = 0,
        confound: float = 0.0,
        sample_rate: int = 16000,
        clip_seconds: float = 2.0,
        labels: str = "emotions",
    ):
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose from {list(SPLITS)}")
        self.labels, self.class_names = labels, label_names(labels)
        if not 0.0 <= float(confound) <= 1.0:
            raise ValueError(f"confound must be in [0, 1], got {confound}")
        self.split, self.n_items, self.seed, self.confound = split, int(n_items), int(seed), float(confound)
        self.sample_rate, self.clip_seconds = int(sample_rate), float(clip_seconds)
        self._split_code = zlib.crc32(f"concepts/{split}/{self.confound}".encode())

    def __len__(self) -> int:
        return self.n_items

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.n_items:
            raise IndexError(index)
        seed = int(np.random.SeedSequence([self.seed, self._split_code, index]).generate_state(1)[0])
        item = make_concept_item(seed, self.sample_rate, self.clip_seconds, self.confound)
        return {**item, "label": item["concepts"]} if self.labels == "concepts" else item


class ConceptMusicDataModule(AudioDataModule):
    """Train / val / test loaders for the concept task.

    Args:
        n_train, n_val, n_test: clips per split.
        confound: drums-level / brightness tie of the train and val splits (see module docstring).
        test_confound: the same for the test split (``None``: as ``confound``).
        batch_size, num_workers, seed, sample_rate, clip_seconds: as :class:`~lmac.data.SyntheticDataModule`.
        cache: keep generated train / val clips in memory (without stems).
        labels: ``"emotions"`` or ``"concepts"`` (see the module docstring).
    """

    concept_names = CONCEPTS

    def __init__(
        self,
        n_train: int = 1200,
        n_val: int = 100,
        n_test: int = 200,
        confound: float = 0.0,
        test_confound: float | None = None,
        batch_size: int = 32,
        num_workers: int = 0,
        seed: int = 0,
        sample_rate: int = 16000,
        clip_seconds: float = 2.0,
        cache: bool = True,
        labels: str = "emotions",
    ):
        super().__init__(batch_size, num_workers)
        self.sizes = {"train": n_train, "val": n_val, "test": n_test}
        self.confound = float(confound)
        self.test_confound = self.confound if test_confound is None else float(test_confound)
        self.seed, self.sample_rate, self.clip_seconds, self.cache = seed, int(sample_rate), float(clip_seconds), cache
        self.labels, self.class_names = labels, label_names(labels)

    def dataset(self, split: str) -> ConceptMusic:
        """The generated clips of ``split``, with stems and concepts."""
        self._check_split(split)
        confound = self.test_confound if split == "test" else self.confound
        return ConceptMusic(
            split, self.sizes[split], self.seed, confound, self.sample_rate, self.clip_seconds, self.labels
        )

    def loader_dataset(self, split: str) -> Dataset:
        data = self.dataset(split)
        return MixtureCache(data, keys=("concepts",)) if self.cache and split != "test" else data
