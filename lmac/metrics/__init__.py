"""Evaluation metrics: pure functions returning per-example tensors."""

from lmac.metrics.complexity import complexity, sparseness
from lmac.metrics.concepts import concept_r2, effect_rank_correlation, top_match
from lmac.metrics.curves import area_under_curve, deletion_curve, deletion_insertion_curves, insertion_curve
from lmac.metrics.faithfulness import (
    average_drop,
    average_drop_speechbrain,
    average_gain,
    average_increase,
    faithfulness,
    fidelity_in,
    target_prob,
)
from lmac.metrics.localization import confound_detected, select_stem, si_sdr, stem_energy_share, stem_sounds
from lmac.metrics.sanity import model_randomization, passes_randomization, rank_correlation

__all__ = [
    "area_under_curve",
    "average_drop",
    "average_drop_speechbrain",
    "average_gain",
    "average_increase",
    "complexity",
    "concept_r2",
    "confound_detected",
    "effect_rank_correlation",
    "deletion_curve",
    "deletion_insertion_curves",
    "faithfulness",
    "fidelity_in",
    "insertion_curve",
    "model_randomization",
    "passes_randomization",
    "rank_correlation",
    "select_stem",
    "si_sdr",
    "sparseness",
    "stem_energy_share",
    "stem_sounds",
    "target_prob",
    "top_match",
]
