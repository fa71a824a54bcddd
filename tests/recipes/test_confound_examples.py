"""recipes/confound/examples.py takes benchmark overrides, e.g. one more exported explainer as a method."""

import sys

from helpers import load_recipe

from lmac.resources import shipped_checkpoint


def test_an_exported_explainer_joins_as_a_method(monkeypatch, capsys, tmp_path):
    examples = load_recipe("confound", "examples")
    path = shipped_checkpoint("confound_lmac")
    argv = ["examples.py", "--n", "2", "--write", "0", "--out", str(tmp_path)]
    argv += ["+method@methods.extra=lmac", f"methods.extra.path={path}", "--methods", "extra"]
    monkeypatch.setattr(sys, "argv", argv)
    examples.main()
    rows = {r[0]: r[1:] for r in (line.split() for line in capsys.readouterr().out.splitlines()) if r}
    assert "extra" in rows and "lmac" not in rows  # the added method, and only the methods asked for
    assert 0 <= float(rows["extra"][0]) <= 1 and rows["extra"][2:] == ["/", "2"]  # drums share, dominated / clips


def test_ff_reference_scores_whole_stem_explanations():
    import torch

    from lmac.classifiers import load_classifier
    from lmac.data import SyntheticMixtures

    reference = load_recipe("confound", "ff_reference")
    classifier = load_classifier(shipped_checkpoint("confound_classifier")).eval()
    data = SyntheticMixtures("confound", "test_bad", n_items=4, seed=0)
    table = reference.reference(classifier, data, 4)
    assert set(table) == {*reference.EXPLANATIONS, "best set of stems"}
    wav = torch.stack([data[i]["wav"] for i in range(4)])
    with torch.no_grad():
        p = classifier(wav).softmax(-1)
        p_silence = classifier(torch.zeros_like(wav)).softmax(-1)
    c = p.argmax(-1, keepdim=True)
    fid, ff = table["everything (silent residual)"]["all"]
    assert fid == 1.0  # the explanation is the input
    assert abs(ff - float((p.gather(1, c) - p_silence.gather(1, c)).mean())) < 1e-5
    for group in ("guitar", "piano", "all"):  # each clip's best set is at least every named one
        assert all(table["best set of stems"][group][1] >= row[group][1] - 1e-6 for row in table.values())
