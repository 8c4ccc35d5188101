"""The record lifecycle as a pure table of steps over plain values (docs/lifecycle.md).

Like the rule engine, nothing here touches the database: the service (services/lifecycle.py) loads the record, asks
`plan` what a request may do, and writes the result. Every answer is a value or a domain error, so the whole table is
tested case by case.
"""
from __future__ import annotations

from dataclasses import dataclass

from models.enums import DismissReason, RecordStatus, Role
from traffic.errors import Conflict, Forbidden, InvalidInput

P, C, D, A, X, Z = (RecordStatus.PENDING_REVIEW, RecordStatus.CONFIRMED, RecordStatus.DISMISSED,
                    RecordStatus.ASSIGNED, RecordStatus.ACTIONED, RecordStatus.CLOSED)
REVIEWERS = frozenset({Role.REVIEWER, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})
# Admins configure the system and viewers read: neither decides on records (separation of duties).
DECIDING_ROLES = REVIEWERS


class IllegalTransition(Conflict):
    """The record's state does not allow the move (409); the detail names the allowed targets."""


@dataclass(frozen=True)
class Step:
    """One allowed move: its name (written to the audit trail), who may make it and what it needs."""

    name: str
    source: RecordStatus
    target: RecordStatus
    roles: frozenset[Role]
    needs: tuple[str, ...] = ()  # request fields that must be given


STEPS: tuple[Step, ...] = (
    Step("confirm", P, C, REVIEWERS),
    Step("dismiss", P, D, REVIEWERS, ("reason",)),
    Step("assign", C, A, REVIEWERS, ("unit", "due_date")),
    Step("reassign", A, A, SUPERVISORS, ("unit",)),
    Step("act", A, X, REVIEWERS, ("action_taken", "note")),
    Step("close", X, Z, REVIEWERS),
    Step("reopen", D, P, SUPERVISORS, ("reason",)),
    Step("reopen", Z, P, SUPERVISORS, ("reason",)),
)
_BY_MOVE = {(s.source, s.target): s for s in STEPS}

# Fields a step may carry beyond what it needs; anything else is refused rather than silently dropped.
OPTIONAL = {
    "confirm": ("note",),
    "dismiss": ("note", "vehicle_type"),
    "assign": ("note",),
    "reassign": ("due_date", "note"),
    "act": (),
    "close": ("note",),
    "reopen": ("note",),
}
REQUEST_FIELDS = ("reason", "note", "unit", "due_date", "action_taken", "vehicle_type")


def allowed_targets(source: RecordStatus) -> list[RecordStatus]:
    """Where a record in ``source`` may go, in table order."""
    return [s.target for s in STEPS if s.source == source]


def plan(source: RecordStatus, target: RecordStatus, role: Role, given: dict[str, object]) -> Step:
    """The step from ``source`` to ``target`` if ``role`` may make it with the fields ``given`` (None: absent).

    Conflict (409) when the state does not allow the move, naming the allowed targets; Forbidden (403) when the role
    may not make it; InvalidInput (422) when a needed field is missing or one the step does not use is given.
    """
    step = _BY_MOVE.get((RecordStatus(source), RecordStatus(target)))
    if step is None:
        targets = ", ".join(allowed_targets(RecordStatus(source))) or "none"
        raise IllegalTransition(f"a {source} record cannot go to {target}; allowed: {targets}")
    if role not in step.roles:
        who = " or ".join(sorted(step.roles))
        raise Forbidden(f"a {role} may not {step.name} a record (only a {who} may)")
    present = {name for name, value in given.items() if value not in (None, "")}
    missing = [name for name in step.needs if name not in present]
    if missing:
        raise InvalidInput(f"to {step.name} a record, give {' and '.join(missing)}")
    extra = sorted(present - set(step.needs) - set(OPTIONAL[step.name]))
    if extra:
        raise InvalidInput(f"{', '.join(extra)} not used when you {step.name} a record")
    if step.name == "dismiss":
        _check_dismissal(given)
    return step


def _check_dismissal(given: dict[str, object]) -> None:
    try:
        reason = DismissReason(given["reason"])
    except ValueError as exc:
        raise InvalidInput(
            f"reason {given['reason']!r} is not a dismissal reason; one of: {', '.join(DismissReason)}"
        ) from exc
    if reason is DismissReason.OTHER and not given.get("note"):
        raise InvalidInput("a dismissal for reason other needs a note that says why")
    if given.get("vehicle_type") and reason is not DismissReason.WRONG_VEHICLE_TYPE:
        raise InvalidInput("vehicle_type names the right type only for a wrong_vehicle_type dismissal")
