import torch

from lmac.spectral import STFT, LogMel, STFTConfig


def test_stft_shapes_and_perfect_reconstruction():
    stft = STFT(STFTConfig(512, 128))
    wav = torch.randn(2, 16000)
    mag, phase = stft(wav)
    assert mag.shape == phase.shape == (2, 257, stft.grid.n_frames(16000))
    back = stft.inverse(mag, phase, 16000)
    assert torch.allclose(back, wav, atol=1e-4)


def test_inverse_is_linear_in_the_mask():
    stft = STFT()
    wav = torch.randn(1, 8000)
    mag, phase = stft(wav)
    mask = torch.rand_like(mag)
    a = stft.inverse(mask * mag, phase, 8000)
    b = stft.inverse((1 - mask) * mag, phase, 8000)
    assert torch.allclose(a + b, wav, atol=1e-4)


def test_logmel_from_magnitude_matches_waveform_path():
    lm = LogMel(16000, n_mels=40)
    wav = torch.randn(2, 8000)
    assert torch.allclose(lm(wav), lm.from_magnitude(lm.stft(wav)[0]))
    assert lm(wav).shape == (2, 40, 8000 // 128 + 1)


def test_config_dict():
    assert STFTConfig().to_dict() == {"n_fft": 512, "hop_length": 128}
    assert STFTConfig(1024, 256).n_freq == 513
