"""Evaluation metrics: pure functions returning per-example tensors."""

from lmac.metrics.faithfulness import (average_drop, average_gain, average_increase, faithfulness, fidelity_in,
                                       target_prob)

__all__ = ["average_drop", "average_gain", "average_increase", "faithfulness", "fidelity_in", "target_prob"]
