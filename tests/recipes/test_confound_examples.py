"""recipes/confound/examples.py takes benchmark overrides, e.g. one more exported explainer as a method."""

import sys

from helpers import REPO

from lmac.resources import shipped_checkpoint


def test_an_exported_explainer_joins_as_a_method(monkeypatch, capsys, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("examples", REPO / "recipes" / "confound" / "examples.py")
    examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(examples)
    path = shipped_checkpoint("confound_lmac")
    argv = ["examples.py", "--n", "2", "--write", "0", "--out", str(tmp_path)]
    argv += ["+method@methods.extra=lmac", f"methods.extra.path={path}", "--methods", "extra"]
    monkeypatch.setattr(sys, "argv", argv)
    examples.main()
    rows = {r[0]: r[1:] for r in (line.split() for line in capsys.readouterr().out.splitlines()) if r}
    assert "extra" in rows and "lmac" not in rows  # the added method, and only the methods asked for
    assert 0 <= float(rows["extra"][0]) <= 1 and rows["extra"][2:] == ["/", "2"]  # drums share, dominated / clips
