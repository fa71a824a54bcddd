"""Does an explainer explain the class it is asked for? Two-class mixtures with known sources.

    python recipes/demo/class_sensitivity.py demo_lmac demo_lmactd --n 48 --gains 0,-3,-6

``2 n`` built-in ``instruments`` test clips; the first ``n`` are each mixed with a clip of another class by
:class:`lmac.data.TwoSources` (the mixtures of ``lmac benchmark`` with ``+setting@settings.two_sources=two_sources``),
two ways:

* ``leads 0 dB``: the two clips' lead stems (the instruments that make the labels) at equal energy;
* ``clips G dB``: the two whole clips (lead + accompaniment), energy-normalised, the second at G dB.

Each mixture is explained once for each of its two classes (:func:`lmac.sanity.explain_two_sources`, as
``lmac sanity`` does). Per method and mixture set:
  both kept     share of mixtures where *both* explanations take more than half of their energy from
                their own class's source
  share A / B   mean share of each explanation's energy that comes from the asked-for source
  A-vs-B corr   mean correlation of the two saliency maps (1 = the class asked for changes nothing)
The ``input`` row is the mixture itself and ``control`` the classifier-free mask ``sigmoid(2 z)``
(:class:`lmac.explainers.SpectrumControl`): what methods that ignore the class score.
"""

from __future__ import annotations

import argparse

import torch

from lmac.data import SyntheticMixtures, TwoSources
from lmac.explainers import LMAC, InputReference, SpectrumControl
from lmac.explainers.base import Explainer
from lmac.sanity import explain_two_sources
from lmac.tasks.sanity import stack_items


def mixture_set(clips, n: int, leads: bool, gain_db: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The first ``n`` mixtures of :class:`~lmac.data.TwoSources` over ``clips``: ``mix (n, T)``,
    ``sources (n, 2, T)`` and ``classes (n, 2)``."""
    return stack_items(TwoSources(clips, gain_db=gain_db, leads=leads), n, "wav", "sources", "classes")


def score(explainer: Explainer, mix: torch.Tensor, sources: torch.Tensor, classes: torch.Tensor) -> dict[str, float]:
    """Both-kept rate, mean asked-source shares (A: the first class, B: the second) and A-vs-B map correlation."""
    s = explain_two_sources(explainer, mix, sources, classes)
    keys = {"both": "both_kept", "a": "share_first", "b": "share_second", "corr": "ab_corr"}
    return {short: s[key].mean().item() for short, key in keys.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoints", nargs="+", help="shipped names (demo_lmac) or exported files")
    parser.add_argument("--n", type=int, default=48, help="mixtures per set")
    parser.add_argument("--gains", default="0,-3,-6", help="gains (dB) of the second whole clip")
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()
    torch.manual_seed(0)
    explainers = {name: LMAC.from_pretrained(name) for name in args.checkpoints}
    classifier = next(iter(explainers.values())).classifier
    grid = next(iter(explainers.values())).grid
    references = {"input": InputReference(classifier, stft=grid), "control": SpectrumControl(classifier, stft=grid)}
    clips = SyntheticMixtures("instruments", "test", 2 * args.n, seed=args.seed)
    sets = {"leads 0 dB": (True, 0.0)} | {f"clips {float(g):+.0f} dB": (False, float(g)) for g in args.gains.split(",")}
    print("| mixtures | method | both kept | share A | share B | A-vs-B corr |")
    print("|---|---|---|---|---|---|")
    for set_name, (leads, gain) in sets.items():
        mix, sources, classes = mixture_set(clips, args.n, leads, gain)
        for name, explainer in {**references, **explainers}.items():
            s = score(explainer, mix, sources, classes)
            print(f"| {set_name} | {name} | {s['both']:.2f} | {s['a']:.2f} | {s['b']:.2f} | {s['corr']:.2f} |")


if __name__ == "__main__":
    main()
