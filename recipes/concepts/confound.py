"""Where does a concept model's error come from? The SMC'21 debugging story in miniature.

    lmac train experiment=demo_concepts data.confound=1.0 data.test_confound=0.0 hydra.run.dir=runs/concepts_confound
    python recipes/concepts/confound.py --checkpoint runs/concepts_confound/concepts.pt --clean demo_concepts --n 64

A concept model trained where the drums' level follows the brightness concept (``confound=1``: loud
drums, bright bass) is compared with a clean one, each on test clips with that tie and without it.
Per model and test set, for brightness (the concept with the largest arousal weight): R^2 and mean
squared error, the arousal error, level 2 (brightness' share of the arousal effects), level 1 (share
of clips whose top source for brightness, LIME over the oracle stems, is the drums / the bass), how
much the predicted brightness moves when the drums / the bass are taken out (mean absolute change),
and its correlation with the drums' level (dB relative to the mix). ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import json

import torch

from lmac.benchmark.concepts import validate_two_level
from lmac.classifiers import load_classifier
from lmac.data.concepts import ConceptMusic

CONCEPT, OWN, CONFOUND = "brightness", "bass", "drums"


@torch.no_grad()
def drums_and_bass(classifier, data: ConceptMusic) -> dict:
    """On the clips of ``data``: the brightness error, how much the predicted brightness moves when the
    drums / the bass are taken out of the mix (mean absolute change), its correlation with the drums'
    level (dB relative to the mix), and brightness' share of the arousal effects (level 2)."""
    k, items = classifier.concept_index(CONCEPT), [data[i] for i in range(len(data))]
    wav = torch.stack([it["wav"] for it in items])
    stems = {s: torch.stack([it["stems"][s] for it in items]) for s in (CONFOUND, OWN)}
    concepts = classifier.concepts(wav)
    bright = concepts[:, k]
    removed = {s: (bright - classifier.concepts(wav - stems[s])[:, k]).abs().mean() for s in stems}
    drums_db = 10 * torch.log10((stems[CONFOUND].pow(2).sum(-1) / wav.pow(2).sum(-1)).clamp_min(1e-10))
    effects = (concepts * classifier.concept_weights[classifier.class_index("arousal")]).abs()
    return {
        "brightness_mse": float((bright - torch.stack([it["concepts"][k] for it in items])).pow(2).mean()),
        "without_drums": float(removed[CONFOUND]),
        "without_bass": float(removed[OWN]),
        "drums_level_corr": float(torch.corrcoef(torch.stack([bright, drums_db]))[0, 1]),
        "brightness_effect_share": float((effects[:, k] / effects.sum(-1).clamp_min(1e-12)).mean()),
    }


def figures(classifier, confound: float, n: int) -> dict:
    """Both levels and the drums' part in the brightness of ``classifier`` on ``n`` test clips with
    drums / brightness tie ``confound``."""
    data = ConceptMusic("test", n, confound=confound, clip_seconds=classifier.clip_seconds)
    result = validate_two_level(classifier, data, n)
    sources = result["level1_sources"]["lime"][CONCEPT]
    return {
        "brightness_r2": result["concept_r2"][CONCEPT],
        "arousal_mae": result["target_mae"]["arousal"],
        "brightness_top_drums": sources[CONFOUND],
        "brightness_top_bass": sources[OWN],
        **drums_and_bass(classifier, data),
    }


def format_figures(rows: dict[str, dict[str, dict]]) -> str:
    """``model -> test confound -> figures`` as a plain-text table."""
    columns = {
        "R^2": ("brightness_r2", ".3f"),
        "MSE": ("brightness_mse", ".3f"),
        "MAE arousal": ("arousal_mae", ".3f"),
        "share (L2)": ("brightness_effect_share", ".2f"),
        "top drums": ("brightness_top_drums", ".2f"),
        "top bass": ("brightness_top_bass", ".2f"),
        "-drums": ("without_drums", ".2f"),
        "-bass": ("without_bass", ".2f"),
        "corr drums dB": ("drums_level_corr", ".2f"),
    }
    width = {name: max(len(name), 5) + 2 for name in columns}
    lines = [f"{'model':<12}{'test tie':>9}" + "".join(f"{name:>{width[name]}}" for name in columns)]
    for model, by_confound in rows.items():
        for confound, f in by_confound.items():
            cells = "".join(f"{f[key]:>{width[name]}{fmt}}" for name, (key, fmt) in columns.items())
            lines.append(f"{model:<12}{confound:>9}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True, help="the concept model trained with confound=1")
    p.add_argument("--clean", default="demo_concepts", help="a concept model trained without the tie")
    p.add_argument("--n", type=int, default=64, help="test clips per test set")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    models = {"confounded": load_classifier(args.checkpoint), "clean": load_classifier(args.clean)}
    rows = {name: {str(c): figures(clf, c, args.n) for c in (1.0, 0.0)} for name, clf in models.items()}
    print(format_figures(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return rows


if __name__ == "__main__":
    main()
