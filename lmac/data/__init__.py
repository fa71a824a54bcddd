"""Datasets: built-in synthetic mixtures with stems; ESC-50, MUSDB18-HQ and your own audio folders."""

from lmac.data.audio_datamodule import AudioDataModule
from lmac.data.clips import Clip, ClipDataset, check_files
from lmac.data.datamodule import SyntheticDataModule
from lmac.data.esc50 import ESC50DataModule, read_esc50
from lmac.data.folder import AudioFolderDataModule, read_manifest, scan_class_folders
from lmac.data.musdb import MUSDBDataModule, MUSDBExcerpts
from lmac.data.noise import NoiseMixer, mix_at_snr
from lmac.data.synthetic import TASKS, SyntheticMixtures, make_item

__all__ = ["AudioDataModule", "AudioFolderDataModule", "Clip", "ClipDataset", "ESC50DataModule", "MUSDBDataModule",
           "MUSDBExcerpts", "NoiseMixer", "SyntheticDataModule", "SyntheticMixtures", "TASKS", "check_files",
           "make_item", "mix_at_snr", "read_esc50", "read_manifest", "scan_class_folders"]
