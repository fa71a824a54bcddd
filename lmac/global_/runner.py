"""Run explainers over a dataset and aggregate their local explanations per predicted class.

For every method, the clips are explained in batches for the classifier's own top class (one
classifier pass per batch gives the class and its probability, the clip's *confidence*; songs with
lyrics go to a method that reads them, such as MultimodalLIME, as a :class:`~lmac.explainers.Song`), each
batch's explanations become :class:`~lmac.global_.features.LocalFeatures` (the first extractor of
the list that applies), and the ``montage_clips`` most confident clips of each predicted class keep
their explanation audio for a montage. :class:`MethodAggregate` holds the result of one method;
:mod:`lmac.global_.scores` turns it into the three van der Linden scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from lmac.explainers.base import Explainer
from lmac.explainers.multimodal_lime import Song
from lmac.global_.features import BandMass, ComponentWeights, FeatureExtractor, LocalFeatures, StemShares
from lmac.global_.scores import global_scores

__all__ = ["GlobalAggregation", "MethodAggregate", "GlobalResult"]


@dataclass
class MethodAggregate:
    """The local features of one method over a dataset.

    Attributes:
        method: the method's name.
        kind: what the feature weights are (:class:`~lmac.global_.features.LocalFeatures`).
        names: ``K`` feature names.
        weights: ``(N, K)`` weights, ``NaN`` where absent.
        predicted: ``(N,)`` the class each clip was explained for (the classifier's top class).
        confidence: ``(N,)`` the classifier's probability of that class on the clip.
        labels: ``(N,)`` the clips' true classes, or ``None`` (multi-hot or unlabelled data).
        examples: class index -> ``[(confidence, explanation_wav (T,))]``, most confident first.
    """

    method: str
    kind: str
    names: list[str]
    weights: torch.Tensor
    predicted: torch.Tensor
    confidence: torch.Tensor
    labels: torch.Tensor | None
    examples: dict[int, list[tuple[float, torch.Tensor]]] = field(default_factory=dict)

    def scores(self, n_classes: int) -> dict[str, torch.Tensor]:
        """:func:`~lmac.global_.scores.global_scores` of the clips, per predicted class: each ``(C, K)``."""
        return global_scores(self.weights, self.predicted, n_classes)


@dataclass
class GlobalResult:
    """Every method's :class:`MethodAggregate` with what is needed to read it.

    Attributes:
        class_names: the classifier's classes.
        sample_rate: rate of the example audio.
        methods: name -> aggregate.
        expected: class name -> the features the task says carry it (for validation), or ``None``.
    """

    class_names: list[str]
    sample_rate: int
    methods: dict[str, MethodAggregate]
    expected: dict[str, list[str]] | None = None


class _Collector:
    """Accumulates one method's batches: features (names merged by name), classes, examples."""

    def __init__(self, montage_clips: int):
        self.montage_clips, self.names, self.kind = montage_clips, [], None
        self.rows: list[dict[str, float]] = []
        self.predicted, self.confidence, self.labels = [], [], []
        self.examples: dict[int, list[tuple[float, torch.Tensor]]] = {}

    def add(self, feats: LocalFeatures, target: torch.Tensor, confidence: torch.Tensor, explanation_wav) -> None:
        if self.kind is not None and feats.kind != self.kind:
            raise ValueError(f"a method's batches gave different features ({self.kind}, then {feats.kind})")
        self.kind = feats.kind
        self.names += [n for n in feats.names if n not in self.names]
        for b in range(len(target)):
            self.rows.append(dict(zip(feats.names, feats.weights[b].tolist())))
            cls, conf = int(target[b]), float(confidence[b])
            kept = self.examples.setdefault(cls, [])
            kept.append((conf, explanation_wav[b].detach().cpu()))
            kept.sort(key=lambda pair: -pair[0])
            del kept[self.montage_clips :]
        self.predicted += target.tolist()
        self.confidence += confidence.tolist()

    def result(self, method: str, labels: list | None) -> MethodAggregate:
        weights = torch.tensor(
            [[row.get(n, math.nan) for n in self.names] for row in self.rows], dtype=torch.float32
        ).reshape(len(self.rows), len(self.names))
        return MethodAggregate(
            method,
            self.kind or "",
            list(self.names),
            weights,
            torch.tensor(self.predicted),
            torch.tensor(self.confidence),
            None if labels is None else torch.tensor(labels),
            self.examples,
        )


def _reads_lyrics(explainer: Explainer, batch: list[dict]) -> bool:
    """Whether the batch's lyrics (``text``) go to the explainer (a :class:`Song`) and the classifier."""
    return getattr(explainer, "reads_lyrics", False) and all("text" in it for it in batch)


class GlobalAggregation:
    """Explain a dataset with every method and collect the features to aggregate.

    Args:
        features: extractors tried in order, the first that applies is used
            (default ``[ComponentWeights(), StemShares(), BandMass()]``).
        n_clips: clips of the dataset to explain (``None``: all).
        batch_size: clips per ``explain`` call.
        montage_clips: most confident clips per predicted class kept for the montage.
        expected: class name -> the feature names the task says carry it (checked in the output).
        progress: show a tqdm progress bar.
    """

    def __init__(
        self,
        features: Sequence[FeatureExtractor] | None = None,
        n_clips: int | None = None,
        batch_size: int = 8,
        montage_clips: int = 4,
        expected: Mapping[str, Sequence[str]] | None = None,
        progress: bool = True,
    ):
        if n_clips is not None and n_clips < 1:
            raise ValueError(f"n_clips must be at least 1, got {n_clips}")
        if batch_size < 1 or montage_clips < 0:
            raise ValueError(f"batch_size must be >= 1 and montage_clips >= 0, got {batch_size}, {montage_clips}")
        self.features = list(features) if features is not None else [ComponentWeights(), StemShares(), BandMass()]
        if not self.features:
            raise ValueError("features is empty: give at least one feature extractor")
        self.n_clips, self.batch_size, self.montage_clips = n_clips, int(batch_size), int(montage_clips)
        self.expected = None if expected is None else {str(k): [str(f) for f in v] for k, v in expected.items()}
        self.progress = progress

    def run(self, classifier, methods: Mapping[str, Explainer], dataset: Dataset) -> GlobalResult:
        """Explain the first ``n_clips`` clips of ``dataset`` (items with ``wav (T,)``, optional
        ``label`` and ``stems``) with every method; returns the :class:`GlobalResult`."""
        if not methods:
            raise ValueError("no methods to aggregate: add some under `methods:`")
        n = len(dataset) if self.n_clips is None else min(self.n_clips, len(dataset))
        if n == 0:
            raise ValueError("the dataset has no clips")
        if self.expected:
            unknown = sorted(set(self.expected) - set(classifier.class_names))
            if unknown:
                raise ValueError(
                    f"expected names classes {unknown} the classifier does not have ({classifier.class_names})"
                )
        items = [dataset[i] for i in range(n)]
        labels = [it["label"] for it in items] if all(isinstance(it.get("label"), int) for it in items) else None
        result = {}
        with tqdm(total=n * len(methods), desc="aggregate", disable=not self.progress, unit="clip") as bar:
            for name, explainer in methods.items():
                bar.set_description(f"aggregate/{name}")
                result[str(name)] = self._run_method(classifier, str(name), explainer, items, bar).result(
                    str(name), labels
                )
        return GlobalResult(list(classifier.class_names), classifier.sample_rate, result, self.expected)

    def _run_method(self, classifier, name: str, explainer: Explainer, items: list[dict], bar) -> _Collector:
        device = next(classifier.parameters(), torch.empty(0)).device
        collector = _Collector(self.montage_clips)
        for start in range(0, len(items), self.batch_size):
            batch = items[start : start + self.batch_size]
            wav = torch.stack([it["wav"] for it in batch]).to(device)
            stems = (
                {k: torch.stack([it["stems"][k] for it in batch]).to(device) for k in batch[0]["stems"]}
                if all(it.get("stems") for it in batch)
                else None
            )
            lyrics = [it["text"] for it in batch] if _reads_lyrics(explainer, batch) else None
            with torch.no_grad():
                probs = classifier.probabilities(classifier(wav) if lyrics is None else classifier(wav, lyrics))
            confidence, target = probs.max(dim=-1)
            explainer.bind_stems(stems)
            try:
                exp = explainer.explain(wav if lyrics is None else Song(wav, lyrics), target=target)
            finally:
                explainer.bind_stems(None)
            feats = next((f for f in (extract(exp, stems) for extract in self.features) if f is not None), None)
            if feats is None:
                raise ValueError(
                    f"no feature extractor applies to method {name} (no component weights, no stems): "
                    "add BandMass to features"
                )
            collector.add(feats, target.cpu(), confidence.cpu(), exp.explanation_wav)
            bar.update(len(batch))
        return collector
