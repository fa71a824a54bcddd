"""How many steps a head needs: train it as `lmac train` would and score it every few steps.

    python recipes/demo/head_budget.py --steps 300 --every 25                  # experiment=demo_lmac
    python recipes/demo/head_budget.py --steps 300 --every 25 head=spectral_gain  # any Hydra override

The module is built from `lmac/conf/train.yaml` with `experiment=demo_lmac` (plus the overrides),
exactly as `lmac train` builds it, and trained with its optimizer on its data. Every `--every`
steps the head explains `--n` fixed validation clips twice, for the classifier's top class and
for the next class (top + 1 mod C), and prints one row:

  fid_in, ff     faithfulness for the top class (classifier's output type: softmax or sigmoid)
  mask_mean      mean of the mask (a fresh head: about 0.5)
  unsaturated    share of mask bins strictly between 0.05 and 0.95 (a saturated head: near 0)
  clip_std       std of the mask across clips, averaged over bins (one fixed mask for every clip: 0)
  target_corr    Pearson correlation of the two targets' masks on the same clip, mean over clips
                 (a head that ignores the target: 1; two equal constant masks: 1)
"""

from __future__ import annotations

import argparse
import time

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from lmac.metrics import faithfulness, fidelity_in
from lmac.metrics.sensitivity import map_correlation, unsaturated_share
from lmac.tasks.config import CONFIG_DIR  # also registers ${lmac_checkpoint:NAME}
from lmac.tasks.train import build_module


@torch.no_grad()
def score(module, wav: torch.Tensor) -> dict[str, float]:
    """The row described in the module docstring, for clips ``wav (B, T)``."""
    module.eval()
    clf, output = module.classifier, module.classifier.output
    logits = clf(wav)
    top = logits.argmax(-1)
    out = module.head(wav, clf.features(wav), top)
    other = module.head(wav, clf.features(wav), (top + 1) % clf.n_classes)
    mask = out.saliency.flatten(1)
    row = {
        "fid_in": fidelity_in(clf(out.explanation_wav), top, output=output).mean(),
        "ff": faithfulness(logits, clf(out.residual_wav), top, output=output).mean(),
        "mask_mean": mask.mean(),
        "unsaturated": unsaturated_share(mask).mean(),
        "clip_std": mask.std(dim=0).mean(),
        "target_corr": map_correlation(mask, other.saliency.flatten(1)).mean(),
    }
    module.train()
    return {k: float(v) for k, v in row.items()}


class Every(L.Callback):
    """Scores the head on fixed clips every ``every`` training steps (and before the first)."""

    def __init__(self, wav: torch.Tensor, every: int):
        self.wav, self.every, self.start = wav, every, time.perf_counter()

    def _row(self, module, step: int) -> None:
        row = score(module, self.wav)
        print(
            f"{step:>6} " + " ".join(f"{row[k]:>11.3f}" for k in row) + f" {time.perf_counter() - self.start:>8.0f}",
            flush=True,
        )

    def on_train_start(self, trainer, module) -> None:
        print(
            f"{'step':>6} "
            + " ".join(f"{k:>11}" for k in ("fid_in", "ff", "mask_mean", "unsaturated", "clip_std", "target_corr"))
            + f" {'seconds':>8}",
            flush=True,
        )
        self._row(module, 0)

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if trainer.global_step % self.every == 0:
            self._row(module, trainer.global_step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="training steps")
    parser.add_argument("--every", type=int, default=25, help="score every this many steps")
    parser.add_argument("--n", type=int, default=32, help="validation clips scored")
    parser.add_argument("--experiment", default="demo_lmac", help="training experiment (lmac/conf/experiment/)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. head=spectrogram")
    args = parser.parse_args()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[f"experiment={args.experiment}", *args.overrides])
    L.seed_everything(cfg.seed, workers=True)
    data = instantiate(cfg.data)
    module = build_module(cfg, data)
    val = data.dataset("val")
    wav = torch.stack([val[i]["wav"] for i in range(min(args.n, len(val)))])
    trainer = L.Trainer(
        max_steps=args.steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        limit_val_batches=0,
        enable_model_summary=False,
        callbacks=[Every(wav, args.every)],
    )
    trainer.fit(module, datamodule=data)


if __name__ == "__main__":
    main()
