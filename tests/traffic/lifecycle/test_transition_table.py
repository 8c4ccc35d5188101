"""The lifecycle table, case by case: every (from, to) pair for every role, and what each step needs."""
from __future__ import annotations

import pytest

from models.enums import Role
from tests.traffic.lifecycle.cases import ALLOWED, ALLOWED_IDS, ILLEGAL, ILLEGAL_IDS, A, C, D, P, R, X, Z
from traffic.errors import Forbidden, InvalidInput
from traffic.services.transitions import IllegalTransition, allowed_targets, plan


def _given(**fields) -> dict[str, object]:
    names = ("reason", "note", "unit", "due_date", "action_taken", "vehicle_type")
    return {name: fields.get(name) for name in names}


@pytest.mark.parametrize(("source", "target", "name", "roles", "fields"), ALLOWED,
                         ids=ALLOWED_IDS)
@pytest.mark.parametrize("role", list(Role))
def test_every_allowed_step_for_every_role(source, target, name, roles, fields, role) -> None:
    if role in roles:
        step = plan(source, target, role, _given(**fields))
        assert (step.name, step.source, step.target) == (name, source, target)
    else:
        with pytest.raises(Forbidden, match=f"may not {name}"):
            plan(source, target, role, _given(**fields))


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=ILLEGAL_IDS)
def test_every_illegal_move_is_a_conflict_naming_the_allowed_targets(source, target) -> None:
    assert len(ILLEGAL) == 36 - len(ALLOWED)
    with pytest.raises(IllegalTransition) as caught:
        plan(source, target, Role.SUPERVISOR, _given(reason="x", unit="U", due_date="2099-06-20"))
    assert caught.value.status_code == 409
    targets = allowed_targets(source)
    assert caught.value.detail.endswith("allowed: " + (", ".join(targets) or "none"))


def test_allowed_targets_follow_the_table() -> None:
    assert allowed_targets(P) == [C, D]
    assert allowed_targets(A) == [A, X]
    assert allowed_targets(Z) == [P]
    assert allowed_targets(D) == [P]


@pytest.mark.parametrize(("source", "target", "given", "message"), [
    (P, D, {}, "give reason"),
    (C, A, {"due_date": "2099-06-20"}, "give unit"),
    (C, A, {"unit": "U-N1"}, "give due_date"),
    (A, A, {}, "give unit"),
    (A, X, {"note": "已处理"}, "give action_taken"),
    (A, X, {"action_taken": "warning"}, "give note"),
    (D, P, {}, "give reason"),
    (Z, P, {"reason": ""}, "give reason"),
    (P, D, {"reason": "other"}, "needs a note"),
    (P, D, {"reason": "not_a_reason"}, "not a dismissal reason"),
    (P, D, {"reason": "duplicate", "vehicle_type": "e_tricycle"}, "only for a wrong_vehicle_type"),
    (P, C, {"unit": "U-N1"}, "unit not used when you confirm"),
    (X, Z, {"action_taken": "penalty"}, "action_taken not used"),
])
def test_missing_or_unused_fields_are_invalid_input(source, target, given, message) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        plan(source, target, Role.SUPERVISOR, _given(**given))
    assert caught.value.status_code == 422


def test_other_with_a_note_and_wrong_type_with_the_right_type_are_accepted() -> None:
    assert plan(P, D, R, _given(reason="other", note="施工车辆")).name == "dismiss"
    assert plan(P, D, R, _given(reason="wrong_vehicle_type", vehicle_type="e_four_wheeler")).name == "dismiss"
