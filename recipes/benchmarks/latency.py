"""What one explanation costs, as a ratio to one bare classifier forward pass on the same clip.

    python recipes/benchmarks/latency.py

Side by side in one run, batch of one, best of ``--repeats`` interleaved rounds (the classifier
forward, ``explain(wav)`` with ``target=None`` and ``explain(wav, target=t)`` timed in turn on the
same clip), on the CPU in one torch thread by default, timed by that thread's CPU time (so other
jobs on a shared machine do not inflate one measurement more than another; wall time with more
threads or on a GPU):

  demo      the shipped demo classifier + shipped L-MAC head (``demo_lmac``), 2 s clip
  cnn14     SpeechBrain CNN14 (random weights, 50 classes, 5 s at 16 kHz) + an L-MAC head with the
            ESC-50 experiment's settings (``SpectrogramMaskHead``, n_fft 1024, hop 256, random weights)
  lmac-td   the shipped demo classifier + shipped LMAC-TD small head (``demo_lmactd``)
  lime      SourceLIME over 8 time segments, 1000 samples, on the demo classifier, against the
            demo L-MAC explainer on the same clip (ratio of the two explain() times)

Columns: milliseconds of one classifier forward, of the head alone on precomputed features,
of ``explain`` with ``target=None`` and with the target given, and the two ratios to the forward.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch

from lmac.classifiers import load_cnn14
from lmac.data import SyntheticMixtures
from lmac.explainers import LMAC, SourceLIME, TimeSegments
from lmac.heads import SpectrogramMaskHead
from lmac.spectral import STFTConfig


def clock(device: torch.device) -> Callable[[], float]:
    """The timer: this thread's CPU time when torch computes on the CPU in this one thread (steady on
    a machine shared with other jobs), else wall time."""
    return time.thread_time if device.type == "cpu" and torch.get_num_threads() == 1 else time.perf_counter


def best_times(fns: dict[str, Callable[[], object]], repeats: int, device: torch.device) -> dict[str, float]:
    """Best time (seconds, see :func:`clock`) of each function over ``repeats`` interleaved rounds,
    after one warm-up."""
    now = clock(device)

    def timed(fn):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = now()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return now() - start

    for fn in fns.values():
        fn()
    best = {name: float("inf") for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            best[name] = min(best[name], timed(fn))
    return best


def clip_for(explainer: LMAC, device: torch.device) -> torch.Tensor:
    """One generated ``instruments`` clip of the classifier's window, ``(1, T)``."""
    clf = explainer.classifier
    data = SyntheticMixtures(
        "instruments", "demo", 1, seed=3003, sample_rate=clf.sample_rate, clip_seconds=clf.clip_seconds
    )
    return data[0]["wav"][None].to(device)


@torch.no_grad()
def head_row(name: str, explainer: LMAC, repeats: int, device: torch.device) -> dict:
    """Forward / head / explain(None) / explain(target) times for one explainer."""
    explainer = explainer.to(device).eval()
    clf, wav = explainer.classifier, clip_for(explainer, device)
    target = clf(wav).argmax(-1)
    features = clf.features(wav)
    t = best_times(
        {
            "forward": lambda: clf(wav),
            "head": lambda: explainer.head(wav, features, target),
            "explain_none": lambda: explainer.explain(wav),
            "explain_target": lambda: explainer.explain(wav, target=target),
        },
        repeats,
        device,
    )
    return {"setup": name, **t}


def cnn14_explainer(n_classes: int = 50) -> LMAC:
    """Random-weight CNN14 (SpeechBrain's ESC-50 settings, 5 s at 16 kHz) + an ESC-50-sized L-MAC head."""
    torch.manual_seed(0)
    clf = load_cnn14([f"class{i}" for i in range(n_classes)], clip_seconds=5.0).freeze()
    head = SpectrogramMaskHead(clf.feature_shapes(), clf.n_classes, stft=STFTConfig(1024, 256))
    return LMAC(clf, head)


def lime_row(demo: LMAC, repeats: int, device: torch.device) -> dict:
    """SourceLIME (8 time segments, 1000 samples) against L-MAC on the same clip."""
    demo = demo.to(device).eval()
    wav = clip_for(demo, device)
    lime = SourceLIME(demo.classifier, TimeSegments(8), n_samples=1000, progress=False)
    t = best_times(
        {"lime": lambda: lime.explain(wav), "lmac": lambda: demo.explain(wav), "forward": lambda: demo.classifier(wav)},
        repeats,
        device,
    )
    return {"setup": "lime (8 segments, 1000 samples)", **t}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20, help="timed rounds; the best is kept")
    parser.add_argument("--lime-repeats", type=int, default=3, help="timed rounds for the LIME row")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", nargs="*", default=["demo", "cnn14", "lmac-td", "lime"], help="setups to run")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    timer = "thread CPU time" if clock(device) is time.thread_time else "wall time"
    print(f"device {device}, {torch.get_num_threads()} torch thread(s), batch of one, best of {args.repeats} ({timer})")
    print(f"{'setup':<34}{'forward ms':>11}{'head ms':>9}{'explain ms':>11}{'ratio':>7}{'given ms':>10}{'ratio':>7}")
    builders = {
        "demo": lambda: LMAC.from_pretrained("demo_lmac"),
        "cnn14": cnn14_explainer,
        "lmac-td": lambda: LMAC.from_pretrained("demo_lmactd"),
    }
    for name in [n for n in args.only if n in builders]:
        r = head_row(name, builders[name](), args.repeats, device)
        f = r["forward"]
        print(
            f"{name:<34}{1e3 * f:>11.1f}{1e3 * r['head']:>9.1f}{1e3 * r['explain_none']:>11.1f}"
            f"{r['explain_none'] / f:>7.2f}{1e3 * r['explain_target']:>10.1f}{r['explain_target'] / f:>7.2f}",
            flush=True,
        )
    if "lime" in args.only:
        r = lime_row(LMAC.from_pretrained("demo_lmac"), args.lime_repeats, device)
        print(
            f"{r['setup']:<34}{1e3 * r['forward']:>11.1f}{'':>9}{1e3 * r['lime']:>11.1f}"
            f"{r['lime'] / r['forward']:>7.0f}   LIME / L-MAC on the same clip: {r['lime'] / r['lmac']:.0f}x "
            f"(L-MAC {1e3 * r['lmac']:.1f} ms)",
            flush=True,
        )


if __name__ == "__main__":
    main()
