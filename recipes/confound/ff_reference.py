"""What Fid-In and FF explanations made of whole stems reach on the confound task's test_bad clips.

    python recipes/confound/ff_reference.py --n 40

FF is ``p(c | x) - p(c | residual)`` (target c: the classifier's prediction, as in
`lmac benchmark experiment=confound_benchmark`, whose first ``--n`` clips these are). For each named
explanation (a sum of oracle stems; the residual is the other stems) it prints Fid-In and FF over the
guitar clips (no drums in test_bad), the piano clips (which hold the drums) and all of them, plus the
best any set of stems reaches on each clip (all 2^4 subsets tried): the reference an explanation that
keeps or removes whole sources can be held to. Overrides of the benchmark configuration may follow,
e.g. ``classifier.path=PATH``.
"""

from __future__ import annotations

import argparse
import itertools

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from lmac.data import SyntheticMixtures, check_clip_format
from lmac.metrics.faithfulness import faithfulness, fidelity_in
from lmac.tasks.config import CONFIG_DIR

EXPLANATIONS = {  # name -> stems kept in the explanation ("lead": the clip's labelled instrument)
    "the lead": ("lead",),
    "the drums": ("drums",),
    "lead + drums": ("lead", "drums"),
    "everything (silent residual)": ("lead", "drums", "bass"),
}


@torch.no_grad()
def reference(classifier, data, n: int) -> dict[str, dict[str, tuple[float, float]]]:
    """``{explanation: {group: (Fid-In, FF)}}`` over the first ``n`` clips of ``data``; the groups are
    "guitar", "piano" and "all", and the explanation "best set of stems" takes each clip's best FF."""
    items = [data[i] for i in range(n)]
    wav = torch.stack([item["wav"] for item in items])  # (n, T)
    labels = torch.tensor([int(item["label"]) for item in items])
    names = data.class_names
    stems = {k: torch.stack([item["stems"][k] for item in items]) for k in data.stem_names}  # each (n, T)
    stems["lead"] = torch.stack([stems[names[int(y)]][i] for i, y in enumerate(labels)])
    for name in names:  # the other lead is silent in every clip: "lead" stands for whichever plays
        del stems[name]
    output = classifier.output
    logits = classifier(wav)
    target = logits.argmax(-1)

    def scores(kept: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        explanation = sum((stems[k] for k in kept), torch.zeros_like(wav))
        residual = wav - explanation
        fid = fidelity_in(classifier(explanation), target, output=output)
        return fid, faithfulness(logits, classifier(residual), target, output=output)

    subsets = [frozenset(kept) for r in range(len(stems) + 1) for kept in itertools.combinations(stems, r)]
    by_set = {kept: scores(tuple(kept)) for kept in subsets}  # every set of stems once
    per = {name: by_set[frozenset(kept)] for name, kept in EXPLANATIONS.items()}
    fid_all, ff_all = (torch.stack(s) for s in zip(*by_set.values()))  # each (subsets, n)
    best = ff_all.argmax(0, keepdim=True)
    per["best set of stems"] = (fid_all.gather(0, best)[0], ff_all.gather(0, best)[0])
    groups = {"guitar": labels == names.index("guitar"), "piano": labels == names.index("piano")}
    groups["all"] = torch.ones_like(labels, dtype=torch.bool)
    return {
        name: {g: (float(fid[m].mean()), float(ff[m].mean())) for g, m in groups.items()}
        for name, (fid, ff) in per.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="test_bad clips (the benchmark's first n)")
    parser.add_argument("overrides", nargs="*", help="overrides of experiment=confound_benchmark")
    args = parser.parse_args()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("benchmark", overrides=["experiment=confound_benchmark", *args.overrides])
    classifier = instantiate(cfg.classifier).eval()
    data = SyntheticMixtures("confound", "test_bad", n_items=args.n, seed=cfg.seed)
    check_clip_format(classifier, data)
    table = reference(classifier, data, args.n)
    print("| explanation | guitar clips Fid-In / FF | piano + drums clips Fid-In / FF | all Fid-In / FF |")
    print("|---|---|---|---|")
    for name, row in table.items():
        print(f"| {name} | " + " | ".join(f"{fid:.3f} / {ff:.3f}" for fid, ff in row.values()) + " |")


if __name__ == "__main__":
    main()
