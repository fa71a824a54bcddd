"""A multi-label (sigmoid) model end to end: the shipped multi-label classifier and its L-MAC head
(lmac/checkpoints/README.md: `experiment=multilabel_classifier`, `experiment=multilabel_lmac`) explain
every lead that plays in fresh clips of the built-in multi-label task (a seed no other test uses)."""

import json

import torch

from lmac.data import SyntheticMixtures
from lmac.explainers import LMAC, explain_clip
from lmac.metrics import fidelity_in, stem_energy_share
from lmac.tasks.explain import explain_waveform, run_demo

SEED = 20261201  # used only here


def present_label_shares(explainer, n_clips: int) -> dict[str, torch.Tensor]:
    """For every (clip, lead that plays) pair: the lead's stem energy share in the explanation asked for
    that lead, in the input, and in the explanation asked for another lead of the same clip (NaN for
    clips with one lead); and the explanation's Fid-In."""
    data = SyntheticMixtures("instruments_multi", "demo", n_clips, seed=SEED)
    names = explainer.classifier.class_names
    rows = {"explained": [], "input": [], "other_target": [], "fid_in": []}
    for i in range(n_clips):
        item = data[i]
        present = [n for n, on in zip(names, item["label"].tolist()) if on]
        k = len(present)
        wav = item["wav"][None].repeat(k, 1)
        stems = {name: s[None].repeat(k, 1) for name, s in item["stems"].items()}
        with torch.no_grad():
            exp = explainer.explain(wav, target=present)
            logits_in = explainer.classifier(exp.explanation_wav)
        explained, inputs = stem_energy_share(exp.explanation_wav, stems), stem_energy_share(wav, stems)
        for j, name in enumerate(present):
            rows["explained"].append(explained[name][j])
            rows["input"].append(inputs[name][j])
            rows["other_target"].append(explained[name][(j + 1) % k] if k > 1 else torch.tensor(float("nan")))
        rows["fid_in"] += fidelity_in(logits_in, exp.target, output="sigmoid").tolist()
    return {key: torch.stack(v) if key != "fid_in" else torch.tensor(v) for key, v in rows.items()}


def test_each_present_label_keeps_its_own_stem_better_than_the_input():
    explainer = LMAC.from_pretrained("multilabel_lmac")
    assert explainer.classifier.output == "sigmoid"
    rows = present_label_shares(explainer, 16)
    assert len(rows["explained"]) >= 30  # several leads per clip
    gain = rows["explained"] - rows["input"]
    assert gain.mean() > 0.1, (rows["explained"].mean(), rows["input"].mean())
    assert (gain > 0).float().mean() >= 0.8
    assert rows["fid_in"].mean() >= 0.8  # the lead is still detected (p_in >= 0.5) on the explanation alone


def test_reported_probabilities_are_the_targets_own_sigmoid(tmp_path):
    explainer = LMAC.from_pretrained("multilabel_lmac")
    clf = explainer.classifier
    item = SyntheticMixtures("instruments_multi", "demo", 1, seed=SEED + 1)[0]
    result = explain_waveform(explainer, item["wav"], "flute", "clip.wav")
    exp = explain_clip(explainer, item["wav"], "flute")
    with torch.no_grad():
        logits = clf(item["wav"][None])
        p_in = torch.sigmoid(clf(exp.explanation_wav))[0, 3].item()
    assert result.info["output"] == "sigmoid"
    assert abs(result.info["prob_original"] - torch.sigmoid(logits)[0, 3].item()) < 1e-5
    assert abs(result.info["prob_explanation"] - p_in) < 1e-5
    run_demo(explainer, tmp_path, n=2, seed=SEED)  # a sigmoid classifier gets multi-label demo clips
    true = json.loads((tmp_path / "demo_0.json").read_text())["true_label"].split("+")
    assert set(true) <= set(clf.class_names)
