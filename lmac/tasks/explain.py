"""``lmac explain`` and ``lmac demo``: explain audio files or built-in clips, write listenable results."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from lmac.audio import load_audio, save_audio
from lmac.explainers.base import Explainer
from lmac.explainers.windowing import classify_clip, explain_clip
from lmac.explanation import Explanation
from lmac.report.plots import save_explanation_png

__all__ = ["ClipResult", "explain_waveform", "write_result", "explain_files", "run_demo"]


@dataclass
class ClipResult:
    """One explained clip plus the facts written to its JSON file."""

    stem: str
    explanation: Explanation
    info: dict


def explain_waveform(explainer: Explainer, wav: torch.Tensor, target=None, source: str = "") -> ClipResult:
    """Explain a ``(T,)`` clip of any length and score the three signals with the classifier."""
    classifier = explainer.classifier
    start = time.perf_counter()
    exp = explain_clip(explainer, wav, target).detach()
    seconds = time.perf_counter() - start
    t = int(exp.target[0])
    probs = {name: float(classifier.probabilities(classify_clip(classifier, sig[0])[None])[0, t])
             for name, sig in (("prob_original", exp.wav), ("prob_explanation", exp.explanation_wav),
                               ("prob_residual", exp.residual_wav))}
    info = {"input": source, "method": exp.method, "sample_rate": exp.sample_rate, "target": t,
            "target_name": classifier.class_names[t], "output": classifier.output, **probs, "seconds": seconds,
            "duration": wav.shape[-1] / exp.sample_rate}
    return ClipResult(Path(source).stem if source else "clip", exp, info)


def write_result(result: ClipResult, out_dir: Path) -> list[Path]:
    """Write ``<stem>.explanation.wav``, ``.residual.wav``, ``.png`` and ``.json``; all or nothing."""
    out_dir.mkdir(parents=True, exist_ok=True)
    exp = result.explanation
    written: list[Path] = []
    try:
        png = out_dir / f"{result.stem}.png"
        title = f"{result.stem}: {exp.method}, target {result.info['target_name']}"
        save_explanation_png(png, exp.wav[0], exp.explanation_wav[0], exp.saliency[0], exp.sample_rate, title,
                             grid=exp.grid)
        written.append(png)
        written += exp.save(out_dir, result.stem, info=[result.info])
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def explain_files(explainer: Explainer, inputs: list[str], out_dir: str | Path, target=None) -> list[ClipResult]:
    """Read, explain and write every input. Every input is read and explained before anything
    is written, so a bad file leaves no partial output."""
    results = [explain_waveform(explainer, load_audio(path, explainer.sample_rate), target, str(path))
               for path in inputs]
    stems = [r.stem for r in results]
    if len(set(stems)) != len(stems):
        raise ValueError(f"inputs share file names {stems}; explain them into separate --out folders")
    for result in results:
        write_result(result, Path(out_dir))
    return results


def run_demo(explainer: Explainer, out_dir: str | Path, n: int = 5, seed: int = 1234) -> list[ClipResult]:
    """Explain ``n`` freshly generated built-in clips; also writes each input as ``demo_<i>.wav``."""
    from lmac.data import TASKS, SyntheticMixtures, check_clip_format
    names = explainer.classifier.class_names
    multi_label = explainer.classifier.output == "sigmoid"
    tasks = sorted((t for t, spec in TASKS.items() if spec["classes"] == names),
                   key=lambda t: TASKS[t]["multi_label"] != multi_label)  # a multi-label task for a sigmoid model
    if not tasks:
        raise ValueError(f"the demo needs a classifier for a built-in task; this one has classes {names}")
    task = tasks[0]
    data = SyntheticMixtures(task, "demo", n_items=n, seed=seed, sample_rate=explainer.sample_rate,
                             clip_seconds=explainer.classifier.clip_seconds)
    check_clip_format(explainer.classifier, data)
    out_dir = Path(out_dir)
    results = []
    for i in range(n):
        item = data[i]
        result = explain_waveform(explainer, item["wav"], None, f"demo_{i}.wav")
        label = item["label"]  # an index, or multi-hot for a multi-label task
        true = "+".join(c for c, on in zip(names, label.tolist()) if on) if torch.is_tensor(label) else names[label]
        result.info.update(true_label=true, seed=item["seed"])
        results.append(result)
    for result, i in zip(results, range(n)):
        out_dir.mkdir(parents=True, exist_ok=True)
        save_audio(out_dir / f"demo_{i}.wav", result.explanation.wav[0], explainer.sample_rate)
        write_result(result, out_dir)
    return results


def summary_table(results: list[ClipResult]) -> str:
    """Plain-text table of the per-clip facts."""
    head = f"{'clip':<14}{'true':<8}{'target':<8}{'p(orig)':>9}{'p(expl)':>9}{'p(resid)':>9}{'sec':>7}"
    rows = [head, "-" * len(head)]
    for r in results:
        i = r.info
        rows.append(f"{r.stem:<14}{i.get('true_label', '-'):<8}{i['target_name']:<8}{i['prob_original']:>9.3f}"
                    f"{i['prob_explanation']:>9.3f}{i['prob_residual']:>9.3f}{i['seconds']:>7.3f}")
    return "\n".join(rows)
