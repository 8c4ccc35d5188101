"""The S3-compatible frame store keeps the local store's contract; tested against moto's in-process S3."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.support.data import unavailable
from traffic.services.frame_store import StoredBlob, frame_store, store_frame_bytes
from traffic.services.retention import RetentionPolicy, run_retention

try:
    import boto3
    from moto import mock_aws
except ImportError as exc:  # the test extras install both
    boto3 = mock_aws = None
    MISSING = str(exc)


@pytest.fixture()
def bucket(settings):
    if mock_aws is None:
        unavailable(f"boto3 and moto (test extras) are needed for the S3 frame store: {MISSING}")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="frames")
        yield settings.model_copy(update={"frame_store_url": "s3://frames/site-a"})


def test_put_get_dedupe_delete_and_listing_work_as_on_a_folder(bucket) -> None:
    store = frame_store(bucket)
    sha256, key = store_frame_bytes(store, b"\xff\xd8 frame bytes", "image/jpeg")
    assert store.put(key, b"\xff\xd8 frame bytes") is False  # already there
    assert store.get(key) == b"\xff\xd8 frame bytes" and store.exists(key)
    assert [b.key for b in store.blobs()] == [key] and isinstance(next(store.blobs()), StoredBlob)
    listed = store.client.list_objects_v2(Bucket="frames")["Contents"]
    assert [o["Key"] for o in listed] == [f"site-a/{key}"]
    assert store.delete(key) == len(b"\xff\xd8 frame bytes") and store.delete(key) == 0
    with pytest.raises(FileNotFoundError):
        store.get(key)
    with pytest.raises(ValueError):
        store.get("../other-bucket-object")


def test_retention_sweeps_unnamed_objects_from_the_bucket(bucket, session_factory) -> None:
    store = frame_store(bucket)
    _, key = store_frame_bytes(store, b"an upload whose row never committed", "image/jpeg")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    report = run_retention(session_factory, store, RetentionPolicy(24, 30), later)
    assert (report.files, report.orphans, report.bytes) == (1, 1, len(b"an upload whose row never committed"))
    assert not store.exists(key)
