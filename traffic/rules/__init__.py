"""The restriction rule engine: a pure function deciding whether a sighting is restricted."""
from traffic.rules.engine import Calendar, Decision, RuleSpec, SlotSpec, evaluate

__all__ = ["Calendar", "Decision", "RuleSpec", "SlotSpec", "evaluate"]
