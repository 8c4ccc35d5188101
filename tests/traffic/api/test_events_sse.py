"""GET /events against a real uvicorn server on 127.0.0.1: order, Last-Event-ID, keep-alives, a free event loop."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from models import Role
from models.enums import RecordEventKind
from tests.support.auth import TEST_PASSWORD_COST, headers_for
from tests.support.databases import fresh_database
from tests.support.factories import SHANGHAI, make_city, make_record
from traffic import migrate
from traffic.app import create_app
from traffic.db import make_engine, make_session_factory, transaction
from traffic.services.events import emit
from traffic.settings import Settings

READ_TIMEOUT = httpx.Timeout(10.0)


@dataclass
class LiveServer:
    url: str
    factory: sessionmaker[Session]
    headers: dict[str, str]  # an admin's
    cities: Iterator[int] = field(default_factory=itertools.count)

    def emit(self, count: int, kind: str = RecordEventKind.CREATED) -> list[int]:
        """Commit ``count`` new records, each with one event; their event ids."""
        with transaction(self.factory) as session:
            city = make_city(session, suffix=f"L{next(self.cities)}")
            ids = []
            for n in range(count):
                record = make_record(session, city, dt.datetime(2023, 6, 5, 7, n, tzinfo=SHANGHAI))
                ids.append(emit(session, kind, record, {"status": record.status}).id)
        return ids


@pytest.fixture(scope="module")
def live(backend: str, tmp_path_factory) -> Iterator[LiveServer]:
    """One server per backend for this module; tests only rely on the events they emit themselves."""
    tmp_path = tmp_path_factory.mktemp("sse")
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        settings = Settings(env="test", database_url=url, data_dir=tmp_path / "data", events_poll_interval=0.05,
                            events_keepalive=0.3, **TEST_PASSWORD_COST)
        with transaction(make_session_factory(engine)) as session:
            admin = headers_for(session, Role.ADMIN)
        server = uvicorn.Server(uvicorn.Config(create_app(settings, engine=engine), log_level="warning",
                                               timeout_graceful_shutdown=2, lifespan="off"))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        ready = threading.Event()
        for _ in range(500):  # bounded wait for the server to listen (up to 10 s)
            if server.started or not thread.is_alive():
                break
            ready.wait(0.02)
        assert server.started, "uvicorn did not start"
        try:
            yield LiveServer(f"http://127.0.0.1:{sock.getsockname()[1]}", make_session_factory(engine), admin)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
            engine.dispose()


def read_stream(response: httpx.Response) -> Iterator[tuple[str, object]]:
    """Yield ("comment", text) and ("event", (id, name, data)) as the server sends them."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line == "":
            if "data" in fields:
                yield "event", (int(fields["id"]), fields["event"], json.loads(fields["data"]))
            fields = {}
        else:
            name, _, value = line.partition(":")
            fields[name] = value.lstrip(" ")


def take_events(stream, count: int) -> list[tuple[int, str, dict]]:
    events = []
    for kind, value in stream:
        if kind == "event":
            events.append(value)
            if len(events) == count:
                return events
    raise AssertionError("stream ended early")


def test_resumes_after_last_event_id_in_order(live: LiveServer) -> None:
    first, *rest = live.emit(3)
    with httpx.Client(timeout=READ_TIMEOUT, headers=live.headers) as client, client.stream(
        "GET", f"{live.url}/api/v1/events", headers={"Last-Event-ID": str(first)}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = take_events(read_stream(response), 2)
    assert [e[0] for e in events] == rest
    assert {e[1] for e in events} == {RecordEventKind.CREATED}
    assert all(e[2]["id"] == e[0] and e[2]["data"]["record_no"] for e in events)


def test_without_last_event_id_only_new_events_arrive(live: LiveServer) -> None:
    [old] = live.emit(1)
    with httpx.Client(timeout=READ_TIMEOUT, headers=live.headers) as client, \
            client.stream("GET", f"{live.url}/api/v1/events") as response:
        stream = read_stream(response)
        kind, text = next(stream)
        assert (kind, text) == ("comment", f"stream after {old}")  # the stream is live from here on
        new = live.emit(2, kind=RecordEventKind.STATUS_CHANGED)
        events = take_events(stream, 2)
    assert [e[0] for e in events] == new and events[0][1] == RecordEventKind.STATUS_CHANGED


def test_quiet_streams_get_keep_alive_comments_and_the_loop_stays_free(live: LiveServer) -> None:
    with httpx.Client(timeout=READ_TIMEOUT, headers=live.headers) as client, \
            client.stream("GET", f"{live.url}/api/v1/events") as response:
        stream = read_stream(response)
        comments = []
        for kind, value in stream:
            assert kind == "comment"
            comments.append(value)
            if value == "keep-alive":
                break
        with httpx.Client(timeout=READ_TIMEOUT, headers=live.headers) as other:  # while the stream is open, the server still answers
            assert other.get(f"{live.url}/healthz").json()["status"] == "ok"
            assert other.get(f"{live.url}/api/v1/webhooks").status_code == 200
    assert comments[0].startswith("stream after") and comments[-1] == "keep-alive"


def test_a_subscriber_sees_only_the_events_of_their_districts(live: LiveServer) -> None:
    with transaction(live.factory) as session:
        own, other = make_city(session, "SSE-OWN"), make_city(session, "SSE-OTHER")
        reviewer = headers_for(session, Role.REVIEWER, [own.district.code])
    with httpx.Client(timeout=READ_TIMEOUT, headers=reviewer) as client, \
            client.stream("GET", f"{live.url}/api/v1/events") as response:
        stream = read_stream(response)
        assert next(stream)[0] == "comment"  # live from here on
        with transaction(live.factory) as session:  # another district's event first, then one of their own
            at = dt.datetime(2023, 6, 5, 7, 30, tzinfo=SHANGHAI)
            emit(session, RecordEventKind.CREATED, make_record(session, other, at), {})
            mine = emit(session, RecordEventKind.CREATED, make_record(session, own, at), {}).id
        [event] = take_events(stream, 1)
    assert event[0] == mine


def test_events_need_a_user(anonymous_client) -> None:
    response = anonymous_client.get("/api/v1/events")
    assert response.status_code == 401 and response.json()["error"] == "Unauthorized"


def test_bad_last_event_id_is_422(client) -> None:
    response = client.get("/api/v1/events", headers={"Last-Event-ID": "yesterday"})
    assert response.status_code == 422 and response.json()["error"] == "ValidationError"
    assert "last-event-id" in response.json()["detail"].lower()
