"""Datasets: built-in synthetic mixtures with stems."""

from lmac.data.datamodule import SyntheticDataModule
from lmac.data.synthetic import TASKS, SyntheticMixtures, make_item

__all__ = ["SyntheticDataModule", "SyntheticMixtures", "TASKS", "make_item"]
