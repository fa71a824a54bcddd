"""One explained clip as a listener meets it, and its files on disk.

:func:`clip_view` is the one function that turns an explanation into what is shown and heard:
the three signals, the probability of the target class on each, and the figure. ``lmac explain``,
``lmac demo`` and the benchmark's examples write the same three signals, figure and probabilities
(``lmac.tasks.explain.write_result``), the HTML report reads them back (:func:`read_clip`), and
the training callback logs :func:`clip_view` directly, so the page and the logged examples cannot
disagree.

On disk a clip is ``<stem>.explanation.wav``, ``<stem>.residual.wav``, ``<stem>.png`` and
``<stem>.json`` (``method``, ``sample_rate``, ``target``, ``target_name``, ``prob_original``,
``prob_explanation``, ``prob_residual``, ``input``, ...). The input is ``<stem>.wav`` beside them
when present (``lmac demo``, benchmark examples), else the file named by ``input``: relative to
the JSON's folder, or as written (absolute, or relative to the current directory).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from lmac.audio import AudioError, load_audio
from lmac.explanation import Explanation
from lmac.metrics.faithfulness import target_prob
from lmac.report.plots import explanation_figure

__all__ = [
    "SIGNALS",
    "PROB_KEYS",
    "ReportError",
    "ClipView",
    "clip_view",
    "signal_probabilities",
    "listening_gain",
    "read_clip",
    "read_clip_folder",
]

SIGNALS = ("input", "explanation", "residual")
PROB_KEYS = {"input": "prob_original", "explanation": "prob_explanation", "residual": "prob_residual"}
REQUIRED = ("method", "sample_rate", "target_name", *PROB_KEYS.values())


class ReportError(ValueError):
    """A folder or file the report cannot use; the message is one line naming it."""


@dataclass
class ClipView:
    """One explained clip.

    Attributes:
        name: the file stem (``demo_0``, ``clip_003``).
        audio: ``"input"``, ``"explanation"``, ``"residual"`` -> ``(T,)`` float32, as explained
            (no gain applied: see :func:`listening_gain`).
        figure: PNG bytes of :func:`~lmac.report.plots.explanation_figure`.
        record: the JSON facts (``method``, ``target_name``, ``prob_*``, ...).
        sources: for a concept classifier's clip, its level-1 explanations (``"<method>.<rank>"`` ->
            ``(T,)``, the files ``record["levels"]["sources_wav"]`` names; :mod:`lmac.report.concepts`).
    """

    name: str
    audio: dict[str, np.ndarray]
    figure: bytes
    record: dict
    sources: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return str(self.record["method"])

    @property
    def target_name(self) -> str:
        return str(self.record["target_name"])

    @property
    def sample_rate(self) -> int:
        return int(self.record["sample_rate"])

    @property
    def probs(self) -> dict[str, float]:
        """Probability of the target class on each signal."""
        return {s: float(self.record[k]) for s, k in PROB_KEYS.items()}


def signal_probabilities(classifier, exp: Explanation) -> list[dict]:
    """Per item: ``target_name`` and the target's probability (softmax or sigmoid, ``classifier.output``)
    on input, explanation and residual (one batched classifier call), as the keys of the clip JSON."""
    device = next(classifier.parameters(), torch.empty(0)).device
    with torch.no_grad():
        logits = classifier(torch.cat([exp.wav, exp.explanation_wav, exp.residual_wav]).to(device))
    probs = target_prob(logits, exp.target.to(logits.device).repeat(3), output=classifier.output).reshape(3, -1).T.cpu()
    return [
        {"target_name": classifier.class_names[int(t)], **dict(zip(PROB_KEYS.values(), map(float, p)))}
        for t, p in zip(exp.target, probs)
    ]


def clip_view(exp: Explanation, i: int, info: dict, name: str) -> ClipView:
    """Item ``i`` of ``exp`` as a :class:`ClipView`; ``info`` holds at least ``target_name`` and
    the three ``prob_*`` values (:func:`signal_probabilities`, or windowed ones for long clips)."""
    record = {"method": exp.method, "sample_rate": exp.sample_rate, "target": int(exp.target[i]), **info}
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise ValueError(f"clip {name}: info lacks {missing}")
    title = f"{name}: {record['method']}, target {record['target_name']}"
    figure = explanation_figure(
        exp.wav[i], exp.explanation_wav[i], exp.saliency[i], exp.sample_rate, title, grid=exp.grid
    )
    audio = {
        s: sig[i].detach().cpu().float().numpy()
        for s, sig in zip(SIGNALS, (exp.wav, exp.explanation_wav, exp.residual_wav))
    }
    return ClipView(name, audio, figure, record)


def listening_gain(views: Iterable[ClipView], peak: float = 0.99) -> float:
    """One gain for every signal of ``views`` (a clip heard through one or several methods):
    1, or less where a signal would clip. Signals are never normalised one by one, so a quieter
    explanation sounds quieter."""
    top = max((float(np.abs(a).max(initial=0.0)) for v in views for a in v.audio.values()), default=0.0)
    return 1.0 if top <= peak else peak / top


def _input_path(json_path: Path, record: dict) -> Path:
    stem = json_path.name[: -len(".json")]
    candidates = [json_path.with_name(f"{stem}.wav")]
    if record.get("input"):
        candidates += [json_path.parent / record["input"], Path(record["input"])]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise ReportError(
            f"{json_path}: input audio not found (looked for {', '.join(map(str, candidates))}); "
            f"run lmac report where lmac explain ran, or put the input beside it as {stem}.wav"
        )
    return found


def _read_wav(path: Path, sample_rate: int, length: int | None = None) -> np.ndarray:
    if not path.is_file():
        raise ReportError(f"{path}: missing (partial output folder?)")
    try:
        wav = load_audio(path, sample_rate).numpy()
    except AudioError as err:
        raise ReportError(str(err)) from None
    if length is not None and len(wav) != length:
        raise ReportError(f"{path}: {len(wav)} samples, but the explanation has {length}")
    return wav


def read_clip(json_path: str | os.PathLike, name: str | None = None) -> ClipView:
    """Read a clip written by ``lmac explain`` / ``lmac demo`` back into a :class:`ClipView`
    (named ``name``, default the file stem)."""
    json_path = Path(json_path)
    try:
        record = json.loads(json_path.read_text())
    except (OSError, ValueError) as err:
        raise ReportError(f"{json_path}: not readable as JSON ({err})") from None
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise ReportError(f"{json_path}: not an lmac clip record (no {', '.join(missing)})")
    stem, sr = json_path.name[: -len(".json")], int(record["sample_rate"])
    explanation = _read_wav(json_path.with_name(f"{stem}.explanation.wav"), sr)
    audio = {
        "input": _read_wav(_input_path(json_path, record), sr, len(explanation)),
        "explanation": explanation,
        "residual": _read_wav(json_path.with_name(f"{stem}.residual.wav"), sr, len(explanation)),
    }
    png = json_path.with_name(f"{stem}.png")
    if not png.is_file():
        raise ReportError(f"{png}: missing (partial output folder?)")
    sources = {
        key: _read_wav(json_path.with_name(file), sr, len(explanation))
        for key, file in record.get("levels", {}).get("sources_wav", {}).items()
    }
    return ClipView(name or stem, audio, png.read_bytes(), record, sources)


def _is_clip_record(path: Path) -> bool:
    """True for ``<stem>.json`` files that belong to a clip (an index or other JSON is skipped)."""
    if path.with_name(path.name[: -len(".json")] + ".explanation.wav").exists():
        return True
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and "prob_explanation" in record


def read_clip_folder(directory: str | os.PathLike) -> list[ClipView]:
    """Every clip of an ``lmac explain`` / ``lmac demo`` output folder and its sub-folders (named by
    their path inside it, without ``.json``), sorted by name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"{directory}: no such folder")
    views = [
        read_clip(p, p.relative_to(directory).as_posix()[: -len(".json")])
        for p in sorted(directory.rglob("*.json"))
        if _is_clip_record(p)
    ]
    if not views:
        raise ReportError(
            f"{directory}: no explanations here (expected <stem>.json from lmac explain or lmac demo, "
            "or results.json from lmac benchmark)"
        )
    return views
