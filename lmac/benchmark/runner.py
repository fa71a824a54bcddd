"""The benchmark runner: every method, every setting, one suite of metrics, with timings.

For each setting (a dataset of dict items with ``wav``, ``label`` and optional ``stems``) and
each method (any :class:`~lmac.explainers.base.Explainer`), every clip is explained for the
classifier's prediction on that clip (in the contaminated settings, on the contaminated clip),
timed, and scored by :func:`~lmac.benchmark.scoring.score_with_curves`; each record also holds
the mean deletion and insertion curves (``deletion_curve``, ``insertion_curve``: ``curve_steps + 1``
values). Timing is per clip (batch of one): the median wall time of ``explain()``, next to the
median time of one classifier forward pass on the same clip measured in the same loop; the first
clip of each method is explained once untimed first (warm-up). The model-randomisation sanity
check runs on the first ``sanity_clips`` clips of ``sanity_setting``.

Examples to listen to: the first ``examples_per_class`` clips of each predicted class in each
setting (the same clips for every method) are handed to ``on_example``, which ``lmac benchmark``
uses to write them for ``lmac report``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable

import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from lmac.benchmark.aggregate import mean_ci, summarize
from lmac.benchmark.scoring import score_with_curves
from lmac.explanation import Explanation
from lmac.metrics.sanity import model_randomization, passes_randomization

__all__ = ["Benchmark", "ExampleSink"]

# on_example(setting, method, clip_index, one-clip explanation, label or None): see Benchmark.run.
ExampleSink = Callable[[str, str, int, Explanation, int | None], None]


def _device(classifier) -> torch.device:
    return next(classifier.parameters(), torch.empty(0)).device


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Benchmark:
    """Runs the suite.

    Args:
        n_clips: clips per setting (``None``: the whole dataset).
        curve_steps: increments of the deletion / insertion curves.
        sanity_clips: clips for the model-randomisation check (0 disables it).
        sanity_setting: setting it runs on (``None``: the first setting).
        sanity_threshold: a clip passes when its rank correlation after randomising every layer
            is below this.
        confound: name of a confounding stem to report (``confound`` column), or ``None``.
        examples_per_class: clips per predicted class and setting handed to ``on_example``.
        seed: seed of the layer re-initialisation.
        progress: show a tqdm progress bar.
    """

    def __init__(self, n_clips: int | None = None, curve_steps: int = 10, sanity_clips: int = 4,
                 sanity_setting: str | None = None, sanity_threshold: float = 0.9, confound: str | None = None,
                 examples_per_class: int = 0, seed: int = 0, progress: bool = True):
        if n_clips is not None and n_clips < 1:
            raise ValueError(f"n_clips must be at least 1, got {n_clips}")
        self.n_clips, self.curve_steps, self.sanity_clips = n_clips, int(curve_steps), int(sanity_clips)
        self.sanity_setting, self.sanity_threshold = sanity_setting, float(sanity_threshold)
        self.confound, self.seed, self.progress = confound, int(seed), progress
        self.examples_per_class = int(examples_per_class)

    def run(self, classifier, methods: dict, settings: dict[str, Dataset],
            on_example: ExampleSink | None = None) -> list[dict]:
        """Score every method on every setting; returns one record per (method, setting).

        ``on_example(setting, method, clip_index, exp, label)`` receives each example clip's
        one-item :class:`~lmac.explanation.Explanation` (on the CPU) and its label (``None`` if
        the item has none).
        """
        if not methods:
            raise ValueError("no methods to benchmark: add some under `methods:`")
        if not settings:
            raise ValueError("no settings to benchmark: add some under `settings:`")
        clips = {name: self._load(data) for name, data in settings.items()}
        sanity_setting = self.sanity_setting or next(iter(settings))
        if sanity_setting not in settings:
            raise ValueError(f"sanity_setting {sanity_setting!r} is not one of the settings {list(settings)}")
        total = sum(len(c) for c in clips.values()) * len(methods)
        records = []
        with tqdm(total=total, desc="benchmark", disable=not self.progress, unit="clip") as bar:
            for setting, items in clips.items():
                for method, explainer in methods.items():
                    bar.set_description(f"{setting}/{method}")
                    record = self._run_method(classifier, method, explainer, setting, items, bar, on_example)
                    if setting == sanity_setting and self.sanity_clips > 0:
                        record.update(self._sanity(explainer, classifier, items[: self.sanity_clips]))
                    records.append(record)
        return records

    def _load(self, dataset: Dataset) -> list[dict]:
        n = len(dataset) if self.n_clips is None else min(self.n_clips, len(dataset))
        if n == 0:
            raise ValueError("a setting has no clips")
        return [dataset[i] for i in range(n)]

    @staticmethod
    def _batch(items: list[dict], device: torch.device) -> tuple[torch.Tensor, dict | None]:
        wav = torch.stack([it["wav"] for it in items]).to(device)
        has_stems = all(it.get("stems") for it in items)
        stems = {k: torch.stack([it["stems"][k] for it in items]).to(device) for k in items[0]["stems"]} \
            if has_stems else None
        return wav, stems

    def _run_method(self, classifier, method: str, explainer, setting: str, items: list[dict], bar,
                    on_example: ExampleSink | None = None) -> dict:
        device = _device(classifier)
        scores: dict[str, list[float]] = defaultdict(list)
        curves: dict[str, list[torch.Tensor]] = defaultdict(list)
        seconds, clf_seconds, shown = [], [], Counter()
        for k, item in enumerate(items):
            wav, stems = self._batch([item], device)
            _sync(device)
            start = time.perf_counter()
            with torch.no_grad():
                target = classifier(wav).argmax(dim=-1)
            _sync(device)
            clf_seconds.append(time.perf_counter() - start)
            explainer.bind_stems(stems)
            if k == 0:
                explainer.explain(wav, target=target)  # warm-up, untimed
            start = time.perf_counter()
            exp = explainer.explain(wav, target=target)
            _sync(device)
            seconds.append(time.perf_counter() - start)
            clip_scores, clip_curves = score_with_curves(classifier, exp, stems, self.curve_steps, self.confound)
            for key, value in clip_scores.items():
                scores[key] += value.tolist()
            for key, value in clip_curves.items():
                curves[key].append(value)
            if on_example is not None and shown[int(target[0])] < self.examples_per_class:
                shown[int(target[0])] += 1
                on_example(setting, method, k, exp.detach(), item.get("label"))
            scores["clf_acc"].append(float(int(target[0]) == int(item["label"])) if "label" in item else float("nan"))
            bar.update(1)
        explainer.bind_stems(None)
        mean_curves = {f"{k}_curve": torch.cat(v).mean(dim=0).tolist() for k, v in curves.items()}
        return summarize(method, setting, scores, seconds, clf_seconds, **mean_curves)

    def _sanity(self, explainer, classifier, items: list[dict]) -> dict:
        """Model-randomisation check on a batch: mean rank correlation after randomising all layers."""
        device = _device(classifier)
        wav, stems = self._batch(items, device)
        with torch.no_grad():
            target = classifier(wav).argmax(dim=-1)
        explainer.bind_stems(stems)
        try:
            result = model_randomization(explainer, wav, target, seed=self.seed)
        finally:
            explainer.bind_stems(None)
        corr = result["correlation"]
        mean, half = mean_ci(corr[-1])
        return {"rand_corr": mean, "rand_corr_ci95": half, "rand_corr_n": corr.shape[1],
                "rand_corr_by_layer": [float(c) for c in corr.mean(dim=1)], "rand_layers": result["layers"],
                "sanity_pass_rate": float(passes_randomization(corr, self.sanity_threshold).mean()),
                "sanity_threshold": self.sanity_threshold}
