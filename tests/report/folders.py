"""Folders to report on, built once per module: an ``lmac explain`` output and a benchmark run."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from conftest import SR, tiny_classifier, tiny_head

from lmac.benchmark import Benchmark, write_results
from lmac.data import SyntheticMixtures
from lmac.data.contamination import Clean, WhiteNoise
from lmac.explainers import LMAC, Saliency
from lmac.tasks.benchmark import example_writer
from lmac.tasks.explain import collect_inputs, explain_inputs

# name -> seconds: one clip shorter than the classifier's 0.5 s window, one longer (windowed)
CLIPS = {"tone": 0.5, "chirp": 0.8, "noise": 0.3}


def write_inputs(folder, clips=CLIPS) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i, (name, seconds) in enumerate(clips.items()):
        t = np.arange(int(seconds * SR)) / SR
        wav = 0.4 * np.sin(2 * np.pi * (220 * (i + 1) + 300 * t) * t) + 0.05 * rng.standard_normal(len(t))
        sf.write(folder / f"{name}.wav", wav.astype(np.float32), SR)
        paths.append(str(folder / f"{name}.wav"))
    return paths


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    """``lmac explain`` output of three clips of different lengths (inputs stay where they are)."""
    root = tmp_path_factory.mktemp("explained")
    clf = tiny_classifier()
    rows = list(explain_inputs(LMAC(clf, tiny_head(clf)), collect_inputs(write_inputs(root / "clips")), root / "out"))
    assert all(row["status"] == "ok" for row in rows)
    return root / "out"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished benchmark run: two methods, two settings, curves, sanity results and examples."""
    run = tmp_path_factory.mktemp("run")
    clf = tiny_classifier()
    data = SyntheticMixtures("instruments", "test", n_items=3, seed=0, clip_seconds=0.5)
    methods = {"lmac": LMAC(clf, tiny_head(clf)), "saliency": Saliency(clf)}
    runner = Benchmark(curve_steps=2, sanity_clips=1, examples_per_class=1, progress=False)
    records = runner.run(
        clf, methods, {"in_domain": Clean(data), "white_noise": WhiteNoise(data)}, on_example=example_writer(run, clf)
    )
    write_results(records, run)
    (run / ".hydra").mkdir()
    (run / ".hydra" / "config.yaml").write_text("runner:\n  n_clips: 3\n")
    return run


@pytest.fixture(scope="module")
def concept_explained(tmp_path_factory):
    """``lmac explain`` output of a concept classifier (two levels, LIME over 2 NMF components at level 1)
    on two clips: the JSON holds ``levels`` and names one source file per top concept."""
    from functools import partial

    from concept_models import BandConcepts

    from lmac.explainers import NMFFactorization, SourceLIME
    from lmac.explainers.concepts import TwoLevelExplainer
    from lmac.tasks.concepts import explain_concept_inputs

    root = tmp_path_factory.mktemp("concepts")
    lime = partial(SourceLIME, factorization=NMFFactorization(n_components=2), n_samples=16, top_k=1, progress=False)
    explainer = TwoLevelExplainer(BandConcepts(), [lime], top_concepts=2)
    inputs = collect_inputs(write_inputs(root / "clips", {"tone": 0.5, "chirp": 0.8}))
    rows = list(explain_concept_inputs(explainer, inputs, root / "out", target="tense"))
    assert all(row["status"] == "ok" for row in rows)
    return root / "out"
