"""``lmac train``: build data, classifier, head and trainer from a config, fit, test, export."""

from __future__ import annotations

import logging
from pathlib import Path

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig

from lmac.classifiers import AudioClassifier
from lmac.data import AudioDataModule, ClipFormatError, check_clip_format
from lmac.tasks.config import fill_grid

__all__ = ["train", "build_module"]

log = logging.getLogger("lmac.train")


def build_module(cfg: DictConfig, data: AudioDataModule) -> L.LightningModule:
    """Instantiate classifier (checked against the data's clip format), head (sizes derived from the
    classifier, STFT grid from ``cfg.stft``), loss (output type derived from the classifier) and the
    LightningModule. A head may explain a classifier whose classes include the data's (the module maps
    labels by name); a classifier is trained on exactly the data's classes."""
    classifier: AudioClassifier = instantiate(cfg.classifier, **_names_kwargs(cfg.classifier, data))
    check_clip_format(classifier, data, same_classes=cfg.get("head") is None)
    parts = {"classifier": classifier}
    if cfg.get("head") is not None:
        fill_grid(cfg.head, cfg.stft)
        derived = {"sample_rate": classifier.sample_rate} if cfg.head.get("sample_rate", 0) is None else {}
        parts["head"] = instantiate(
            cfg.head, feature_shapes=classifier.feature_shapes(), n_classes=classifier.n_classes, **derived
        )
    if cfg.get("loss") is not None:
        parts["loss"] = instantiate(cfg.loss, output=classifier.output)
    return instantiate(cfg.module, **parts)


def _names_kwargs(node: DictConfig, data: AudioDataModule) -> dict:
    """Pass the data's class names (and concept names, for a concept classifier) to classifiers built
    from scratch (derived, not in YAML)."""
    kwargs = {"class_names": list(data.class_names)} if "class_names" in node else {}
    if "concept_names" in node:
        if getattr(data, "concept_names", None) is None:
            raise ClipFormatError(
                f"a concept classifier needs data with concepts (data=concepts); {type(data).__name__} has none"
            )
        kwargs["concept_names"] = list(data.concept_names)
    return kwargs


def train(cfg: DictConfig, run_dir: str | Path) -> dict[str, float]:
    """Fit, test on the best checkpoint, and export ``cfg.export_name`` into ``run_dir``.

    Returns:
        The test metrics.
    """
    run_dir = Path(run_dir)
    L.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.data)
    module = build_module(cfg, datamodule)
    callbacks = [instantiate(c) for c in (cfg.get("callbacks") or {}).values()]
    loggers = [instantiate(lg) for lg in (cfg.get("logger") or {}).values()]
    trainer: L.Trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    trainer.fit(module, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
    best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    results = trainer.test(module, datamodule=datamodule, ckpt_path=best or None, verbose=False)
    metrics = {k: float(v) for k, v in (results[0] if results else {}).items()}
    if trainer.is_global_zero:
        export = run_dir / cfg.export_name
        module.export(export, test_metrics=metrics, best_checkpoint=str(best), overrides=list(cfg.get("overrides", [])))
        log.info("exported %s; test metrics %s", export, metrics)
        print(f"exported {export}")
        print("test: " + ", ".join(f"{k}={v:.4f}" for k, v in sorted(metrics.items())))
    return metrics
