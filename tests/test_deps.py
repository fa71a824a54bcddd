"""The torch / torchaudio pair: installed as pinned, loads, runs; a broken pair is one line from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

import pytest
import torch
from helpers import REPO

from lmac._deps import pinned_pair


def test_installed_pair_is_the_pinned_pair():
    pins = dict(p.split("==") for p in pinned_pair().split())
    assert set(pins) == {"torch", "torchaudio"}
    assert pins["torch"] == pins["torchaudio"], "torch and torchaudio are released as a pair of equal versions"
    for name, version in pins.items():
        assert metadata.version(name) == version


def test_torchaudio_native_ops_run():
    import torchaudio

    wav = torch.sin(2 * torch.pi * 440 * torch.arange(16000) / 16000)[None]
    spec = torchaudio.transforms.Spectrogram(n_fft=512, hop_length=128, power=1)(wav)
    ref = torch.stft(wav, 512, 128, window=torch.hann_window(512), return_complex=True).abs()
    torch.testing.assert_close(spec, ref, rtol=1e-4, atol=1e-4)
    down = torchaudio.functional.resample(wav, 16000, 8000)
    assert down.shape == (1, 8000)
    peak_bin = int(torch.fft.rfft(down[0]).abs().argmax())
    assert peak_bin == 440  # 1 Hz bins over one second


def test_cli_names_a_broken_pair_in_one_line(tmp_path):
    fake = tmp_path / "site" / "torchaudio"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise OSError('Could not load this library: /x/libtorchaudio.so: undefined symbol: "
        "torch_exception_get_what_without_backtrace')\n"
    )
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(REPO)])}
    proc = subprocess.run(
        [sys.executable, "-m", "lmac", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "undefined symbol" in lines[0] and f"pip install {pinned_pair()}" in lines[0]
    assert f"torch {metadata.version('torch')}" in lines[0]
    assert not out.exists()


def test_a_missing_torchaudio_is_named_as_missing(monkeypatch):
    import lmac._deps as deps

    monkeypatch.setitem(sys.modules, "torchaudio", None)  # import torchaudio -> ImportError
    monkeypatch.setattr(deps, "_installed", lambda name: "not installed" if name == "torchaudio" else "2.11.0")
    with pytest.raises(deps.DependencyError, match=r"^torchaudio is not installed in this Python .*pip install"):
        deps.check_torchaudio()
