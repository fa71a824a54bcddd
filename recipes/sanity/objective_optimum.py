"""Is a class-sensitivity shortfall the head's or the objective's? Optimise the head's own training objective per
mixture over a free mask and score what that optimum keeps.

    python recipes/sanity/objective_optimum.py demo_lmac --n 32 --steps 200

The mixtures of `lmac sanity`'s "both classes kept" check (:class:`lmac.data.TwoSources` at 0 dB over the test
split of the explainer's own training recipe, the first ``--n``), each explained once for each of its two
classes, as the head is trained on mixtures. The masks are free band logits on the head's own grid (its mel
bands, every STFT frame, its bounded sigmoid): every mask the head can draw is one of them. Each mask is
optimised with Adam on the loss the head was trained with (its recipe's ``loss``, with the overlap term
pairing the two explanations of each mixture), once starting from the head's own masks and once from a flat
mask (0.5 everywhere; its row before any step is printed too). A head only approximates the per-mixture optimum
of its objective; if a lower objective keeps both classes no more often than the head does, a better head or
longer training should not be expected to reach a higher figure with that objective: the objective has to
change. The ``objective`` column is that loss on these mixtures; an optimum above the head's means too few steps
(the script says so). Overrides of the recipe may follow.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from hydra.utils import instantiate

from lmac.data import TwoSources
from lmac.explainers import LMAC
from lmac.heads.spectrogram import SpectrogramMaskHead, bounded_sigmoid
from lmac.losses import kept_energy
from lmac.metrics.sensitivity import asked_source_share, both_kept
from lmac.resources import resolve_checkpoint
from lmac.tasks.config import compose_train
from lmac.tasks.sanity import recipe, recipe_test_clips, stack_items

COLUMNS = ("objective", "loss_in", "loss_out", "energy", "p_asked", "asked_share", "both_kept")


def check_head(explainer: LMAC) -> SpectrogramMaskHead:
    """The explainer's head, if its masks are band logits through ``bounded_sigmoid`` (else ``ValueError``)."""
    head = explainer.head
    if not isinstance(head, SpectrogramMaskHead) or type(head).decode_mask is not SpectrogramMaskHead.decode_mask:
        raise ValueError(
            f"{type(head).__name__} does not draw its masks as SpectrogramMaskHead does (band logits through a "
            "bounded sigmoid); this script optimises masks of that form only"
        )
    return head


@torch.no_grad()
def head_band_logits(explainer: LMAC, wav: torch.Tensor, asked: torch.Tensor) -> torch.Tensor:
    """The head's band logits for ``wav (B, T)`` explained for ``asked (B,)``: ``(B, n_bands, frames)``."""
    head = check_head(explainer)
    wav, asked, features = explainer.prepare_with_features(wav, asked)
    return head.mask_logits(head.decode_hidden(features, asked), head.stft(wav)[0])


def optimise(
    explainer: LMAC,
    loss: torch.nn.Module,
    mix: torch.Tensor,
    sources: torch.Tensor,
    classes: torch.Tensor,
    logits: torch.Tensor,
    steps: int,
    lr: float = 0.05,
) -> dict[str, float]:
    """Minimise ``loss`` over the band ``logits (2M, n_bands, frames)`` of the masks explaining ``mix (M, T)`` for
    its first classes (rows ``:M``), then its second (``M:``), ``steps`` Adam steps; ``sources (M, 2, T)`` and
    ``classes (M, 2)`` as :class:`~lmac.data.TwoSources` gives them. -> the :data:`COLUMNS` after the last step."""
    head, clf = check_head(explainer), explainer.classifier
    m = mix.shape[0]
    wav, asked = torch.cat([mix, mix]), torch.cat([classes[:, 0], classes[:, 1]])
    spec = head.stft.complex(wav)
    mag, length = spec.abs(), wav.shape[-1]
    pairs = (torch.arange(m), torch.arange(m, 2 * m))
    logits = logits.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([logits], lr=lr)
    for step in range(steps + 1):
        mask = head.band_map(bounded_sigmoid(logits, head.logit_bound))
        explanation, residual = head.stft.split_complex(mask, spec, length, wav)
        logits_in, logits_out = clf(torch.cat([explanation, residual])).chunk(2)
        terms = loss(
            logits_in,
            logits_out,
            asked,
            mask,
            wav=wav,
            rebuilt_wav=explanation + residual,
            saliency=mask,
            mag=mag,
            explanation_wav=explanation,
            pairs=pairs,
        )
        if step == steps:
            break
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
    with torch.no_grad():
        first, second = explanation[:m], explanation[m:]
        share = torch.cat([asked_source_share(first, sources), asked_source_share(second, sources.flip(1))])
        p_asked = clf.probabilities(logits_in).gather(1, asked[:, None])[:, 0]
        return {
            "objective": float(terms["loss"]),
            "loss_in": float(terms["loss_in"]),
            "loss_out": float(terms["loss_out"]),
            "energy": float(kept_energy(explanation, wav).mean()),
            "p_asked": float(p_asked.mean()),
            "asked_share": float(share.mean()),
            "both_kept": float(both_kept(share, torch.cat(pairs) % m).mean()),
        }


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a shipped name (demo_lmac) or an exported explainer")
    parser.add_argument("--n", type=int, default=32, help="mixtures (at most the test split's clips)")
    parser.add_argument("--steps", type=int, default=200, help="Adam steps per start")
    parser.add_argument("--lr", type=float, default=0.05, help="Adam's learning rate on the band logits")
    parser.add_argument("overrides", nargs="*", help="overrides of the explainer's training recipe")
    args = parser.parse_intermixed_args(argv)  # overrides may follow the options
    torch.manual_seed(0)
    path = resolve_checkpoint(args.checkpoint)
    explainer = LMAC.from_pretrained(path)
    try:
        check_head(explainer)
    except ValueError as error:
        parser.error(str(error))  # one line and exit status 2, before any data is built
    overrides = [*recipe(path), *args.overrides]
    with tempfile.TemporaryDirectory() as run_dir:
        clips = recipe_test_clips(overrides, explainer.classifier, Path(run_dir))
        loss = instantiate(compose_train(overrides, run_dir).loss, output=explainer.classifier.output)
    mixtures = TwoSources(clips)
    n = min(args.n, len(mixtures))
    mix, sources, classes = stack_items(mixtures, n, "wav", "sources", "classes")
    start = head_band_logits(explainer, torch.cat([mix, mix]), torch.cat([classes[:, 0], classes[:, 1]]))
    flat = torch.zeros_like(start)  # a 0.5 mask
    rows = {
        "the head": optimise(explainer, loss, mix, sources, classes, start, 0),
        "a flat mask": optimise(explainer, loss, mix, sources, classes, flat, 0),
        f"optimum from the head ({args.steps} steps)": optimise(
            explainer, loss, mix, sources, classes, start, args.steps, args.lr
        ),
        f"optimum from a flat mask ({args.steps} steps)": optimise(
            explainer, loss, mix, sources, classes, flat, args.steps, args.lr
        ),
    }
    print(f"{n} mixtures, each explained for both of its classes; the head's training objective on them\n")
    print("| masks | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in COLUMNS) + " |")
    head_objective = rows["the head"]["objective"]
    for name, row in rows.items():
        if name.startswith("optimum") and row["objective"] >= head_objective:
            print(f"\n{name}: the objective is not below the head's; more --steps (or another --lr) are needed")
    return rows


if __name__ == "__main__":
    main()
