"""A callback for the distributed tests: each rank writes what it trained on and its final weights."""

import json
from pathlib import Path

import lightning as L
import torch


class RankProbe(L.Callback):
    """Writes ``<folder>/rank<global rank>.json``: ``items`` (a fingerprint of every training clip this rank
    saw: its sum, rounded), ``initial`` and ``weights`` (the trainable parameters at the start and end of
    fitting, flattened), ``world_size`` and ``node_rank``."""

    def __init__(self, folder: str):
        self.folder, self.items, self.initial = Path(folder), [], []

    @staticmethod
    def _weights(pl_module) -> list[float]:
        return torch.cat([p.detach().flatten() for p in pl_module.parameters() if p.requires_grad]).tolist()

    def on_fit_start(self, trainer, pl_module):
        self.initial = self._weights(pl_module)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.items += [round(float(s), 4) for s in batch["wav"].sum(dim=-1)]

    def on_fit_end(self, trainer, pl_module):
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"rank{trainer.global_rank}.json").write_text(
            json.dumps(
                {
                    "items": self.items,
                    "initial": self.initial,
                    "weights": self._weights(pl_module),
                    "world_size": trainer.world_size,
                    "node_rank": trainer.node_rank,
                }
            )
        )
