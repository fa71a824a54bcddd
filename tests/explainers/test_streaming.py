"""Signals in blocks give the numbers of the whole signal: windows, overlap-add, STFT frames."""

import pytest
import torch

from lmac.explainers.streaming import FrameStream, OverlapAdd, Tape, WindowCutter, window_starts
from lmac.spectral import STFT


def _blocks(x: torch.Tensor, size: int) -> list[torch.Tensor]:
    return list(x.split(size)) if size else [x]


@pytest.mark.parametrize("length", [1, 3, 256, 257, 300, 512, 5000])
@pytest.mark.parametrize("block", [1, 100, 0])
def test_frame_stream_equals_stft_of_the_whole(length, block):
    stft = STFT()
    x = torch.randn(length, generator=torch.Generator().manual_seed(length))
    frames = FrameStream(length, stft)
    got = torch.cat([frames.push(b) for b in _blocks(x, block)] + [frames.finish()], dim=1)
    expected = stft(x[None])[0][0]
    assert got.shape == expected.shape == (257, length // 128 + 1)
    assert torch.allclose(got, expected, atol=1e-4)


@pytest.mark.parametrize("length", [1, 50, 100, 101, 230, 1000])
@pytest.mark.parametrize("block", [1, 30, 0])
def test_windows_cut_from_blocks_and_stitched_back(length, block):
    window = 100
    x = torch.randn(length, generator=torch.Generator().manual_seed(length))
    cutter = WindowCutter(length, window)
    windows = [w for b in _blocks(x, block) for w in cutter.push(b)] + cutter.finish()
    padded = torch.nn.functional.pad(x, (0, max(0, window - length)))
    assert [w.tolist() for w in windows] == [padded[s : s + window].tolist() for s in window_starts(length, window)]
    chunks = torch.stack(windows) * 0.5  # any per-window signal
    whole = OverlapAdd(cutter.starts, window, length).add(chunks)
    for n in (1, 2, 3):
        ola = OverlapAdd(cutter.starts, window, length)
        parts = [ola.add(c) for c in chunks.split(n)]
        assert torch.equal(torch.cat(parts), whole)  # same additions in the same order: exactly equal
    assert torch.allclose(whole, 0.5 * x, atol=1e-6)  # normalised weights: a windowed copy stitches back


def test_cutter_checks_the_announced_length():
    cutter = WindowCutter(10, 4)
    cutter.push(torch.zeros(6))
    with pytest.raises(ValueError, match="got 6 samples, 10 were announced"):
        cutter.finish()
    with pytest.raises(ValueError, match="more than the 10 samples"):
        cutter.push(torch.zeros(5))


def test_tape_is_first_in_first_out():
    tape = Tape()
    tape.push(torch.arange(5.0))
    tape.push(torch.arange(5.0, 9.0))
    assert tape.take(3).tolist() == [0, 1, 2] and tape.take(10).tolist() == [3, 4, 5, 6, 7, 8]
