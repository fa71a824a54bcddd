"""What one head-training step costs on each classifier, measured side by side in one run.

    python recipes/demo/step_cost.py --batch 8 --repeats 3

Builds the `experiment=demo_lmac` module (head, loss, optimizer) on each classifier (the shipped
demo MelCNN, and SpeechBrain's CNN14 architecture with random weights: the cost does not depend on
the weights) and times full training steps (classifier on input, explanation and residual, backward
through the frozen classifier into the head, optimizer step) on the same random 2 s clips. Prints
the median seconds per step and the ratio to the demo classifier's.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from lmac.tasks.config import CONFIG_DIR  # also registers ${lmac_checkpoint:NAME}
from lmac.tasks.train import build_module

CLASSIFIERS = {"demo MelCNN": [], "CNN14": ["classifier=cnn14"]}


def step_seconds(overrides: list[str], wav: torch.Tensor, repeats: int) -> tuple[float, int, int]:
    """Median seconds of one training step, and the classifier's and head's parameter counts."""
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=["experiment=demo_lmac", *overrides])
    module = build_module(cfg, instantiate(cfg.data))  # the data's clip format (nothing is generated)
    module.classifier.freeze()
    optimizer = module.configure_optimizers()
    batch = {"wav": wav, "label": torch.zeros(len(wav), dtype=torch.long)}
    module.log_dict = lambda *a, **k: None  # no trainer attached: skip logging
    times = []
    for _ in range(repeats + 1):  # the first step warms up
        start = time.perf_counter()
        optimizer.zero_grad()
        module._step(batch, "train").backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    n_clf = sum(p.numel() for p in module.classifier.parameters())
    return statistics.median(times[1:]), n_clf, sum(p.numel() for p in module.head.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    wav = 0.1 * torch.randn(args.batch, 32000)
    rows = {name: step_seconds(overrides, wav, args.repeats) for name, overrides in CLASSIFIERS.items()}
    base = rows["demo MelCNN"][0]
    print(f"{'classifier':<14}{'params':>12}{'head params':>13}{'s / step':>10}{'x demo':>8}")
    for name, (seconds, n_clf, n_head) in rows.items():
        print(f"{name:<14}{n_clf:>12,}{n_head:>13,}{seconds:>10.2f}{seconds / base:>8.1f}")


if __name__ == "__main__":
    main()
