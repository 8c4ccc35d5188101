"""Ask the rule engine whether a vehicle at a place and time is restricted."""
from __future__ import annotations

from fastapi import APIRouter

from traffic.api.auth import CurrentActor
from traffic.api.deps import AppSettings, DbSession
from traffic.schemas.city import EvaluateIn, EvaluateOut
from traffic.services.rulebook import load_rulebook

router = APIRouter(prefix="/rules", tags=["rules"])


@router.post("/evaluate", response_model=EvaluateOut, summary="Evaluate the restriction rules for one sighting")
def evaluate_rules(body: EvaluateIn, session: DbSession, settings: AppSettings, actor: CurrentActor) -> EvaluateOut:
    rulebook = load_rulebook(session, settings.timezone, actor)
    decision = rulebook.evaluate(
        segment=body.segment, vehicle_type=body.vehicle_type, plated=body.plated, at=body.at
    )
    return EvaluateOut(**decision.as_dict())
