"""`lmac sanity` as a user runs it, on a tiny retraining budget."""

import json

from helpers import run_cli

BUDGET = ["trainer.max_epochs=1", "data.n_train=16", "data.n_val=8", "data.n_test=8", "data.batch_size=8"]


def test_lmac_sanity_prints_and_writes_one_table_and_retrains_by_the_recorded_recipes(tmp_path):
    out = tmp_path / "sanity"
    result = run_cli(
        "sanity", "demo_lmac", "--out", str(out), "--clips", "4", "--mixtures", "4", "--retrain-budget", *BUDGET
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "sanity.json").read_text())
    from lmac.resources import resolve_checkpoint
    from lmac.tasks.sanity import recipe

    shipped = recipe(resolve_checkpoint("demo_lmac"))  # the overrides its training run recorded
    assert shipped[0] == "experiment=demo_lmac"
    assert report["recipe"] == shipped and report["retrain_budget"] == BUDGET
    checks = {c["name"]: c for c in report["checks"]}
    assert list(checks) == [
        "randomisation, head kept",
        "target swap (A-vs-B corr)",
        "both classes kept",
        "beats the control: both kept",
        "beats the control: asked share",
        "unsaturated share",
        "randomisation, head retrained",
        "permuted labels, head retrained",
    ]
    assert all(isinstance(c["passed"], bool) and c["n"] == 4 for c in checks.values())
    assert checks["randomisation, head kept"]["threshold"] == 0.6 and checks["both classes kept"]["rule"] == "at least"
    assert (out / "sanity.md").read_text().strip() in result.stdout
    # the retrained heads record their own recipe: the head's, on the other classifier, with the budget
    head = recipe(out / "head_on_permuted" / "explainer.pt")
    n = len(shipped)
    assert head[:n] == shipped and head[n] == "classifier=checkpoint" and head[-len(BUDGET) :] == BUDGET
    assert recipe(out / "permuted_classifier" / "classifier.pt")[0] == "experiment=demo_classifier"


def test_lmac_sanity_refuses_a_file_that_is_not_an_explainer(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    result = run_cli("sanity", str(bad), "--out", str(tmp_path / "out"), "--no-retrain")
    assert result.returncode == 2 and "lmac sanity: error:" in result.stderr
    assert not (tmp_path / "out").exists()


def _flat_head(tmp_path):
    """The shipped demo_lmac with its output layer zeroed (mask 0.5 everywhere, whatever the class): it keeps
    the input's balance on every mixture, so "both classes kept" fails by construction."""
    import torch

    from lmac.resources import resolve_checkpoint

    checkpoint = torch.load(resolve_checkpoint("demo_lmac"), weights_only=True)
    for name in ("conv_out.weight", "conv_out.bias"):
        checkpoint["head"]["state_dict"][name].zero_()
    path = tmp_path / "flat.pt"
    torch.save(checkpoint, path)
    return path


def _plain_and_strict(checkpoint: str, out) -> tuple:
    """``lmac sanity CHECKPOINT`` on 4 clips / 4 mixtures without and with ``--strict``, and the checks that failed."""
    args = ("sanity", checkpoint, "--out", str(out), "--clips", "4", "--mixtures", "4", "--no-retrain")
    plain, strict = run_cli(*args), run_cli(*args, "--strict")
    assert plain.returncode == 0, plain.stderr[-3000:]
    failed = [c["name"] for c in json.loads((out / "sanity.json").read_text())["checks"] if c["passed"] is False]
    return strict, failed


def test_lmac_sanity_strict_exits_1_exactly_when_a_check_fails(tmp_path):
    strict, failed = _plain_and_strict("demo_lmac", tmp_path / "shipped")
    assert strict.returncode == (1 if failed else 0), strict.stderr[-3000:]
    strict, failed = _plain_and_strict(str(_flat_head(tmp_path)), tmp_path / "flat")
    assert "both classes kept" in failed
    assert strict.returncode == 1 and all(name in strict.stderr for name in failed)
