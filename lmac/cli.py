"""The ``lmac`` command: ``train``, ``benchmark`` and ``aggregate`` (Hydra), ``explain``, ``demo``, ``report``,
``sanity``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lmac._deps import DependencyError, check_torchaudio

DEFAULT_CHECKPOINT = "demo_lmac"  # a shipped checkpoint (lmac/checkpoints/), or any path

HELP = """usage: lmac {train,benchmark,aggregate,explain,demo,report,sanity} ...

  lmac train [HYDRA_OVERRIDES...]      train a head or classifier, e.g. experiment=demo_lmac
  lmac benchmark [HYDRA_OVERRIDES...]  score explainers in one table, e.g. experiment=demo_benchmark
  lmac benchmark merge RUN_DIR [RUN_DIR ...] [--out DIR]   one table from the shards' per-clip rows
  lmac aggregate [HYDRA_OVERRIDES...]  what each class rests on over a dataset, e.g. experiment=confound_aggregate
  lmac explain IN [IN ...] --out DIR [--checkpoint P] [--target NAME|INDEX] [--batch-size N] [--shard I/N]
                                       IN: audio files, folders of audio files, or .txt lists of paths;
                                       P: an exported explainer, or a concept classifier (two levels)
  lmac explain SONG --lyrics TEXT --out DIR [--checkpoint P] [--target T] [--samples N]
                                       audio + lyrics (MusicLIME), default checkpoint multimodal_classifier
  lmac demo --out DIR [--checkpoint P] [--n N] [--seed S]
  lmac report DIR [DIR ...] [--out PAGE.html] [--max-clips N] [--audio ogg|flac]   HTML listening report
  lmac sanity CHECKPOINT [--out DIR] [--clips N] [--mixtures M] [--no-retrain] [--retrain-budget OVERRIDE ...]
              [--strict]
                                       does an exported explainer depend on the classifier and the class asked?
  (explain, demo: --classifier MODULE:FACTORY for your own model, --allow-external for trusted checkpoints)
"""


def add_loading_arguments(p: argparse.ArgumentParser) -> None:
    """``--classifier`` and ``--allow-external``, the same for every command that loads an explainer
    (pass them to :func:`lmac.explainers.load_explainer`)."""
    p.add_argument(
        "--classifier",
        default=None,
        metavar="MODULE:FACTORY",
        help="your own classifier: MODULE (or path/to/file.py) and a function in it that returns an "
        "lmac AudioClassifier (needed for explainers of a TappedClassifier)",
    )
    p.add_argument(
        "--allow-external",
        action="store_true",
        help="let the checkpoint name classes outside lmac (imports them): only for checkpoints you trust",
    )


def _parser(cmd: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"lmac {cmd}")
    if cmd == "explain":
        p.add_argument(
            "inputs",
            nargs="+",
            help="audio files (WAV, FLAC, OGG, ...; any rate, mono or stereo), "
            "folders of them, or .txt files listing one path per line",
        )
        p.add_argument("--target", default=None, help="class name or index (default: the classifier's top class)")
        p.add_argument("--batch-size", type=int, default=16, help="windows explained per batch (default %(default)s)")
        p.add_argument(
            "--lyrics",
            default=None,
            metavar="TEXT",
            help="a text file with the song's lyrics: explain "
            "one song and its words with MultimodalLIME (the checkpoint is an audio + lyrics classifier)",
        )
        p.add_argument(
            "--samples", type=int, default=1000, help="with --lyrics: LIME perturbations (default %(default)s)"
        )
        p.add_argument(
            "--shard",
            default="0/1",
            metavar="I/N",
            help="explain only input i of the full list where "
            "i %% N == I (run the N shards with the same arguments and --out; default %(default)s)",
        )
    else:
        p.add_argument("--n", type=int, default=5, help="number of generated clips")
        p.add_argument("--seed", type=int, default=1234, help="seed of the generated clips")
    p.add_argument(
        "--checkpoint",
        default=None,
        help=f"exported explainer: a .pt path or the name of a shipped one "
        f"(default {DEFAULT_CHECKPOINT}; with --lyrics a classifier, default multimodal_classifier)",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    add_loading_arguments(p)
    return p


def _explain(cmd: str, argv: list[str]) -> int:
    args = _parser(cmd).parse_args(argv)
    if cmd == "explain" and args.lyrics is not None:
        return _explain_song(args)
    args.checkpoint = args.checkpoint or DEFAULT_CHECKPOINT
    from lmac.explainers.concepts import TwoLevelExplainer
    from lmac.explainers.loading import load_explainer
    from lmac.tasks.explain import run_demo, write_index

    if cmd == "demo" and args.n < 1:
        raise ValueError("--n must be at least 1")
    if cmd == "explain" and args.batch_size < 1:
        raise ValueError("--batch-size must be at least 1")
    explainer = load_explainer(args.checkpoint, args.classifier, args.allow_external, map_location=args.device)
    if cmd == "explain":
        return (
            _explain_concepts(args, explainer)
            if isinstance(explainer, TwoLevelExplainer)
            else _explain_files(args, explainer)
        )
    done = _print_rows(cmd, run_demo(explainer, args.out, n=args.n, seed=args.seed), args.n)
    write_index(done, args.out, checkpoint=str(args.checkpoint), method=explainer.name)
    print(f"wrote {len(done)} explanation(s) to {args.out}")
    from lmac.report import write_report

    print(f"wrote {write_report([args.out])}")
    return 0


def _explain_concepts(args: argparse.Namespace, explainer) -> int:
    """``lmac explain`` with a concept classifier: both levels per clip, whole clips (not sharded)."""
    from lmac.tasks.concepts import explain_concept_inputs
    from lmac.tasks.explain import collect_inputs, write_index

    if args.shard not in (None, "0/1"):
        raise ValueError("--shard is not supported for a concept classifier's two-level explanations")
    inputs = collect_inputs(args.inputs)
    target = None if args.target is None else explainer.classifier.class_index(args.target)
    done = _print_rows("explain", explain_concept_inputs(explainer, inputs, args.out, target), len(inputs))
    write_index(done, args.out, checkpoint=str(args.checkpoint), method=explainer.name)
    failed = sum(row["status"] != "ok" for row in done)
    print(
        f"wrote {len(done) - failed} explanation(s) to {args.out}"
        + (f"; {failed} input(s) failed (see {args.out}/index.csv)" if failed else "")
    )
    return 1 if failed else 0


def _explain_files(args: argparse.Namespace, explainer) -> int:
    """``lmac explain``: this shard's inputs (skipping those a killed run of the same checkpoint,
    classifier and target finished); the index once every shard's rows are in ``--out``."""
    import os

    from lmac.sharding import Shard
    from lmac.tasks.explain import collect_inputs, complete_index, explain_shard, write_index

    shard, inputs = Shard.parse(args.shard), collect_inputs(args.inputs)
    checkpoint = os.path.abspath(args.checkpoint) if os.path.exists(args.checkpoint) else args.checkpoint
    run = json.dumps([checkpoint, args.classifier, args.target])
    target = None if args.target is None else explainer.classifier.class_index(args.target)
    rows = explain_shard(explainer, inputs, args.out, run, shard, target, args.batch_size, progress=sys.stderr.isatty())
    done = _print_rows("explain", rows, len(inputs))
    failed, resumed = sum(r["status"] != "ok" for r in done), sum(bool(r.get("resumed")) for r in done)
    print(
        f"wrote {len(done) - failed - resumed} explanation(s) to {args.out}"
        + (f" ({resumed} done by an earlier run)" if resumed else "")
        + (f"; {failed} input(s) failed (see {args.out}/index.csv)" if failed else "")
    )
    index = complete_index(inputs, args.out, run)
    if index is None:
        print(f"shard {args.shard} done; {args.out}/index.csv is written when every shard is")
    else:
        write_index(index, args.out, checkpoint=str(args.checkpoint), method=explainer.name)
    return 1 if failed else 0


def _explain_song(args) -> int:
    """``lmac explain SONG --lyrics TEXT``: one song, its audio components and words (MultimodalLIME)."""
    from lmac.tasks.explain import format_row, write_index
    from lmac.tasks.song import DEFAULT_SONG_CHECKPOINT, explain_song

    if len(args.inputs) != 1:
        raise ValueError(f"--lyrics explains one song: give one audio file, got {len(args.inputs)} inputs")
    if args.samples < 2:
        raise ValueError("--samples must be at least 2")
    checkpoint = args.checkpoint or DEFAULT_SONG_CHECKPOINT
    row = explain_song(
        args.inputs[0],
        args.lyrics,
        args.out,
        checkpoint,
        args.target,
        n_samples=args.samples,
        device=args.device,
        progress=sys.stderr.isatty(),
    )
    print(format_row({}, header=True))
    print(format_row(row))
    ranked = json.loads((Path(args.out) / row["json"]).read_text())["extras"]["ranking"][0]
    print("top features: " + ", ".join(f"{r['feature']} ({r['modality']}) {r['weight']:+.3f}" for r in ranked[:8]))
    write_index([row], args.out, checkpoint=str(checkpoint), method=row["method"])
    print(f"wrote 1 explanation to {args.out}")
    return 0


def _merge(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="lmac benchmark merge",
        description="Combine the per-clip rows of the shards of one benchmark run (their run folders) into one table.",
    )
    p.add_argument("run_dirs", nargs="+", help="the shards' run folders (each holds rows/*.jsonl)")
    p.add_argument("--out", default=None, help="where results.* and examples/ go (default: the first folder)")
    args = p.parse_args(argv)
    from lmac.benchmark import merge_runs, to_markdown

    out = args.out or args.run_dirs[0]
    print(to_markdown(merge_runs(args.run_dirs, out)))
    print(f"wrote {out}/results.json, .csv, .md")
    return 0


def _print_rows(cmd: str, rows, n_inputs: int) -> list[dict]:
    """Print each index row as it comes; a lone input's failure is raised (its one-line error, exit 2)."""
    from lmac.audio import AudioError
    from lmac.tasks.explain import format_row

    done = []
    print(format_row({}, header=True), flush=True)
    for row in rows:
        if row["status"] != "ok" and n_inputs == 1:
            raise AudioError(row["error"])  # one input: nothing written
        if row["status"] != "ok":
            print(f"lmac {cmd}: error: {row['error']}", file=sys.stderr, flush=True)
        print(format_row(row), flush=True)
        if "levels" in row:  # a concept classifier's two levels
            from lmac.tasks.concepts import format_levels

            print(format_levels(row["levels"]), flush=True)
        done.append(row)
    return done


def _report(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="lmac report",
        description="Write one self-contained HTML page (audio and "
        "figures embedded) for lmac explain / lmac demo output folders or a benchmark run.",
    )
    p.add_argument("folders", nargs="+", help="lmac explain / demo output folder(s), or one benchmark run folder")
    p.add_argument("--out", default=None, help="the page (default: FOLDER/report.html)")
    p.add_argument("--max-clips", type=int, default=50, help="clips with players and figures (default %(default)s)")
    p.add_argument(
        "--audio",
        default="ogg",
        choices=["ogg", "flac"],
        help="embedded audio: Ogg Vorbis (small) or FLAC (lossless); default %(default)s",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=30.0,
        help="players hold the first N seconds of each clip (default %(default)s)",
    )
    args = p.parse_args(argv)
    from lmac.report import PageOptions, write_report

    page = write_report(args.folders, args.out, PageOptions(args.max_clips, args.audio, args.max_seconds))
    print(f"wrote {page} ({page.stat().st_size / 1e6:.1f} MB)")
    return 0


def _sanity(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="lmac sanity",
        description="The sanity suite of an exported explainer: model randomisation (head kept, head retrained, "
        "permuted labels), target swap, both classes kept on two-class mixtures against the classifier-free "
        "control, saturation; one table with thresholds and pass/fail.",
    )
    p.add_argument("checkpoint", help="an explainer exported by lmac train (path, or a shipped name: demo_lmac)")
    p.add_argument(
        "--out",
        default=None,
        help="where sanity.json / .md and the retraining runs go (default: outputs/sanity/<checkpoint name>)",
    )
    p.add_argument("--clips", type=int, default=48, help="test clips (default %(default)s)")
    p.add_argument("--mixtures", type=int, default=32, help="two-class mixtures (default %(default)s)")
    p.add_argument("--no-retrain", action="store_true", help="skip the two checks that retrain the head")
    p.add_argument(
        "--retrain-budget",
        nargs="+",
        default=None,
        metavar="OVERRIDE",
        help="lmac train overrides appended to the recipes when retraining, e.g. trainer.max_epochs=1",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the re-initialisation and label permutation")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when a check fails (for CI pipelines)")
    args = p.parse_args(argv)
    from lmac.sanity import to_markdown
    from lmac.tasks.sanity import sanity

    out = Path(args.out or Path("outputs") / "sanity" / Path(args.checkpoint).stem)
    checks = sanity(
        args.checkpoint, out, args.clips, args.mixtures, args.retrain_budget, not args.no_retrain, args.seed
    )
    print(to_markdown(checks))
    print(f"wrote {out / 'sanity.json'}, {out / 'sanity.md'}")
    failed = [c.name for c in checks if c.passed is False]
    if failed and args.strict:
        print(f"lmac sanity: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(HELP)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    try:
        check_torchaudio()
    except DependencyError as err:
        print(f"lmac: error: {err}", file=sys.stderr)
        return 2
    if cmd == "benchmark" and rest[:1] == ["merge"]:
        cmd, rest = "benchmark merge", rest[1:]
    elif cmd in ("train", "benchmark", "aggregate"):
        import runpy

        # Run the Hydra app as __main__ (for train, so Lightning's DDP launcher re-runs
        # `python -m lmac.tasks.train_app OVERRIDES` in its worker processes).
        sys.argv = [sys.argv[0], *rest]
        runpy.run_module(f"lmac.tasks.{cmd}_app", run_name="__main__", alter_sys=True)
        return 0
    if cmd not in ("explain", "demo", "report", "sanity", "benchmark merge"):
        print(f"lmac: error: unknown command {cmd!r}\n{HELP}", file=sys.stderr)
        return 2
    from lmac.audio import AudioError
    from lmac.checkpoint import CheckpointError

    try:
        if cmd == "report":
            return _report(rest)
        if cmd == "sanity":
            return _sanity(rest)
        return _merge(rest) if cmd == "benchmark merge" else _explain(cmd, rest)
    except (AudioError, CheckpointError, ValueError, OSError) as err:
        print(f"lmac {cmd}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
