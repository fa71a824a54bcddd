"""Two-class mixtures with known sources, from any labelled dataset: does an explainer explain the class asked for?

:class:`TwoSources` wraps a dataset of dict items (``wav (T,)``, ``label``, optional ``stems``: the
built-in data, ESC-50 clips, your own class folders) and turns item ``i`` into a mixture of two
sources of different classes: clip ``i``'s source and the source of the first clip of another class
from ``(i + N // 2) % N`` on (deterministic, no random draw). Each source is energy-normalised, the
second scaled by ``gain_db``, and the mixture peak-normalised to ``peak``
(:func:`two_source_mixture`). A source is the whole clip, or with ``leads=True`` the stem named after
the clip's class (the built-in instruments' lead, without the accompaniment).

Items: ``wav (T,)`` the mixture, ``label`` the first source's class, ``classes (2,)`` both classes,
``sources (2, T)`` the two sources (they add up to ``wav``) and the same as ``stems`` {"first", "second"}
(for methods over oracle sources, e.g. LIME). The benchmark explains
such an item once for each of its classes (:meth:`lmac.benchmark.Benchmark.run`).
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

__all__ = ["STEMS", "TwoSources", "two_source_mixture"]

STEMS = ("first", "second")  # the items' stems: the two sources, by position (oracle-source methods use them)


def two_source_mixture(
    a: torch.Tensor, b: torch.Tensor, gain_db: float = 0.0, peak: float = 0.9
) -> tuple[torch.Tensor, torch.Tensor]:
    """``a / ||a|| + 10^(gain_db / 20) b / ||b||``, scaled to peak at ``peak``.

    Args:
        a, b: ``(..., T)`` the two sources.
        gain_db: level of the second source relative to the first (energy), in dB.
        peak: absolute peak of each mixture.

    Returns:
        ``mix (..., T)`` and ``sources (..., 2, T)`` (``a`` then ``b``, scaled like the mixture; they add up to it).
    """
    a = a / a.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    b = b / b.norm(dim=-1, keepdim=True).clamp_min(1e-12) * 10 ** (gain_db / 20)
    scale = peak / (a + b).abs().amax(dim=-1, keepdim=True).clamp_min(1e-12)
    a, b = a * scale, b * scale
    return a + b, torch.stack([a, b], dim=-2)


class TwoSources(Dataset):
    """Each clip of ``dataset`` mixed with a clip of another class (module doc).

    Args:
        dataset: items with ``wav (T,)`` and an int ``label`` (and ``stems`` with ``leads=True``);
            its ``class_names``, ``sample_rate`` and ``clip_seconds`` are passed through.
        gain_db: level of the second source relative to the first, in dB.
        leads: use the stem named after each clip's class instead of the whole clip.
        peak: absolute peak of each mixture.
    """

    def __init__(self, dataset: Dataset, gain_db: float = 0.0, leads: bool = False, peak: float = 0.9):
        if len(dataset) < 2:
            raise ValueError(f"TwoSources needs at least two clips, the dataset has {len(dataset)}")
        self.dataset, self.gain_db, self.leads, self.peak = dataset, float(gain_db), bool(leads), float(peak)
        self.class_names = getattr(dataset, "class_names", None)
        self.stem_names = list(STEMS)
        self.sample_rate = getattr(dataset, "sample_rate", None)
        self.clip_seconds = getattr(dataset, "clip_seconds", None)
        if leads and self.class_names is None:
            raise ValueError("TwoSources(leads=True) needs a dataset with class_names (to find each clip's lead stem)")

    def __len__(self) -> int:
        return len(self.dataset)

    def partner(self, index: int, label: int) -> dict:
        """The first item from ``(index + N // 2) % N`` on (cyclically) whose label is not ``label``."""
        n = len(self.dataset)
        for step in range(n):
            j = (index + n // 2 + step) % n
            if (other := self.dataset[j])["label"] != label:
                return other
        raise ValueError(f"no clip of a class other than {label}: TwoSources needs at least two classes")

    def _source(self, item: dict) -> torch.Tensor:
        if not self.leads:
            return item["wav"]
        name = self.class_names[int(item["label"])]
        stems = item.get("stems") or {}
        if name not in stems:
            raise ValueError(f"TwoSources(leads=True): the item has no stem named {name!r} (stems: {list(stems)})")
        return stems[name]

    def __getitem__(self, index: int) -> dict:
        first = self.dataset[index]
        if not isinstance(first["label"], int) and torch.as_tensor(first["label"]).dim() > 0:
            raise ValueError("TwoSources needs single-label items (an int label per clip), got a multi-hot label")
        label = int(first["label"])
        second = self.partner(index, label)
        mix, sources = two_source_mixture(self._source(first), self._source(second), self.gain_db, self.peak)
        return {
            "wav": mix,
            "label": label,
            "classes": torch.tensor([label, int(second["label"])]),
            "sources": sources,
            "stems": dict(zip(STEMS, sources)),
        }
