"""Coalition analysis: the stance matrix, agreement, coalitions from positions, and what moved since last week."""

from igtracker.analysis.agreement import Agreement, pairwise_agreement
from igtracker.analysis.coalitions import (
    BlocView,
    Bridge,
    Camps,
    Coalition,
    CoalitionAnalysis,
    Member,
    analyse,
)
from igtracker.analysis.matrix import ActorInfo, IssueInfo, StanceMatrix, parse_as_of, stance_matrix
from igtracker.analysis.pooling import Cell, Evidence
from igtracker.analysis.shifts import (
    CoalitionChange,
    CoalitionMove,
    PositionChange,
    Shifts,
    compare,
    week_pair,
    what_moved,
)
from igtracker.analysis.snapshot import save_snapshot

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
