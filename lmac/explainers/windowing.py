"""Clips of any length: pad short ones, explain long ones window by window and stitch.

A clip longer than the classifier's window ``W`` is cut into windows of ``W`` samples with
50% overlap (the last window is aligned to the clip's end). The clip's class is the argmax
of the mean logits over windows; every window is explained for that same target, and the
explanation and residual are stitched by overlap-add with Hann weights normalised by their
sum (so a constant signal passes unchanged). The stitched saliency is the explanation's
STFT magnitude relative to the input's, clipped to [0, 1], on the explainer's grid (``exp.grid``).
A clip shorter than ``W`` is zero-padded, explained and cropped back.

Windows are explained in batches of ``batch_size`` (``None``: all at once) and everything is
computed as the clip streams past (:mod:`lmac.explainers.streaming`), so :func:`explain_blocks`
explains a recording of any length in bounded memory; the result does not depend on the batch
size (up to float rounding). Choosing the clip's class needs every window before the first
can be explained: with ``target=None`` that is a first, classifier-only pass
(:func:`classify_clip`), then the explaining pass.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from lmac.audio import validate_wav
from lmac.explainers.base import Explainer, Target
from lmac.explainers.streaming import FrameStream, OverlapAdd, Tape, WindowCutter, trim_heap, window_starts
from lmac.explanation import Explanation
from lmac.spectral import STFT

__all__ = ["window_starts", "ClipLogits", "classify_clip", "ClipPiece", "explain_blocks", "clip_extras", "explain_clip"]

PROGRESS_WINDOWS = 8  # a progress bar is shown for clips of more windows than this


def _device(classifier) -> torch.device:
    return next(classifier.parameters(), torch.empty(0)).device


def _ratio(mag_e: torch.Tensor, mag: torch.Tensor) -> torch.Tensor:
    """:func:`lmac.spectral.relative_magnitude` from the two magnitudes (frames that arrive in pieces)."""
    return (mag_e / mag.clamp_min(1e-8)).clamp(0, 1)


class ClipLogits:
    """Mean logits over the windows of a ``length``-sample clip that arrives in blocks.

    Args:
        classifier: the classifier (its ``clip_samples`` is the window).
        length: total samples of the clip.
        batch_size: windows per classifier call (``None``: all at once).
    """

    def __init__(self, classifier, length: int, batch_size: int | None = None):
        self.classifier, self.batch_size = classifier, batch_size
        self._cutter = WindowCutter(length, classifier.clip_samples)
        self._pending: list[torch.Tensor] = []
        self._sum = None

    def push(self, block: torch.Tensor) -> None:
        """Add the next ``(T_i,)`` samples."""
        self._pending += self._cutter.push(block)
        while self.batch_size and len(self._pending) >= self.batch_size:
            self._run(self._pending[: self.batch_size])
            self._pending = self._pending[self.batch_size :]

    @torch.no_grad()
    def _run(self, windows: list[torch.Tensor]) -> None:
        logits = self.classifier(torch.stack(windows).to(_device(self.classifier))).sum(dim=0)
        self._sum = logits if self._sum is None else self._sum + logits

    def result(self) -> torch.Tensor:
        """Mean logits ``(C,)`` over the clip's windows (call once, after the last block)."""
        self._pending += self._cutter.finish()
        if self._pending:
            self._run(self._pending)
        return self._sum / len(self._cutter.starts)


def classify_clip(classifier, wav: torch.Tensor, batch_size: int | None = None) -> torch.Tensor:
    """Logits ``(C,)`` of a ``(T,)`` clip of any length: mean over its windows."""
    meter = ClipLogits(classifier, wav.shape[-1], batch_size)
    meter.push(wav)
    return meter.result()


@dataclass
class ClipPiece:
    """The next stretch of an explained clip, as soon as it is final.

    Attributes:
        wav, explanation_wav, residual_wav: ``(n,)`` consecutive samples of the three signals.
        saliency: ``(F, k)`` the next ``k`` saliency frames (they lag the samples by half an STFT frame).
        n_windows: how many windows were explained for this piece.
        extras: the explainer's ``extras`` for those windows.
        seconds: wall time spent producing this piece (reading and explaining).
    """

    wav: torch.Tensor
    explanation_wav: torch.Tensor
    residual_wav: torch.Tensor
    saliency: torch.Tensor
    n_windows: int = 1
    extras: dict = field(default_factory=dict)
    seconds: float = 0.0


def explain_blocks(
    explainer: Explainer,
    blocks: Iterable[torch.Tensor],
    length: int,
    target: int,
    batch_size: int | None = None,
    progress: bool = False,
) -> Iterator[ClipPiece]:
    """Explain a ``length``-sample clip arriving in ``(T_i,)`` blocks for class index ``target``.

    Windows are explained ``batch_size`` at a time (``None``: all at once); explanation and
    residual are stitched as they come, so memory does not grow with the clip's length. A
    progress bar (tqdm) is shown with ``progress`` for clips of more than a few windows.

    Yields:
        :class:`ClipPiece` s whose samples add up to ``length`` and whose saliency frames add up
        to the clip's saliency: for one window, the explainer's own (cropped to the clip); for
        several, the explanation's STFT magnitude relative to the input's.
    """
    window = explainer.classifier.clip_samples
    cutter, tape = WindowCutter(length, window), Tape()
    stitch = _Stitcher(cutter.starts, window, length) if len(cutter.starts) > 1 else None
    bar = tqdm(
        total=len(cutter.starts),
        desc="windows",
        unit="win",
        leave=False,
        disable=not progress or len(cutter.starts) <= PROGRESS_WINDOWS,
    )

    def explain(windows: list[torch.Tensor]) -> ClipPiece:
        exp = explainer.explain(torch.stack(windows), target=[target] * len(windows))
        bar.update(len(windows))
        piece = stitch.add(exp, tape) if stitch else _single_window(exp, tape.take(length), length)
        piece.n_windows, piece.extras = len(windows), exp.extras
        return piece

    pending: list[torch.Tensor] = []
    clock = time.perf_counter()

    def flush(final: bool) -> Iterator[ClipPiece]:
        nonlocal pending, clock
        size = batch_size or (len(pending) if final else 0)
        while size and pending and (final or len(pending) >= size):
            piece, pending = explain(pending[:size]), pending[size:]
            piece.seconds = time.perf_counter() - clock
            yield piece
            trim_heap()  # after the consumer is done with the piece too
            clock = time.perf_counter()

    with bar:
        for block in blocks:
            tape.push(block)
            pending += cutter.push(block)
            yield from flush(final=False)
        pending += cutter.finish()
        yield from flush(final=True)


class _Stitcher:
    """Overlap-add of explanation and residual, and the relative-magnitude saliency, as windows come."""

    def __init__(self, starts: list[int], window: int, length: int):
        self.explanation, self.residual = OverlapAdd(starts, window, length), OverlapAdd(starts, window, length)
        self.done_samples, self.length = 0, length
        self._frames: tuple[FrameStream, FrameStream] | None = None

    def add(self, exp: Explanation, tape: Tape) -> ClipPiece:
        explanation = self.explanation.add(exp.explanation_wav)
        residual = self.residual.add(exp.residual_wav)
        wav = tape.take(explanation.shape[-1]).to(explanation.device)
        if self._frames is None:
            stft = STFT(exp.grid).to(explanation.device)
            self._frames = (FrameStream(self.length, stft), FrameStream(self.length, stft))
        frames_in, frames_e = self._frames
        mag, mag_e = frames_in.push(wav), frames_e.push(explanation)
        self.done_samples += wav.shape[-1]
        if self.done_samples == self.length:
            mag, mag_e = torch.cat([mag, frames_in.finish()], 1), torch.cat([mag_e, frames_e.finish()], 1)
        return ClipPiece(wav, explanation, residual, _ratio(mag_e, mag))


def _single_window(exp: Explanation, wav: torch.Tensor, length: int) -> ClipPiece:
    """A clip of at most one window: the explainer's output, cropped back to ``length`` (centred
    frames: the first ones of the saliency cover the clip)."""
    return ClipPiece(
        wav.to(exp.wav.device),
        exp.explanation_wav[0, :length],
        exp.residual_wav[0, :length],
        exp.saliency[0, :, : exp.grid.n_frames(length)],
    )


def explain_clip(
    explainer: Explainer, wav: torch.Tensor, target: Target = None, batch_size: int | None = None
) -> Explanation:
    """Explain one ``(T,)`` clip of any length; returns a batch-of-one :class:`Explanation`.

    Args:
        explainer: any method.
        wav: ``(T,)`` samples at ``explainer.sample_rate``.
        target: one class (index or name), or ``None`` for the clip's class (see module doc).
        batch_size: windows per ``explain`` call (``None``: all at once).
    """
    wav = validate_wav(wav, "wav")
    if wav.dim() != 1:
        raise ValueError(f"explain_clip takes one (T,) clip, got {tuple(wav.shape)}")
    classifier = explainer.classifier
    if target is None:
        index = int(classify_clip(classifier, wav, batch_size).argmax())
    else:
        index = classifier.class_index(target.item() if torch.is_tensor(target) else target)
    pieces = list(explain_blocks(explainer, [wav], wav.shape[-1], index, batch_size))
    signals = [
        torch.cat([getattr(p, name) for p in pieces])[None] for name in ("wav", "explanation_wav", "residual_wav")
    ]
    saliency = torch.cat([p.saliency for p in pieces], dim=-1)[None]
    extras = clip_extras([(p.n_windows, p.extras) for p in pieces], wav.shape[-1], classifier.clip_samples)
    return Explanation(
        *signals,
        saliency,
        torch.tensor([index], device=signals[0].device),
        explainer.name,
        explainer.sample_rate,
        explainer.grid,
        extras,
    )


def clip_extras(parts: list[tuple[int, dict]], length: int, window: int) -> dict:
    """The explainer's ``extras`` over a clip's windows, from ``(n_windows, extras)`` per batch, plus
    ``windows`` (the window starts) when the clip has several.

    From one batch they are kept as they are; from several, values with one entry per window
    (tensors, lists) are concatenated and the others taken from the first batch.
    """
    merged = dict(parts[0][1]) if parts else {}
    if len(parts) > 1:
        for key, first in parts[0][1].items():
            values = [extras.get(key) for _, extras in parts]
            per_window = all(
                (isinstance(v, list) or (torch.is_tensor(v) and v.dim() > 0)) and len(v) == n
                for v, (n, _) in zip(values, parts)
            )
            if per_window:
                merged[key] = torch.cat(values) if torch.is_tensor(first) else [x for v in values for x in v]
    starts = window_starts(length, window)
    return {**merged, "windows": starts} if len(starts) > 1 else merged
