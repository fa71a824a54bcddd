"""MultimodalLIME: weights for audio components and words that follow the classifier, per modality."""

import math

import pytest
import torch

from lmac.classifiers import AudioClassifier
from lmac.explainers import MultimodalLIME, OracleStems, Song

SR = 16000


class WordsAndLoudness(AudioClassifier):
    """Class 0 counts the word "love"; class 1 follows the clip's energy (independent sigmoid outputs)."""

    def __init__(self):
        super().__init__(SR, ["words", "loud"], 0.25, output="sigmoid")
        self.scale = torch.nn.Parameter(torch.ones(()))
        self.freeze()

    def forward(self, wav, lyrics=None):
        lyrics = [""] * len(wav) if lyrics is None else lyrics
        love = torch.tensor([float(text.split().count("love")) for text in lyrics])
        return torch.stack([2.0 * love, self.scale * 20 * wav.pow(2).mean(-1)], dim=1)

    def features(self, wav):
        return [wav[:, None, None]]


def _song():
    t = torch.arange(SR // 4) / SR
    stems = {
        "loud": 0.9 * torch.sin(2 * math.pi * 220 * t)[None],
        "quiet": 0.05 * torch.sin(2 * math.pi * 880 * t)[None],
        "silent": torch.zeros(1, len(t)),
    }
    return stems, sum(stems.values())


def _explainer(**kwargs):
    return MultimodalLIME(WordsAndLoudness(), OracleStems(), n_samples="exhaustive", progress=False, **kwargs)


def test_words_and_components_are_weighted_by_what_the_classifier_reads():
    stems, wav = _song()
    lime = _explainer(top_k=1)
    lime.bind_stems(stems)
    exp = lime.explain(Song(wav, ["love the love night"]), target="words")
    words = exp.extras["words"][0]
    assert set(words) == {"love", "the", "night"}  # one feature per distinct word
    assert words["love"] > 0.2 and abs(words["the"]) < 0.05 and abs(words["night"]) < 0.05
    assert exp.extras["ranking"][0][0] == {"feature": "love", "modality": "lyrics", "weight": words["love"]}
    assert [r["feature"] for r in exp.extras["ranking"][0]].count("silent") == 0  # never sampled
    lime.bind_stems(stems)
    loud = lime.explain(Song(wav, ["love the love night"]), target="loud")
    weights = dict(zip(loud.extras["components"], loud.extras["weights"][0].tolist()))
    assert weights["loud"] > 10 * abs(weights["quiet"]) and weights["silent"] == 0
    assert loud.extras["selected"] == [["loud"]] and torch.allclose(loud.explanation_wav, stems["loud"])
    assert torch.allclose(loud.residual_wav, wav - stems["loud"]) and loud.extras["r2"][0] > 0.9


def test_one_modality_keeps_the_other_whole():
    stems, wav = _song()
    audio = _explainer(modality="audio")
    audio.bind_stems(stems)
    exp = audio.explain(Song(wav, "love love"), target="words")
    assert exp.extras["words"] == [{}] and exp.extras["weights"].abs().max() < 1e-6  # audio does not move "words"
    lyrics = _explainer(modality="lyrics")
    lyrics.bind_stems(stems)
    exp = lyrics.explain(Song(wav, "love " * 5))  # target None: the top class, with the lyric ("words": 10 > 8.1)
    assert exp.target.tolist() == [0] and exp.extras["weights"].abs().max() == 0 and exp.extras["words"][0]["love"] > 0
    assert torch.equal(exp.explanation_wav, torch.zeros_like(wav))
    lyrics.bind_stems(stems)
    assert lyrics.explain(wav).target.tolist() == [1]  # a bare clip is a song with no lyric: "loud"


def test_bad_modality_and_lyric_count():
    with pytest.raises(ValueError, match="modality"):
        _explainer(modality="video")
    stems, wav = _song()
    with pytest.raises(ValueError, match="2 lyrics for 1 clips"):
        _explainer().explain(Song(wav, ["a", "b"]))


def test_the_method_option_builds_musiclime_over_oracle_stems():
    from hydra.utils import instantiate

    from lmac.explainers.factorizations import OracleStems as Oracle
    from lmac.tasks.config import method_config

    classifier = WordsAndLoudness()
    explainer = instantiate(method_config("musiclime_oracle"), classifier=classifier)
    assert isinstance(explainer, MultimodalLIME) and explainer.name == "musiclime_oracle"
    assert explainer.modality == "both" and isinstance(explainer.factorization, Oracle) and explainer.n_samples == 1000
