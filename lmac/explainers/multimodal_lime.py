"""MultimodalLIME (MusicLIME, Sotirou et al. 2024, arXiv 2409.10496): LIME over audio components and lyric words.

For each song: one binary vector over the audio components of a
:class:`~lmac.explainers.factorizations.Factorization` (oracle stems, a separator, NMF, x time
segments) followed by the distinct words of its lyric (switching a word off removes every occurrence
of it); each entry on with probability 0.5, the first sample all on (or all ``2^K`` subsets with
``n_samples="exhaustive"``); the classifier called in batches on the composed (audio, lyric) pairs; a
weighted ridge surrogate (:func:`~lmac.explainers.lime.fit_surrogate`) from the vectors to the
target's probability. ``modality="audio"`` or ``"lyrics"`` perturbs one modality and keeps the other whole.

The kernel: ``exp(-d^2 / 0.25^2)`` on the cosine distance ``d`` of a vector to the all-on one
(audioLIME's). MusicLIME's reference code passes a kernel width of 25 to a distance in [0, 1]
(lime's text explainer scales the distance by 100 first), which weighs every sample ~1, an
unweighted fit; here a song with half its features off weighs ~0.25 and one with one of twelve on
~3e-4, so the surrogate is local.

The explanation is audio: the ``top_k`` positively weighted audio components summed; the residual is
the song minus it. ``extras`` hold every feature's weight: ``components`` / ``weights (B, K)`` for the
audio (as :class:`~lmac.explainers.lime.SourceLIME`), ``words`` (per song, word -> weight), and
``ranking`` (per song, every audio component and word with its modality and weight, highest first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from lmac.classifiers.multimodal import words_of
from lmac.explainers.base import Target
from lmac.explainers.factorizations import Components, Factorization
from lmac.explainers.lime import SourceLIME, fit_surrogate, perturbations
from lmac.explanation import Explanation
from lmac.spectral import STFT, STFTConfig, relative_magnitude

__all__ = ["Song", "MultimodalLIME", "MODALITIES"]

MODALITIES = ("both", "audio", "lyrics")


@dataclass
class Song:
    """What a multimodal classifier reads: audio and lyrics, explained together.

    Attributes:
        wav: ``(B, T)`` or ``(T,)`` audio.
        lyrics: one lyric per clip (a list of ``B`` strings), or one string for every clip.
    """

    wav: torch.Tensor
    lyrics: str | list[str]

    def lyric_list(self, batch: int) -> list[str]:
        lyrics = [self.lyrics] * batch if isinstance(self.lyrics, str) else list(self.lyrics)
        if len(lyrics) != batch:
            raise ValueError(f"got {len(lyrics)} lyrics for {batch} clips")
        return lyrics


class MultimodalLIME(SourceLIME):
    """LIME over audio components and lyric words of a classifier ``forward(wav, lyrics)``.

    Args:
        classifier: a classifier taking ``(wav (B, T), lyrics: list of B strings)``, e.g.
            :class:`~lmac.classifiers.LyricsMelCNN`.
        factorization: splits the audio into named components.
        modality: ``"both"`` (MusicLIME), ``"audio"`` or ``"lyrics"``: which features are perturbed.
        n_samples, top_k, kernel_width, alpha, batch_size, seed, max_exhaustive, progress, name, stft:
            as :class:`~lmac.explainers.lime.SourceLIME` (``top_k`` counts audio components).
    """

    reads_lyrics = True  # explain() takes a Song (the aggregation passes one when items carry text)

    def __init__(
        self,
        classifier,
        factorization: Factorization,
        modality: str = "both",
        n_samples: int | str = 1000,
        top_k: int | None = 3,
        kernel_width: float = 0.25,
        alpha: float = 1.0,
        batch_size: int = 64,
        seed: int = 0,
        max_exhaustive: int = 16,
        progress: bool = True,
        name: str = "musiclime",
        stft: STFTConfig | None = None,
    ):
        if modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
        super().__init__(
            classifier,
            factorization,
            n_samples,
            top_k,
            kernel_width,
            alpha,
            batch_size,
            seed,
            max_exhaustive,
            progress,
            name,
            stft,
        )
        self.modality = modality

    def explain(self, wav: Song | torch.Tensor, target: Target = None) -> Explanation:
        """Explain a :class:`Song` (a bare ``wav`` is a song with no lyric) for ``target`` (see ``Explainer``)."""
        song = wav if isinstance(wav, Song) else Song(wav, "")
        wav = self._prepare_wav(song.wav)
        lyrics = song.lyric_list(wav.shape[0])
        if target is None:
            with torch.no_grad():
                target = self.classifier(wav, lyrics).argmax(dim=-1)
        else:
            target = self._target_indices(target, wav)
        comps = self._components(wav)
        fits = [self._fit_song(comps, b, lyrics[b], int(target[b])) for b in range(wav.shape[0])]
        weights = torch.tensor(np.stack([f["audio"] for f in fits]), dtype=torch.float32)
        chosen = torch.stack([self._select(w) for w in weights]).to(wav)  # (B, K)
        explanation = (chosen[..., None] * comps.wav).sum(1)
        extras = {
            "components": list(comps.names),
            "weights": weights,
            "words": [f["words"] for f in fits],
            "ranking": [_ranking(comps.names, f["audio"], f["active"], f["words"]) for f in fits],
            "intercept": torch.tensor([f["intercept"] for f in fits]),
            "r2": torch.tensor([f["r2"] for f in fits]),
            "selected": [[comps.names[k] for k in row.nonzero().flatten().tolist()] for row in chosen.cpu()],
            "n_samples": [f["n_samples"] for f in fits],
            "modality": self.modality,
            "lyrics": lyrics,
        }
        saliency = relative_magnitude(explanation, wav, STFT(self.grid).to(wav.device))
        return Explanation(
            wav, explanation, wav - explanation, saliency, target, self.name, self.sample_rate, self.grid, extras
        )

    def _fit_song(self, comps: Components, index: int, text: str, target: int) -> dict:
        """Perturb, classify and fit one song -> audio weights ``(K,)``, word -> weight, intercept, r2, n_samples."""
        active = (comps.wav[index].abs().amax(-1) > 0).cpu().numpy() & (self.modality != "lyrics")
        tokens = words_of(text)
        words = list(dict.fromkeys(tokens)) if self.modality != "audio" else []
        n_audio, audio = int(active.sum()), np.zeros(len(comps.names))
        if n_audio + len(words) == 0:
            return {"audio": audio, "active": active, "words": {}, "intercept": 0.0, "r2": float("nan"), "n_samples": 0}
        z = perturbations(n_audio + len(words), self.n_samples, np.random.default_rng(self.seed), self.max_exhaustive)
        z_audio = np.ones((len(z), len(comps.names)))
        z_audio[:, active] = z[:, :n_audio]
        on = [dict(zip(words, row)) for row in z[:, n_audio:]]
        texts = [" ".join(t for t in tokens if on_words.get(t, 1)) for on_words in on]
        probs = self._predict_songs(comps, index, torch.from_numpy(z_audio), texts, target)
        coef, intercept, r2 = fit_surrogate(z, probs, self.kernel_width, self.alpha, self.seed)
        audio[active] = coef[:n_audio]
        return {
            "audio": audio,
            "active": active,
            "words": dict(zip(words, coef[n_audio:].tolist())),
            "intercept": intercept,
            "r2": r2,
            "n_samples": len(z),
        }

    @torch.no_grad()
    def _predict_songs(
        self, comps: Components, index: int, z_audio: torch.Tensor, texts: list[str], target: int
    ) -> np.ndarray:
        """Target probability ``(N,)`` of the songs composed from ``z_audio (N, K)`` and ``texts`` (``N``)."""
        probs = []
        starts = range(0, len(texts), self.batch_size)
        for s in tqdm(starts, desc=f"{self.name} song {index}", disable=not self.progress, leave=False):
            logits = self.classifier(
                comps.compose(index, z_audio[s : s + self.batch_size]), texts[s : s + self.batch_size]
            )
            probs.append(self.classifier.probabilities(logits)[:, target].double().cpu())
        return torch.cat(probs).numpy()


def _ranking(names: list[str], audio: np.ndarray, active: np.ndarray, words: dict[str, float]) -> list[dict]:
    """Every perturbed feature of one song with its modality and weight, highest weight first."""
    rows = [{"feature": n, "modality": "audio", "weight": float(w)} for n, w, a in zip(names, audio, active) if a]
    rows += [{"feature": w, "modality": "lyrics", "weight": float(v)} for w, v in words.items()]
    return sorted(rows, key=lambda r: -r["weight"])
