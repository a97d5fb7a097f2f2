"""Identity resolution on Splink: pure, Django-free. See docs/dedup-model.md."""

from .comparisons import BLOCKING_RULES, COMPARISONS, TRAINING_RULES
from .features import household_signature, phonetic_key
from .model import (
    RECORD_SCHEMA,
    Record,
    ScoredPair,
    TrainedModel,
    cluster,
    cluster_arrow,
    predict_pairs,
    predict_pairs_from_arrow,
    records_to_arrow,
    score_candidates,
    train,
    train_arrow,
)

__all__ = [
    "BLOCKING_RULES", "COMPARISONS", "RECORD_SCHEMA", "TRAINING_RULES", "Record", "ScoredPair",
    "TrainedModel", "cluster", "cluster_arrow", "household_signature", "phonetic_key",
    "predict_pairs", "predict_pairs_from_arrow", "records_to_arrow", "score_candidates", "train",
    "train_arrow",
]
