"""Guided fine-tuning (L-MAC FT) on tiny models: guidance moves the mask toward the oracle mask."""

import functools

import lightning as L
import torch
from conftest import tiny_classifier, tiny_head
from torch.utils.data import DataLoader

from lmac.data import SyntheticDataModule
from lmac.losses import LMACLoss, guidance_bce
from lmac.metrics.sensitivity import oracle_contrast
from lmac.spectral import STFT
from lmac.training import ExplainerModule
from lmac.training.mixtures import class_stems


def _agreement(module: ExplainerModule, batch: dict) -> tuple[float, float]:
    """Between each clip's mask for its labelled class and that class's oracle mask: the mean BCE, and the
    contrast (mean mask on the oracle's bins minus mean mask off them)."""
    clf, head = module.classifier, module.head
    with torch.no_grad():
        features = clf.features(batch["wav"])
        saliency = head(batch["wav"], features, batch["label"]).saliency
        clean_mag, _ = STFT(head.grid)(class_stems(batch["stems"], batch["label"], clf.class_names))
    return guidance_bce(saliency, clean_mag).mean().item(), oracle_contrast(saliency, clean_mag).mean().item()


def _fit(w_guide: float, tmp_path) -> tuple[tuple[float, float], tuple[float, float], float]:
    """:func:`_agreement` before and after 12 steps on 8 clips, and the share of clips the gate let through."""
    clf = tiny_classifier()
    data = SyntheticDataModule(
        "instruments", n_train=8, n_val=8, n_test=8, batch_size=8, clip_seconds=0.5, cache_stems=True
    )
    module = ExplainerModule(
        clf,
        tiny_head(clf),
        LMACLoss(w_guide=w_guide),
        functools.partial(torch.optim.Adam, lr=1e-2),
        target_from="label",
        mixtures=None,
    )
    batch = next(iter(DataLoader(data.dataset("val"), batch_size=8)))  # fresh clips, with their stems
    before = _agreement(module, batch)
    trainer = L.Trainer(
        max_steps=12,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        limit_val_batches=0,
        default_root_dir=tmp_path,
    )
    trainer.fit(module, datamodule=data)
    return before, _agreement(module, batch), float(trainer.callback_metrics["train/guided"])


def test_guidance_raises_agreement_with_the_oracle_mask_in_a_few_steps(tmp_path):
    (bce_before, contrast_before), (bce_guided, contrast_guided), gated = _fit(4.0, tmp_path)
    _, (bce_unguided, contrast_unguided), _ = _fit(0.0, tmp_path)
    assert gated > 0.5  # most clips pass the correlation gate, so the term acts
    assert bce_guided < 0.8 * bce_before and bce_guided < bce_unguided
    assert contrast_guided > contrast_unguided
