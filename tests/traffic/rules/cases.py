"""The rule-engine cases, shared by the pure engine test and the HTTP test. Dates: 2023-06-01 was a Thursday."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    segment: str
    vehicle_type: str
    plated: bool | None
    at: str
    rule: str | None  # None: not restricted
    time_slot: str | None = None
    action: str | None = None
    reason: str | None = None  # a substring one of the reasons must contain


E, F, W = "e_tricycle", "fuel_tricycle", "e_four_wheeler"

CASES = [
    # slot bounds [start, end) and timezones
    Case("grace-education", "S1", E, False, "2023-06-05T07:30:00+08:00", "R-A", "AM", "education", "宽限期"),
    Case("start-inclusive", "S1", E, False, "2023-06-05T07:00:00+08:00", "R-A", "AM", "education"),
    Case("last-second-inside", "S1", E, False, "2023-06-05T08:59:59+08:00", "R-A", "AM", "education"),
    Case("end-exclusive", "S1", E, False, "2023-06-05T09:00:00+08:00", None, reason="不在限行时段"),
    Case("before-start", "S1", E, False, "2023-06-05T06:59:59+08:00", None),
    Case("utc-input", "S1", E, False, "2023-06-04T23:30:00Z", "R-A", "AM", "education"),
    Case("other-offset-input", "S1", E, False, "2023-06-05T01:30:00+02:00", "R-A", "AM", "education"),
    Case("fuel-tricycle-listed", "S1", F, None, "2023-06-05T07:30:00+08:00", "R-A", "AM", "education"),
    Case("plated-vehicle-still-restricted", "S1", E, True, "2023-06-05T07:30:00+08:00", "R-A", "AM", "education"),
    # day kinds: workdays, holidays, adjusted working days, rest days
    Case("friday-workday", "S1", E, False, "2023-06-09T08:00:00+08:00", "R-A", "AM", "education"),
    Case("holiday-not-workday", "S1", E, False, "2023-06-22T07:30:00+08:00", "R-E", "AM", "warning"),
    Case("holiday-friday-not-workday", "S1", F, False, "2023-06-23T07:30:00+08:00", None, reason="不属于工作日"),
    Case("adjusted-workday-sunday", "S1", E, False, "2023-06-25T07:30:00+08:00", "R-A", "AM", "education"),
    Case("plain-saturday-rest-day", "S1", E, False, "2023-06-10T07:30:00+08:00", "R-E", "AM", "warning"),
    Case("rest-day-rule-type-mismatch", "S1", F, False, "2023-06-10T07:30:00+08:00", None),
    # grace period ends inclusive, then the configured action
    Case("grace-last-day", "S1", E, False, "2023-06-30T08:00:00+08:00", "R-A", "AM", "education"),
    Case("after-grace-tie-smallest-code", "S1", E, False, "2023-07-03T07:30:00+08:00", "R-A", "AM", "penalty",
         "多条规则命中"),
    # district scope
    Case("district-scope-other-segment", "S2", E, False, "2023-07-03T08:00:00+08:00", "R-H", "AM", "penalty"),
    Case("district-rule-not-yet-effective", "S2", F, False, "2023-06-05T08:00:00+08:00", None, reason="起生效"),
    Case("district-scope-four-wheeler", "S2", W, False, "2023-07-10T12:00:00+08:00", "R-B", "DAY", "penalty"),
    Case("other-district-not-covered", "S3", W, False, "2023-07-10T12:00:00+08:00", None),
    # unplated-only rules and the unknown plate state
    Case("unplated-four-wheeler-grace", "S1", W, False, "2023-06-05T07:30:00+08:00", "R-B", "DAY", "education"),
    Case("plated-four-wheeler-exempt", "S1", W, True, "2023-06-05T07:30:00+08:00", None, reason="悬挂号牌"),
    Case("unknown-plate-not-restricted", "S1", W, None, "2023-06-05T07:30:00+08:00", None, reason="号牌状态未知"),
    Case("slot-ending-at-24", "S1", W, False, "2023-06-05T23:59:59+08:00", "R-B", "DAY", "education"),
    Case("midnight-after-24-slot", "S1", W, False, "2023-06-06T00:00:00+08:00", None),
    # midnight-crossing slot belongs to the day it starts
    Case("night-evening-part", "S3", F, None, "2023-07-01T23:00:00+08:00", "R-C", "NIGHT", "warning"),
    Case("night-early-part-previous-day-not-effective", "S3", F, None, "2023-07-01T02:00:00+08:00", None,
         reason="2023-06-30"),
    Case("night-early-part-effective", "S3", F, None, "2023-07-02T02:00:00+08:00", "R-C", "NIGHT", "warning"),
    Case("night-last-minute", "S4", F, None, "2023-07-02T05:59:00+08:00", "R-C", "NIGHT", "warning"),
    Case("night-end-exclusive", "S4", F, None, "2023-07-02T06:00:00+08:00", None),
    Case("night-other-district", "S1", F, None, "2023-07-02T02:00:00+08:00", None),
    Case("friday-night", "S3", E, False, "2023-06-09T22:30:00+08:00", "R-D", "NIGHT", "penalty"),
    Case("saturday-small-hours-is-friday", "S3", E, False, "2023-06-10T02:00:00+08:00", "R-D", "NIGHT", "penalty"),
    Case("saturday-night-not-friday", "S3", E, False, "2023-06-10T22:30:00+08:00", None, reason="不属于fri"),
    Case("friday-small-hours-is-thursday", "S3", E, False, "2023-06-09T02:00:00+08:00", None),
    Case("weekday-list-ignores-holidays", "S3", E, False, "2023-06-23T23:00:00+08:00", "R-D", "NIGHT", "penalty"),
    Case("effective-to-inclusive", "S3", E, False, "2023-09-01T23:00:00+08:00", "R-D", "NIGHT", "penalty"),
    Case("effective-to-via-midnight", "S3", E, False, "2023-09-02T01:00:00+08:00", "R-D", "NIGHT", "penalty"),
    Case("after-effective-to", "S3", E, False, "2023-09-08T23:00:00+08:00", None, reason="失效"),
    # phases: one rule ends, the next begins with its own grace
    Case("phase-one", "S2", E, False, "2023-06-15T18:30:00+08:00", "R-F", "EVE", "warning"),
    Case("phase-one-last-day", "S2", E, False, "2023-06-30T19:59:00+08:00", "R-F", "EVE", "warning"),
    Case("phase-two-grace", "S2", E, False, "2023-07-01T18:00:00+08:00", "R-G", "EVE", "education"),
    Case("phase-two-grace-last-day", "S2", E, False, "2023-07-15T19:00:00+08:00", "R-G", "EVE", "education"),
    Case("phase-two-penalty", "S2", E, False, "2023-07-16T19:00:00+08:00", "R-G", "EVE", "penalty"),
    Case("before-first-phase", "S2", E, False, "2023-05-31T18:30:00+08:00", None),
    Case("phase-two-slot-end", "S2", E, False, "2023-07-01T20:00:00+08:00", None),
    # several matching rules: strictest action wins over the smaller code
    Case("strictest-beats-smaller-code", "S4", E, False, "2023-06-05T12:00:00+08:00", "R-M2", "DAY", "penalty",
         "R-M1"),
    Case("type-not-listed", "S4", W, False, "2023-06-05T12:00:00+08:00", None, reason="不在限行车型"),
    Case("no-rule-on-segment", "S4", E, False, "2023-06-05T06:00:00+08:00", None),
]
