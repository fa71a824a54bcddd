"""recipes/concepts/validate.py and confound.py run as their README shows (tiny models, a few clips) and report
each figure; the README's two-level Python example runs as written."""

import json
import os
import re
import subprocess
import sys

from concept_models import tiny_concept_cnn
from helpers import REPO, load_recipe

from lmac.classifiers import ConceptOutputs, save_classifier
from lmac.data.concepts import CONCEPT_SOURCES
from lmac.explainers import LMAC
from lmac.heads import SpectrogramMaskHead


def test_validate_prints_and_writes_both_levels(tmp_path, capsys):
    save_classifier(tiny_concept_cnn(seconds=0.5), tmp_path / "c.pt")
    module = load_recipe("concepts", "validate")
    result = module.main(["--checkpoint", str(tmp_path / "c.pt"), "--n", "2", "--json", str(tmp_path / "v.json")])
    out = capsys.readouterr().out
    assert "rhythm_stability" in out and "effect rho" in out and "2 clips" in out
    assert json.loads((tmp_path / "v.json").read_text())["n_clips"] == 2
    assert set(result["level1_top_source"]["lime"]) == {"rhythm_stability", "articulation", "dissonance", "brightness"}
    assert all(0 <= v <= 1 for v in result["level1_top_source"]["lime"].values())
    for concept, shares in result["level1_sources"]["lime"].items():  # the own source's share is among them
        assert shares[CONCEPT_SOURCES[concept]] == result["level1_top_source"]["lime"][concept]
        assert sum(shares.values()) <= 1 + 1e-6
    assert all(-1 <= v <= 1 for v in result["effect_spearman"].values())


def test_validate_scores_a_concept_head_next_to_lime(tmp_path, capsys):
    clf = tiny_concept_cnn(seconds=0.5)
    save_classifier(clf, tmp_path / "c.pt")
    view = ConceptOutputs(clf)
    head = SpectrogramMaskHead(view.feature_shapes(), view.n_classes, 16000, n_bands=8, hidden=8, tap_channels=4)
    LMAC(view, head).export(tmp_path / "head.pt")
    argv = ["--checkpoint", str(tmp_path / "c.pt"), "--head", str(tmp_path / "head.pt"), "--n", "2"]
    result = load_recipe("concepts", "validate").main(argv)
    assert set(result["level1_top_source"]) == {"lime", "lmac"}
    assert all(0 <= v <= 1 for v in result["level1_top_source"]["lmac"].values())
    header = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("concept"))
    assert "lime" in header and "lmac" in header


def test_confound_recipe_compares_two_models_on_both_test_sets(tmp_path, capsys):
    save_classifier(tiny_concept_cnn(seconds=0.5), tmp_path / "c.pt")
    rows = load_recipe("concepts", "confound").main(
        ["--checkpoint", str(tmp_path / "c.pt"), "--clean", str(tmp_path / "c.pt"), "--n", "3"]
    )
    assert set(rows) == {"confounded", "clean"} and set(rows["clean"]) == {"1.0", "0.0"}
    figures = rows["confounded"]["0.0"]
    assert 0 <= figures["brightness_top_drums"] + figures["brightness_top_bass"] <= 1
    assert -1 <= figures["drums_level_corr"] <= 1 and 0 <= figures["brightness_effect_share"] <= 1
    assert figures["without_drums"] >= 0 and figures["without_bass"] >= 0 and figures["brightness_mse"] >= 0
    assert "corr drums dB" in capsys.readouterr().out


def test_readme_two_level_python_example_runs_as_written(tmp_path):
    text = (REPO / "README.md").read_text()
    section = text.split("\n## Two-level explanations through a concept layer\n", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    (tmp_path / "example.py").write_text(code)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    for method in ("lime", "lmac"):
        assert (tmp_path / "concept_out" / f"top_concept_{method}.explanation.wav").is_file()
