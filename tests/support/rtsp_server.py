"""An RTSP camera for the tests: a video file served as H.264 at rtsp://127.0.0.1:PORT/demo, paced in real time.

Run by Debian's /usr/bin/python3, which has the GObject bindings (python3-gst-1.0, gir1.2-gst-rtsp-server-1.0);
the project's virtual environment has none and needs none, because the product's RTSP client is OpenCV's FFmpeg.
The test starts it as a subprocess and kills it to play a camera that restarts. `--check` only says whether
everything it needs is installed (exit status 0), so a test can fail or skip with the reason.

    /usr/bin/python3 tests/support/rtsp_server.py --port 8554 --video traffic/demo/demo.mp4
"""
from __future__ import annotations

import argparse
import sys

# Decoding the demo clip (MPEG-4 Part 2 in MP4) and encoding H.264 RTP as a real camera sends it.
ELEMENTS = ("filesrc", "decodebin", "videoconvert", "x264enc", "rtph264pay")


def _bindings():
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer

    return GLib, Gst, GstRtspServer


def missing() -> list[str]:
    """What is not installed: the bindings, or any GStreamer element the pipeline uses."""
    try:
        _, Gst, _ = _bindings()
    except (ImportError, ValueError) as exc:
        return [f"GStreamer RTSP server bindings ({exc})"]
    Gst.init(None)
    return [name for name in ELEMENTS if Gst.ElementFactory.find(name) is None]


def serve(port: int, video: str) -> None:
    GLib, Gst, GstRtspServer = _bindings()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    # key-int-max: a keyframe every second, so a client that (re)connects decodes within a second, as on a camera.
    factory.set_launch(
        f'( filesrc location="{video}" ! decodebin ! videoconvert ! video/x-raw,format=I420 '
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 "
        "! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)  # one camera: every client sees the same picture
    server.get_mount_points().add_factory("/demo", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on 127.0.0.1:{port}")
    print(f"listening {port}", flush=True)  # the test waits for this line
    GLib.MainLoop().run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 0 if everything needed is installed")
    parser.add_argument("--port", type=int)
    parser.add_argument("--video")
    args = parser.parse_args()
    if args.check:
        absent = missing()
        if absent:
            sys.exit("missing: " + ", ".join(absent))
        return
    if args.port is None or args.video is None:
        parser.error("--port and --video are needed to serve")
    serve(args.port, args.video)


if __name__ == "__main__":
    main()
