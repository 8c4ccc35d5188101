"""Decide whether a vehicle seen on a segment at an instant is restricted, by which rule and slot, and how.

Everything here works on plain values so that the same code serves the API, the ingest workers and the tests.
Semantics (see docs/rules.md):
- times are read in the city's timezone; a slot is [start, end); a slot whose end is earlier than its start crosses
  midnight and belongs to the day on which it starts, and that day counts for day kinds, holidays, effective dates
  and grace;
- ``workdays`` is Monday–Friday minus holidays plus adjusted working days; ``rest_days`` its complement; ``all``;
  or a list of plain weekdays;
- a rule applies from ``effective_from`` to ``effective_to`` (both inclusive); up to ``grace_until`` (inclusive) its
  response is education;
- ``unplated_only`` matches only vehicles known to be unplated;
- of several matching rules the strictest action wins, ties broken by the smallest rule code.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

ACTION_RANK = {"education": 0, "warning": 1, "penalty": 2}
ACTION_LABEL = {"education": "教育劝导", "warning": "警告", "penalty": "处罚"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_KINDS = ("workdays", "rest_days", "all")
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class SlotSpec:
    code: str
    start_minute: int
    end_minute: int  # may be 1440 (24:00)

    @property
    def crosses_midnight(self) -> bool:
        return self.end_minute < self.start_minute

    def label(self) -> str:
        return f"{self.code}（{format_minute(self.start_minute)}–{format_minute(self.end_minute)}）"

    def owning_day(self, local: dt.datetime) -> dt.date | None:
        """The day whose slot covers ``local``, or None when the slot does not cover it."""
        minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60_000_000
        if not self.crosses_midnight:
            return local.date() if self.start_minute <= minute < self.end_minute else None
        if minute >= self.start_minute:
            return local.date()
        if minute < self.end_minute:
            return local.date() - dt.timedelta(days=1)
        return None


@dataclass(frozen=True)
class RuleSpec:
    code: str
    vehicle_types: frozenset[str]
    slots: tuple[SlotSpec, ...]
    days: str | tuple[str, ...]
    effective_from: dt.date
    action: str
    segments: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()
    unplated_only: bool = False
    effective_to: dt.date | None = None
    grace_until: dt.date | None = None
    name: str = ""


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date] = frozenset()
    adjusted_workdays: frozenset[dt.date] = frozenset()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.adjusted_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


@dataclass(frozen=True)
class Decision:
    restricted: bool
    rule: str | None = None
    time_slot: str | None = None
    action: str | None = None
    slot_day: dt.date | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "restricted": self.restricted,
            "rule": self.rule,
            "time_slot": self.time_slot,
            "action": self.action,
            "reasons": list(self.reasons),
        }


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def day_matches(days: str | tuple[str, ...], day: dt.date, calendar: Calendar) -> bool:
    if days == "all":
        return True
    if days == "workdays":
        return calendar.is_workday(day)
    if days == "rest_days":
        return not calendar.is_workday(day)
    return WEEKDAYS[day.weekday()] in days


def _days_label(days: str | tuple[str, ...]) -> str:
    if isinstance(days, str):
        return {"workdays": "工作日", "rest_days": "休息日", "all": "每日"}[days]
    return "、".join(days)


@dataclass(frozen=True)
class _Match:
    rule: RuleSpec
    slot: SlotSpec
    day: dt.date
    action: str

    def sort_key(self) -> tuple[int, str, str]:
        return (-ACTION_RANK[self.action], self.rule.code, self.slot.code)


def evaluate(
    rules: list[RuleSpec] | tuple[RuleSpec, ...],
    calendar: Calendar,
    *,
    segment: str,
    district: str | None,
    vehicle_type: str,
    plated: bool | None,
    at: dt.datetime,
    tz: ZoneInfo,
) -> Decision:
    """Evaluate every rule for one sighting; ``plated`` is True, False or None (unknown)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the timestamp must carry a UTC offset")
    local = at.astimezone(tz)
    reasons: list[str] = []
    matches: list[_Match] = []
    in_scope = [r for r in rules if segment in r.segments or (district is not None and district in r.districts)]
    if not in_scope:
        reasons.append(f"路段 {segment} 不在任何限行规则范围内")
    for rule in sorted(in_scope, key=lambda r: r.code):
        match = _match_rule(rule, calendar, vehicle_type, plated, local, reasons)
        if match is not None:
            matches.append(match)
    if not matches:
        return Decision(restricted=False, reasons=tuple(reasons))
    best = min(matches, key=_Match.sort_key)
    if len(matches) > 1:
        others = "、".join(m.rule.code for m in sorted(matches, key=_Match.sort_key) if m is not best)
        reasons.append(f"多条规则命中，取最严处理的 {best.rule.code}（其余：{others}）")
    return Decision(
        restricted=True,
        rule=best.rule.code,
        time_slot=best.slot.code,
        action=best.action,
        slot_day=best.day,
        reasons=tuple(reasons),
    )


def _match_rule(
    rule: RuleSpec,
    calendar: Calendar,
    vehicle_type: str,
    plated: bool | None,
    local: dt.datetime,
    reasons: list[str],
) -> _Match | None:
    code = rule.code
    if vehicle_type not in rule.vehicle_types:
        reasons.append(f"{code}：车型 {vehicle_type} 不在限行车型内")
        return None
    covering = [(slot, slot.owning_day(local)) for slot in sorted(rule.slots, key=lambda s: s.code)]
    covering = [(slot, day) for slot, day in covering if day is not None]
    if not covering:
        slots = "、".join(s.label() for s in rule.slots)
        reasons.append(f"{code}：{local:%H:%M} 不在限行时段 {slots} 内")
        return None
    for slot, day in covering:
        why_not = _day_refusal(rule, calendar, day)
        if why_not is not None:
            reasons.append(f"{code}：时段 {slot.label()} 属于 {day.isoformat()}，{why_not}")
            continue
        if rule.unplated_only and plated is None:
            reasons.append(f"{code}：仅限无牌车辆，号牌状态未知，不予认定")
            return None
        if rule.unplated_only and plated:
            reasons.append(f"{code}：仅限无牌车辆，该车悬挂号牌")
            return None
        in_grace = rule.grace_until is not None and day <= rule.grace_until
        action = "education" if in_grace else rule.action
        grace_note = f"，宽限期内（至 {rule.grace_until.isoformat()}）" if in_grace else ""
        reasons.append(
            f"{code}：{vehicle_type} 于 {day.isoformat()} 时段 {slot.label()} 限行{grace_note}，"
            f"处理方式：{ACTION_LABEL[action]}"
        )
        return _Match(rule=rule, slot=slot, day=day, action=action)
    return None


def _day_refusal(rule: RuleSpec, calendar: Calendar, day: dt.date) -> str | None:
    if day < rule.effective_from:
        return f"规则自 {rule.effective_from.isoformat()} 起生效"
    if rule.effective_to is not None and day > rule.effective_to:
        return f"规则已于 {rule.effective_to.isoformat()} 失效"
    if not day_matches(rule.days, day, calendar):
        return f"该日不属于{_days_label(rule.days)}"
    return None
