"""What guided fine-tuning (L-MAC FT) changes: heads side by side on fresh single clips of the built-in data.

    python recipes/demo/guidance_agreement.py demo_lmac demo_lmac_ft --n 96

Each of ``--n`` fresh ``instruments`` test clips is explained for the classifier's prediction:
  Fid-In, FF       faithfulness on the explanation and residual audio
  unsaturated      share of mask bins strictly between 0.05 and 0.95
  target corr      correlation of the masks asked for the predicted class and for the next class
  lead share       share of the explanation's energy that comes from the explained class's stem
                   (the ``input`` row: the stem's share of the clip itself)
  oracle BCE       binary cross-entropy between the mask and that stem's oracle mask (what guidance lowers)
  oracle contrast  mean mask on the oracle's bins minus the mean mask off them, per clip
  gated            share of clips whose masked-in input matches the stem (cosine >= 0.6): where guidance acts
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import torch

from lmac.data import SyntheticMixtures
from lmac.explainers import LMAC
from lmac.losses import guidance_bce, masked_in_similarity
from lmac.metrics import faithfulness, fidelity_in
from lmac.metrics.sensitivity import asked_source_share, map_correlation, oracle_contrast, unsaturated_share
from lmac.spectral import STFT
from lmac.training.mixtures import class_stems


@torch.no_grad()
def score(explainer: LMAC, wav: torch.Tensor, stems: dict[str, torch.Tensor]) -> dict[str, float]:
    """The figures of the module docstring for clips ``wav (N, T)`` with their ``stems`` (name -> ``(N, T)``)."""
    clf = explainer.classifier
    exp = explainer.explain(wav)
    other = explainer.explain(wav, target=(exp.target + 1) % clf.n_classes)
    stem = class_stems(stems, exp.target, clf.class_names)
    stft = STFT(exp.grid)
    mag, clean_mag = stft(torch.cat([wav, stem]))[0].chunk(2)
    logits = clf(wav)
    return {
        "fid_in": fidelity_in(clf(exp.explanation_wav), exp.target, output=clf.output).mean().item(),
        "ff": faithfulness(logits, clf(exp.residual_wav), exp.target, output=clf.output).mean().item(),
        "unsaturated": unsaturated_share(exp.saliency).mean().item(),
        "target_corr": map_correlation(exp.saliency, other.saliency).mean().item(),
        "lead_share": asked_source_share(exp.explanation_wav, torch.stack([stem, wav - stem], 1)).mean().item(),
        "oracle_bce": guidance_bce(exp.saliency, clean_mag).mean().item(),
        "contrast": oracle_contrast(exp.saliency, clean_mag).mean().item(),
        "gated": (masked_in_similarity(exp.saliency, mag, clean_mag) >= 0.6).float().mean().item(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", help="shipped names (demo_lmac) or exported files")
    parser.add_argument("--n", type=int, default=96, help="clips")
    parser.add_argument("--seed", type=int, default=99, help="data seed (the class_sensitivity.py clips)")
    args = parser.parse_args()
    explainers = {name: LMAC.from_pretrained(name) for name in args.checkpoints}
    classifier = next(iter(explainers.values())).classifier
    data = SyntheticMixtures("instruments", "test", args.n, seed=args.seed)
    items = [data[i] for i in range(args.n)]
    wav = torch.stack([it["wav"] for it in items])
    stems = {k: torch.stack([it["stems"][k] for it in items]) for k in items[0]["stems"]}
    target = classifier(wav).argmax(-1)
    stem = class_stems(stems, target, classifier.class_names)
    input_share = asked_source_share(wav, torch.stack([stem, wav - stem], 1)).mean().item()
    print("| method | Fid-In | FF | unsaturated | target corr | lead share | oracle BCE | oracle contrast | gated |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| input | | | | | {input_share:.3f} | | | |")
    for name, explainer in explainers.items():
        s = defaultdict(list)
        for chunk in range(0, args.n, 24):
            part = slice(chunk, chunk + 24)
            for key, value in score(explainer, wav[part], {k: v[part] for k, v in stems.items()}).items():
                s[key].append(value)
        m = {k: sum(v) / len(v) for k, v in s.items()}
        print(
            f"| {name} | {m['fid_in']:.3f} | {m['ff']:.3f} | {m['unsaturated']:.2f} | {m['target_corr']:.2f} "
            f"| {m['lead_share']:.3f} | {m['oracle_bce']:.3f} | {m['contrast']:.3f} | {m['gated']:.2f} |"
        )


if __name__ == "__main__":
    main()
