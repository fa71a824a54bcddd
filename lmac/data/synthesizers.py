"""Numpy instrument synthesisers for the built-in data (not a dataset: see synthetic.py): piano, guitar,
organ, flute, bass, drums.

Each function takes a ``numpy.random.Generator``, a sample rate and a length in samples and
returns a float32 ``(T,)`` stem (not normalised). They are deliberately simple physical or
additive models, distinct enough in timbre and envelope for a small CNN to tell apart.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SYNTHS", "synthesize", "drum_kit", "additive", "attack", "place", "midi_hz"]


def midi_hz(midi: np.ndarray | float) -> np.ndarray | float:
    return 440.0 * 2.0 ** ((np.asarray(midi) - 69) / 12)


def _onsets(rng: np.random.Generator, n_samples: int, sr: int, n_min: int, n_max: int) -> list[tuple[int, int]]:
    """Random note (start, length) pairs covering the clip, each at least 0.15 s long."""
    n = int(rng.integers(n_min, n_max + 1))
    starts = np.sort(rng.uniform(0, n_samples / sr - 0.15, size=n))
    starts[0] = min(starts[0], rng.uniform(0, 0.2))
    ends = np.append(starts[1:], n_samples / sr)
    return [(int(s * sr), max(int((e - s) * sr), int(0.15 * sr))) for s, e in zip(starts, ends)]


def place(out: np.ndarray, start: int, note: np.ndarray) -> None:
    stop = min(len(out), start + len(note))
    out[start:stop] += note[: stop - start]


def additive(
    f0: float,
    t: np.ndarray,
    sr: int,
    amps: np.ndarray,
    decays: np.ndarray,
    stretch: float = 0.0,
    vibrato: np.ndarray | None = None,
) -> np.ndarray:
    k = np.arange(1, len(amps) + 1)
    freqs = k * f0 * np.sqrt(1 + stretch * k**2)
    keep = freqs < 0.45 * sr
    phase = 2 * np.pi * freqs[keep, None] * (t[None] if vibrato is None else np.cumsum(vibrato)[None] / sr)
    return (amps[keep, None] * np.exp(-decays[keep, None] * t[None]) * np.sin(phase)).sum(0)


def attack(t: np.ndarray, seconds: float) -> np.ndarray:
    return np.clip(t / seconds, 0, 1)


def piano(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Struck string: stretched harmonics, faster decay for higher partials, hammer click."""
    out = np.zeros(n)
    for start, length in _onsets(rng, n, sr, 3, 6):
        t = np.arange(length) / sr
        chord = rng.integers(48, 80) + np.array([0, rng.choice([3, 4]), 7])[: rng.integers(1, 4)]
        for f0 in midi_hz(chord):
            k = np.arange(1, 17)
            note = additive(f0, t, sr, 1.0 / k**1.1, 1.2 + 0.5 * k, stretch=rng.uniform(1e-4, 4e-4))
            click = rng.standard_normal(length) * np.exp(-t / 0.004) * 0.3
            place(out, start, (note + click) * attack(t, 0.002))
    return out


def guitar(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Plucked string by Karplus-Strong (vectorised one period at a time)."""
    out = np.zeros(n)
    for start, length in _onsets(rng, n, sr, 3, 7):
        period = int(sr / midi_hz(rng.integers(40, 77)))
        decay = rng.uniform(0.992, 0.998)
        y = np.zeros(length + period + 1)
        burst = rng.uniform(-1, 1, period + 1)
        y[: period + 1] = np.convolve(burst, [0.5, 0.5], mode="same")
        for s in range(period + 1, len(y), period):
            e = min(s + period, len(y))
            y[s:e] = decay * 0.5 * (y[s - period : e - period] + y[s - period - 1 : e - period - 1])
        place(out, start, y[:length])
    return out


def organ(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Sustained drawbar organ: fixed harmonic profile, tremolo, no decay."""
    out = np.zeros(n)
    drawbars = np.array([1.0, 0.8, 0.6, 0.5, 0.0, 0.35, 0.0, 0.25])
    for start, length in _onsets(rng, n, sr, 2, 4):
        t = np.arange(length) / sr
        env = attack(t, 0.02) * np.clip((length / sr - t) / 0.03, 0, 1)
        tremolo = 1 + 0.15 * np.sin(2 * np.pi * 6.5 * t)
        chord = rng.integers(48, 76) + np.array([0, rng.choice([3, 4]), 7])[: rng.integers(1, 4)]
        for f0 in midi_hz(chord):
            place(out, start, additive(f0, t, sr, drawbars, np.zeros(8)) * env * tremolo)
    return out


def flute(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Breathy near-sinusoid with vibrato and slow attack."""
    out = np.zeros(n)
    for start, length in _onsets(rng, n, sr, 2, 5):
        t = np.arange(length) / sr
        f0 = midi_hz(rng.integers(64, 91))
        vib = f0 * (1 + 0.006 * np.sin(2 * np.pi * rng.uniform(4.5, 6) * t))
        tone = additive(1.0, t, sr, np.array([1.0, 0.25, 0.08, 0.03]), np.zeros(4), vibrato=vib)
        breath = np.convolve(rng.standard_normal(length), np.ones(8) / 8, mode="same") * 0.06
        env = attack(t, 0.06) * np.clip((length / sr - t) / 0.05, 0, 1)
        place(out, start, (tone + breath) * env)
    return out


def bass(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Low plucked electric-bass tone: three harmonics, exponential decay."""
    out = np.zeros(n)
    for start, length in _onsets(rng, n, sr, 3, 6):
        t = np.arange(length) / sr
        f0 = midi_hz(rng.integers(28, 48))
        note = additive(f0, t, sr, np.array([1.0, 0.5, 0.25, 0.1]), np.array([2.5, 3.5, 5.0, 7.0]))
        place(out, start, note * attack(t, 0.008))
    return out


def drum_kit(rng: np.random.Generator, sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kick, snare and hi-hat samples, 0.4 s each."""
    t = np.arange(int(0.4 * sr)) / sr
    kick = np.sin(2 * np.pi * np.cumsum(45 + 90 * np.exp(-t / 0.03)) / sr) * np.exp(-t / 0.15)
    noise = rng.standard_normal(len(t))
    snare = np.diff(noise, prepend=0) * 0.5 * np.exp(-t / 0.07) + 0.6 * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05)
    hat = np.diff(np.diff(noise, prepend=0), prepend=0) * 0.15 * np.exp(-t / 0.02)
    return kick, snare, hat


def drums(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Kick, snare and hi-hat on an eighth-note grid at a random tempo."""
    out = np.zeros(n)
    step = int(sr * 30.0 / rng.uniform(90, 150))  # one eighth note
    kick, snare, hat = drum_kit(rng, sr)
    for i, pos in enumerate(range(int(rng.integers(0, step)), n, step)):
        beat = i % 8
        if beat in (0, 4) or (beat == 6 and rng.random() < 0.4):
            place(out, pos, kick)
        if beat in (2, 6):
            place(out, pos, snare)
        if rng.random() < 0.8:
            place(out, pos, hat)
    return out


SYNTHS = {"piano": piano, "guitar": guitar, "organ": organ, "flute": flute, "bass": bass, "drums": drums}


def synthesize(name: str, rng: np.random.Generator, sample_rate: int, n_samples: int) -> np.ndarray:
    """One stem of the named family, RMS-normalised to 0.1, float32 ``(n_samples,)``."""
    stem = SYNTHS[name](rng, sample_rate, n_samples)
    return (stem * (0.1 / max(np.sqrt(np.mean(stem**2)), 1e-8))).astype(np.float32)
