"""Built-in data: mixtures generated on the fly from a seed, with their stems by name, and their DataModule.

Four tasks:

* ``instruments``: which lead instrument plays (piano, guitar, organ or flute), over optional
  bass and drums, sometimes with a quieter second lead as a distractor.
* ``instruments_multi`` (multi-label): which leads play; one to four leads at comparable levels
  (each at -6..0 dB; besides the item's own lead, each other lead plays with probability 0.35),
  over optional bass and drums. The label is multi-hot.
* ``confound``: the audioLIME validation setup. In ``train``/``val``/``test_std`` "guitar" clips
  hold guitar + bass + drums and "piano" clips hold piano + bass; in ``test_bad`` guitar clips
  hold guitar + bass and piano clips hold piano + bass + drums.
* ``songs``: the audio of the multimodal task (:mod:`lmac.data.songs` adds the lyrics): ballad and
  lament songs are led by the piano, pop and rock songs by the guitar, over optional bass and drums.

Every item is an :class:`~lmac.data.base.Item`: ``wav (T,)``, ``stems`` (name -> ``(T,)``, zeros for
absent sources, and ``wav == sum(stems)`` exactly), ``label`` (int; for a multi-label task a multi-hot
float ``(C,)`` tensor, 1 for every class present), ``seed`` (int; regenerates the item). The sources are
synthesised by :mod:`lmac.data.synthesizers`.
"""

from __future__ import annotations

import zlib

import numpy as np
import torch
from torch.utils.data import Dataset

from lmac.data.base import AudioDataModule
from lmac.data.synthesizers import synthesize

__all__ = ["SyntheticMixtures", "SyntheticDataModule", "MixtureCache", "TASKS", "make_item"]

LEADS = ["piano", "guitar", "organ", "flute"]


def _instruments(split: str, lead: str, rng: np.random.Generator) -> dict[str, float]:
    """One lead at 0 dB, bass / drums each with probability 0.7, a quiet second lead in 30 % of clips."""
    gains = {lead: 0.0}
    for acc in ("bass", "drums"):
        if rng.random() < 0.7:
            gains[acc] = rng.uniform(-8, -1)
    if rng.random() < 0.3:
        other = [c for c in LEADS if c != lead]
        gains[other[rng.integers(len(other))]] = rng.uniform(-16, -10)
    return gains


def _instruments_multi(split: str, lead: str, rng: np.random.Generator) -> dict[str, float]:
    """The item's lead plus each other lead with probability 0.35, all at -6..0 dB; bass / drums each
    with probability 0.5."""
    gains = {c: rng.uniform(-6, 0) for c in LEADS if c == lead or rng.random() < 0.35}
    for acc in ("bass", "drums"):
        if rng.random() < 0.5:
            gains[acc] = rng.uniform(-10, -3)
    return gains


def _confound(split: str, lead: str, rng: np.random.Generator) -> dict[str, float]:
    """Guitar clips carry drums and piano clips do not, except in ``test_bad`` where it is the reverse."""
    with_drums = (lead == "guitar") != (split == "test_bad")
    gains = {lead: 0.0, "bass": rng.uniform(-6, -1)}
    if with_drums:
        gains["drums"] = rng.uniform(-6, -1)
    return gains


# The audio of the multimodal ``songs`` task (lmac.data.songs adds the lyrics): which lead plays carries
# half of each label (the lyrics carry the other half), bass and drums as in ``instruments``.
SONG_LEADS = {"ballad": "piano", "pop": "guitar", "lament": "piano", "rock": "guitar"}


def _songs(split: str, label: str, rng: np.random.Generator) -> dict[str, float]:
    """The label's lead (piano or guitar) at 0 dB, bass / drums each with probability 0.7."""
    gains = {SONG_LEADS[label]: 0.0}
    for acc in ("bass", "drums"):
        if rng.random() < 0.7:
            gains[acc] = rng.uniform(-8, -1)
    return gains


# classes, stems, splits (test_split: the held-out split loaders test on), which sources sound in an item
# (split, lead, rng) -> {source: gain dB}, and whether the label is multi-hot (every class present).
TASKS: dict[str, dict] = {
    "instruments": {
        "classes": LEADS,
        "stems": LEADS + ["bass", "drums"],
        "splits": ["train", "val", "test", "demo"],
        "test_split": "test",
        "sources": _instruments,
        "multi_label": False,
    },
    "instruments_multi": {
        "classes": LEADS,
        "stems": LEADS + ["bass", "drums"],
        "splits": ["train", "val", "test", "demo"],
        "test_split": "test",
        "sources": _instruments_multi,
        "multi_label": True,
    },
    "confound": {
        "classes": ["guitar", "piano"],
        "stems": ["guitar", "piano", "bass", "drums"],
        "splits": ["train", "val", "test_std", "test_bad", "demo"],
        "test_split": "test_std",
        "sources": _confound,
        "multi_label": False,
    },
    "songs": {
        "classes": list(SONG_LEADS),
        "stems": ["piano", "guitar", "bass", "drums"],
        "splits": ["train", "val", "test", "demo"],
        "test_split": "test",
        "sources": _songs,
        "multi_label": False,
    },
}


def make_item(
    task: str, split: str, label: int, seed: int, sample_rate: int = 16000, clip_seconds: float = 2.0
) -> dict:
    """Generate one item from its seed (see module docstring for the fields)."""
    rng = np.random.default_rng(seed)
    n_samples = int(round(clip_seconds * sample_rate))
    spec = TASKS[task]
    gains = spec["sources"](split, spec["classes"][label], rng)
    stems = {name: np.zeros(n_samples, np.float32) for name in TASKS[task]["stems"]}
    for name, gain_db in gains.items():
        stems[name] = synthesize(name, rng, sample_rate, n_samples) * np.float32(10 ** (gain_db / 20))
    mixture = sum(stems.values())
    scale = np.float32(0.9 / max(np.abs(mixture).max(), 1e-8))
    stems = {k: torch.from_numpy(v * scale) for k, v in stems.items()}
    wav = torch.stack(list(stems.values())).sum(0)
    if spec["multi_label"]:
        label = torch.tensor([float(c in gains) for c in spec["classes"]])
    return {"wav": wav, "stems": stems, "label": label, "seed": seed}


class SyntheticMixtures(Dataset):
    """A deterministic split of one built-in task.

    Args:
        task: ``"instruments"``, ``"instruments_multi"`` or ``"confound"``.
        split: one of ``TASKS[task]["splits"]``; splits never share items.
        n_items: number of clips; classes are balanced (class ``index % n_classes`` always plays).
        seed: base seed; the same (seed, split, index) always gives the same clip.
        sample_rate, clip_seconds: clip format.
    """

    def __init__(
        self,
        task: str = "instruments",
        split: str = "train",
        n_items: int = 1000,
        seed: int = 0,
        sample_rate: int = 16000,
        clip_seconds: float = 2.0,
    ):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose from {sorted(TASKS)}")
        if split not in TASKS[task]["splits"]:
            raise ValueError(f"unknown split {split!r} for task {task!r}; choose from {TASKS[task]['splits']}")
        self.task, self.split, self.n_items, self.seed = task, split, int(n_items), int(seed)
        self.sample_rate, self.clip_seconds = int(sample_rate), float(clip_seconds)
        self.class_names = list(TASKS[task]["classes"])
        self.stem_names = list(TASKS[task]["stems"])
        self._split_code = zlib.crc32(f"{task}/{split}".encode())

    def __len__(self) -> int:
        return self.n_items

    def item_seed(self, index: int) -> int:
        return int(np.random.SeedSequence([self.seed, self._split_code, index]).generate_state(1)[0])

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.n_items:
            raise IndexError(index)
        label = index % len(self.class_names)
        return make_item(self.task, self.split, label, self.item_seed(index), self.sample_rate, self.clip_seconds)


class MixtureCache(Dataset):
    """Keeps ``wav``, ``label`` and ``seed`` of each generated item after its first use, so training
    epochs after the first skip synthesis. About 128 KB per 2 s clip; with ``stems`` the stems too
    (128 KB per stem: a head over oracle stems, :class:`~lmac.heads.ComponentGateHead`, needs them), and any
    other ``keys`` (the concept task's ``concepts``)."""

    def __init__(self, dataset: Dataset, stems: bool = False, keys: tuple[str, ...] = ()):
        self.dataset, self.stems, self.keys = dataset, bool(stems), tuple(keys)
        self._items: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        if index not in self._items:
            item = self.dataset[index]
            keep = ("wav", "label", "seed", *(("stems",) if self.stems else ()), *self.keys)
            self._items[index] = {k: item[k] for k in keep}
        return self._items[index]


class SyntheticDataModule(AudioDataModule):
    """Train / val / test loaders for one built-in task.

    Args:
        task: a built-in task (``TASKS``: instruments, instruments_multi, confound).
        n_train, n_val, n_test: clips per split.
        test_split: the task's split behind ``"test"`` (default: the task's, ``"test"`` for the
            instruments tasks; ``"test_std"`` or ``"test_bad"`` for confound).
        batch_size, num_workers: loader settings.
        seed: base seed of every split.
        sample_rate, clip_seconds: clip format.
        cache: keep generated train/val mixtures in memory; use with ``num_workers=0`` (worker
            processes would each keep their own copy).
        cache_stems: keep their stems too (for heads over oracle stems; one clip's size per stem).
    """

    def __init__(
        self,
        task: str = "instruments",
        n_train: int = 2000,
        n_val: int = 200,
        n_test: int = 400,
        test_split: str | None = None,
        batch_size: int = 32,
        num_workers: int = 0,
        seed: int = 0,
        sample_rate: int = 16000,
        clip_seconds: float = 2.0,
        cache: bool = True,
        cache_stems: bool = False,
    ):
        super().__init__(batch_size, num_workers)
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose from {sorted(TASKS)}")
        self.task, self.cache, self.cache_stems = task, cache, cache_stems
        self.test_split = test_split or TASKS[task]["test_split"]
        self.sizes = {"train": n_train, "val": n_val, "test": n_test}
        self.seed, self.sample_rate, self.clip_seconds = seed, int(sample_rate), float(clip_seconds)
        self.class_names = list(TASKS[task]["classes"])

    def dataset(self, split: str) -> SyntheticMixtures:
        """The generated clips of ``split`` (``"test"`` is the task's ``test_split``), with stems."""
        self._check_split(split)
        return SyntheticMixtures(
            self.task,
            self.test_split if split == "test" else split,
            self.sizes[split],
            self.seed,
            self.sample_rate,
            self.clip_seconds,
        )

    def loader_dataset(self, split: str) -> Dataset:
        data = self.dataset(split)
        return MixtureCache(data, self.cache_stems) if self.cache and split in ("train", "val") else data
