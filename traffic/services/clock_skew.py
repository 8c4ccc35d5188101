"""Camera clock checks (GA/T 832: a device clock within 1.0 s of standard time), from a pushed frame's times.

The server's receive time is standard time (the server is NTP-synchronised; docs/operations.md). A frame cannot
arrive before it was taken, so a ``captured_at`` *ahead* of the receive time is the camera clock running fast by at
least that much. A ``captured_at`` *behind* it is the clock running slow, or the upload taking time (network,
a camera that buffered frames while offline): the two cannot be told apart from one frame, so lateness is flagged
only beyond the tolerance plus ``transit_allowance_s``. See docs/operations.md "Camera clocks".
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

GAT_832_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class ClockCheck:
    """When a frame's ``captured_at`` is too far from the server's receive time to trust the camera clock."""

    tolerance_s: float = GAT_832_TOLERANCE_S
    transit_allowance_s: float = 2.0

    @classmethod
    def from_settings(cls, settings) -> ClockCheck:
        return cls(settings.clock_tolerance_s, settings.clock_transit_allowance_s)

    def skew_s(self, captured_at: dt.datetime, received_at: dt.datetime) -> float | None:
        """``captured_at - received_at`` in seconds (positive: the camera clock is ahead) when it is flagged, else
        None: ahead by more than the tolerance, or behind by more than the tolerance plus the transit allowance."""
        offset = (captured_at - received_at).total_seconds()
        if offset > self.tolerance_s or -offset > self.tolerance_s + self.transit_allowance_s:
            return round(offset, 3)
        return None


def worst_skew(skews: Iterable[float | None]) -> float | None:
    """The flagged skew furthest from zero among a record's frames (None when none was flagged)."""
    flagged = [s for s in skews if s is not None]
    return max(flagged, key=abs) if flagged else None
