"""Every file-based data option composes and instantiates on generated fixture folders."""

import numpy as np
import soundfile as sf
from audio_fixtures import ESC_CLASSES, make_esc50, make_musdb
from helpers import compose
from hydra.utils import instantiate

from lmac.data import NoiseMixer


def test_esc50_option_with_wham_noise(tmp_path):
    root = make_esc50(tmp_path / "esc", folds=(1, 4, 5))
    (tmp_path / "wham" / "tr").mkdir(parents=True)
    sf.write(str(tmp_path / "wham" / "tr" / "n.wav"), np.random.default_rng(0).standard_normal(8000) * 0.1, 8000)
    cfg = compose(
        [
            "data=esc50",
            f"data.root={root}",
            "data.train_folds=[1]",
            "+data/noise=wham",
            f"data.noise.root={tmp_path / 'wham' / 'tr'}",
            "data.noise.snr_db=[3,3]",
        ],
        tmp_path,
    )
    dm = instantiate(cfg.data)
    assert isinstance(dm.noise, NoiseMixer) and dm.noise.sample_rate == 16000 and dm.noise.snr_db == (3.0, 3.0)
    assert dm.class_names == ESC_CLASSES and len(dm.dataset("train")) == 3
    noisy, clean = dm.dataset("train")[0]["wav"], dm.dataset("val")[0]["wav"]
    assert dm.dataset("train").transform is dm.noise and dm.dataset("val").transform is None
    assert noisy.shape == clean.shape == (80000,)


def test_folder_and_musdb_options(tmp_path):
    for name in ("a", "b"):
        (tmp_path / "clips" / name).mkdir(parents=True)
        sf.write(str(tmp_path / "clips" / name / "x.wav"), np.ones(800, np.float32) * 0.1, 16000)
    dm = instantiate(compose(["data=folder", f"data.root={tmp_path / 'clips'}"], tmp_path).data)
    assert dm.class_names == ["a", "b"]
    root = make_musdb(tmp_path / "musdb", {"train": ["T1", "T2"], "test": ["T3"]})
    dm = instantiate(
        compose(["data=musdb", f"data.root={root}", "data.val_tracks=[T2]", "data.clip_seconds=1.0"], tmp_path).data
    )
    assert len(dm.dataset("train")) == 2 and len(dm.dataset("val")) == 2 and len(dm.dataset("test")) == 2
