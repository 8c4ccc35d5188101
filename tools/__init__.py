"""Developer tools run from a checkout (``python -m tools.synth ...``); never installed with the product."""
