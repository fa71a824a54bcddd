"""Acceptance of the shipped LMAC-TD checkpoint on 100 freshly generated instruments clips."""


import torch

from lmac.data import SyntheticMixtures
from lmac.explainers import LMAC
from lmac.metrics import faithfulness, fidelity_in
from lmac.resources import shipped_checkpoint

CHECKPOINT = shipped_checkpoint("demo_lmactd")
SEED = 3003  # no training run or other test uses it


@torch.no_grad()
def test_shipped_lmactd_is_faithful_on_fresh_clips():
    explainer = LMAC.from_pretrained(CHECKPOINT)
    assert explainer.name == "lmac-td"
    data = SyntheticMixtures("instruments", "demo", 100, seed=SEED)
    wav = torch.stack([data[i]["wav"] for i in range(len(data))])
    fid, ff = [], []
    for chunk in wav.split(25):
        exp = explainer.explain(chunk)  # target = the classifier's prediction
        clf = explainer.classifier
        fid.append(fidelity_in(clf(exp.explanation_wav), exp.target, output=clf.output))
        ff.append(faithfulness(clf(chunk), clf(exp.residual_wav), exp.target, output=clf.output))
    n_kept = int(torch.cat(fid).sum())  # counted, not a float32 mean: 90 of 100 is Fid-In 0.9
    assert n_kept >= 90, n_kept
    assert float(torch.cat(ff).mean()) >= 0.5
