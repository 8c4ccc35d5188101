"""For operators and their machines: /readyz (open, like /healthz) and /metrics (a network or a token only)."""
from __future__ import annotations

import hmac
import ipaddress
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from traffic.errors import Forbidden, NotFound, Unauthorized
from traffic.metrics import QUEUE_DEPTH, REGISTRY
from traffic.schemas.operations import NotReadyOut, ReadinessOut
from traffic.services.operations import Check, check_database, check_redis, check_writable, queue_depths
from traffic.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
NOT_APPLICABLE = Check(True, "not applicable")


@router.get("/readyz", response_model=ReadinessOut, summary="Ready to take traffic: database, queue, model, evidence",
            responses={503: {"model": NotReadyOut, "description": "NotReady: the checks that fail are named"}})
def readyz(request: Request) -> ReadinessOut | JSONResponse:
    """Every check runs on every call (a load balancer polls this); details are short words, never a secret."""
    state = request.app.state
    settings: Settings = state.settings
    database = check_database(state.session_factory)
    checks = {
        "database": database,
        "queue": check_redis(settings.queue_url) if settings.queue_url else Check(database.ok, "database"),
        "model": _model_check(request),
        "evidence": check_writable(settings.data_dir / "evidence"),
    }
    failing = sorted(name for name, check in checks.items() if not check.ok)
    body = {name: check.as_json() for name, check in checks.items()}
    if not failing:
        return ReadinessOut(status="ready", checks=body)
    log.warning("not ready: %s", ", ".join(f"{name} {checks[name].detail}" for name in failing))
    return JSONResponse(
        {"error": "NotReady", "detail": f"not ready: {', '.join(failing)}", "status": "not ready", "checks": body},
        status_code=503, headers={"Retry-After": str(settings.db_retry_after_s)},
    )


def _model_check(request: Request) -> Check:
    """Only a process that runs embedded workers loads the model: they say whether it has loaded (or failed to)."""
    workers = getattr(request.app.state, "embedded_workers", None)
    if workers is None:
        return NOT_APPLICABLE
    return Check(workers.model_state == "loaded", workers.model_state)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format. Not in the OpenAPI document: it is for a scraper, not for API clients."""
    _admit_scraper(request)
    with request.app.state.session_factory() as session:
        depths = queue_depths(session)
    QUEUE_DEPTH.clear()  # a camera whose queue emptied drops out instead of keeping its last value
    for camera, depth in depths.items():
        QUEUE_DEPTH.labels(camera).set(depth)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _admit_scraper(request: Request) -> None:
    """Closed (404) unless TRAFFIC_METRICS_NETWORKS or TRAFFIC_METRICS_TOKEN is set; then the network or the token."""
    settings: Settings = request.app.state.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not settings.metrics_networks and not token:
        raise NotFound("metrics are not enabled (set TRAFFIC_METRICS_NETWORKS or TRAFFIC_METRICS_TOKEN)")
    if _from_allowed_network(request, settings):
        return
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if not presented:
        raise Unauthorized("metrics need the metrics bearer token or an allowed network")
    if not token or scheme.lower() != "bearer" or not hmac.compare_digest(presented.encode(), token.encode()):
        raise Forbidden("this token does not open the metrics")


def _from_allowed_network(request: Request, settings: Settings) -> bool:
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # not an address (a test client, a Unix socket)
        return False
    return any(address in network for network in settings.metrics_networks)
