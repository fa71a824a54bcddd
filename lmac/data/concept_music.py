"""Numpy synthesisers for the concept task (see :mod:`lmac.data.concepts`): each source carries one
perceptual quality, set by a parameter ``p`` in [0, 1] that *is* the concept by definition.

* ``drums`` -> rhythm stability: kick / snare / hat on an eighth-note grid; each hit is displaced
  by up to ``(1 - p) * 0.45`` of a step (``p = 1``: a metronomic grid, ``p = 0``: loose, irregular).
* ``melody`` -> articulation: a sustained flute-like line; each note sounds for
  ``1 - 0.85 * p`` of its slot (``p = 0``: legato, ``p = 1``: staccato).
* ``harmony`` -> dissonance: organ chords (a major triad); clashing tones (a semitone and a
  tritone above the root) and a detuned, beating copy of each tone come in with level ``p``.
* ``bass`` -> brightness: bass notes with 24 harmonics of amplitude ``k ** -(3 - 2.3 p)``
  (``p = 0``: nearly a sine, ``p = 1``: buzzy and bright; the spectral centroid rises with ``p``).

Each function takes a ``numpy.random.Generator``, a sample rate, a length in samples and ``p``,
and returns a float64 ``(T,)`` stem (not normalised).
"""

from __future__ import annotations

import numpy as np

from lmac.data.synthesizers import additive, attack, drum_kit, midi_hz, place

__all__ = ["CONCEPT_SYNTHS", "drums", "melody", "harmony", "bass"]


def drums(rng: np.random.Generator, sr: int, n: int, p: float) -> np.ndarray:
    """Eighth-note kit pattern; hits displaced by up to ``(1 - p) * 0.45`` step."""
    out = np.zeros(n)
    step = int(sr * 30.0 / rng.uniform(100, 140))
    kick, snare, hat = drum_kit(rng, sr)
    for i, pos in enumerate(range(int(rng.integers(0, step // 2)), n, step)):
        pos = int(np.clip(pos + (1 - p) * 0.45 * step * rng.uniform(-1, 1), 0, n - 1))
        place(out, pos, kick if i % 4 == 0 else snare if i % 4 == 2 else hat * 2)
    return out


def melody(rng: np.random.Generator, sr: int, n: int, p: float) -> np.ndarray:
    """A line of notes in equal slots of 0.2-0.3 s, each sounding for ``1 - 0.85 p`` of its slot."""
    out = np.zeros(n)
    slot = int(sr * rng.uniform(0.2, 0.3))
    pitch = int(rng.integers(67, 79))
    for start in range(0, n, slot):
        pitch = int(np.clip(pitch + rng.choice([-2, -1, 0, 1, 2, 3]), 62, 86))
        length = max(int(slot * (1 - 0.85 * p)), int(0.02 * sr))
        t = np.arange(length) / sr
        tone = additive(midi_hz(pitch), t, sr, np.array([1.0, 0.3, 0.1]), np.zeros(3))
        env = attack(t, 0.01) * np.clip((length / sr - t) / 0.01, 0, 1)
        place(out, start, tone * env)
    return out


def harmony(rng: np.random.Generator, sr: int, n: int, p: float) -> np.ndarray:
    """Two or three organ chords: a major triad, plus clashing and detuned tones at level ``p``."""
    out = np.zeros(n)
    drawbars = np.array([1.0, 0.6, 0.4, 0.25])
    n_chords = int(rng.integers(2, 4))
    length = n // n_chords
    t = np.arange(length) / sr
    env = attack(t, 0.03) * np.clip((length / sr - t) / 0.03, 0, 1)
    for c in range(n_chords):
        root = int(rng.integers(50, 62))
        tones = [(root + i, 1.0) for i in (0, 4, 7)] + [(root + i, p) for i in (1, 6)]
        chord = np.zeros(length)
        for midi, level in tones:
            f0 = midi_hz(midi)
            chord += level * additive(f0, t, sr, drawbars, np.zeros(4))
            chord += p * additive(f0 + 6 + 6 * p, t, sr, drawbars, np.zeros(4))  # beating copy
        place(out, c * length, chord * env)
    return out


def bass(rng: np.random.Generator, sr: int, n: int, p: float) -> np.ndarray:
    """Plucked bass notes whose harmonics fall off as ``k ** -(3 - 2.3 p)``."""
    out = np.zeros(n)
    slot = int(sr * rng.uniform(0.25, 0.5))
    k = np.arange(1, 25)
    amps = k ** -(3.0 - 2.3 * p)
    for start in range(0, n, slot):
        t = np.arange(slot) / sr
        f0 = midi_hz(int(rng.integers(33, 45)))
        note = additive(f0, t, sr, amps, np.full(24, 3.0))
        place(out, start, note * attack(t, 0.005))
    return out


CONCEPT_SYNTHS = {"drums": drums, "melody": melody, "harmony": harmony, "bass": bass}
