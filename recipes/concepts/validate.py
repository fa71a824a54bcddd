"""Score a concept model's two-level explanations against the concept task's ground truth.

    python recipes/concepts/validate.py --checkpoint demo_concepts --head demo_concepts_lmac --n 100
    python recipes/concepts/validate.py --checkpoint demo_concepts --n 100 --confound 1.0

Prints concept R^2, the learned vs true concept weights, level 2 (Spearman correlation of the
explained and true effects, share of clips whose strongest concept is right) and level 1 (share
of clips where the concept's own source has the largest energy share in the explanation of the
concept, for LIME over the stems and, with ``--head``, an L-MAC head trained on the concepts);
``--json`` writes them.
"""

from __future__ import annotations

import argparse
import json

from lmac.benchmark.concepts import format_validation, validate_two_level
from lmac.classifiers import load_classifier
from lmac.data.concepts import ConceptMusic
from lmac.explainers.concepts import concept_head


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default="demo_concepts", help="a concept classifier (path or shipped name)")
    p.add_argument("--n", type=int, default=100, help="test clips")
    p.add_argument("--confound", type=float, default=0.0, help="drums level / brightness tie of the test clips")
    p.add_argument("--split", default="test", help="split of the concept task")
    p.add_argument("--head", default=None, help="an L-MAC head trained on the model's concepts (path or shipped name)")
    p.add_argument("--json", default=None, help="also write the figures to this file")
    args = p.parse_args(argv)
    classifier = load_classifier(args.checkpoint)
    data = ConceptMusic(
        args.split,
        args.n,
        confound=args.confound,
        sample_rate=classifier.sample_rate,
        clip_seconds=classifier.clip_seconds,
    )
    heads = [concept_head(args.head)] if args.head else []
    result = validate_two_level(classifier, data, args.n, level1=heads)
    print(
        f"{args.checkpoint} on {args.split} (confound {args.confound}): "
        + format_validation(result, classifier.concept_names, classifier.class_names)
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
