"""Pure tactical engine: state vectors, closest point of approach, alert levels.

State-based detection, compatible pair for pair with BlueSky's ``statebased.py``;
a broad phase over swept boxes keeps the cost proportional to candidate pairs.
"""

from wellclear.tactical.broad import Pairs, candidate_pairs, iter_candidate_pairs
from wellclear.tactical.cpa import Approach, all_pairs, closest_approach
from wellclear.tactical.detect import (
    LEVELS,
    AlertLevel,
    AlertThresholds,
    Conflicts,
    alert_levels,
    detect,
    detect_all_pairs,
)
from wellclear.tactical.states import (
    EARTH_RADIUS_M,
    H_SEP_DEFAULT_M,
    LOOKAHEAD_DEFAULT_S,
    V_SEP_DEFAULT_M,
    StateVectors,
    state_vectors,
    subset,
)

__all__ = [
    "EARTH_RADIUS_M",
    "H_SEP_DEFAULT_M",
    "LEVELS",
    "LOOKAHEAD_DEFAULT_S",
    "V_SEP_DEFAULT_M",
    "AlertLevel",
    "AlertThresholds",
    "Approach",
    "Conflicts",
    "Pairs",
    "StateVectors",
    "alert_levels",
    "all_pairs",
    "candidate_pairs",
    "closest_approach",
    "detect",
    "detect_all_pairs",
    "iter_candidate_pairs",
    "state_vectors",
    "subset",
]
