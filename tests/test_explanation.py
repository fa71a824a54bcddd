import json

import pytest
import torch

from lmac.explanation import Explanation
from lmac.spectral import STFTConfig


def _exp(batch=1):
    wav = torch.randn(batch, 800)
    return Explanation(
        wav,
        wav * 0.5,
        wav * 0.5,
        torch.rand(batch, 257, 7),
        torch.zeros(batch, dtype=torch.long),
        "test",
        16000,
        STFTConfig(),
        {"weights": torch.tensor([1.0, 2.0])},
    )


def test_save_writes_wavs_and_json(tmp_path):
    paths = _exp().save(tmp_path, "clip", info=[{"prob": 0.5}])
    assert sorted(p.name for p in paths) == ["clip.explanation.wav", "clip.json", "clip.residual.wav"]
    record = json.loads((tmp_path / "clip.json").read_text())
    assert record["method"] == "test" and record["target"] == 0 and record["prob"] == 0.5
    assert record["extras"]["weights"] == [1.0, 2.0]


def test_save_batch_numbers_items(tmp_path):
    paths = _exp(batch=2).save(tmp_path, "x")
    assert {p.name for p in paths} >= {"x_0.json", "x_1.explanation.wav"}


def test_shape_checks():
    wav = torch.randn(1, 800)
    with pytest.raises(ValueError):
        Explanation(
            wav, wav[:, :10], wav, torch.rand(1, 3, 3), torch.zeros(1, dtype=torch.long), "m", 16000, STFTConfig()
        )
    with pytest.raises(ValueError):
        Explanation(wav, wav, wav, torch.rand(1, 3, 3), torch.zeros(2, dtype=torch.long), "m", 16000, STFTConfig())
