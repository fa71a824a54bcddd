"""Datasets: built-in synthetic mixtures with stems; ESC-50, MUSDB18-HQ and your own audio folders.

A new dataset starts in :mod:`lmac.data.base`: one item type (:class:`Item`), one DataModule base
(:class:`AudioDataModule`) and the clip-format check every task runs (:func:`check_clip_format`).
One file per dataset holds its reader and its DataModule: ``synthetic.py`` (built in; sources from
``synthesizers.py``; ``songs.py`` adds lyrics), ``esc50.py``, ``musdb.py``, ``folder.py`` (your own files;
``clips.py`` is the shared file-clip loader). ``contamination.py`` and ``noise.py`` wrap or augment any of them.
"""

from lmac.data.base import SPLITS, AudioDataModule, ClipFormatError, Item, check_clip_format
from lmac.data.clips import Clip, ClipDataset, check_files
from lmac.data.concepts import ConceptMusic, ConceptMusicDataModule
from lmac.data.esc50 import ESC50DataModule, read_esc50
from lmac.data.folder import AudioFolderDataModule, read_manifest, scan_class_folders
from lmac.data.musdb import MUSDBDataModule, MUSDBExcerpts
from lmac.data.noise import NoiseMixer, mix_at_snr
from lmac.data.permuted_labels import PermutedLabels, PermutedLabelsDataModule
from lmac.data.songs import LyricSongs, SongsDataModule
from lmac.data.synthetic import TASKS, SyntheticDataModule, SyntheticMixtures, make_item
from lmac.data.two_sources import TwoSources, two_source_mixture

__all__ = [
    "AudioDataModule",
    "AudioFolderDataModule",
    "Clip",
    "ClipDataset",
    "ClipFormatError",
    "ConceptMusic",
    "ConceptMusicDataModule",
    "ESC50DataModule",
    "Item",
    "LyricSongs",
    "MUSDBDataModule",
    "MUSDBExcerpts",
    "NoiseMixer",
    "PermutedLabels",
    "PermutedLabelsDataModule",
    "SPLITS",
    "SongsDataModule",
    "SyntheticDataModule",
    "SyntheticMixtures",
    "TASKS",
    "TwoSources",
    "check_clip_format",
    "check_files",
    "make_item",
    "mix_at_snr",
    "read_esc50",
    "read_manifest",
    "scan_class_folders",
    "two_source_mixture",
]
