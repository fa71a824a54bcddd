"""Global aggregation of local explanations: what a classifier listens for, per class, over a dataset.

Run any explainers over a dataset split (:class:`GlobalAggregation`), turn each explanation into
per-clip feature weights (:mod:`lmac.global_.features`: LIME's component weights, stem energy shares,
or mask mass per frequency band), and aggregate them per predicted class with the three scores of
van der Linden et al. 2019 (:mod:`lmac.global_.scores`), as MusicLIME does. ``lmac aggregate`` writes
the table, a figure per class and a montage of each class's most confident explanations
(:func:`write_global`).
"""

from lmac.global_.features import BandMass, ComponentWeights, FeatureExtractor, LocalFeatures, StemShares, band_edges
from lmac.global_.outputs import class_figure, montage, write_global
from lmac.global_.runner import GlobalAggregation, GlobalResult, MethodAggregate
from lmac.global_.scores import (
    SCORES,
    average_importance,
    global_scores,
    homogeneity_weighted_importance,
    lime_importance,
)
from lmac.global_.tables import ranking, score_records, to_markdown, validation

__all__ = [
    "BandMass",
    "ComponentWeights",
    "FeatureExtractor",
    "GlobalAggregation",
    "GlobalResult",
    "LocalFeatures",
    "MethodAggregate",
    "SCORES",
    "StemShares",
    "average_importance",
    "band_edges",
    "class_figure",
    "global_scores",
    "homogeneity_weighted_importance",
    "lime_importance",
    "montage",
    "ranking",
    "score_records",
    "to_markdown",
    "validation",
    "write_global",
]
