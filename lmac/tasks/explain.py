"""``lmac explain`` and ``lmac demo``: explain audio files or built-in clips, write listenable results.

A file is read, explained and written as it streams past (:class:`~lmac.audio.AudioStream`,
:func:`~lmac.explainers.windowing.explain_blocks`, :class:`~lmac.tasks.outputs.ClipWriter`), so
memory does not grow with its length: a first, classifier-only pass gives the clip's class and
the input's probability; the second explains the windows in batches, stitches them, writes the
audio and scores the explanation and residual on the way.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from lmac.audio import AUDIO_EXTENSIONS, AudioError, AudioStream, save_audio
from lmac.explainers.base import Explainer
from lmac.explainers.windowing import ClipLogits, ClipPiece, classify_clip, clip_extras, explain_blocks, explain_clip
from lmac.explanation import Explanation
from lmac.sharding import RowWriter, Shard
from lmac.tasks.outputs import INDEX_NAME, ClipWriter, journal_path, journal_rows, output_paths, write_index

__all__ = [
    "ClipResult",
    "explain_waveform",
    "write_result",
    "explain_source",
    "explain_inputs",
    "collect_inputs",
    "explain_shard",
    "complete_index",
    "run_demo",
    "format_row",
    "write_index",
]

PROBS = ("prob_original", "prob_explanation", "prob_residual")


@dataclass
class ClipResult:
    """One clip explained in memory plus the facts written to its JSON file."""

    stem: str
    explanation: Explanation
    info: dict


def explain_waveform(explainer: Explainer, wav: torch.Tensor, target=None, source: str = "") -> ClipResult:
    """Explain a ``(T,)`` clip of any length in memory and score the three signals with the classifier."""
    classifier = explainer.classifier
    start = time.perf_counter()
    exp = explain_clip(explainer, wav, target).detach()
    seconds = time.perf_counter() - start
    t = int(exp.target[0])
    probs = [
        _prob(classifier, classify_clip(classifier, sig[0]), t)
        for sig in (exp.wav, exp.explanation_wav, exp.residual_wav)
    ]
    info = _info(classifier, source, exp.method, exp.sample_rate, t, probs, seconds, wav.shape[-1] / exp.sample_rate)
    return ClipResult(Path(source).stem if source else "clip", exp, info)


def _prob(classifier, logits: torch.Tensor, target: int) -> float:
    """The target's probability (softmax or sigmoid, ``classifier.output``) from clip logits ``(C,)``."""
    return float(classifier.probabilities(logits[None])[0, target])


def _info(classifier, source, method, sample_rate, target, probs, seconds, duration) -> dict:
    """The per-clip JSON fields (kept stable: ``lmac report`` reads them)."""
    return {
        "input": source,
        "method": method,
        "sample_rate": sample_rate,
        "target": target,
        "target_name": classifier.class_names[target],
        "output": classifier.output,
        **dict(zip(PROBS, probs)),
        "seconds": seconds,
        "duration": duration,
    }


def write_result(result: ClipResult, out_dir: str | Path) -> list[Path]:
    """Write ``<stem>.explanation.wav``, ``.residual.wav``, ``.png`` and ``.json``; all or nothing."""
    exp = result.explanation
    with ClipWriter(out_dir, result.stem, exp.wav.shape[-1], exp.sample_rate, exp.grid) as writer:
        writer.write(ClipPiece(exp.wav[0], exp.explanation_wav[0], exp.residual_wav[0], exp.saliency[0]))
        writer.finish(exp.method, int(exp.target[0]), result.info, exp.extras)
    return list(writer.paths.values())


def explain_source(
    explainer: Explainer,
    blocks: Iterable[torch.Tensor],
    length: int,
    out_dir: str | Path,
    stem: str,
    target: int | str | None = None,
    batch_size: int | None = 16,
    source: str = "",
    progress: bool = False,
    **info,
) -> dict:
    """Explain one clip, streamed, and write its output set (:class:`ClipWriter`); returns its JSON record.

    Args:
        explainer: any method (its classifier scores the three signals).
        blocks: the clip as consecutive ``(T_i,)`` blocks; iterated twice (an
            :class:`~lmac.audio.AudioStream` or a list of tensors).
        length: samples the blocks add up to.
        out_dir, stem: where the four files go.
        target: class index or name, ``None`` for the clip's class (mean logits over windows).
        batch_size: windows per classifier / explain call (``None``: all at once).
        source: recorded as ``input``.
        progress: show a progress bar for clips of more than a few windows.
        **info: extra JSON fields (e.g. the demo's ``true_label``).
    """
    classifier = explainer.classifier
    start = time.perf_counter()
    logits = ClipLogits(classifier, length, batch_size)
    for block in blocks:  # first pass: the clip's class and the input's probability
        logits.push(block)
    logits = logits.result()
    t = int(logits.argmax()) if target is None else classifier.class_index(target)
    seconds = time.perf_counter() - start
    scores = [ClipLogits(classifier, length, batch_size) for _ in range(2)]  # explanation, residual
    batches: list[tuple[int, dict]] = []
    with ClipWriter(out_dir, stem, length, explainer.sample_rate, explainer.grid) as writer:
        for piece in explain_blocks(explainer, blocks, length, t, batch_size, progress):
            seconds += piece.seconds
            writer.write(piece)
            scores[0].push(piece.explanation_wav)
            scores[1].push(piece.residual_wav)
            batches.append((piece.n_windows, piece.extras))
        probs = [_prob(classifier, lg, t) for lg in (logits, scores[0].result(), scores[1].result())]
        fields = _info(
            classifier, source, explainer.name, explainer.sample_rate, t, probs, seconds, length / explainer.sample_rate
        )
        return writer.finish(
            explainer.name, t, {**fields, **info}, clip_extras(batches, length, classifier.clip_samples)
        )


def collect_inputs(args: Iterable[str]) -> list[tuple[str, str]]:
    """``lmac explain``'s inputs -> ``(path, stem)`` per audio file, in order.

    Each argument is an audio file (stem: its name without suffix), a folder (every audio file
    below it, sorted; stem: the path inside the folder, so sub-folders are mirrored in the
    output), or a ``.txt`` file listing one path per line (blank lines and ``#`` comments
    skipped; relative paths are relative to the list's folder).

    Raises:
        ValueError: a folder without audio files, an unreadable list, or two inputs that would
            write the same output files.
    """
    inputs: list[tuple[str, str]] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file())
            if not files:
                raise ValueError(f"{path}: no audio files ({', '.join(AUDIO_EXTENSIONS)}) in this folder")
            inputs += [(str(f), f.relative_to(path).with_suffix("").as_posix()) for f in files]
        elif path.suffix.lower() == ".txt":
            inputs += [(str(f), f.stem) for f in _read_list(path)]
        else:
            inputs.append((str(path), path.stem))
    _check_stems([stem for _, stem in inputs])
    return inputs


def _read_list(path: Path) -> list[Path]:
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read the list of inputs ({err})") from None
    entries = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not entries:
        raise ValueError(f"{path}: the list of inputs is empty")
    return [p if p.is_absolute() else path.parent / p for p in map(Path, entries)]


def _check_stems(stems: list[str]) -> None:
    if INDEX_NAME in stems:
        raise ValueError(f"an input named '{INDEX_NAME}' would overwrite the index ({INDEX_NAME}.json); rename it")
    clashes = sorted(stem for stem, count in Counter(stems).items() if count > 1)
    if clashes:
        raise ValueError(
            f"inputs would write the same output files ({', '.join(clashes)}); explain them into separate --out folders"
        )


def explain_inputs(
    explainer: Explainer,
    inputs: list[tuple[str, str]],
    out_dir: str | Path,
    target=None,
    batch_size: int | None = 16,
    progress: bool = False,
) -> Iterator[dict]:
    """Explain each ``(path, stem)`` in turn (streamed, see :func:`explain_source`) and yield its index
    row as soon as its files are written: ``status`` ``ok``, or ``error`` with the one-line message of a
    file that cannot be used (missing, unreadable, empty, NaN); a bad file does not stop the others.
    """
    for path, stem in inputs:
        path = os.path.abspath(path)  # the JSON names its input wherever the report is made from
        try:
            stream = AudioStream(path, explainer.sample_rate)
            record = explain_source(
                explainer, stream, stream.length, out_dir, stem, target, batch_size, source=path, progress=progress
            )
        except AudioError as err:
            yield {"input": path, "status": "error", "error": str(err)}
            continue
        files = {kind: p.relative_to(out_dir).as_posix() for kind, p in output_paths(out_dir, stem).items()}
        yield {"input": path, "status": "ok", "error": "", **files, **record}


def explain_shard(
    explainer: Explainer,
    inputs: list[tuple[str, str]],
    out_dir: str | Path,
    run: str,
    shard: Shard = Shard(),
    target=None,
    batch_size: int | None = 16,
    progress: bool = False,
) -> Iterator[dict]:
    """Explain the inputs of ``shard`` (input ``i`` of the full list ``inputs`` when ``shard.owns(i)``)
    as :func:`explain_inputs` does, appending each row to the shard's journal once it has been handed
    on (:func:`~lmac.tasks.outputs.journal_path`; a lone input's error, raised by the caller, leaves
    no file). Inputs already explained by the same ``run`` (checkpoint, classifier, target), whose
    files are still there, are not explained again: their rows are yielded first, with ``resumed``.
    """
    earlier = journal_rows(out_dir, run)
    todo = []
    for _, (path, stem) in shard.select(inputs):
        row = earlier.get(os.path.abspath(path))
        if row and row["status"] == "ok" and (Path(out_dir) / row["json"]).is_file():
            yield {**row, "resumed": True}
        else:
            todo.append((path, stem))
    with RowWriter(journal_path(out_dir, shard)) as journal:
        for row in explain_inputs(explainer, todo, out_dir, target, batch_size, progress):
            yield row
            journal.write({**row, "run": run})


def complete_index(inputs: list[tuple[str, str]], out_dir: str | Path, run: str) -> list[dict] | None:
    """The index rows of every input, in input order, from the journals of all shards of ``run`` in
    ``out_dir``; ``None`` while an input has none (a shard is missing or still running)."""
    rows = journal_rows(out_dir, run)
    index = [rows.get(os.path.abspath(path)) for path, _ in inputs]
    return None if any(row is None for row in index) else index


def run_demo(explainer: Explainer, out_dir: str | Path, n: int = 5, seed: int = 1234) -> Iterator[dict]:
    """Explain ``n`` freshly generated built-in clips, yielding index rows as :func:`explain_inputs` does;
    also writes each input as ``demo_<i>.wav``."""
    from lmac.data import TASKS, SyntheticMixtures, check_clip_format

    names = explainer.classifier.class_names
    multi_label = explainer.classifier.output == "sigmoid"
    tasks = sorted(
        (t for t, spec in TASKS.items() if spec["classes"] == names),
        key=lambda t: TASKS[t]["multi_label"] != multi_label,
    )  # a multi-label task for a sigmoid model
    if not tasks:
        raise ValueError(f"the demo needs a classifier for a built-in task; this one has classes {names}")
    task = tasks[0]
    data = SyntheticMixtures(
        task,
        "demo",
        n_items=n,
        seed=seed,
        sample_rate=explainer.sample_rate,
        clip_seconds=explainer.classifier.clip_seconds,
    )
    check_clip_format(explainer.classifier, data)
    out_dir = Path(out_dir)
    for i in range(n):
        item, stem = data[i], f"demo_{i}"
        label = item["label"]  # an index, or multi-hot for a multi-label task
        true = "+".join(c for c, on in zip(names, label.tolist()) if on) if torch.is_tensor(label) else names[label]
        record = explain_source(
            explainer,
            [item["wav"]],
            item["wav"].shape[-1],
            out_dir,
            stem,
            source=f"{stem}.wav",
            true_label=true,
            seed=item["seed"],
        )
        save_audio(out_dir / f"{stem}.wav", item["wav"], explainer.sample_rate)
        files = {kind: p.relative_to(out_dir).as_posix() for kind, p in output_paths(out_dir, stem).items()}
        yield {"input": f"{stem}.wav", "status": "ok", "error": "", **files, **record}


def format_row(row: dict, header: bool = False) -> str:
    """One line of the table ``lmac explain`` prints as it goes (the header line with ``header``)."""
    if header:
        head = f"{'clip':<24}{'true':<8}{'target':<10}{'p(orig)':>9}{'p(expl)':>9}{'p(resid)':>9}{'sec':>8}"
        return f"{head}\n{'-' * len(head)}"
    name = Path(row["input"]).stem
    if row["status"] != "ok":
        return f"{name:<24}error: {row['error']}"
    return (
        f"{name:<24}{row.get('true_label', '-'):<8}{row['target_name']:<10}{row['prob_original']:>9.3f}"
        f"{row['prob_explanation']:>9.3f}{row['prob_residual']:>9.3f}{row['seconds']:>8.2f}"
    )
