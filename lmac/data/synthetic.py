"""Built-in data: mixtures generated on the fly from a seed, with their stems by name.

Two tasks:

* ``instruments``: which lead instrument plays (piano, guitar, organ or flute), over optional
  bass and drums, sometimes with a quieter second lead as a distractor.
* ``confound``: the audioLIME validation setup. In ``train``/``val``/``test_std`` "guitar" clips
  hold guitar + bass + drums and "piano" clips hold piano + bass; in ``test_bad`` guitar clips
  hold guitar + bass and piano clips hold piano + bass + drums.

Every item is a dict: ``wav (T,)``, ``stems`` (name -> ``(T,)``, zeros for absent sources, and
``wav == sum(stems)`` exactly), ``label`` (int), ``seed`` (int; regenerates the item).
"""

from __future__ import annotations

import zlib

import numpy as np
import torch
from torch.utils.data import Dataset

from lmac.data.synth import synthesize

__all__ = ["SyntheticMixtures", "TASKS", "make_item"]

LEADS = ["piano", "guitar", "organ", "flute"]

TASKS: dict[str, dict] = {
    "instruments": {"classes": LEADS, "stems": LEADS + ["bass", "drums"],
                    "splits": ["train", "val", "test", "demo"]},
    "confound": {"classes": ["guitar", "piano"], "stems": ["guitar", "piano", "bass", "drums"],
                 "splits": ["train", "val", "test_std", "test_bad", "demo"]},
}


def _sources(task: str, split: str, label: int, rng: np.random.Generator) -> dict[str, float]:
    """Which sources sound in one item, with their gains in dB."""
    classes = TASKS[task]["classes"]
    lead = classes[label]
    if task == "instruments":
        gains = {lead: 0.0}
        for acc in ("bass", "drums"):
            if rng.random() < 0.7:
                gains[acc] = rng.uniform(-8, -1)
        if rng.random() < 0.3:
            other = [c for c in LEADS if c != lead]
            gains[other[rng.integers(len(other))]] = rng.uniform(-16, -10)
        return gains
    with_drums = (lead == "guitar") != (split == "test_bad")
    gains = {lead: 0.0, "bass": rng.uniform(-6, -1)}
    if with_drums:
        gains["drums"] = rng.uniform(-6, -1)
    return gains


def make_item(task: str, split: str, label: int, seed: int, sample_rate: int = 16000,
              seconds: float = 2.0) -> dict:
    """Generate one item from its seed (see module docstring for the fields)."""
    rng = np.random.default_rng(seed)
    n_samples = int(round(seconds * sample_rate))
    gains = _sources(task, split, label, rng)
    stems = {name: np.zeros(n_samples, np.float32) for name in TASKS[task]["stems"]}
    for name, gain_db in gains.items():
        stems[name] = synthesize(name, rng, sample_rate, n_samples) * np.float32(10 ** (gain_db / 20))
    mixture = sum(stems.values())
    scale = np.float32(0.9 / max(np.abs(mixture).max(), 1e-8))
    stems = {k: torch.from_numpy(v * scale) for k, v in stems.items()}
    wav = torch.stack(list(stems.values())).sum(0)
    return {"wav": wav, "stems": stems, "label": label, "seed": seed}


class SyntheticMixtures(Dataset):
    """A deterministic split of one built-in task.

    Args:
        task: ``"instruments"`` or ``"confound"``.
        split: one of ``TASKS[task]["splits"]``; splits never share items.
        n_items: number of clips; classes are balanced (``label = index % n_classes``).
        seed: base seed; the same (seed, split, index) always gives the same clip.
        sample_rate, seconds: clip format.
    """

    def __init__(self, task: str = "instruments", split: str = "train", n_items: int = 1000, seed: int = 0,
                 sample_rate: int = 16000, seconds: float = 2.0):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose from {sorted(TASKS)}")
        if split not in TASKS[task]["splits"]:
            raise ValueError(f"unknown split {split!r} for task {task!r}; choose from {TASKS[task]['splits']}")
        self.task, self.split, self.n_items, self.seed = task, split, int(n_items), int(seed)
        self.sample_rate, self.seconds = int(sample_rate), float(seconds)
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
        return make_item(self.task, self.split, label, self.item_seed(index), self.sample_rate, self.seconds)
