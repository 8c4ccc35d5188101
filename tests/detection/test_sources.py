"""Frame sources: capture times from names and EXIF, directories, video files, memory."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
from PIL import Image

from detection.sources import (
    DirectorySource,
    FrameQueue,
    ImageFileSource,
    SourceError,
    VideoFileSource,
    frames_from_memory,
    open_source,
    timestamp_from_name,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
PLUS_8 = timezone(timedelta(hours=8))
MINUS_3_30 = timezone(-timedelta(hours=3, minutes=30))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("20230601_071530.jpg", datetime(2023, 6, 1, 7, 15, 30, tzinfo=SHANGHAI)),
        ("cam3_20230601071530.jpg", datetime(2023, 6, 1, 7, 15, 30, tzinfo=SHANGHAI)),
        ("IMG_20230601_071530123.jpg", datetime(2023, 6, 1, 7, 15, 30, 123000, tzinfo=SHANGHAI)),
        ("2023-06-01T07-15-30.25.png", datetime(2023, 6, 1, 7, 15, 30, 250000, tzinfo=SHANGHAI)),
        ("2023-06-01 07:15:30Z.jpg", datetime(2023, 6, 1, 7, 15, 30, tzinfo=UTC)),
        ("snap_1685574930.jpg", datetime(2023, 5, 31, 23, 15, 30, tzinfo=UTC)),
        ("snap_1685574930250.jpg", datetime(2023, 5, 31, 23, 15, 30, 250000, tzinfo=UTC)),
        ("20231345_250000.jpg", None),  # month 13: only looks like a date
        ("frame_000123.jpg", None),
        ("bus.jpg", None),
    ],
)
def test_timestamp_from_name(name, expected):
    got = timestamp_from_name(name, SHANGHAI)
    assert got == expected
    if got is not None:
        assert got.utcoffset() is not None


def _save(path, image_bgr, exif_time=None, subsec=None, offset=None):
    image = Image.fromarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    exif = Image.Exif()
    if exif_time:
        ifd = exif.get_ifd(0x8769)
        ifd[0x9003] = exif_time
        if subsec:
            ifd[0x9291] = subsec
        if offset:
            ifd[0x9011] = offset
    image.save(path, exif=exif)


@pytest.fixture(scope="module")
def bus(bus_jpg):
    return cv2.resize(cv2.imread(str(bus_jpg)), (162, 216))  # small copies keep the tests fast


@pytest.mark.parametrize(
    ("exif_time", "subsec", "offset", "expected"),
    [
        ("2023:06:01 07:15:30", None, None, datetime(2023, 6, 1, 7, 15, 30, tzinfo=SHANGHAI)),
        ("2023:06:01 07:15:30", "25", "+08:00", datetime(2023, 6, 1, 7, 15, 30, 250000, tzinfo=PLUS_8)),
        ("2023:06:01 07:15:30", "5", "-03:30", datetime(2023, 6, 1, 7, 15, 30, 500000, tzinfo=MINUS_3_30)),
    ],
)
def test_image_time_from_exif(tmp_path, bus, exif_time, subsec, offset, expected):
    path = tmp_path / "photo.jpg"
    _save(path, bus, exif_time, subsec, offset)
    (frame,) = list(ImageFileSource(path, assume_tz=SHANGHAI))
    assert frame.captured_at == expected
    assert frame.ref == "photo.jpg" and frame.image.shape == bus.shape


def test_exif_wins_over_the_file_name_in_auto_mode(tmp_path, bus):
    path = tmp_path / "20990101_000000.jpg"
    _save(path, bus, "2023:06:01 07:15:30")
    assert next(iter(ImageFileSource(path, assume_tz=UTC))).captured_at == datetime(2023, 6, 1, 7, 15, 30, tzinfo=UTC)
    assert next(iter(ImageFileSource(path, mode="filename"))).captured_at.year == 2099


def test_image_without_any_time_is_refused(tmp_path, bus):
    path = tmp_path / "bus.jpg"
    _save(path, bus)
    with pytest.raises(SourceError, match="no capture time"):
        ImageFileSource(path)
    given = datetime(2023, 6, 1, 8, 0)
    assert next(iter(ImageFileSource(path, captured_at=given, assume_tz=SHANGHAI))).captured_at == given.replace(
        tzinfo=SHANGHAI
    )


def test_directory_orders_by_time_from_names(tmp_path, bus):
    names = ["cam_20230601_071532.jpg", "cam_20230601_071530.jpg", "cam_20230601_071531.500.png"]
    for name in names:
        _save(tmp_path / name, bus)
    (tmp_path / "notes.txt").write_text("not an image")
    frames = list(DirectorySource(tmp_path, assume_tz=SHANGHAI))
    assert [f.ref for f in frames] == [names[1], names[2], names[0]]
    assert [f.index for f in frames] == [0, 1, 2]
    assert [f.captured_at.second for f in frames] == [30, 31, 32]
    assert frames[1].captured_at.microsecond == 500000
    assert all(f.captured_at.tzinfo == SHANGHAI for f in frames)


def test_directory_mixes_exif_and_names(tmp_path, bus):
    _save(tmp_path / "a.jpg", bus, "2023:06:01 07:15:35")
    _save(tmp_path / "b_20230601_071530.jpg", bus)
    frames = list(DirectorySource(tmp_path, mode="auto", assume_tz=UTC))
    assert [f.ref for f in frames] == ["b_20230601_071530.jpg", "a.jpg"]


@pytest.mark.parametrize(
    ("mode", "start", "error"),
    [
        ("interval", datetime(2023, 6, 1, 7, 0, tzinfo=UTC), None),
        ("auto", datetime(2023, 6, 1, 7, 0, tzinfo=UTC), None),
        ("interval", None, "need a start time"),
        ("auto", None, "give a start time and an interval"),
        ("exif", None, "no EXIF capture time"),
        ("filename", None, "no date and time in the file name"),
        ("sometimes", None, "unknown timestamp mode"),
    ],
)
def test_directory_interval_and_errors(tmp_path, bus, mode, start, error):
    for name in ("c.jpg", "a.jpg", "b.jpg"):
        _save(tmp_path / name, bus)
    if error:
        with pytest.raises(SourceError, match=error):
            DirectorySource(tmp_path, mode=mode, start=start, interval_s=0.5)
        return
    frames = list(DirectorySource(tmp_path, mode=mode, start=start, interval_s=0.5))
    assert [f.ref for f in frames] == ["a.jpg", "b.jpg", "c.jpg"]
    assert [f.captured_at - start for f in frames] == [timedelta(0), timedelta(seconds=0.5), timedelta(seconds=1)]


def test_empty_directory_is_refused(tmp_path):
    with pytest.raises(SourceError, match="no images"):
        DirectorySource(tmp_path)


@pytest.mark.parametrize(
    ("stride", "first", "count", "positions"),
    [(1, 0, 3, [0, 1, 2]), (5, 0, 3, [0, 5, 10]), (10, 7, 3, [7, 17, 27]), (100, 0, None, [0, 100, 200, 300, 400])],
)
def test_video_frames_and_times(jakarta_video, stride, first, count, positions):
    start = datetime(2023, 6, 1, 8, 0, tzinfo=SHANGHAI)
    source = VideoFileSource(jakarta_video, start=start, stride=stride, first_frame=first, max_frames=count)
    frames = list(source)
    assert len(source) == len(frames) == len(positions)
    assert [f.ref for f in frames] == [f"jakarta_street_traffic_20s.mp4#{p}" for p in positions]
    assert [f.captured_at for f in frames] == [start + timedelta(seconds=p / 25.0) for p in positions]
    assert frames[0].size == (1024, 576)


def test_video_default_start_ends_at_the_file_time(jakarta_video):
    source = VideoFileSource(jakarta_video, max_frames=1)
    modified = datetime.fromtimestamp(jakarta_video.stat().st_mtime, tz=UTC)
    assert source.start == modified - timedelta(seconds=20)


def test_video_decodes_like_opencv(jakarta_video):
    capture = cv2.VideoCapture(str(jakarta_video))
    for _ in range(11):
        ok, expected = capture.read()
    capture.release()
    (frame,) = list(VideoFileSource(jakarta_video, stride=10, first_frame=0, max_frames=2))[1:]
    np.testing.assert_array_equal(frame.image, expected)


def test_memory_frames_from_arrays_and_bytes(bus):
    t0 = datetime(2023, 6, 1, 8, 0, tzinfo=SHANGHAI)
    jpeg = cv2.imencode(".jpg", bus)[1].tobytes()
    frames = list(frames_from_memory([(bus, t0, "push-1"), (jpeg, t0 + timedelta(seconds=1), "push-2")]))
    assert [(f.index, f.ref) for f in frames] == [(0, "push-1"), (1, "push-2")]
    assert frames[0].image is bus  # no copy
    assert frames[1].image.shape == bus.shape


@pytest.mark.parametrize(
    ("image", "captured_at", "error"),
    [
        (np.zeros((4, 4, 3), np.uint8), datetime(2023, 6, 1, 8, 0), "timezone-aware"),
        (np.zeros((4, 4), np.uint8), datetime(2023, 6, 1, 8, 0, tzinfo=UTC), r"shape \(H, W, 3\)"),
        (np.zeros((4, 4, 3), np.float32), datetime(2023, 6, 1, 8, 0, tzinfo=UTC), "uint8"),
        (b"not a jpeg", datetime(2023, 6, 1, 8, 0, tzinfo=UTC), "cannot decode"),
    ],
)
def test_memory_frames_are_checked(image, captured_at, error):
    with pytest.raises((ValueError, SourceError), match=error):
        list(frames_from_memory([(image, captured_at, "x")]))


def test_frame_queue_between_threads(bus):
    queue = FrameQueue(maxsize=2)
    t0 = datetime(2023, 6, 1, 8, 0, tzinfo=UTC)

    def produce():
        for n in range(5):
            queue.push(bus, t0 + timedelta(seconds=n), f"snap-{n}")
        queue.close()

    producer = threading.Thread(target=produce)
    producer.start()
    frames = list(queue)
    producer.join()
    assert [f.ref for f in frames] == [f"snap-{n}" for n in range(5)]
    assert [f.index for f in frames] == list(range(5))
    with pytest.raises(SourceError, match="closed"):
        queue.push(bus, t0, "late")


def test_open_source_picks_the_kind(tmp_path, bus, jakarta_video):
    _save(tmp_path / "20230601_071530.jpg", bus)
    assert isinstance(open_source(str(tmp_path)), DirectorySource)
    assert isinstance(open_source(str(tmp_path / "20230601_071530.jpg")), ImageFileSource)
    assert isinstance(open_source(str(jakarta_video), stride=5), VideoFileSource)
    with pytest.raises(SourceError, match="not found"):
        open_source(str(tmp_path / "missing.mp4"))
