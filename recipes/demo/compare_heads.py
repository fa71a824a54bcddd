"""Score exported explainers side by side on freshly generated clips of the built-in data.

    python recipes/demo/compare_heads.py demo_lmac demo_lmactd --n 100

For each checkpoint, with the target = the classifier's prediction:
  Fid-In      share of clips whose explanation alone keeps the predicted class
  FF          mean (p - p_residual) of the target class
  SNR dB      mean reconstruction SNR of explanation + residual against the input
  time ratio  median over clips of (one explain() call) / (one classifier forward), batch of one
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from lmac.data import SyntheticMixtures, check_clip_format
from lmac.explainers import LMAC
from lmac.metrics import faithfulness, fidelity_in


def snr_db(wav: torch.Tensor, rebuilt: torch.Tensor) -> torch.Tensor:
    """Per-clip ``10 log10(|x|^2 / |x - rebuilt|^2)``: ``(B, T), (B, T)`` -> ``(B,)``."""
    return 10 * torch.log10(wav.pow(2).sum(-1) / (wav - rebuilt).pow(2).sum(-1).clamp_min(1e-12))


@torch.no_grad()
def time_ratio(explainer: LMAC, wav: torch.Tensor, repeats: int = 3) -> float:
    """Median over clips of the explain / classifier-forward time ratio on the same clip (batch of one)."""
    ratios = []
    for clip in wav:
        clip = clip[None]
        explainer.explain(clip)  # warm-up
        t_clf, t_exp = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            explainer.classifier(clip)
            t1 = time.perf_counter()
            explainer.explain(clip)
            t2 = time.perf_counter()
            t_clf.append(t1 - t0)
            t_exp.append(t2 - t1)
        ratios.append(min(t_exp) / min(t_clf))
    return statistics.median(ratios)


@torch.no_grad()
def score(explainer: LMAC, wav: torch.Tensor, batch_size: int = 25) -> dict[str, float]:
    """Fid-In, FF and reconstruction SNR over ``wav (N, T)`` for the predicted class."""
    fid, ff, snr = [], [], []
    clf = explainer.classifier
    for chunk in wav.split(batch_size):
        exp = explainer.explain(chunk)
        logits = clf(chunk)
        fid.append(fidelity_in(clf(exp.explanation_wav), exp.target, output=clf.output))
        ff.append(faithfulness(logits, clf(exp.residual_wav), exp.target, output=clf.output))
        snr.append(snr_db(chunk, exp.explanation_wav + exp.residual_wav))
    return {
        "fid_in": float(torch.cat(fid).mean()),
        "ff": float(torch.cat(ff).mean()),
        "snr_db": float(torch.cat(snr).mean()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", help="exported explainers (.pt)")
    parser.add_argument("--task", default="instruments")
    parser.add_argument("--n", type=int, default=100, help="clips to generate")
    parser.add_argument("--seed", type=int, default=3003, help="data seed (no test or training run uses 3003)")
    parser.add_argument("--timing-clips", type=int, default=10, help="clips used for the time ratio")
    args = parser.parse_args(argv)
    print(f"{'checkpoint':<34} {'method':<8} {'Fid-In':>6} {'FF':>6} {'SNR dB':>7} {'time/clf':>8}")
    for path in args.checkpoints:
        explainer = LMAC.from_pretrained(path).eval()
        clf = explainer.classifier
        data = SyntheticMixtures(
            args.task, "demo", args.n, seed=args.seed, sample_rate=clf.sample_rate, clip_seconds=clf.clip_seconds
        )
        check_clip_format(clf, data)
        wav = torch.stack([data[i]["wav"] for i in range(len(data))])
        s = score(explainer, wav)
        ratio = time_ratio(explainer, wav[: args.timing_clips])
        print(
            f"{str(path):<34} {explainer.name:<8} {s['fid_in']:6.3f} {s['ff']:6.3f} {s['snr_db']:7.2f} {ratio:8.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
