"""Coalition analysis: the stance matrix, agreement, coalitions from positions, and what moved since last week."""

from tracker.analysis.agreement import Agreement, pairwise_agreement
from tracker.analysis.coalitions import (
    BlocView,
    Bridge,
    Camps,
    Coalition,
    CoalitionAnalysis,
    Member,
    analyse,
)
from tracker.analysis.matrix import ActorInfo, IssueInfo, StanceMatrix, parse_as_of, stance_matrix
from tracker.analysis.pooling import Cell, Evidence
from tracker.analysis.shifts import (
    CoalitionChange,
    CoalitionMove,
    PositionChange,
    Shifts,
    compare,
    week_pair,
    what_moved,
)
from tracker.analysis.snapshot import save_snapshot

__all__ = [
    "ActorInfo",
    "Agreement",
    "BlocView",
    "Bridge",
    "Camps",
    "Cell",
    "Coalition",
    "CoalitionAnalysis",
    "CoalitionChange",
    "CoalitionMove",
    "Evidence",
    "IssueInfo",
    "Member",
    "PositionChange",
    "Shifts",
    "StanceMatrix",
    "analyse",
    "compare",
    "pairwise_agreement",
    "parse_as_of",
    "save_snapshot",
    "stance_matrix",
    "week_pair",
    "what_moved",
]
