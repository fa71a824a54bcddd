"""recipes/demo/head_budget.py runs as the README shows (on tiny settings) and scores what it says."""

import importlib.util
import math
import sys

import torch

from helpers import REPO


def _recipe(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "recipes" / "demo" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_head_budget_prints_a_row_every_n_steps(monkeypatch, capsys):
    budget = _recipe("head_budget")
    monkeypatch.setattr(sys, "argv", ["head_budget.py", "--steps", "2", "--every", "1", "--n", "2",
                                      "data.n_train=4", "data.n_val=2", "data.batch_size=2",
                                      "head.hidden=16", "head.tap_channels=8"])
    budget.main()
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip()[:1].isdigit()]
    assert [int(r[0]) for r in rows] == [0, 1, 2]
    step0 = dict(zip(["fid_in", "ff", "mask_mean", "unsaturated", "clip_std", "target_corr"], map(float, rows[0][1:7])))
    assert step0["mask_mean"] == 0.5 and step0["unsaturated"] == 1 and math.isnan(step0["target_corr"])


def test_target_correlation_by_hand():
    corr = _recipe("head_budget")._corr
    a = torch.tensor([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]])
    b = torch.tensor([[0.0, 2.0, 4.0], [0.0, 1.0, 2.0]])
    out = corr(a, b)
    assert math.isclose(out[0].item(), 1.0, rel_tol=1e-6) and math.isnan(out[1].item())
    assert math.isclose(corr(a[:1], -b[:1]).item(), -1.0, rel_tol=1e-6)
