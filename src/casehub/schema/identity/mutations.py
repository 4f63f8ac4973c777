"""Revealing a recipient's full identity: for roles with REVEAL_PII, asked for explicitly, with a reason, audited.

Everywhere else ID and phone numbers are masked. A reveal is a mutation because it has an
effect: an audit entry naming who (the staff member), what (the recipient and the fields)
and why (the reason given), written before the numbers are returned.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from casehub.audit import append_audit
from casehub.auth import Permission
from casehub.schema.common import MAX_TEXT, node_pk
from casehub.schema.errors import CaseError, CaseErrorCode, Problems
from casehub.schema.permissions import has
from casehub.schema.recipients.types import Recipient

MIN_REASON = 4  # e.g. "核实身份" — enough to be a reason, short enough to type on a phone
REVEALED_FIELDS = ["idNumber", "phone", "birthDate"]


@strawberry.input(description="Whose identity, and why (written to the audit log).")
class RevealIdentityInput:
    recipient_id: strawberry.ID
    reason: str = strawberry.field(description=f"Why the full numbers are needed ({MIN_REASON}-{MAX_TEXT} characters).")


@strawberry.type(description="A recipient's identity in full.")
class RevealedIdentity:
    id_number: str
    phone: str | None
    birth_date: dt.date


@strawberry.type
class RevealIdentityPayload:
    errors: list[CaseError]
    recipient: Recipient | None = None
    identity: RevealedIdentity | None = None


@strawberry.type
class IdentityMutations:
    @strawberry.mutation(
        description="The full ID number, phone number and birth date of one recipient in scope; each reveal is "
        "audited with who, what and why.",
        permission_classes=[has(Permission.REVEAL_PII)],
    )
    async def reveal_identity(self, info: strawberry.Info, input: RevealIdentityInput) -> RevealIdentityPayload:
        viewer = info.context.viewer
        problems = Problems()
        pk = node_pk(input.recipient_id, "Recipient")
        person = await info.context.loaders.person.load(pk) if pk is not None else None
        reason = (input.reason or "").strip()
        if person is None:
            problems.add("recipientId", CaseErrorCode.NOT_FOUND, "no such recipient in your scope")
        if not MIN_REASON <= len(reason) <= MAX_TEXT:
            problems.add("reason", CaseErrorCode.REQUIRED, f"say why, in {MIN_REASON} to {MAX_TEXT} characters")
        outcome = "REJECTED" if problems else "REVEALED"
        detail = {"outcome": outcome, "fields": REVEALED_FIELDS, "reason": reason}
        if problems:
            detail["errors"] = [e.code.value for e in problems.errors]
        await append_audit(
            "REVEAL_IDENTITY", "person", person.id if person else "-", actor_id=viewer.staff_id, detail=detail
        )
        if problems or person is None:
            return RevealIdentityPayload(errors=problems.errors)
        return RevealIdentityPayload(
            errors=[],
            recipient=Recipient.from_model(person),
            identity=RevealedIdentity(id_number=person.id_number, phone=person.phone, birth_date=person.birth_date),
        )
