"""SpeechBrain CNN14 (PANNs) on log1p-mel with a linear head, as in SpeechBrain's ESC-50 recipes.

The front end reproduces ``recipes/ESC50/classification/hparams/cnn14.yaml``: SpeechBrain
``STFT`` (n_fft 1024, hop 11.6099 ms, window 23.2199 ms, Hamming) -> magnitude
(``spectral_magnitude(power=0.5)``) -> ``Filterbank(log_mel=False)`` -> ``log1p``; then
``speechbrain.lobes.models.Cnn14.Cnn14`` -> ``(B, 1, emb_dim)`` -> ``nn.Linear(emb_dim, C)``.
So ``embedding_model.ckpt`` and ``classifier.ckpt`` saved by those recipes load unchanged.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch
from speechbrain.lobes.models.Cnn14 import Cnn14
from speechbrain.processing.features import STFT, Filterbank, spectral_magnitude
from torch import nn

from lmac.checkpoint import CheckpointError, capture_init, read_weights_only
from lmac.classifiers.base import AudioClassifier

__all__ = ["Cnn14Classifier", "load_cnn14", "read_label_encoder"]


class Cnn14Classifier(AudioClassifier):
    """CNN14 + linear head; features are the four block outputs CNN14 returns with ``return_reps``.

    The constructor builds a randomly initialised model from architecture settings only (this is
    what a self-describing checkpoint stores); use :func:`load_cnn14` to load SpeechBrain weights.

    Args:
        class_names: output classes (order of the linear head's rows).
        sample_rate: input rate (16 kHz in the L-MAC paper).
        clip_seconds: analysis window (5 s for ESC-50).
        n_mels: mel bands (80 in SpeechBrain's recipes; at least 32, CNN14 pools mel by 32).
        emb_dim: embedding size (2048 in SpeechBrain's recipes).
        n_fft, hop_ms, win_ms: STFT settings of the front end (window and hop in milliseconds).
        f_max: highest mel frequency in Hz (SpeechBrain's default 8000).
        norm_type: CNN14 normalisation, ``"bn"``, ``"in"`` or ``"ln"``.
        output: ``"softmax"`` (ESC-50, one class per clip) or ``"sigmoid"`` (a multi-label head).
    """

    @capture_init
    def __init__(
        self,
        class_names: list[str],
        sample_rate: int = 16000,
        clip_seconds: float = 5.0,
        n_mels: int = 80,
        emb_dim: int = 2048,
        n_fft: int = 1024,
        hop_ms: float = 11.6099,
        win_ms: float = 23.2199,
        f_max: float = 8000.0,
        norm_type: str = "bn",
        output: str = "softmax",
    ):
        super().__init__(sample_rate, class_names, clip_seconds, output)
        if n_mels < 32:
            raise ValueError(f"n_mels must be at least 32 (CNN14 halves the mel axis five times), got {n_mels}")
        self.compute_stft = STFT(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_ms, win_length=win_ms)
        self.compute_fbank = Filterbank(n_mels=n_mels, n_fft=n_fft, sample_rate=sample_rate, f_max=f_max, log_mel=False)
        self.embedding_model = Cnn14(n_mels, emb_dim, norm_type=norm_type, return_reps=True)
        self.classifier = nn.Linear(emb_dim, len(class_names))

    def log_mel(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> ``log1p`` mel magnitudes ``(B, frames, n_mels)`` (SpeechBrain's layout)."""
        mag = spectral_magnitude(self.compute_stft(wav), power=0.5)  # (B, frames, n_fft // 2 + 1)
        return torch.log1p(self.compute_fbank(mag))

    def _run(self, wav: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        embedding, reps = self.embedding_model(self.log_mel(wav))  # (B, 1, emb_dim), 4 x (B, C_i, T_i, M_i)
        return self.classifier(embedding.squeeze(1)), reps

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> logits ``(B, C)``."""
        return self._run(wav)[0]

    def features(self, wav: torch.Tensor) -> list[torch.Tensor]:
        """``wav (B, T)`` -> block outputs, deepest first, time last: ``(B, C_i, M_i, T_i)`` with
        ``C = (emb_dim, 1024, 512, 256)`` and mel / time pooled by ``(32, 32, 16, 8)``."""
        return self.logits_and_features(wav)[1]

    def logits_and_features(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One CNN14 pass for both: logits ``(B, C)`` and the block outputs (see :meth:`features`)."""
        logits, reps = self._run(wav)
        return logits, [rep.transpose(-1, -2) for rep in reps]


def read_label_encoder(path: str | os.PathLike) -> list[str]:
    """Class names in index order from a SpeechBrain ``label_encoder.txt`` (``'dog' => 0`` lines)."""
    mapping: dict[int, str] = {}
    for line in Path(path).read_text().splitlines():
        if line.startswith("="):
            break  # what follows (starting_index, ...) is encoder metadata
        match = re.fullmatch(r"\s*(['\"])(.*)\1\s*=>\s*(\d+)\s*", line)
        if match:
            mapping[int(match.group(3))] = match.group(2)
    if sorted(mapping) != list(range(len(mapping))) or not mapping:
        raise CheckpointError(f"{path}: not a SpeechBrain label encoder file (expected lines like 'dog' => 0)")
    return [mapping[i] for i in range(len(mapping))]


def _load_state(path: Path) -> dict[str, torch.Tensor]:
    state = read_weights_only(
        path,
        "no such file (expected SpeechBrain's embedding_model.ckpt and classifier.ckpt)",
        "not a readable PyTorch state dict",
    )
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise CheckpointError(f"{path}: expected a state dict of tensors")
    if state and all(k.startswith("module.") for k in state):  # saved from a DDP wrapper
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state


def _class_rows(folder: Path, class_names: list[str], n_rows: int) -> list[int]:
    """Row of the linear head for each requested class (reorders by ``label_encoder.txt`` if present)."""
    encoder = folder / "label_encoder.txt"
    if not encoder.is_file():
        if n_rows != len(class_names):
            raise CheckpointError(
                f"{folder}/classifier.ckpt has {n_rows} outputs but {len(class_names)} classes were given"
            )
        return list(range(n_rows))
    stored = read_label_encoder(encoder)
    missing = [c for c in class_names if c not in stored]
    if missing or len(stored) != n_rows:
        raise CheckpointError(
            f"{encoder}: classes {missing or stored} do not match the data's classes "
            f"or the {n_rows} outputs of classifier.ckpt"
        )
    return [stored.index(c) for c in class_names]


def load_cnn14(class_names: list[str], folder: str | os.PathLike | None = None, **arch) -> Cnn14Classifier:
    """Build a CNN14 classifier, from SpeechBrain checkpoints in a local folder if given.

    Args:
        class_names: the data's classes, in the order the logits should follow. If the folder
            holds SpeechBrain's ``label_encoder.txt``, the head's rows are reordered to match.
        folder: local directory with ``embedding_model.ckpt`` and ``classifier.ckpt``
            (never downloaded); ``None`` gives a randomly initialised model to train.
        **arch: :class:`Cnn14Classifier` settings (``sample_rate``, ``clip_seconds``, STFT, ...).
            ``n_mels`` and ``emb_dim`` are read from the checkpoint when a folder is given.

    Returns:
        The classifier, frozen when loaded from a folder.
    """
    if folder is None:
        return Cnn14Classifier(list(class_names), **arch)
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: no such CNN14 checkpoint folder")
    embedding = _load_state(folder / "embedding_model.ckpt")
    head = _load_state(folder / "classifier.ckpt")
    if "norm0.weight" not in embedding or "weight" not in head:
        raise CheckpointError(f"{folder}: checkpoints do not look like SpeechBrain CNN14 + linear classifier")
    arch.update(n_mels=int(embedding["norm0.weight"].shape[0]), emb_dim=int(head["weight"].shape[1]))
    rows = _class_rows(folder, list(class_names), int(head["weight"].shape[0]))
    model = Cnn14Classifier(list(class_names), **arch)
    try:
        model.embedding_model.load_state_dict(embedding)
        model.classifier.load_state_dict({k: v[rows] for k, v in head.items()})
    except RuntimeError as err:
        raise CheckpointError(f"{folder}: weights do not fit CNN14 ({str(err).splitlines()[0]})") from None
    return model.freeze()
