"""Generated fixture folders in the released layouts (ESC-50, MUSDB18-HQ) and tiny CNN14 checkpoints.

No network: every file is synthesised here, small and fast to read.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

ESC_CLASSES = ["dog", "rain", "siren"]  # targets 0, 1, 2


def tone(freq: float, seconds: float, sample_rate: int, seed: int = 0, amp: float = 0.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (amp * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def make_esc50(
    root: Path,
    per_fold: int = 1,
    seconds: float = 1.0,
    sample_rate: int = 8000,
    folds: tuple[int, ...] = (1, 2, 3, 4, 5),
) -> Path:
    """``root/audio/{fold}-{id}-A-{target}.wav`` + ``root/meta/esc50.csv``; class ``k`` is a tone at
    ``300 * (k + 1)`` Hz. Rate 8 kHz so loaders must resample; clip ``siren`` files are stereo."""
    (root / "audio").mkdir(parents=True, exist_ok=True)
    (root / "meta").mkdir(exist_ok=True)
    rows = []
    for fold in folds:
        for target, category in enumerate(ESC_CLASSES):
            for i in range(per_fold):
                name = f"{fold}-{100 * target + i}-A-{target}.wav"
                wav = tone(300 * (target + 1), seconds, sample_rate, seed=fold * 100 + target * 10 + i)
                data = np.stack([wav, 0.5 * wav], axis=1) if category == "siren" else wav
                sf.write(str(root / "audio" / name), data, sample_rate)
                rows.append(
                    {
                        "filename": name,
                        "fold": fold,
                        "target": target,
                        "category": category,
                        "esc10": "False",
                        "src_file": str(100 * target + i),
                        "take": "A",
                    }
                )
    with (root / "meta" / "esc50.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


def make_musdb(root: Path, tracks: dict[str, list[str]], seconds: float = 2.0, sample_rate: int = 8000) -> Path:
    """``root/{subset}/{track}/{mixture,vocals,drums,bass,other}.wav``, stereo; in each track one
    stem (by track index) is loud and the others quiet."""
    stems = ["vocals", "drums", "bass", "other"]
    for subset, names in tracks.items():
        for k, name in enumerate(names):
            folder = root / subset / name
            folder.mkdir(parents=True, exist_ok=True)
            mix = 0
            for j, stem in enumerate(stems):
                amp = 0.4 if j == k % len(stems) else 0.05
                wav = tone(200 * (j + 1), seconds, sample_rate, seed=k * 10 + j, amp=amp)
                data = np.stack([wav, wav], axis=1)
                sf.write(str(folder / f"{stem}.wav"), data, sample_rate)
                mix = mix + data
            sf.write(str(folder / "mixture.wav"), mix, sample_rate)
    return root


def make_cnn14_folder(
    folder: Path,
    class_names: list[str],
    n_mels: int = 32,
    emb_dim: int = 32,
    encoder_order: list[str] | None = None,
    seed: int = 0,
):
    """Save a randomly initialised CNN14 the way SpeechBrain's recipes do (``embedding_model.ckpt``,
    ``classifier.ckpt`` and, if ``encoder_order`` is given, ``label_encoder.txt``). Returns the model."""
    from lmac.classifiers import Cnn14Classifier

    torch.manual_seed(seed)
    order = encoder_order or class_names
    model = Cnn14Classifier(list(order), n_mels=n_mels, emb_dim=emb_dim, clip_seconds=1.0)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.embedding_model.state_dict(), folder / "embedding_model.ckpt")
    torch.save(model.classifier.state_dict(), folder / "classifier.ckpt")
    if encoder_order is not None:
        lines = [f"'{name}' => {i}" for i, name in enumerate(encoder_order)]
        (folder / "label_encoder.txt").write_text("\n".join(lines + ["================", "'starting_index' => 0"]))
    return model.freeze()
