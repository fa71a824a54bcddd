"""Confound-study examples: test_bad piano clips (which hold drums) explained by every method of
`lmac benchmark experiment=confound_benchmark`.

    python recipes/confound/examples.py --out recipes/confound/examples --n 20 --write 2
    python recipes/confound/examples.py --n 20 --write 0 --methods lmac_gate lime_oracle lmac
    python recipes/confound/examples.py --n 20 --write 0 +method@methods.guided=lmac methods.guided.path=PATH \
        --methods guided lmac

Prints, per method, the mean share of the explanation that comes from the drums (and, for
reference, the drums' share of the input) over ``--n`` piano clips, and on how many of them the
drums are the explanation's largest stem share (``--methods``: only these methods; any other argument
is an override of the benchmark configuration, e.g. one more exported explainer as a method; put
overrides before ``--methods``). For the first ``--write``
clips it writes `<clip>.wav` (the input), and per method `<clip>_<method>.explanation.wav`,
`.residual.wav`, `.png` and `.json` (with every stem's share of the explanation).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from lmac.audio import save_audio
from lmac.data import SyntheticMixtures, check_clip_format
from lmac.metrics.localization import stem_energy_share
from lmac.tasks.benchmark import build_methods
from lmac.tasks.config import CONFIG_DIR
from lmac.tasks.explain import ClipResult, explain_waveform, write_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="recipes/confound/examples")
    parser.add_argument("--n", type=int, default=20, help="piano clips of test_bad to explain")
    parser.add_argument("--write", type=int, default=2, help="clips whose files are written")
    parser.add_argument("--methods", nargs="*", default=None, help="methods of the benchmark to run (default: all)")
    parser.add_argument("overrides", nargs="*", help="overrides of experiment=confound_benchmark")
    args = parser.parse_args()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("benchmark", overrides=["experiment=confound_benchmark", *args.overrides])
    classifier = instantiate(cfg.classifier)
    methods = build_methods(cfg, classifier)
    methods = {k: v for k, v in methods.items() if args.methods is None or k in args.methods}
    data = SyntheticMixtures("confound", "test_bad", n_items=2 * args.n, seed=cfg.seed)
    check_clip_format(classifier, data)
    for explainer in methods.values():
        if hasattr(explainer, "progress"):
            explainer.progress = False
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    drums = {name: [] for name in ["input", *methods]}
    dominated = {name: 0 for name in ["input", *methods]}
    for k, index in enumerate(range(1, 2 * args.n, 2)):  # odd indices are piano clips
        item = data[index]
        clip = f"test_bad_{index}_piano"
        stems = {key: v[None] for key, v in item["stems"].items()}
        shares = stem_energy_share(item["wav"][None], stems)
        drums["input"].append(float(shares["drums"][0]))
        dominated["input"] += int(max(shares, key=lambda s: float(shares[s][0])) == "drums")
        if k < args.write:
            save_audio(out / f"{clip}.wav", item["wav"], data.sample_rate)
        for name, explainer in methods.items():
            explainer.bind_stems(stems)
            result = explain_waveform(explainer, item["wav"], None, f"{clip}_{name}.wav")
            shares = stem_energy_share(result.explanation.explanation_wav, stems)
            drums[name].append(float(shares["drums"][0]))
            dominated[name] += int(max(shares, key=lambda s: float(shares[s][0])) == "drums")
            if k < args.write:
                result.info.update(method=name, stem_shares={s: round(float(v[0]), 3) for s, v in shares.items()})
                write_result(ClipResult(f"{clip}_{name}", result.explanation, result.info), out)
    print(
        f"mean share of the drums, and clips where the drums are the largest share, over {args.n} test_bad piano clips"
    )
    for name, values in drums.items():
        print(f"{name:<22} {sum(values) / len(values):.3f}  {dominated[name]} / {len(values)}")


if __name__ == "__main__":
    main()
