"""The typed field error of the payroll and casework mutations, and the small helpers they share.

A refused input comes back as `errors: [CaseworkError!]!` in the payload — `field` (the
camelCase input field), `code` (`CaseworkErrorCode`, defined in the domain package
`casehub.casework.vocabulary`) and a sentence. Permission failures stay top-level errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from casehub.casework.vocabulary import CaseworkErrorCode
from casehub.errors import ValidationError
from casehub.models import Staff
from casehub.schema import common
from casehub.schema.common import node_pk

T = TypeVar("T")

CaseworkErrorCodeEnum = strawberry.enum(CaseworkErrorCode, name="CaseworkErrorCode")


@strawberry.type(description="Why an input was refused: which field (camelCase), a code, a sentence.")
class CaseworkError:
    field: str | None
    code: CaseworkErrorCodeEnum
    message: str

    @classmethod
    def from_validation(cls, error: ValidationError) -> CaseworkError:
        known = error.code in CaseworkErrorCode.__members__
        return cls(field=error.field, code=CaseworkErrorCode(error.code) if known else CaseworkErrorCode.INVALID,
                   message=error.message)


async def attempt(call: Callable[[], Awaitable[T]]) -> tuple[T | None, list[CaseworkError]]:
    """Run a service call (`casehub.schema.common.attempt`); a refused input comes back as `CaseworkError`s."""
    return await common.attempt(call, CaseworkError.from_validation)


def refused(field: str, code: CaseworkErrorCode, message: str) -> list[CaseworkError]:
    return [CaseworkError(field=field, code=code, message=message)]


def pk_of(global_id: relay.GlobalID | str, type_name: str, field: str) -> int:
    """The database id in a global id of `type_name`; anything else is a NOT_FOUND field error."""
    key = node_pk(global_id, type_name)
    if key is None:
        raise ValidationError(field, CaseworkErrorCode.NOT_FOUND, f"{global_id} is not the id of a {type_name}")
    return key


@strawberry.type(description="A staff member named on a record (who requested, approved, recorded).")
class StaffRef:
    username: str
    name: str


def staff_loader(info: strawberry.Info) -> DataLoader:
    """A per-request loader of staff names, kept on the request's context."""
    loader = getattr(info.context, "_casework_staff", None)
    if loader is None:
        async def batch(ids: list[int]) -> list[StaffRef | None]:
            found = {s.id: StaffRef(username=s.username, name=s.name) for s in await Staff.filter(id__in=ids)}
            return [found.get(i) for i in ids]

        loader = DataLoader(batch)
        info.context._casework_staff = loader
    return loader


async def staff_ref(info: strawberry.Info, staff_id: int | None) -> StaffRef | None:
    return await staff_loader(info).load(staff_id) if staff_id is not None else None
