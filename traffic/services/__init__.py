"""Services: the rules of the system, called by the API, the web pages, the CLI and the workers."""
# The statistics rollup is kept by an ORM hook on every Session; importing it here puts it in place wherever a
# service can write (traffic/services/stats/rollup_hook.py).
from traffic.services.stats import rollup_hook  # noqa: F401
