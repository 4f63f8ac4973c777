"""casehub — the case-management backend for confirming benefit eligibility."""

__version__ = "0.1.0"
