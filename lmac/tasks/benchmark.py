"""``lmac benchmark``: build the classifier once, the methods, the data and its settings; run; write the table
and the example clips that ``lmac report`` plays."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig
from torch import nn

from lmac.audio import save_audio
from lmac.benchmark import Benchmark, ExampleSink, to_markdown, write_results
from lmac.classifiers import AudioClassifier
from lmac.data import check_clip_format
from lmac.report.clips import signal_probabilities
from lmac.report.run import EXAMPLES
from lmac.tasks.config import fill_grid
from lmac.tasks.explain import ClipResult, write_result

__all__ = ["benchmark", "build_data", "build_methods", "build_settings", "example_writer"]

log = logging.getLogger("lmac.benchmark")


def _derived(node: DictConfig, **values) -> dict:
    """Values for the keys the node leaves ``null`` (derived at wiring time, never duplicated in YAML)."""
    return {k: v for k, v in values.items() if k in node and node[k] is None}


def build_methods(cfg: DictConfig, classifier: AudioClassifier) -> dict:
    """Instantiate every ``methods.<name>`` node with ``classifier=`` the benchmark's classifier and
    the benchmark's STFT grid (``cfg.stft``) for every ``stft: null`` in it; refuse a method whose
    saliency lives on another grid (e.g. a head trained on one), so every map is scored at one resolution."""
    grid = instantiate(cfg.stft)
    methods = {}
    for name, node in (cfg.get("methods") or {}).items():
        if node is None:
            continue
        fill_grid(node, cfg.stft)
        method = instantiate(node, classifier=classifier)
        if getattr(method, "grid", None) != grid:
            raise ValueError(f"method {name} makes saliency maps on the STFT grid {getattr(method, 'grid', None)}, "
                             f"the benchmark's grid is {grid}: set stft= (conf/stft/) to the method's grid")
        methods[str(name)] = method.to(cfg.device) if isinstance(method, nn.Module) else method
    return methods


def build_data(cfg: DictConfig, classifier: AudioClassifier):
    """The ``data`` node, its clip format derived from the classifier, then checked against it."""
    data = instantiate(cfg.data, **_derived(cfg.data, sample_rate=classifier.sample_rate,
                                            clip_seconds=classifier.clip_seconds))
    check_clip_format(classifier, data)
    return data


def build_settings(cfg: DictConfig, classifier: AudioClassifier) -> dict:
    """The data (:func:`build_data`), wrapped by every ``settings.<name>`` node."""
    data = build_data(cfg, classifier)
    return {str(name): instantiate(node, dataset=data) for name, node in (cfg.get("settings") or {}).items()
            if node is not None}


def example_writer(run_dir: str | Path, classifier: AudioClassifier) -> ExampleSink:
    """The runner's ``on_example``: ``examples/<setting>/clip_<i>.wav`` (the input, shared by the
    methods) and ``examples/<setting>/<method>/clip_<i>.*`` (``lmac explain``'s files), which
    ``lmac report`` plays (layout: :mod:`lmac.report.run`)."""
    def write(setting: str, method: str, index: int, exp, label: int | None) -> None:
        stem, folder = f"clip_{index:04d}", Path(run_dir) / EXAMPLES / setting
        folder.mkdir(parents=True, exist_ok=True)
        save_audio(folder / f"{stem}.wav", exp.wav[0], exp.sample_rate)
        info = {**signal_probabilities(classifier, exp)[0], "input": f"../{stem}.wav", "method": method,
                "setting": setting, "clip": index}
        if label is not None:
            info["true_label"] = classifier.class_names[int(label)]
        write_result(ClipResult(stem, exp, info), folder / method)

    return write


def benchmark(cfg: DictConfig, run_dir: str | Path) -> list[dict]:
    """Run the benchmark of ``cfg`` and write ``results.json``, ``.csv``, ``.md`` and ``examples/`` into ``run_dir``.

    Returns:
        The records (one per method and setting).
    """
    classifier: AudioClassifier = instantiate(cfg.classifier).to(cfg.device)
    methods = build_methods(cfg, classifier)
    settings = build_settings(cfg, classifier)
    runner: Benchmark = instantiate(cfg.runner)
    records = runner.run(classifier, methods, settings, on_example=example_writer(run_dir, classifier))
    paths = write_results(records, run_dir)
    print(to_markdown(records))
    print(f"wrote {', '.join(str(p) for p in paths)}")
    log.info("wrote %s", paths)
    return records
