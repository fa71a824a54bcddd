"""Does an explainer explain the class it is asked for? Two-class mixtures with known sources.

    python recipes/demo/class_sensitivity.py demo_lmac demo_lmactd --n 48 --gains 0,-3,-6

Built-in ``instruments`` test clips are paired with a clip of another class and mixed two ways:

* ``leads 0 dB``: the two clips' lead stems (the instruments that make the labels) at equal energy;
* ``clips G dB``: the two whole clips (lead + accompaniment), energy-normalised, the second at G dB.

Each mixture is explained once for each of its two classes. Per method and mixture set:
  both kept     share of mixtures where *both* explanations take more than half of their energy from
                their own class's source (`lmac.metrics.both_kept`)
  share A / B   mean share of each explanation's energy that comes from the asked-for source
  A-vs-B corr   mean correlation of the two saliency maps (1 = the class asked for changes nothing)
The ``input`` row is the mixture itself (what a method that ignores the class would score).
"""

from __future__ import annotations

import argparse

import torch

from lmac.data import SyntheticMixtures
from lmac.explainers import LMAC
from lmac.metrics.sensitivity import asked_source_share, both_kept, map_correlation


def pairs_of_classes(items: list[dict], n: int) -> list[tuple[int, int]]:
    """Pair item ``i < n`` with the next item ``j >= n`` of another class (deterministic)."""
    pairs = []
    for i in range(n):
        candidates = (n + (i + k) % n for k in range(n))  # the second half, starting at n + i
        pairs.append((i, next(j for j in candidates if items[j]["label"] != items[i]["label"])))
    return pairs


def mixture_set(
    items: list[dict], pairs: list[tuple[int, int]], class_names: list[str], gain_db: float | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``gain_db=None``: lead stems at equal energy; else whole clips, the second at ``gain_db``.

    Returns ``mix (M, T)`` (peak 0.9) and ``sources (M, 2, T)`` (the first clip's part, the second's).
    """

    def part(k: int) -> torch.Tensor:
        if gain_db is None:
            return items[k]["stems"][class_names[items[k]["label"]]]
        return items[k]["wav"]

    a = torch.stack([part(i) for i, _ in pairs])
    b = torch.stack([part(j) for _, j in pairs])
    a = a / a.norm(dim=1, keepdim=True)
    b = b / b.norm(dim=1, keepdim=True) * 10 ** ((gain_db or 0.0) / 20)
    scale = 0.9 / (a + b).abs().amax(1, keepdim=True)
    return (a + b) * scale, torch.stack([a * scale, b * scale], dim=1)


@torch.no_grad()
def score(
    explainer: LMAC | None, mix: torch.Tensor, sources: torch.Tensor, ta: torch.Tensor, tb: torch.Tensor
) -> dict[str, float]:
    """Both-kept rate, mean asked-source shares and A-vs-B map correlation (``explainer=None``: input)."""
    if explainer is None:
        ea = eb = mix
        corr = torch.ones(mix.shape[0])
    else:
        exp_a, exp_b = explainer.explain(mix, target=ta), explainer.explain(mix, target=tb)
        ea, eb = exp_a.explanation_wav, exp_b.explanation_wav
        corr = map_correlation(exp_a.saliency, exp_b.saliency)
    share_a = asked_source_share(ea, sources)
    share_b = asked_source_share(eb, sources.flip(1))
    index = torch.arange(mix.shape[0])
    kept = both_kept(torch.cat([share_a, share_b]), torch.cat([index, index]))
    return {
        "both": kept.mean().item(),
        "a": share_a.mean().item(),
        "b": share_b.mean().item(),
        "corr": corr.mean().item(),
    }


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
    data = SyntheticMixtures("instruments", "test", 2 * args.n, seed=args.seed)
    items = [data[i] for i in range(2 * args.n)]
    pairs = pairs_of_classes(items, args.n)
    ta = torch.tensor([items[i]["label"] for i, _ in pairs])
    tb = torch.tensor([items[j]["label"] for _, j in pairs])
    sets = {"leads 0 dB": None} | {f"clips {float(g):+.0f} dB": float(g) for g in args.gains.split(",")}
    print("| mixtures | method | both kept | share A | share B | A-vs-B corr |")
    print("|---|---|---|---|---|---|")
    for set_name, gain in sets.items():
        mix, sources = mixture_set(items, pairs, classifier.class_names, gain)
        for name, explainer in {"input": None, **explainers}.items():
            s = score(explainer, mix, sources, ta, tb)
            print(f"| {set_name} | {name} | {s['both']:.2f} | {s['a']:.2f} | {s['b']:.2f} | {s['corr']:.2f} |")


if __name__ == "__main__":
    main()
