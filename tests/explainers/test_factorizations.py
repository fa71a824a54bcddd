"""Factorizations: components sum to the clip, names, splits, separators (incl. a tiny SpeechBrain model)."""

import math

import pytest
import torch
from conftest import SR
from explainer_zoo import band_split, mixtures

from lmac.explainers.factorizations import (
    Components,
    NMFFactorization,
    OracleStems,
    SeparatorFactorization,
    TimeFrequencyGrid,
    TimeSegments,
)
from lmac.explainers.separators import SpeechBrainSeparator
from lmac.spectral import STFT

T = SR // 2


def _sums_to(comps: Components, wav: torch.Tensor, atol: float) -> bool:
    return comps.wav.shape[::2] == wav.shape and torch.allclose(comps.wav.sum(1), wav, atol=atol)


def test_compose_is_the_sum_of_the_chosen_components():
    comps = Components(["a", "b", "c"], torch.randn(2, 3, 10))
    out = comps.compose(1, torch.tensor([[1.0, 0, 1], [0, 0, 0]]))
    assert torch.allclose(out[0], comps.wav[1, 0] + comps.wav[1, 2]) and (out[1] == 0).all()


def test_time_segments_of_the_clip():
    wav = torch.randn(2, 1000)
    comps = TimeSegments(4)(wav, SR)
    assert comps.names == ["audio0", "audio1", "audio2", "audio3"] and torch.equal(comps.wav.sum(1), wav)
    assert (comps.wav[:, 1, :250] == 0).all() and torch.equal(comps.wav[:, 1, 250:500], wav[:, 250:500])


def test_time_segments_of_stems_pass_stems_through():
    wav, stems = mixtures(2)
    fac = TimeSegments(3, OracleStems())
    fac.bind_stems(stems)
    comps = fac(wav, SR)
    assert comps.names[:3] == ["piano0", "piano1", "piano2"] and len(comps.names) == 3 * len(stems)
    assert _sums_to(comps, wav, 1e-6)
    drums2 = comps.wav[:, comps.names.index("drums2")]
    assert torch.equal(drums2[:, 5333:], stems["drums"][:, 5333:]) and (drums2[:, :5333] == 0).all()


def test_time_frequency_grid_blocks_sum_to_the_clip_and_stay_in_their_block():
    wav = torch.randn(1, T)
    comps = TimeFrequencyGrid(n_freq=2, n_time=2)(wav, SR)
    assert comps.names == ["audio_f0t0", "audio_f0t1", "audio_f1t0", "audio_f1t1"]
    assert _sums_to(comps, wav, 1e-5)
    mag, _ = STFT()(comps.wav[0, 1][None])  # low band, second half
    energy = mag[0].pow(2)
    assert energy[:129, 32:].sum() > 0.9 * energy.sum()


def test_nmf_components_sum_to_the_clip_and_split_two_tones():
    t = torch.arange(T) / SR
    low = 0.5 * torch.sin(2 * math.pi * 300 * t) * (t < 0.25)
    high = 0.5 * torch.sin(2 * math.pi * 3000 * t) * (t >= 0.25)
    wav = (low + high)[None]
    comps = NMFFactorization(n_components=2)(wav, SR)
    assert comps.names == ["nmf0", "nmf1"] and _sums_to(comps, wav, 1e-5)
    best = [
        max(abs(torch.nn.functional.cosine_similarity(c[None], s[None])).item() for c in comps.wav[0])
        for s in (low, high)
    ]
    assert min(best) > 0.95
    assert torch.equal(NMFFactorization(2)(wav, SR).wav, comps.wav)  # deterministic


def test_separator_factorization_keeps_the_rest():
    wav = torch.randn(2, T)
    comps = SeparatorFactorization(band_split)(wav, SR)
    assert comps.names == ["low", "high", "rest"] and _sums_to(comps, wav, 1e-6)
    assert comps.wav[:, 2].abs().max() > 0  # biquads do not split perfectly: the rest is kept


def test_separator_at_another_rate_gets_resampled_audio():
    seen = []

    def half(wav):
        seen.append(wav.shape)
        return {"all": wav}

    comps = SeparatorFactorization(half, sample_rate=8000)(torch.randn(1, T), SR)
    assert seen == [(1, T // 2)] and comps.wav.shape == (1, 2, T)


def test_separator_must_return_named_sources():
    with pytest.raises(TypeError, match="dict"):
        SeparatorFactorization(lambda w: w)(torch.randn(1, 100), SR)
    with pytest.raises(ValueError, match="shape"):
        SeparatorFactorization(lambda w: {"a": w[0]})(torch.randn(1, 100), SR)


TINY_SEPFORMER = """sample_rate: 8000
num_spks: 2
encoder: !new:speechbrain.lobes.models.dual_path.Encoder
    kernel_size: 16
    out_channels: 8
intra: !new:speechbrain.lobes.models.dual_path.SBTransformerBlock
    num_layers: 1
    d_model: 8
    nhead: 1
    d_ffn: 16
inter: !new:speechbrain.lobes.models.dual_path.SBTransformerBlock
    num_layers: 1
    d_model: 8
    nhead: 1
    d_ffn: 16
masknet: !new:speechbrain.lobes.models.dual_path.Dual_Path_Model
    num_spks: 2
    in_channels: 8
    out_channels: 8
    num_layers: 1
    K: 25
    intra_model: !ref <intra>
    inter_model: !ref <inter>
decoder: !new:speechbrain.lobes.models.dual_path.Decoder
    in_channels: 8
    out_channels: 1
    kernel_size: 16
    stride: 8
    bias: False
modules:
    encoder: !ref <encoder>
    masknet: !ref <masknet>
    decoder: !ref <decoder>
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        encoder: !ref <encoder>
        masknet: !ref <masknet>
        decoder: !ref <decoder>
"""


def write_tiny_sepformer(folder):
    """A randomly initialised 2-source SepFormer-style model folder, as on a model card."""
    from hyperpyyaml import load_hyperpyyaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hyperparams.yaml").write_text(TINY_SEPFORMER)
    torch.manual_seed(3)
    hparams = load_hyperpyyaml(TINY_SEPFORMER)
    for name in ("encoder", "masknet", "decoder"):
        torch.save(hparams[name].state_dict(), folder / f"{name}.ckpt")
    return hparams


def test_speechbrain_separator_from_a_local_folder(tmp_path):
    hparams = write_tiny_sepformer(tmp_path / "sepformer")
    separator = SpeechBrainSeparator(tmp_path / "sepformer", source_names=["a", "b"])
    assert separator.sample_rate == 8000
    mix = torch.randn(2, 4000)
    with torch.no_grad():  # the stored weights are the ones used
        enc = hparams["encoder"].eval()(mix)
        est = hparams["masknet"].eval()(enc)
        expected = hparams["decoder"].eval()(enc * est[1])[:, :4000]
    out = separator(mix)
    assert list(out) == ["a", "b"] and out["b"].shape == (2, 4000)
    assert torch.allclose(out["b"], expected, atol=1e-5)

    wav = torch.randn(2, T)
    comps = TimeSegments(2, SeparatorFactorization(separator))(wav, SR)
    assert comps.names == ["a0", "a1", "b0", "b1", "rest0", "rest1"] and _sums_to(comps, wav, 1e-5)
    with pytest.raises(ValueError, match="3 names"):
        SpeechBrainSeparator(tmp_path / "sepformer", source_names=["x", "y", "z"])(mix)


def test_speechbrain_separator_never_downloads(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        SpeechBrainSeparator("speechbrain/sepformer-wsj02mix")
    with pytest.raises(FileNotFoundError, match="hyperparams.yaml"):
        SpeechBrainSeparator(tmp_path)


def test_bad_split_sizes():
    with pytest.raises(ValueError, match="n_segments"):
        TimeSegments(0)
    with pytest.raises(ValueError, match="n_freq"):
        TimeFrequencyGrid(0, 2)
