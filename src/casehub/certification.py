"""Paper certifications (现场登记确认, R-PAP-1..6): what a form carries and what it lacks.

The one check of a paper form against the policy, shared by every way a form arrives — the
paper-forms adapter's ledger rows and the API's `recordCertification` — so both refuse the same
forms for the same missing items, with the same codes, and record the same payload (R-ACC-1).
Each caller reports a `MissingItem` in its own terms (a row error under the form's column
heading, a typed field error under `paperForm.…`).

Pure: no I/O, no ORM, no GraphQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from casehub.domain import Channel
from casehub.policy import FormRequirements, PolicyVersion


class PaperFormCode(StrEnum):
    """Why a paper form is refused: one per missing item (R-PAP-6)."""

    MISSING_SIGNATURE = "MISSING_SIGNATURE"  # R-PAP-1..4
    MISSING_SEAL = "MISSING_SEAL"  # R-PAP-2..4
    MISSING_EVIDENCE = "MISSING_EVIDENCE"  # R-PAP-1, 3, 4; R-ACC-1
    MISSING_ATTACHMENTS = "MISSING_ATTACHMENTS"  # R-PAP-2


@dataclass(frozen=True, slots=True)
class PaperForm:
    """What one form carries, in the policy's item codes (yangbi.toml `paper_forms`)."""

    number: str
    signatures: Mapping[str, list[str]]  # signer role → the names signed
    seals: frozenset[str]
    evidence: Mapping[str, list[str]]  # evidence kind → references
    attachments: tuple[str, ...] = ()

    def payload(self, version: PolicyVersion) -> dict[str, Any]:
        """The CERTIFIED payload of an accepted form: who confirmed it, under which policy (R-ACC-1)."""
        return {
            "channel": Channel.ONSITE_PAPER.value,
            "form_number": self.number,
            "signatures": {role: list(names) for role, names in self.signatures.items()},
            "seals": sorted(self.seals),
            "policy_version": version.id,
        }


@dataclass(frozen=True, slots=True)
class MissingItem:
    """One required item a form lacks: a signer role, a seal, an evidence kind, or the attachments."""

    code: PaperFormCode
    item: str  # the policy's code for it (VILLAGE_DIRECTOR, UNIT_SEAL, PHOTO_OR_VIDEO); "" for attachments
    missing: int = 1
    required: int = 1

    def message(self, label: str | None = None) -> str:
        """The sentence naming the item by its code, or as `label (CODE)` when a label is given."""
        name = f"{label} ({self.item})" if label else self.item
        if self.code is PaperFormCode.MISSING_SIGNATURE:
            short = f"{self.missing} of {self.required} " if self.required > 1 else ""
            return f"missing {short}signature of {name}"
        if self.code is PaperFormCode.MISSING_SEAL:
            return f"missing seal: {name}"
        if self.code is PaperFormCode.MISSING_EVIDENCE:
            return f"missing evidence: {name}"
        return "missing the attached materials (附件材料)"


def missing_items(form: PaperForm, need: FormRequirements) -> list[MissingItem]:
    """Every required item the form lacks (R-PAP-6): signatures, then seals, evidence, attachments."""
    missing: list[MissingItem] = []
    for role, count in need.signatures.items():
        signed = len(form.signatures.get(role, ()))
        if signed < count:
            missing.append(MissingItem(PaperFormCode.MISSING_SIGNATURE, role, count - signed, count))
    for seal in need.seals:
        if seal not in form.seals:
            missing.append(MissingItem(PaperFormCode.MISSING_SEAL, seal))
    for item in need.evidence:
        kinds = [item, *item.split("_OR_")]  # PHOTO_OR_VIDEO: either kind will do
        if not any(form.evidence.get(kind) for kind in kinds):
            missing.append(MissingItem(PaperFormCode.MISSING_EVIDENCE, item))
    if need.attachments_required and not form.attachments:
        missing.append(MissingItem(PaperFormCode.MISSING_ATTACHMENTS, ""))
    return missing
