"""``lmac explain`` with a concept classifier: both levels of :class:`~lmac.explainers.concepts.TwoLevelExplainer`
printed and written per clip.

Per input ``<stem>``, besides the usual output set (``<stem>.explanation.wav`` / ``.residual.wav``:
the sounds behind the strongest concept, first level-1 method; ``<stem>.png``; ``<stem>.json``
with both levels under ``levels``), one ``<stem>.<method>.<rank>_<concept>.wav`` per level-1
method and top concept: the sounds that produce that concept, to listen to. All files of a clip
appear together or not at all. A clip is explained whole, in memory (a clip shorter than the
classifier's window is zero-padded for it and cropped back).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import torch

from lmac.atomic import atomic_paths
from lmac.audio import AudioError, load_audio, save_audio
from lmac.explainers.concepts import ConceptExplanation, TwoLevelExplainer
from lmac.explanation import Explanation
from lmac.tasks.explain import ClipResult, write_result
from lmac.tasks.outputs import output_paths

__all__ = ["explain_concept_inputs", "concept_paths", "format_levels"]


def concept_paths(out_dir: str | os.PathLike, stem: str, levels: ConceptExplanation) -> dict[tuple[str, int], Path]:
    """``(method, rank) -> <out_dir>/<stem>.<method>.<rank>_<concept>.wav`` for clip 0 of ``levels``."""
    return {
        (method, r): Path(out_dir) / f"{stem}.{method}.{r + 1}_{levels.concept_names[int(exp.target[0])]}.wav"
        for method, exps in levels.level1.items()
        for r, exp in enumerate(exps)
    }


def _crop(exp: Explanation, length: int, target: torch.Tensor, method: str) -> Explanation:
    """``exp`` cropped back to ``length`` samples, as an explanation of output ``target``."""
    frames = exp.grid.n_frames(length)
    return Explanation(
        exp.wav[:, :length],
        exp.explanation_wav[:, :length],
        exp.residual_wav[:, :length],
        exp.saliency[..., :frames],
        target,
        method,
        exp.sample_rate,
        exp.grid,
        exp.extras,
    )


@torch.no_grad()
def _explain_file(explainer: TwoLevelExplainer, path: str, stem: str, out_dir: str | Path, target) -> dict:
    clf = explainer.classifier
    start = time.perf_counter()
    wav = load_audio(path, clf.sample_rate)
    length = wav.shape[-1]
    padded = torch.nn.functional.pad(wav, (0, max(clf.clip_samples - length, 0)))[None]
    levels = explainer.explain_levels(padded, target)
    first = levels.level1[explainer.level1[0].name][0]
    exp = _crop(first, length, levels.target, explainer.name)
    t = int(levels.target[0])
    values = [float(clf.probabilities(clf(sig))[0, t]) for sig in (padded, first.explanation_wav, first.residual_wav)]
    record = levels.record(0)
    files = concept_paths(out_dir, stem, levels)
    record["sources_wav"] = {f"{m}.{r + 1}": p.name for (m, r), p in files.items()}
    info = {
        "input": path,
        "method": explainer.name,
        "sample_rate": clf.sample_rate,
        "target": t,
        "target_name": clf.class_names[t],
        "output": clf.output,
        "prob_original": values[0],
        "prob_explanation": values[1],
        "prob_residual": values[2],
        "seconds": time.perf_counter() - start,
        "duration": length / clf.sample_rate,
        "levels": record,
    }
    with atomic_paths(list(files.values())) as tmps:
        for tmp, (method, r) in zip(tmps, files):
            save_audio(tmp, levels.level1[method][r].explanation_wav[0, :length], clf.sample_rate)
        write_result(ClipResult(stem, exp, info), out_dir)
    return info


def explain_concept_inputs(
    explainer: TwoLevelExplainer, inputs: list[tuple[str, str]], out_dir: str | Path, target=None
) -> Iterator[dict]:
    """Explain each ``(path, stem)`` in both levels and yield its index row once its files are written
    (``status`` ``ok``, or ``error`` with the one-line message of an unusable file), as
    :func:`lmac.tasks.explain.explain_inputs` does; rows carry ``levels`` for :func:`format_levels`."""
    for path, stem in inputs:
        path = os.path.abspath(path)
        try:
            info = _explain_file(explainer, path, stem, out_dir, target)
        except AudioError as err:
            yield {"input": path, "status": "error", "error": str(err)}
            continue
        files = {kind: p.relative_to(out_dir).as_posix() for kind, p in output_paths(out_dir, stem).items()}
        yield {"status": "ok", "error": "", **files, **info}


def format_levels(record: dict) -> str:
    """Both levels of one clip (its JSON ``levels`` record) as the lines ``lmac explain`` prints."""
    sources: dict[str, list[str]] = {}
    for method, ranks in record["level1"].items():
        for entry in ranks:
            selected = entry["extras"].get("selected")
            heard = ", ".join(selected) if selected else f"{entry['energy_share']:.0%} of the energy"
            sources.setdefault(entry["concept"], []).append(f"{method}: {heard}")
    lines = [
        f"  {record['target_name']} = {record['output_value']:.3f} = bias {record['bias']:.3f} + the effects:",
        f"    {'concept':<20}{'value':>8}{'weight':>8}{'effect':>8}{'share':>7}  level 1: the sounds behind it",
    ]
    lines += [
        f"    {row['concept']:<20}{row['value']:>8.2f}{row['weight']:>8.2f}{row['effect']:>8.2f}"
        f"{row['relative_effect']:>7.2f}  " + "; ".join(sources.get(row["concept"], []))
        for row in record["level2"]
    ]
    return "\n".join(lines)
