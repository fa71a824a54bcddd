"""recipes/sanity/two_sources_by_class.py: its per-class and per-pair counts add up to lmac sanity's "both classes
kept" check on the same mixtures."""

import pytest
import torch
from helpers import load_recipe

from lmac.data import TwoSources
from lmac.explainers import LMAC
from lmac.resources import resolve_checkpoint
from lmac.sanity import explain_two_sources
from lmac.tasks.sanity import recipe, recipe_test_clips, stack_items


def sanity_mixtures(n, run_dir):
    """The shipped demo_lmac and the first ``n`` mixtures of ``lmac sanity``'s check (the recipes' mixtures)."""
    path = resolve_checkpoint("demo_lmac")
    explainer = LMAC.from_pretrained(path)
    mixtures = TwoSources(recipe_test_clips(recipe(path), explainer.classifier, run_dir))
    return explainer, *stack_items(mixtures, n, "wav", "sources", "classes")


def test_two_sources_by_class_adds_up_to_the_sanity_check(capsys, tmp_path):
    # an override of the recipe after the options
    result = load_recipe("sanity", "two_sources_by_class").main(["demo_lmac", "--n", "8", "trainer.max_epochs=6"])
    assert capsys.readouterr().out.startswith("8 mixtures, both classes kept on")
    explainer, mix, sources, classes = sanity_mixtures(8, tmp_path)
    scores = explain_two_sources(explainer, mix, sources, classes)
    assert abs(result["both_kept"] - float(scores["both_kept"].mean())) < 1e-6
    shares = torch.cat([scores["share_first"], scores["share_second"]])
    asked = torch.cat([classes[:, 0], classes[:, 1]])
    rows = result["classes"]
    assert {c: (r["n"], r["kept"]) for c, r in rows.items()} == {
        c: (int((asked == c).sum()), int(((asked == c) & (shares > 0.5)).sum())) for c in asked.unique().tolist()
    }
    with torch.no_grad():
        named = explainer.classifier(sources.flatten(0, 1)).argmax(-1).view_as(classes) == classes
    for c, r in rows.items():
        assert abs(r["alone"] - float(torch.cat([named[:, 0], named[:, 1]])[asked == c].float().mean())) < 1e-6
        assert 0 <= r["p_expl"] <= 1
    assert sum(m for _, m in result["pairs"].values()) == 8
    assert sum(k for k, _ in result["pairs"].values()) == int(scores["both_kept"].sum())


def test_objective_optimum_starts_at_the_head_and_lowers_its_objective(capsys, tmp_path):
    script = load_recipe("sanity", "objective_optimum")
    rows = script.main(["demo_lmac", "--n", "4", "--steps", "6", "loss.w_energy=1.0"])
    out = capsys.readouterr().out
    assert out.startswith("4 mixtures, each explained for both of its classes")
    head, flat_start, from_head, flat = rows.values()
    explainer, mix, sources, classes = sanity_mixtures(4, tmp_path)
    scores = explain_two_sources(explainer, mix, sources, classes)
    # zero steps from the head's own band logits are the head's explanations
    assert abs(head["both_kept"] - float(scores["both_kept"].mean())) < 1e-6
    shares = torch.cat([scores["share_first"], scores["share_second"]])
    assert abs(head["asked_share"] - float(shares.mean())) < 1e-5
    assert from_head["objective"] < head["objective"]
    # zero logits are a 0.5 mask, which keeps a quarter of the energy and leaves each source's share alone
    assert abs(flat_start["energy"] - 0.25) < 0.02 and abs(flat_start["asked_share"] - 0.5) < 0.05
    assert flat["objective"] < flat_start["objective"]
    # six steps from a flat mask do not reach the head's objective, and the script says so
    assert flat["objective"] > head["objective"]
    assert "optimum from a flat mask (6 steps): the objective is not below the head's" in out
    assert "optimum from the head (6 steps): the objective is not below" not in out


def test_objective_optimum_refuses_a_head_that_draws_its_masks_otherwise(capsys):
    with pytest.raises(SystemExit) as stop:
        load_recipe("sanity", "objective_optimum").main(["demo_lmactd", "--n", "2", "--steps", "1"])
    assert stop.value.code == 2
    assert "SepFormerMaskHead does not draw its masks as SpectrogramMaskHead does" in capsys.readouterr().err
