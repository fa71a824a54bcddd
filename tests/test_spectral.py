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


def test_split_complex_matches_split_and_its_residual_is_the_exact_complement():
    torch.manual_seed(0)
    stft = STFT()
    wav = torch.randn(2, 4000)
    spec = stft.complex(wav)
    mag, phase = stft(wav)
    mask = torch.rand_like(mag)
    # the two inverse STFTs with the input's phase, written out (split() itself now goes through split_complex)
    explanation, residual = (stft.inverse(m * mag, phase, wav.shape[-1]) for m in (mask, 1 - mask))
    torch.testing.assert_close(
        torch.stack(stft.split(mask, mag, phase, wav.shape[-1])),
        torch.stack([explanation, residual]),
        atol=1e-5,
        rtol=0,
    )
    e2, r2 = stft.split_complex(mask, spec, wav.shape[-1])
    torch.testing.assert_close(e2, explanation, atol=1e-5, rtol=0)
    torch.testing.assert_close(r2, residual, atol=1e-5, rtol=0)
    e3, r3 = stft.split_complex(mask, spec, wav.shape[-1], wav)
    torch.testing.assert_close(e3, explanation, atol=1e-5, rtol=0)
    torch.testing.assert_close(r3, residual, atol=1e-4, rtol=0)  # the STFT's reconstruction error
    assert (e3 + r3 - wav).abs().max() < 1e-6  # they add up to the input itself, not to iSTFT(STFT(input))
