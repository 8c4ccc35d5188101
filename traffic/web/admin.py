"""Configuration pages for admins: the cameras, and a camera's zone drawn on its latest frame."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse

from models.enums import Role
from traffic.api.deps import DbSession
from traffic.errors import Forbidden, NotFound
from traffic.services.camera_frames import latest_frame
from traffic.services.frame_store import read_frame_bytes
from traffic.services.camera_keys import issue_key
from traffic.services.cameras import load_camera, load_cameras
from traffic.services.city_repository import KINDS
from traffic.services.actors import Actor
from traffic.web.rendering import render
from traffic.web.session import PageActor, check_csrf

router = APIRouter(prefix="/admin", include_in_schema=False)


def require_admin(actor: Actor) -> Actor:
    if actor.role != Role.ADMIN:
        raise Forbidden("configuration is for admins")
    return actor


def admin_page_actor(actor: PageActor) -> Actor:
    """As a dependency, the role is checked before the form is read: a non-admin gets 403, never a form error."""
    return require_admin(actor)


AdminActor = Annotated[Actor, Depends(admin_page_actor)]


@router.get("/cameras", response_class=HTMLResponse)
def cameras_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    require_admin(actor)
    return render(request, "admin_cameras.html", {"actor": actor, "cameras": load_cameras(session),
                                                   "kinds": KINDS, "kind": None})


@router.get("/cameras/{code}/zone", response_class=HTMLResponse)
def zone_page(request: Request, session: DbSession, actor: PageActor, code: str) -> HTMLResponse:
    require_admin(actor)
    camera = load_camera(session, code)
    try:
        frame = latest_frame(session, camera)
        size = {"width": frame.width, "height": frame.height}
    except NotFound:
        size = None
    return render(request, "camera_zone.html", {
        "actor": actor, "camera": camera, "frame_size": size,
        "script_data": {"camera": camera.code, "zone": [list(p) for p in camera.zone or ()]},
    })


@router.get("/cameras/{code}/latest-frame")
def latest_frame_image(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    require_admin(actor)
    frame = latest_frame(session, load_camera(session, code))
    data = read_frame_bytes(request.app.state.frame_store, frame)
    return Response(data, media_type=frame.content_type, headers={"Cache-Control": "private, no-store"})


@router.post("/cameras/{code}/key", response_class=HTMLResponse)
def new_camera_key(request: Request, session: DbSession, actor: PageActor, code: str,
                   csrf_token: Annotated[str, Form()]) -> HTMLResponse:
    """Issue a new push key; the page shows it this once (only its hash is kept) and is never cached."""
    require_admin(actor)
    check_csrf(request, csrf_token)
    camera = load_camera(session, code)
    response = render(request, "camera_key.html", {"actor": actor, "camera": camera,
                                                   "key": issue_key(session, camera.code, actor=actor)})
    response.headers["Cache-Control"] = "no-store"
    return response
