"""The benchmark runner: every method, every setting, one suite of metrics, with timings.

For each setting (a dataset of dict items with ``wav``, ``label`` and optional ``stems``) and
each method (any :class:`~lmac.explainers.base.Explainer`), every clip is explained for the
classifier's prediction on that clip (in the contaminated settings, on the contaminated clip),
timed, and scored by :func:`~lmac.benchmark.scoring.score_with_curves`; each record also holds
the mean deletion and insertion curves (``deletion_curve``, ``insertion_curve``: ``curve_steps + 1``
values). Timing is per clip (batch of one): the median wall time of ``explain()``, next to the
median time of one classifier forward pass on the same clip measured in the same loop; the first
clip of each method is explained once untimed first (warm-up). Items of two sources of known classes
(:class:`~lmac.data.TwoSources`) are explained for each of their two classes instead, and scored for
class sensitivity too (:func:`~lmac.benchmark.scoring.score_two_sources`). The model-randomisation sanity
check runs on the first ``sanity_clips`` clips of ``sanity_setting``.

Examples to listen to: the first ``examples_per_class`` clips of each predicted class in each
setting (the same clips for every method) are handed to ``on_example``, which ``lmac benchmark``
uses to write them for ``lmac report``.

Every clip's scores, timings and curves are one row (:mod:`lmac.benchmark.rows`), and the records
are made from the rows, so a run can be split into shards (:meth:`Benchmark.run_rows` with a
:class:`~lmac.sharding.Shard`: its clips, its warm-up, its examples; the sanity check on shard 0)
whose rows, merged, give the records of one run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace

import torch
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from lmac.benchmark.aggregate import mean_ci
from lmac.benchmark.rows import clip_row, records_from_rows, row_key
from lmac.benchmark.scoring import score_two_sources, score_with_curves
from lmac.explanation import Explanation
from lmac.metrics.sanity import model_randomization, passes_randomization
from lmac.sharding import Shard

__all__ = ["Benchmark", "ExampleSink"]

# on_example(setting, method, clip_index, one-clip explanation, label or None): see Benchmark.run.
ExampleSink = Callable[[str, str, int, Explanation, int | None], None]


def _device(classifier) -> torch.device:
    return next(classifier.parameters(), torch.empty(0)).device


def _first(exp: Explanation) -> Explanation:
    """The first clip of an explanation, as a one-clip explanation."""
    return replace(
        exp,
        **{k: getattr(exp, k)[:1] for k in ("wav", "explanation_wav", "residual_wav", "saliency", "target")},
    )


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

    def __init__(
        self,
        n_clips: int | None = None,
        curve_steps: int = 10,
        sanity_clips: int = 4,
        sanity_setting: str | None = None,
        sanity_threshold: float = 0.9,
        confound: str | None = None,
        examples_per_class: int = 0,
        seed: int = 0,
        progress: bool = True,
    ):
        if n_clips is not None and n_clips < 1:
            raise ValueError(f"n_clips must be at least 1, got {n_clips}")
        self.n_clips, self.curve_steps, self.sanity_clips = n_clips, int(curve_steps), int(sanity_clips)
        self.sanity_setting, self.sanity_threshold = sanity_setting, float(sanity_threshold)
        self.confound, self.seed, self.progress = confound, int(seed), progress
        self.examples_per_class = int(examples_per_class)

    def plan(self, methods: dict, settings: dict[str, Dataset]) -> dict:
        """What a run covers, the same for each of its shards: ``{"kind": "plan", "settings": {name:
        clips}, "methods": [names], "sanity": the sanity check's setting or None}``."""
        if not methods:
            raise ValueError("no methods to benchmark: add some under `methods:`")
        if not settings:
            raise ValueError("no settings to benchmark: add some under `settings:`")
        sanity_setting = self.sanity_setting or next(iter(settings))
        if sanity_setting not in settings:
            raise ValueError(f"sanity_setting {sanity_setting!r} is not one of the settings {list(settings)}")
        return {
            "kind": "plan",
            "settings": {str(name): self._size(data) for name, data in settings.items()},
            "methods": [str(m) for m in methods],
            "sanity": sanity_setting if self.sanity_clips > 0 else None,
        }

    def run(
        self, classifier, methods: dict, settings: dict[str, Dataset], on_example: ExampleSink | None = None
    ) -> list[dict]:
        """Score every method on every setting; returns one record per (method, setting).

        ``on_example(setting, method, clip_index, exp, label)`` receives each example clip's
        one-item :class:`~lmac.explanation.Explanation` (on the CPU) and its label (``None`` if
        the item has none).
        """
        plan = self.plan(methods, settings)
        return records_from_rows([plan, *self.run_rows(classifier, methods, settings, on_example)])

    def run_rows(
        self,
        classifier,
        methods: dict,
        settings: dict[str, Dataset],
        on_example: ExampleSink | None = None,
        shard: Shard = Shard(),
        done: Iterable[dict] = (),
        on_row: Callable[[dict], None] | None = None,
    ) -> list[dict]:
        """The rows of one shard (:mod:`lmac.benchmark.rows`): one per clip it owns (clip ``i`` of a
        setting belongs to ``shard.owns(i)``) and method, and on shard 0 one sanity row per method.

        Args:
            classifier, methods, settings, on_example: as in :meth:`run`.
            shard: this process's share of the clips.
            done: rows of an earlier, interrupted run of this shard: those clips are not run again
                (their rows are returned with the new ones) and its examples count as shown.
            on_row: called with each new row as soon as it is made (to write it down).
        """
        self.plan(methods, settings)  # checks the arguments
        rows = [r for r in done if r.get("kind") in ("clip", "sanity")]
        finished = {row_key(r) for r in rows}
        clips = {name: self._load(data, shard) for name, data in settings.items()}
        todo = sum(("clip", s, m, i) not in finished for s, items in clips.items() for m in methods for i, _ in items)
        with tqdm(total=todo, desc="benchmark", disable=not self.progress, unit="clip") as bar:
            for setting, items in clips.items():
                for method, explainer in methods.items():
                    bar.set_description(f"{setting}/{method}")
                    shown = Counter(
                        r["target"]
                        for r in rows
                        if r.get("example") and r["setting"] == setting and r["method"] == method
                    )
                    for k, (i, item) in enumerate(
                        (i, it) for i, it in items if ("clip", setting, method, i) not in finished
                    ):
                        row = self._run_clip(classifier, explainer, setting, method, i, item, k == 0, shown, on_example)
                        rows.append(row)
                        if on_row is not None:
                            on_row(row)
                        bar.update(1)
                    explainer.bind_stems(None)
        rows += self._sanity_rows(classifier, methods, settings, shard, finished, on_row)
        return rows

    def _size(self, dataset: Dataset) -> int:
        n = len(dataset) if self.n_clips is None else min(self.n_clips, len(dataset))
        if n == 0:
            raise ValueError("a setting has no clips")
        return n

    def _load(self, dataset: Dataset, shard: Shard = Shard()) -> list[tuple[int, dict]]:
        return [(i, dataset[i]) for i in range(self._size(dataset)) if shard.owns(i)]

    @staticmethod
    def _batch(items: list[dict], device: torch.device) -> tuple[torch.Tensor, dict | None]:
        wav = torch.stack([it["wav"] for it in items]).to(device)
        has_stems = all(it.get("stems") for it in items)
        stems = (
            {k: torch.stack([it["stems"][k] for it in items]).to(device) for k in items[0]["stems"]}
            if has_stems
            else None
        )
        return wav, stems

    def _run_clip(
        self,
        classifier,
        explainer,
        setting: str,
        method: str,
        index: int,
        item: dict,
        warm_up: bool,
        shown: Counter,
        on_example: ExampleSink | None,
    ) -> dict:
        """Explain, time and score clip ``index`` of ``setting``: its row.

        A two-source item (``classes``, ``sources``: :class:`~lmac.data.TwoSources`) is explained once
        for each of its classes in one call (``seconds`` covers both); its scores are the means over
        the two explanations plus :func:`~lmac.benchmark.scoring.score_two_sources`, ``clf_acc`` is 1
        when the classifier predicts one of the two classes, and its example is the first class's.
        """
        device = _device(classifier)
        pair = "classes" in item
        wav, stems = self._batch([item, item] if pair else [item], device)
        _sync(device)
        start = time.perf_counter()
        with torch.no_grad():
            predicted = classifier(wav[:1]).argmax(dim=-1)
        _sync(device)
        clf_seconds = time.perf_counter() - start
        target = item["classes"].to(device) if pair else predicted
        explainer.bind_stems(stems)
        if warm_up:
            explainer.explain(wav, target=target)  # warm-up, untimed
        start = time.perf_counter()
        exp = explainer.explain(wav, target=target)
        _sync(device)
        seconds = time.perf_counter() - start
        clip_scores, clip_curves = score_with_curves(classifier, exp, stems, self.curve_steps, self.confound)
        scores = {key: float(value.nanmean()) for key, value in clip_scores.items()}
        if pair:
            scores |= {key: float(value[0]) for key, value in score_two_sources(exp, item["sources"][None]).items()}
            scores["clf_acc"] = float(int(predicted[0]) in item["classes"].tolist())
        else:
            scores["clf_acc"] = float(int(target[0]) == int(item["label"])) if "label" in item else float("nan")
        clip_curves = {key: value.mean(dim=0, keepdim=True) for key, value in clip_curves.items()}
        t = int(target[0])
        example = on_example is not None and shown[t] < self.examples_per_class
        if example:
            shown[t] += 1
            on_example(setting, method, index, _first(exp.detach()), item.get("label"))
        return clip_row(
            setting,
            method,
            index,
            t,
            scores,
            seconds,
            clf_seconds,
            {f"{k}_curve": v[0].tolist() for k, v in clip_curves.items()},
            example,
        )

    def _sanity_rows(
        self,
        classifier,
        methods: dict,
        settings: dict[str, Dataset],
        shard: Shard,
        finished: set,
        on_row: Callable[[dict], None] | None,
    ) -> list[dict]:
        """On shard 0: the sanity check of every method on the first clips of the sanity setting."""
        setting = self.sanity_setting or next(iter(settings))
        if shard.index != 0 or self.sanity_clips == 0:
            return []
        data = settings[setting]
        items = [data[i] for i in range(min(self.sanity_clips, self._size(data)))]
        rows = []
        for method, explainer in methods.items():
            if ("sanity", setting, method) in finished:
                continue
            rows.append(
                {
                    "kind": "sanity",
                    "setting": setting,
                    "method": method,
                    "fields": self._sanity(explainer, classifier, items),
                }
            )
            if on_row is not None:
                on_row(rows[-1])
        return rows

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
        return {
            "rand_corr": mean,
            "rand_corr_ci95": half,
            "rand_corr_n": corr.shape[1],
            "rand_corr_by_layer": [float(c) for c in corr.mean(dim=1)],
            "rand_layers": result["layers"],
            "sanity_pass_rate": float(passes_randomization(corr, self.sanity_threshold).mean()),
            "sanity_threshold": self.sanity_threshold,
        }
