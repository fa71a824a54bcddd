"""``lmac benchmark``: build the classifier once, the methods, the data and its settings; run; write the table
and the example clips that ``lmac report`` plays."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn

from lmac.audio import save_audio
from lmac.benchmark import Benchmark, ExampleSink, IncompleteRun, merge_runs, to_markdown
from lmac.benchmark.rows import rows_path
from lmac.classifiers import AudioClassifier
from lmac.data import check_clip_format
from lmac.report.clips import signal_probabilities
from lmac.report.run import EXAMPLES
from lmac.sharding import RowWriter, Shard, ShardError, read_rows
from lmac.tasks.config import fill_grid
from lmac.tasks.explain import ClipResult, write_result

__all__ = ["benchmark", "build_data", "build_methods", "build_settings", "example_writer", "fingerprint"]

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
            raise ValueError(
                f"method {name} makes saliency maps on the STFT grid {getattr(method, 'grid', None)}, "
                f"the benchmark's grid is {grid}: set stft= (conf/stft/) to the method's grid"
            )
        methods[str(name)] = method.to(cfg.device) if isinstance(method, nn.Module) else method
    return methods


def build_data(cfg: DictConfig, classifier: AudioClassifier):
    """The ``data`` node, its clip format derived from the classifier, then checked against it."""
    data = instantiate(
        cfg.data, **_derived(cfg.data, sample_rate=classifier.sample_rate, clip_seconds=classifier.clip_seconds)
    )
    check_clip_format(classifier, data)
    return data


def build_settings(cfg: DictConfig, classifier: AudioClassifier) -> dict:
    """The data (:func:`build_data`), wrapped by every ``settings.<name>`` node."""
    data = build_data(cfg, classifier)
    return {
        str(name): instantiate(node, dataset=data)
        for name, node in (cfg.get("settings") or {}).items()
        if node is not None
    }


def example_writer(run_dir: str | Path, classifier: AudioClassifier) -> ExampleSink:
    """The runner's ``on_example``: ``examples/<setting>/clip_<i>.wav`` (the input, shared by the
    methods) and ``examples/<setting>/<method>/clip_<i>.*`` (``lmac explain``'s files), which
    ``lmac report`` plays (layout: :mod:`lmac.report.run`)."""

    def write(setting: str, method: str, index: int, exp, label: int | None) -> None:
        stem, folder = f"clip_{index:04d}", Path(run_dir) / EXAMPLES / setting
        folder.mkdir(parents=True, exist_ok=True)
        save_audio(folder / f"{stem}.wav", exp.wav[0], exp.sample_rate)
        info = {
            **signal_probabilities(classifier, exp)[0],
            "input": f"../{stem}.wav",
            "method": method,
            "setting": setting,
            "clip": index,
        }
        if label is not None:
            info["true_label"] = classifier.class_names[int(label)]
        write_result(ClipResult(stem, exp, info), folder / method)

    return write


def fingerprint(cfg: DictConfig) -> str:
    """A short hash of what decides a run's numbers: the config without ``shard``, ``results_dir``,
    ``device`` and ``runner.progress``, so every shard of one run has the same one."""
    container = OmegaConf.to_container(cfg, resolve=False)
    for key in ("shard", "results_dir", "device"):
        container.pop(key, None)
    container.get("runner", {}).pop("progress", None)
    return hashlib.sha256(json.dumps(container, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _resume(path: Path, plan: dict) -> list[dict]:
    """The rows a killed run of this shard left in ``path`` (none if new); refuses another run's rows."""
    done = read_rows(path)
    earlier = [r for r in done if r.get("kind") == "plan"]
    if earlier and earlier[0] != plan:
        raise ShardError(
            f"{path} holds rows of another benchmark configuration or shard split; "
            "give this run its own folder (hydra.run.dir=... or results_dir=...)"
        )
    return done


def benchmark(cfg: DictConfig, run_dir: str | Path) -> list[dict]:
    """Run this process's shard (``cfg.shard``) of the benchmark of ``cfg``, writing one row per clip to
    ``run_dir/rows/<index>-of-<count>.jsonl`` as it goes (a restarted shard skips the clips it did), and,
    once the rows of every shard are in ``run_dir``, the table: ``results.json``, ``.csv``, ``.md``
    (:func:`~lmac.benchmark.merge_runs`); examples go to ``run_dir/examples/``.

    Returns:
        The records (one per method and setting), or ``[]`` while other shards are missing.
    """
    shard = Shard(cfg.shard.index, cfg.shard.count)
    classifier: AudioClassifier = instantiate(cfg.classifier).to(cfg.device)
    methods = build_methods(cfg, classifier)
    settings = build_settings(cfg, classifier)
    runner: Benchmark = instantiate(cfg.runner)
    plan = {**runner.plan(methods, settings), "config": fingerprint(cfg), "shard": [shard.index, shard.count]}
    path = rows_path(run_dir, shard.name)
    done = _resume(path, plan)
    with RowWriter(path) as journal:
        if not done:
            journal.write(plan)
        runner.run_rows(classifier, methods, settings, example_writer(run_dir, classifier), shard, done, journal.write)
    try:
        records = merge_runs([run_dir], run_dir)
    except IncompleteRun as err:
        print(
            f"shard {shard.index}/{shard.count} done ({path}); {err}. The table is written when the last "
            f"shard finishes (or: lmac benchmark merge {run_dir} ...)"
        )
        return []
    print(to_markdown(records))
    print(f"wrote {', '.join(str(Path(run_dir) / f'results.{ext}') for ext in ('json', 'csv', 'md'))}")
    log.info("wrote the results into %s", run_dir)
    return records
