"""The sanity suite's retraining replays a head's whole recipe, stage by stage."""

import lmac.tasks.sanity as sanity_task
from lmac.tasks.sanity import retrain_head

BUDGET = ["trainer.max_epochs=1"]


def _record_retrains(monkeypatch) -> list:
    calls = []

    def fake_retrain(overrides, run_dir, permute_labels=False, seed=0):
        calls.append((list(overrides), run_dir))
        return run_dir / "explainer.pt"

    monkeypatch.setattr(sanity_task, "retrain", fake_retrain)
    return calls


def test_a_fine_tuning_recipe_retrains_its_first_stage_on_the_same_classifier_first(tmp_path, monkeypatch):
    calls = _record_retrains(monkeypatch)
    classifier = tmp_path / "randomized.pt"
    out = retrain_head(["experiment=demo_lmac_ft"], classifier, BUDGET, tmp_path / "run")
    (first, first_dir), (second, second_dir) = calls
    # stage 1: the shipped demo_lmac's own recorded recipe, on the given classifier, with the budget
    assert first_dir == tmp_path / "run" / "stage1" and first[0] == "experiment=demo_lmac"
    assert f"classifier.path={classifier}" in first and first[-1] == BUDGET[0]
    # stage 2: the fine-tuning recipe, started from the retrained stage 1 (not from the shipped head)
    assert second_dir == out.parent == tmp_path / "run" and second[0] == "experiment=demo_lmac_ft"
    assert f"classifier.path={classifier}" in second
    assert second[-1] == f"module.init_from={first_dir / 'explainer.pt'}"


def test_a_one_stage_recipe_is_retrained_once(tmp_path, monkeypatch):
    calls = _record_retrains(monkeypatch)
    retrain_head(["experiment=demo_lmac"], tmp_path / "randomized.pt", BUDGET, tmp_path / "run")
    assert [overrides[0] for overrides, _ in calls] == ["experiment=demo_lmac"]
