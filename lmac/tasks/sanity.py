"""``lmac sanity CHECKPOINT``: the sanity suite of an exported explainer, one table with thresholds.

On the test split of the data the explainer was trained on (rebuilt from the Hydra overrides that
``lmac train`` records in the export):

* model randomisation with the head kept (cascading, layer by layer);
* target swap: the maps for the top and the second class of each clip;
* both classes kept on two-class mixtures (:class:`~lmac.data.TwoSources`, whole clips at 0 dB), and
  more often than by the classifier-free control ``sigmoid(2 z)`` (:class:`~lmac.explainers.SpectrumControl`);
* saturation (share of mask values inside (0.05, 0.95));
* with retraining (for a trained explainer, the training is part of the method): the head retrained by
  its own recipe on the fully randomised classifier, and on a classifier retrained by *its* own recipe
  on permuted labels (:class:`~lmac.data.PermutedLabelsDataModule`); ``retrain_budget`` overrides are
  appended to both recipes (e.g. ``trainer.max_epochs=1`` on a CPU) and recorded in ``sanity.json``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf, open_dict

from lmac.atomic import atomic_paths
from lmac.checkpoint import CLASSIFIER_FORMAT, EXPLAINER_FORMAT, CheckpointError, load_checkpoint
from lmac.classifiers import save_classifier
from lmac.data import TwoSources, check_clip_format
from lmac.explainers import LMAC, SpectrumControl
from lmac.metrics.sanity import layer_order, randomize_layers
from lmac.resources import resolve_checkpoint
from lmac.sanity import (
    Check,
    class_sensitivity,
    kept_head_randomization,
    retrained_maps,
    saturation,
    target_swap,
    to_markdown,
)
from lmac.tasks.config import compose_train

__all__ = ["recipe", "retrain", "retrain_head", "sanity"]

log = logging.getLogger("lmac.sanity")


NOT_RECIPE = ("ckpt_path=", "hydra.", "results_dir=")  # where a run resumed from or wrote to, not how it trained


def recipe(path: str | os.PathLike) -> list[str]:
    """The ``lmac train`` overrides recorded in an exported explainer or classifier (metadata ``overrides``),
    without those that only say where the run resumed from or wrote to (``ckpt_path=``, ``hydra.*``): a
    run resumed from epoch 3 with ``trainer.max_epochs=6`` is replayed as 6 epochs from the start.

    Raises:
        CheckpointError: the file records none (not made by ``lmac train``).
    """
    overrides = load_checkpoint(path, (EXPLAINER_FORMAT, CLASSIFIER_FORMAT))["metadata"].get("overrides")
    if overrides is None:
        raise CheckpointError(
            f"{path} records no lmac train overrides (it was not exported by lmac train); "
            "the checks that retrain it need the recipe that made it"
        )
    return [o for o in overrides if not o.lstrip("+~").startswith(NOT_RECIPE)]


def retrain(overrides: list[str], run_dir: Path, permute_labels: bool = False, seed: int = 0) -> Path:
    """Run ``lmac train`` with ``overrides`` into ``run_dir`` (its data's labels permuted if asked); the export."""
    from lmac.tasks.train import train

    cfg = compose_train(overrides, run_dir)
    if permute_labels:
        for key in [k for k in cfg if k != "hydra" and OmegaConf.is_config(cfg[k])]:
            OmegaConf.resolve(cfg[key])  # other nodes read data.* (the classifier's sample rate): before wrapping it
        with open_dict(cfg):
            cfg.data = OmegaConf.create(
                {"_target_": "lmac.data.PermutedLabelsDataModule", "data": cfg.data, "seed": seed}
            )
    train(cfg, run_dir)
    return run_dir / cfg.export_name


def retrain_head(overrides: list[str], classifier_path: Path, budget: list[str], run_dir: Path) -> Path:
    """Retrain a head by its recipe ``overrides`` on the classifier at ``classifier_path``; the export.

    A recipe that starts from another trained head (``module.init_from``, e.g. a guided fine-tuning stage)
    is replayed whole: the first stage is retrained by its own recorded recipe on the same classifier (into
    ``run_dir/stage1``, recursively for longer chains) and the second starts from that head. ``budget``
    overrides are appended to every stage."""
    head_recipe = [*overrides, "classifier=checkpoint", f"classifier.path={classifier_path}", *budget]
    init_from = compose_train(head_recipe, run_dir).module.get("init_from")
    if init_from:
        first = retrain_head(recipe(resolve_checkpoint(init_from)), classifier_path, budget, run_dir / "stage1")
        head_recipe.append(f"module.init_from={first}")
    return retrain(head_recipe, run_dir)


def recipe_test_clips(overrides: list[str], classifier, run_dir: Path):
    """The test split of the data of the explainer's recipe, checked against its classifier."""
    data = instantiate(compose_train(overrides, run_dir).data)
    check_clip_format(classifier, data, same_classes=False)
    return data.dataset("test")


def stack_items(dataset, n: int, *keys: str) -> tuple[torch.Tensor, ...]:
    """The first ``n`` items of a test split (or of :class:`~lmac.data.TwoSources` over it), each built
    once, stacked per key: ``stack_items(mixtures, 32, "wav", "sources")`` -> ``(32, T)``, ``(32, 2, T)``."""
    if len(dataset) < n:
        raise ValueError(f"the test split has {len(dataset)} clips, fewer than the {n} asked for")
    items = [dataset[i] for i in range(n)]
    return tuple(torch.stack([torch.as_tensor(item[key]) for item in items]) for key in keys)


def _classifier_recipe(head_overrides: list[str], run_dir: Path) -> list[str] | None:
    """The recipe of the classifier checkpoint the head's recipe loads (``None``: no checkpoint, or no recipe)."""
    path = compose_train(head_overrides, run_dir).classifier.get("path")
    try:
        return recipe(path) if path else None
    except CheckpointError as err:
        log.warning("%s", err)
        return None


def _retrained_checks(
    explainer: LMAC, overrides: list[str], budget: list[str], wav, target, out_dir: Path, seed: int
) -> list[Check]:
    """The head retrained on the fully randomised classifier, and on a classifier retrained on permuted labels."""
    reference = explainer.explain(wav, target=target).saliency

    def head_on(classifier_path: Path, name: str, run: str) -> Check:
        head = LMAC.from_pretrained(retrain_head(overrides, classifier_path, budget, out_dir / run))
        return retrained_maps(name, reference, head, wav, target)

    classifier = explainer.classifier
    save_classifier(randomize_layers(classifier, layer_order(classifier, wav[:1]), seed), out_dir / "randomized.pt")
    checks = [head_on(out_dir / "randomized.pt", "randomisation, head retrained", "head_on_randomized")]
    classifier_recipe = _classifier_recipe(overrides, out_dir)
    if classifier_recipe is None:
        checks.append(Check("permuted labels, head retrained", float("nan"), "at most", 0.3, 0, {"why": "no recipe"}))
        return checks
    permuted = retrain([*classifier_recipe, *budget], out_dir / "permuted_classifier", permute_labels=True, seed=seed)
    checks.append(head_on(permuted, "permuted labels, head retrained", "head_on_permuted"))
    return checks


def sanity(
    checkpoint: str | os.PathLike,
    out_dir: str | os.PathLike,
    n_clips: int = 48,
    n_mixtures: int = 32,
    retrain_budget: list[str] | None = None,
    retrain_heads: bool = True,
    seed: int = 0,
) -> list[Check]:
    """Run the suite (module doc) on the explainer ``checkpoint`` (a path or a shipped name); write
    ``sanity.json`` and ``sanity.md`` into ``out_dir`` (retraining runs go to its sub-folders)."""
    path, out_dir = resolve_checkpoint(checkpoint), Path(out_dir)
    explainer = LMAC.from_pretrained(path)
    overrides = recipe(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    clips = recipe_test_clips(overrides, explainer.classifier, out_dir)
    (wav,) = stack_items(clips, n_clips, "wav")
    with torch.no_grad():
        target = explainer.classifier(wav).argmax(dim=-1)
    mixtures = TwoSources(clips)
    mix, sources, classes = stack_items(mixtures, n_mixtures, "wav", "sources", "classes")
    control = SpectrumControl(explainer.classifier, stft=explainer.grid)
    checks = [
        kept_head_randomization(explainer, wav, target, seed=seed),
        target_swap(explainer, wav),
        *class_sensitivity(explainer, control, mix, sources, classes),
        saturation(explainer, wav, target),
    ]
    if retrain_heads:
        checks += _retrained_checks(explainer, overrides, list(retrain_budget or []), wav, target, out_dir, seed)
    _write(checks, out_dir, {"checkpoint": str(checkpoint), "recipe": overrides, "retrain_budget": retrain_budget})
    return checks


def _write(checks: list[Check], out_dir: Path, info: dict) -> None:
    paths = [out_dir / "sanity.json", out_dir / "sanity.md"]
    with atomic_paths(paths) as tmps:
        Path(tmps[0]).write_text(json.dumps({**info, "checks": [c.to_dict() for c in checks]}, indent=2, default=str))
        Path(tmps[1]).write_text(to_markdown(checks) + "\n")
