"""casehub plugin: medical-insurance settlements (医保结算) as evidence of being alive.

Registered through the entry point ``[project.entry-points.casehub] medinsurance =
"casehub_medinsurance"``; casehub calls the hook below. (It does not implement
`events_recorded`: a plugin that does makes casehub load every batch's events.)
"""

from __future__ import annotations

from casehub.adapters import Adapter, hookimpl
from casehub_medinsurance.adapter import MedicalSettlementAdapter

__all__ = ["MedicalSettlementAdapter", "register_adapters"]


@hookimpl
def register_adapters() -> list[type[Adapter]]:
    return [MedicalSettlementAdapter]
