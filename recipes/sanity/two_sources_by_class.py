"""Where does an explainer miss a class on two-class mixtures, and does the classifier know that class?

    python recipes/sanity/two_sources_by_class.py demo_lmac --n 96
    python recipes/sanity/two_sources_by_class.py runs/real_lmac/explainer.pt --n 63

The mixtures of `lmac sanity`'s "both classes kept" check (:class:`lmac.data.TwoSources` at 0 dB over the
test split of the explainer's own training recipe, the first ``--n``), each explained once for each of its
two classes. Per asked-for class: how many explanations take more than half of their energy from that
class's source (``kept``), the classifier's probability of the class on the explanation (``p(class |
explanation)``, over the missed ones too: a miss the classifier still calls the class means that the
energy the explanation keeps from the other source does not change the decision), and how often the
classifier names that class's sources alone (``classifier, source alone``). Then both kept per
(unordered) pair of classes. Overrides of the recipe may follow (e.g. ``data.root=DIR`` when the data moved).
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

import torch

from lmac.benchmark.scoring import score_two_sources
from lmac.data import TwoSources
from lmac.explainers import LMAC
from lmac.resources import resolve_checkpoint
from lmac.sanity import explain_both
from lmac.tasks.sanity import recipe, recipe_test_clips, stack_items


@torch.no_grad()
def by_class(explainer: LMAC, mix: torch.Tensor, sources: torch.Tensor, classes: torch.Tensor) -> dict:
    """``mix (M, T)``, ``sources (M, 2, T)``, ``classes (M, 2)`` -> ``{"classes": {c: row}, "pairs": {(a, b):
    (both kept, mixtures)}, "both_kept": float}``; each class row holds ``n`` (explanations asking for it),
    ``kept`` (of them, asked-source share > 0.5), ``p_expl`` (mean p(class | explanation)), ``p_expl_missed``
    (the same over the missed ones; NaN if none) and ``alone`` (share of its sources the classifier names)."""
    exp, asked = explain_both(explainer, mix, classes)  # asked: (2M,)
    scores = score_two_sources(exp, sources)
    clf = explainer.classifier
    p_expl = clf.probabilities(clf(exp.explanation_wav)).gather(1, asked[:, None])[:, 0]
    alone = clf(sources.flatten(0, 1)).argmax(-1).view_as(classes) == classes  # (M, 2)
    kept = torch.cat([scores["share_first"], scores["share_second"]]) > 0.5
    alone = torch.cat([alone[:, 0], alone[:, 1]])
    rows = {}
    for c in asked.unique().tolist():
        m = asked == c
        missed = m & ~kept
        rows[c] = {
            "n": int(m.sum()),
            "kept": int((m & kept).sum()),
            "p_expl": float(p_expl[m].mean()),
            "p_expl_missed": float(p_expl[missed].mean()) if missed.any() else float("nan"),
            "alone": float(alone[m].float().mean()),
        }
    pairs = defaultdict(lambda: [0, 0])
    for (a, b), both in zip(classes.tolist(), scores["both_kept"].tolist()):
        key = (min(a, b), max(a, b))
        pairs[key][0] += int(both)
        pairs[key][1] += 1
    return {"classes": rows, "pairs": dict(pairs), "both_kept": float(scores["both_kept"].mean())}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a shipped name (demo_lmac) or an exported explainer")
    parser.add_argument("--n", type=int, default=96, help="mixtures (at most the test split's clips)")
    parser.add_argument("overrides", nargs="*", help="overrides of the explainer's training recipe")
    args = parser.parse_intermixed_args(argv)  # overrides may follow the options
    torch.manual_seed(0)
    path = resolve_checkpoint(args.checkpoint)
    explainer = LMAC.from_pretrained(path)
    with tempfile.TemporaryDirectory() as run_dir:
        clips = recipe_test_clips([*recipe(path), *args.overrides], explainer.classifier, Path(run_dir))
    mixtures = TwoSources(clips)
    n = min(args.n, len(mixtures))
    mix, sources, classes = stack_items(mixtures, n, "wav", "sources", "classes")
    result = by_class(explainer, mix, sources, classes)
    names = clips.class_names
    print(f"{n} mixtures, both classes kept on {result['both_kept']:.3f}\n")
    print("| asked class | kept | p(class given explanation) | the same, missed ones | classifier, source alone |")
    print("|---|---|---|---|---|")
    for c, r in sorted(result["classes"].items(), key=lambda kv: kv[1]["kept"] / kv[1]["n"]):
        missed = "-" if r["kept"] == r["n"] else f"{r['p_expl_missed']:.2f}"
        print(f"| {names[c]} | {r['kept']} / {r['n']} | {r['p_expl']:.2f} | {missed} | {r['alone']:.2f} |")
    print("\n| pair | both kept |\n|---|---|")
    for (a, b), (k, m) in sorted(result["pairs"].items(), key=lambda kv: kv[1][0] / kv[1][1]):
        print(f"| {names[a]} + {names[b]} | {k} / {m} |")
    return result


if __name__ == "__main__":
    main()
