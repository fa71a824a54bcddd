"""Built-in songs with lyrics: the multimodal task, where the label rests on the audio and the words.

Each song's label is ``mood x lead``: ``ballad`` = piano + love words, ``pop`` = guitar + love words,
``lament`` = piano + fight words, ``rock`` = guitar + fight words. The audio is the ``songs`` task
of :mod:`lmac.data.synthetic` (the lead at 0 dB over optional bass and drums, with stems); the lyric
is ``n_words`` words, ``n_carriers`` of them drawn from the mood's vocabulary and the rest from a
neutral one, in random order. Neither modality alone decides the label (each leaves two classes),
both together do, and every item keeps the ground truth of what carries its label: the lead's stem
(:func:`carriers`) and the mood words in its lyric (``carriers`` key).

Items are :class:`~lmac.data.base.Item` dicts plus ``text`` (the lyric, a string; default collation
batches it as a list of strings) and ``carriers`` (the lyric's mood words, space-separated).
"""

from __future__ import annotations

import numpy as np
from torch.utils.data import Dataset

from lmac.data.synthetic import SONG_LEADS, SyntheticDataModule

__all__ = ["SONG_MOODS", "VOCABULARIES", "NEUTRAL_WORDS", "lyric", "carriers", "LyricSongs", "SongsDataModule"]

SONG_MOODS = {"ballad": "love", "pop": "love", "lament": "fight", "rock": "fight"}
VOCABULARIES = {
    "love": ["love", "heart", "kiss", "darling", "tender", "sweet"],
    "fight": ["fight", "war", "rage", "burn", "break", "storm"],
}
NEUTRAL_WORDS = ["the", "night", "road", "we", "city", "rain", "time", "walk", "home", "light", "down", "again"]


def lyric(class_name: str, seed: int, n_words: int = 8, n_carriers: int = 3) -> tuple[str, list[str]]:
    """The lyric of a song of ``class_name`` from its item seed -> ``(text, its mood words)``."""
    if not 0 < n_carriers <= n_words:
        raise ValueError(f"need 0 < n_carriers <= n_words, got {n_carriers} and {n_words}")
    rng = np.random.default_rng([seed, 1])  # apart from the audio's generator
    mood = VOCABULARIES[SONG_MOODS[class_name]]
    words = [mood[i] for i in rng.choice(len(mood), n_carriers, replace=False)]
    words += [NEUTRAL_WORDS[i] for i in rng.integers(0, len(NEUTRAL_WORDS), n_words - n_carriers)]
    order = rng.permutation(n_words)
    return " ".join(words[i] for i in order), words[:n_carriers]


def carriers(class_name: str) -> list[str]:
    """What carries ``class_name`` by the task's definition: its lead's stem and its mood's vocabulary."""
    return [SONG_LEADS[class_name], *VOCABULARIES[SONG_MOODS[class_name]]]


class LyricSongs(Dataset):
    """Adds the lyric to every item of a ``songs`` dataset (any dataset of items with ``label`` and ``seed``).

    Args:
        dataset: the audio items (``SyntheticMixtures("songs", ...)`` or its cache).
        n_words, n_carriers: lyric length and mood words in it.
        class_names: the classes ``label`` indexes (default: the dataset's).
    """

    def __init__(self, dataset: Dataset, n_words: int = 8, n_carriers: int = 3, class_names: list[str] | None = None):
        self.dataset = dataset
        self.class_names = list(class_names if class_names is not None else dataset.class_names)
        lyric(self.class_names[0], 0, n_words, n_carriers)  # validate early
        self.n_words, self.n_carriers = int(n_words), int(n_carriers)
        self.sample_rate = getattr(dataset, "sample_rate", None)
        self.clip_seconds = getattr(dataset, "clip_seconds", None)
        self.stem_names = getattr(dataset, "stem_names", None)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        item = dict(self.dataset[index])
        text, words = lyric(self.class_names[int(item["label"])], int(item["seed"]), self.n_words, self.n_carriers)
        return {**item, "text": text, "carriers": " ".join(words)}


class SongsDataModule(SyntheticDataModule):
    """Train / val / test loaders of songs with lyrics (the ``songs`` task plus :class:`LyricSongs`).

    Args:
        n_words, n_carriers: lyric length and mood words in it.
        **kwargs: :class:`~lmac.data.synthetic.SyntheticDataModule` arguments (not ``task``).
    """

    def __init__(self, n_words: int = 8, n_carriers: int = 3, **kwargs):
        super().__init__(task="songs", **kwargs)
        self.n_words, self.n_carriers = int(n_words), int(n_carriers)

    def dataset(self, split: str) -> LyricSongs:
        """The songs of ``split`` with stems and lyrics."""
        return LyricSongs(super().dataset(split), self.n_words, self.n_carriers, self.class_names)

    def loader_dataset(self, split: str) -> LyricSongs:
        return LyricSongs(super().loader_dataset(split), self.n_words, self.n_carriers, self.class_names)
