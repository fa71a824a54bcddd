"""recipes/concepts/validate.py runs as its README shows (tiny model, 2 clips) and reports each figure."""

import importlib.util
import json

from concept_models import tiny_concept_cnn
from helpers import REPO

from lmac.classifiers import save_classifier


def test_validate_prints_and_writes_both_levels(tmp_path, capsys):
    save_classifier(tiny_concept_cnn(seconds=0.5), tmp_path / "c.pt")
    spec = importlib.util.spec_from_file_location("validate", REPO / "recipes" / "concepts" / "validate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--checkpoint", str(tmp_path / "c.pt"), "--n", "2", "--json", str(tmp_path / "v.json")])
    out = capsys.readouterr().out
    assert "rhythm_stability" in out and "effect rho" in out and "2 clips" in out
    assert json.loads((tmp_path / "v.json").read_text())["n_clips"] == 2
    assert set(result["level1_top_source"]) == {"rhythm_stability", "articulation", "dissonance", "brightness"}
    assert all(0 <= v <= 1 for v in result["level1_top_source"].values())
    assert all(-1 <= v <= 1 for v in result["effect_spearman"].values())
