"""The vision pipeline: detection, plates, tracking and sightings.

The product never downloads or installs anything at run time. ultralytics would: it checks for updates, fetches
fonts and weights by bare name, and pip-installs a plugin (pi-heif) the first time Pillow cannot identify a file,
through its patched ``PIL.Image.open``. These two settings, read when ultralytics is first imported, turn all of
that off for every process that imports this package (an explicit setting in the environment still wins).
"""
import os

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
