"""The built-in songs with lyrics: the label rests on the lead instrument and the mood words, and says so."""

import torch

from lmac.data import SongsDataModule, SyntheticMixtures
from lmac.data.songs import NEUTRAL_WORDS, SONG_MOODS, VOCABULARIES, LyricSongs, carriers, lyric
from lmac.data.synthetic import SONG_LEADS


def test_every_song_has_its_lead_and_its_mood_words():
    data = LyricSongs(SyntheticMixtures("songs", "test", n_items=8, clip_seconds=0.5))
    assert data.class_names == ["ballad", "pop", "lament", "rock"] and data.sample_rate == 16000
    for i in range(8):
        item = data[i]
        name = data.class_names[item["label"]]
        lead, other = SONG_LEADS[name], {"piano": "guitar", "guitar": "piano"}[SONG_LEADS[name]]
        assert item["stems"][lead].abs().max() > 0 and item["stems"][other].abs().max() == 0
        words, mood = item["text"].split(), VOCABULARIES[SONG_MOODS[name]]
        assert len(words) == 8 and sorted(w for w in words if w in mood) == sorted(item["carriers"].split())
        assert len(item["carriers"].split()) == 3 and all(w in mood or w in NEUTRAL_WORDS for w in words)
        assert torch.allclose(sum(item["stems"].values()), item["wav"], atol=1e-5)
    assert data[3]["text"] == data[3]["text"] and lyric("rock", 7) == lyric("rock", 7) != lyric("rock", 8)
    assert carriers("ballad") == ["piano", *VOCABULARIES["love"]]


def test_loaders_batch_the_lyrics_as_strings():
    dm = SongsDataModule(n_train=4, n_val=2, n_test=2, batch_size=4, clip_seconds=0.5)
    batch = next(iter(dm.train_dataloader()))
    assert batch["wav"].shape == (4, 8000) and len(batch["text"]) == 4 and isinstance(batch["text"][0], str)
    assert "stems" in dm.dataset("test")[0] and dm.class_names == ["ballad", "pop", "lament", "rock"]
