"""Noise mixing: exact SNR, excerpts looped to length, folder errors."""

import math

import numpy as np
import pytest
import soundfile as sf
import torch

from lmac.audio import AudioError
from lmac.data import NoiseMixer, mix_at_snr


def test_mix_at_snr_hits_the_requested_snr():
    wav = torch.ones(100) * 0.5  # power 0.25
    noise = torch.tensor([1.0, -1.0] * 50)  # power 1
    mixed = mix_at_snr(wav, noise, 10.0)
    # noise gain g with 0.25 / g^2 = 10 -> g = 0.5 / sqrt(10)
    assert torch.allclose(mixed - wav, noise * 0.5 / math.sqrt(10))
    batch = mix_at_snr(torch.stack([wav, 2 * wav]), torch.stack([noise, noise]), torch.tensor([0.0, 20.0]))
    p_sig = torch.tensor([0.25, 1.0])
    p_noise = (batch - torch.stack([wav, 2 * wav])).pow(2).mean(-1)
    assert torch.allclose(10 * torch.log10(p_sig / p_noise), torch.tensor([0.0, 20.0]), atol=1e-4)
    assert torch.equal(mix_at_snr(torch.zeros(10), torch.ones(10), 0.0), torch.zeros(10))
    assert torch.equal(mix_at_snr(wav, torch.zeros(100), 0.0), wav)


def test_mixer_adds_noise_at_snr_in_range(tmp_path):
    rng = np.random.default_rng(0)
    sf.write(str(tmp_path / "short.wav"), rng.standard_normal(800).astype(np.float32) * 0.1, 8000)  # 0.1 s
    (tmp_path / "sub").mkdir()
    sf.write(str(tmp_path / "sub" / "long.flac"), rng.standard_normal(16000).astype(np.float32) * 0.1, 8000)
    mixer = NoiseMixer(tmp_path, sample_rate=16000, snr_db=(5.0, 5.0), peak=None)
    assert len(mixer.files) == 2 and mixer.seconds == [0.1, 2.0]
    wav = torch.sin(torch.arange(16000) * 0.05)
    g = torch.Generator().manual_seed(0)
    for _ in range(4):
        noisy = mixer(wav, generator=g)
        snr = 10 * torch.log10(wav.pow(2).mean() / (noisy - wav).pow(2).mean())
        assert snr.item() == pytest.approx(5.0, abs=1e-3)
    mixer.files, mixer.seconds = mixer.files[:1], mixer.seconds[:1]  # only the 0.1 s file: looped
    looped = mixer.noise(16000, torch.Generator().manual_seed(1))
    assert looped.shape == (16000,) and torch.equal(looped[:1600], looped[1600:3200])


def test_mixer_prob_and_peak(tmp_path):
    sf.write(str(tmp_path / "n.wav"), np.ones(4000, np.float32) * 0.3, 16000)
    wav = torch.linspace(-0.5, 0.5, 8000)
    assert torch.equal(NoiseMixer(tmp_path, prob=0.0)(wav), wav)
    assert NoiseMixer(tmp_path, snr_db=(0.0, 0.0))(wav).abs().max() == pytest.approx(0.9)


def test_mixer_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such noise folder"):
        NoiseMixer(tmp_path / "missing")
    with pytest.raises(ValueError, match="no noise files"):
        NoiseMixer(tmp_path)
    (tmp_path / "bad.wav").write_bytes(b"junk")
    with pytest.raises(AudioError, match="bad.wav: cannot be read"):
        NoiseMixer(tmp_path)
    sf.write(str(tmp_path / "ok.wav"), np.ones(100, np.float32), 16000)
    assert NoiseMixer(tmp_path, skip_bad_files=True).files == [str(tmp_path / "ok.wav")]
    with pytest.raises(ValueError, match="low <= high"):
        NoiseMixer(tmp_path, snr_db=(5, 0), skip_bad_files=True)
