"""Chinese licence-plate reading on rapidocr's bundled models: grammar, reader and track vote."""

from detection.plate.grammar import is_valid_plate, normalize_plate
from detection.plate.reader import PlateReader
from detection.plate.reading import PlateReading
from detection.plate.vote import vote_plates

__all__ = ["PlateReader", "PlateReading", "is_valid_plate", "normalize_plate", "vote_plates"]
