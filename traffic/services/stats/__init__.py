"""Statistics over sightings, records and camera coverage: pure query builders, scoped by the caller's districts.

Method and definitions: docs/statistics.md. Routers and the report command only translate; all figures come from here.
"""
