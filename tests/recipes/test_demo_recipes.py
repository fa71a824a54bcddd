"""recipes/demo/*.py run as the README shows (on tiny settings)."""

import math
import re
import sys

import pytest
import torch
from helpers import load_recipe

from lmac.classifiers import load_classifier
from lmac.heads import SepFormerMaskHead
from lmac.heads.codec import train_codec


def test_head_budget_prints_a_row_every_n_steps(monkeypatch, capsys):
    budget = load_recipe("demo", "head_budget")
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "head_budget.py",
            "--steps",
            "2",
            "--every",
            "1",
            "--n",
            "2",
            "data.n_train=4",
            "data.n_val=2",
            "data.batch_size=2",
            "head.hidden=16",
            "head.tap_channels=8",
        ],
    )
    budget.main()
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip()[:1].isdigit()]
    assert [int(r[0]) for r in rows] == [0, 1, 2]
    step0 = dict(zip(["fid_in", "ff", "mask_mean", "unsaturated", "clip_std", "target_corr"], map(float, rows[0][1:7])))
    # a fresh head is soft everywhere and already depends on the class asked (live FiLM)
    assert 0.3 < step0["mask_mean"] < 0.7 and step0["unsaturated"] == 1 and step0["target_corr"] < 0.99


def test_class_sensitivity_mixes_known_sources_and_scores_the_input_as_blind(monkeypatch, capsys):
    recipe = load_recipe("demo", "class_sensitivity")
    from lmac.data import SyntheticMixtures
    from lmac.explainers import LMAC, InputReference

    clips = SyntheticMixtures("instruments", "test", 8, seed=5)
    for leads, gain in ((True, 0.0), (False, -6.0)):
        mix, sources, classes = recipe.mixture_set(clips, 4, leads, gain)
        assert (classes[:, 0] != classes[:, 1]).all()
        assert torch.allclose(sources.sum(1), mix, atol=1e-6) and mix.abs().amax() <= 0.9 + 1e-6
    ratio = sources[:, 1].norm(dim=1) / sources[:, 0].norm(dim=1)
    assert torch.allclose(ratio, torch.full_like(ratio, 10 ** (-6 / 20)), rtol=1e-4)
    blind = recipe.score(InputReference(LMAC.from_pretrained("demo_lmac").classifier), mix, sources, classes)
    assert blind["both"] == 0 and blind["corr"] == 1 and math.isclose(blind["a"] + blind["b"], 1, rel_tol=1e-4)
    monkeypatch.setattr(sys, "argv", ["class_sensitivity.py", "demo_lmac", "--n", "4", "--gains", "-3"])
    recipe.main()
    out = capsys.readouterr().out.splitlines()
    assert len([line for line in out if "| demo_lmac |" in line]) == 2  # leads 0 dB and clips -3 dB
    control = [line.split(" | ") for line in out if "| control |" in line]
    assert len(control) == 2 and all(row[2] == "0.00" and row[5] == "1.00 |" for row in control)


def test_guidance_agreement_prints_one_row_per_head(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["guidance_agreement.py", "demo_lmac", "demo_lmac_ft", "--n", "8"])
    load_recipe("demo", "guidance_agreement").main()
    rows = {
        cells[0]: cells[1:]
        for line in capsys.readouterr().out.splitlines()
        if (cells := [c.strip() for c in line.strip("|").split("|")])[0] in ("input", "demo_lmac", "demo_lmac_ft")
    }
    assert 0 < float(rows["input"][4]) < 1  # the explained lead's share of the clips themselves
    stage1, guided = (list(map(float, rows[k])) for k in ("demo_lmac", "demo_lmac_ft"))
    assert guided[5] < stage1[5]  # oracle BCE: the guided head is closer to the lead's oracle mask
    assert all(0 <= v <= 1 for v in guided[:3] + guided[4:5] + guided[7:])


def test_lmactd_codec_trains_a_fresh_pair_and_writes_a_loadable_codec(monkeypatch, capsys, tmp_path):
    out = tmp_path / "codec.pt"
    monkeypatch.setattr(sys, "argv", ["lmactd_codec.py", "--out", str(out), "--steps", "30", "--batch", "2"])
    load_recipe("demo", "lmactd_codec").main()
    before, after = (float(v) for v in re.findall(r"(-?\d+\.\d) dB", capsys.readouterr().out))
    assert after > before + 3  # it trained (the shipped, frozen pair would refuse: not a fresh codec)
    classifier = load_classifier("demo_classifier")
    small = dict(masker_channels=16, chunk_size=20, n_dual_blocks=1, n_layers=1, n_heads=2, d_ffn=32, tap_channels=4)
    # head=sepformer_small's encoder sizes (64 filters, kernel 32): the pair loads, frozen
    head = SepFormerMaskHead(
        classifier.feature_shapes(), classifier.n_classes, n_channels=64, kernel_size=32, codec_path=out, **small
    )
    assert not any(p.requires_grad for p in [*head.encoder.parameters(), *head.decoder.parameters()])
    with pytest.raises(ValueError, match="frozen"):
        train_codec(head, [torch.zeros(1, 16000)])
