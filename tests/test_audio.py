import numpy as np
import pytest
import torch

from lmac.atomic import atomic_paths
from lmac.audio import (
    AudioError,
    AudioStream,
    AudioWriter,
    fix_length,
    load_audio,
    peak_normalize,
    save_audio,
    validate_wav,
)


def test_load_downmixes_stereo_and_resamples(write_wav):
    t = np.arange(8000) / 8000
    left, right = np.sin(2 * np.pi * 200 * t), np.zeros_like(t)
    path = write_wav("stereo.wav", np.stack([left, right], axis=1), sample_rate=8000)
    wav = load_audio(path, 16000)
    assert wav.shape == (16000,)
    assert wav.dtype == torch.float32
    # mono = mean of channels: amplitude halves
    assert abs(wav.abs().max().item() - 0.5) < 0.02


def test_load_flac(write_wav):
    path = write_wav("clip.flac", np.full(1600, 0.25), subtype="PCM_16")
    wav = load_audio(path, 16000)
    assert torch.allclose(wav, torch.full((1600,), 0.25), atol=1e-3)


@pytest.mark.parametrize("case", ["missing", "empty", "garbage", "nan"])
def test_bad_files_raise_clear_errors(tmp_path, write_wav, case):
    if case == "missing":
        path = tmp_path / "nope.wav"
    elif case == "empty":
        path = write_wav("empty.wav", np.zeros(0))
    elif case == "garbage":
        path = tmp_path / "garbage.wav"
        path.write_bytes(b"not audio at all" * 10)
    else:
        data = np.zeros(100)
        data[5] = np.nan
        path = write_wav("nan.wav", data, subtype="FLOAT")
    for read in (lambda: load_audio(path, 16000), lambda: list(AudioStream(path, 16000))):
        with pytest.raises(AudioError) as err:
            read()
        assert str(path) in str(err.value)
        assert "\n" not in str(err.value)


def test_validate_rejects_bad_tensors():
    with pytest.raises(AudioError):
        validate_wav(torch.zeros(2, 3, 4))
    with pytest.raises(AudioError):
        validate_wav(torch.tensor([1.0, float("inf")]))
    assert validate_wav(torch.zeros(3, dtype=torch.float64)).dtype == torch.float32


def test_save_roundtrip_keeps_values_beyond_unity(tmp_path):
    wav = torch.linspace(-1.5, 1.5, 1000)
    save_audio(tmp_path / "x.wav", wav, 16000)
    assert torch.allclose(load_audio(tmp_path / "x.wav", 16000), wav, atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["x.wav"]  # no temp file left


def test_fix_length_and_peak():
    assert fix_length(torch.ones(5), 3).tolist() == [1, 1, 1]
    assert fix_length(torch.ones(2), 4).tolist() == [1, 1, 0, 0]
    assert torch.allclose(peak_normalize(torch.tensor([[0.1, -0.2]]), 0.8), torch.tensor([[0.4, -0.8]]))


@pytest.mark.parametrize(
    "rate,n_frames,channels",
    [
        (44100, 44100 * 3 + 13, 2),
        (16000, 50000, 1),
        (8000, 3, 1),
        (22050, 1, 1),
        (48000, 48000 * 2 + 5, 1),
        (16000, 12345, 1),
    ],
)
@pytest.mark.parametrize("block_frames", [1000, 1 << 18])
def test_stream_reads_what_load_audio_reads(write_wav, rate, n_frames, channels, block_frames):
    data = 0.3 * np.random.default_rng(n_frames).standard_normal((n_frames, channels))
    path = write_wav("x.wav", data, sample_rate=rate, subtype="FLOAT")
    target_rate = 44100 if n_frames == 12345 else 16000  # one upsampling case
    whole = load_audio(path, target_rate)
    stream = AudioStream(path, target_rate, block_frames=block_frames)
    blocks = list(stream)
    assert stream.length == whole.shape[-1] and all(b.dtype == torch.float32 for b in blocks)
    assert torch.allclose(torch.cat(blocks), whole, atol=1e-6)
    assert len(blocks) > 1 or n_frames <= block_frames
    assert torch.allclose(torch.cat(list(stream)), whole, atol=1e-6)  # read again


def test_writer_in_an_atomic_set(tmp_path):
    paths = [tmp_path / "sub" / "a.wav", tmp_path / "sub" / "a.json"]
    with pytest.raises(RuntimeError):
        with atomic_paths(paths) as (wav_tmp, json_tmp):
            with AudioWriter(wav_tmp, 16000) as writer:
                writer.write(torch.ones(10))
            raise RuntimeError("fails before the set is complete")
    assert not any((tmp_path / "sub").iterdir())  # nothing, not even temporary files
    with atomic_paths(paths) as (wav_tmp, json_tmp):
        with AudioWriter(wav_tmp, 16000) as writer:
            writer.write(torch.ones(10))
            writer.write(-torch.ones(5) * 2)
        open(json_tmp, "w").write("{}")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["a.json", "a.wav"]
    assert load_audio(paths[0], 16000).tolist() == [1.0] * 10 + [-2.0] * 5


@pytest.mark.parametrize("fmt,subtype,suffix", [("OGG", "VORBIS", ".ogg"), ("MP3", "MPEG_LAYER_III", ".mp3")])
def test_stream_of_lossy_formats(tmp_path, fmt, subtype, suffix):
    import soundfile as sf

    path = tmp_path / f"tone{suffix}"  # a pure tone: libsndfile returned silence for this MP3 read in pieces
    sf.write(
        str(path), (0.3 * np.sin(np.arange(44100 * 3) * 0.05)).astype(np.float32), 44100, format=fmt, subtype=subtype
    )
    whole = load_audio(path, 16000)
    streamed = torch.cat(list(AudioStream(path, 16000, block_frames=1000)))
    assert torch.allclose(streamed, whole, atol=1e-6) and whole.abs()[-16000:].amax() > 0.2
