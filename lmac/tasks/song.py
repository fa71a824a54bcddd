"""``lmac explain SONG --lyrics TEXT``: explain one song and its lyric with MultimodalLIME, write the results.

Writes what ``lmac explain`` writes for a clip (``<stem>.explanation.wav``, ``.residual.wav``, ``.png``,
``.json``, and ``index.csv``); the JSON's ``extras`` hold every audio component's and word's weight
(``ranking``, highest first). The probabilities are the classifier's on each audio signal with the
whole lyric.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch

from lmac.audio import AudioError, load_audio
from lmac.classifiers import load_classifier
from lmac.explainers.factorizations import NMFFactorization
from lmac.explainers.multimodal_lime import MultimodalLIME, Song
from lmac.resources import resolve_checkpoint
from lmac.tasks.explain import PROBS, ClipResult, write_result
from lmac.tasks.outputs import output_paths

__all__ = ["explain_song", "DEFAULT_SONG_CHECKPOINT"]

DEFAULT_SONG_CHECKPOINT = "multimodal_classifier"  # the shipped audio + lyrics classifier


def _read_lyrics(path: str | os.PathLike) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AudioError(f"cannot read the lyrics file {path}: {err}") from None


def explain_song(
    audio_path: str,
    lyrics_path: str,
    out_dir: str | os.PathLike,
    checkpoint: str | os.PathLike = DEFAULT_SONG_CHECKPOINT,
    target: int | str | None = None,
    n_samples: int = 1000,
    n_components: int = 8,
    device: str = "cpu",
    progress: bool = False,
) -> dict:
    """Explain the song ``audio_path`` with the lyric in ``lyrics_path`` for ``target`` (default: the
    classifier's top class) with MultimodalLIME over ``n_components`` NMF components and the lyric's
    words; write the results into ``out_dir``. Returns the row of ``index.csv``."""
    classifier = load_classifier(resolve_checkpoint(checkpoint)).to(device)
    text = _read_lyrics(lyrics_path)
    wav = load_audio(audio_path, classifier.sample_rate).to(device)
    explainer = MultimodalLIME(classifier, NMFFactorization(n_components), n_samples=n_samples, progress=progress)
    start = time.perf_counter()
    exp = explainer.explain(Song(wav[None], [text]), target=None if target is None else [target]).detach()
    seconds = time.perf_counter() - start
    t = int(exp.target[0])
    with torch.no_grad():
        logits = classifier(torch.cat([exp.wav, exp.explanation_wav, exp.residual_wav]).to(device), [text] * 3)
    probs = classifier.probabilities(logits)[:, t].tolist()
    info = {
        "input": str(Path(audio_path).resolve()),
        "lyrics": str(Path(lyrics_path).resolve()),
        "method": exp.method,
        "sample_rate": exp.sample_rate,
        "target": t,
        "target_name": classifier.class_names[t],
        "output": classifier.output,
        **dict(zip(PROBS, probs)),
        "seconds": seconds,
        "duration": wav.shape[-1] / exp.sample_rate,
    }
    stem = Path(audio_path).stem
    write_result(ClipResult(stem, exp, info), out_dir)
    files = {kind: p.relative_to(out_dir).as_posix() for kind, p in output_paths(out_dir, stem).items()}
    return {"status": "ok", "error": "", **files, **info}
