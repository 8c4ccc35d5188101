"""The lifecycle's moves as a table shared by the pure tests and the API tests (docs/lifecycle.md)."""
from __future__ import annotations

import itertools

from models.enums import RecordStatus, Role

P, C, D, A, X, Z = (RecordStatus.PENDING_REVIEW, RecordStatus.CONFIRMED, RecordStatus.DISMISSED,
                    RecordStatus.ASSIGNED, RecordStatus.ACTIONED, RecordStatus.CLOSED)
R, S = Role.REVIEWER, Role.SUPERVISOR

# (from, to, step, roles that may make it, the fields of a valid request): the whole lifecycle.
# Units: U-N1 and U-N2 belong to the record's district; the due date is far in the future.
ALLOWED = [
    (P, C, "confirm", {R, S}, {}),
    (P, D, "dismiss", {R, S}, {"reason": "false_detection"}),
    (C, A, "assign", {R, S}, {"unit": "U-N1", "due_date": "2099-06-20"}),
    (A, A, "reassign", {S}, {"unit": "U-N2"}),
    (A, X, "act", {R, S}, {"action_taken": "education", "note": "现场教育劝导"}),
    (X, Z, "close", {R, S}, {}),
    (D, P, "reopen", {S}, {"reason": "车主申诉，复核"}),
    (Z, P, "reopen", {S}, {"reason": "整改反弹，重新处理"}),
]
ALLOWED_IDS = [f"{a}->{b}" for a, b, *_ in ALLOWED]
ALLOWED_MOVES = {(src, dst) for src, dst, *_ in ALLOWED}
ILLEGAL = [pair for pair in itertools.product(RecordStatus, repeat=2) if pair not in ALLOWED_MOVES]
ILLEGAL_IDS = [f"{a}->{b}" for a, b in ILLEGAL]
