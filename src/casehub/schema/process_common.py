"""What the processes' GraphQL folders share: the typed field error, the policy, ids and days.

Mutations return a payload whose `errors` list holds `ProcessError {field, code, message}`
(Saleor style): a refused input is data, not a top-level GraphQL error. Permission failures and
unexpected errors stay top-level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from tortoise.queryset import QuerySet

from casehub.clock import today
from casehub.errors import ValidationError
from casehub.policy import Policy, ReportingBody
from casehub.processes.vocabulary import (
    FindingResult,
    NoticeStatus,
    ProcessErrorCode,
    ReferralSource,
    ReportStatus,
    TipOffStatus,
)
from casehub.schema import common
from casehub.schema.common import gid  # noqa: F401 - the processes' folders import it from here
from casehub.schema.enums import KeyGroupEnum  # noqa: F401 - the processes' folders import it from here
from casehub.schema.recipients.types import Recipient

T = TypeVar("T")

ProcessErrorCodeEnum = strawberry.enum(ProcessErrorCode, name="ProcessErrorCode")
ReportingBodyEnum = strawberry.enum(ReportingBody, name="ReportingBody")
ReportStatusEnum = strawberry.enum(ReportStatus, name="ReportStatus")
NoticeStatusEnum = strawberry.enum(NoticeStatus, name="NoticeStatus")
TipOffStatusEnum = strawberry.enum(TipOffStatus, name="TipOffStatus")
FindingResultEnum = strawberry.enum(FindingResult, name="FindingResult")
ReferralSourceEnum = strawberry.enum(ReferralSource, name="ReferralSource")


@strawberry.type(description="Why an input was refused: which field (camelCase path), a code, a sentence.")
class ProcessError:
    field: str | None
    code: ProcessErrorCodeEnum
    message: str

    @classmethod
    def from_validation(cls, error: ValidationError) -> ProcessError:
        known = error.code in ProcessErrorCode.__members__
        return cls(field=error.field, code=ProcessErrorCode(error.code) if known else ProcessErrorCode.INVALID,
                   message=error.message)  # fmt: skip


async def attempt(call: Callable[[], Awaitable[T]]) -> tuple[T | None, list[ProcessError]]:
    """Run a service call (`casehub.schema.common.attempt`); a refused input comes back as `ProcessError`s."""
    return await common.attempt(call, ProcessError.from_validation)


def policy(info: strawberry.Info) -> Policy:
    """The deployment's policy (CASEHUB_POLICY_DIR, or the shipped one), loaded once per process."""
    return info.context.policy


def day_or_today(day: dt.date | None) -> dt.date:
    return day or today()


def pk(global_id: relay.GlobalID, type_name: str, field: str) -> int:
    """The database id in a global id of `type_name`; any other id is a field error."""
    if global_id.type_name != type_name or not global_id.node_id.isdigit():
        raise ValidationError(field, ProcessErrorCode.INVALID, f"{global_id} is not the id of a {type_name}")
    return int(global_id.node_id)


async def load_recipient(info: strawberry.Info, person_id: int | None) -> Recipient | None:
    """The recipient by id through the request's scoped loader: None when outside the viewer's scope."""
    if person_id is None:
        return None
    person = await info.context.loaders.person.load(person_id)
    return Recipient.from_model(person) if person else None


async def scoped_nodes(query: QuerySet, node_ids: Iterable[str], build: Callable[[Any], T]) -> list[T | None]:
    """`node(id)` for a processes' type: one scoped query, results in the order asked."""
    ids = [int(i) for i in node_ids if str(i).isdigit()]
    found = {row.id: row for row in await query.filter(id__in=ids)}
    return [build(found[int(i)]) if str(i).isdigit() and int(i) in found else None for i in node_ids]
