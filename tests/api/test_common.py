"""casehub.schema.common: the pieces every mutation folder shares."""

from __future__ import annotations

from casehub.errors import ValidationError, ValidationErrors
from casehub.schema.casework.errors import CaseworkError
from casehub.schema.casework.errors import attempt as casework_attempt
from casehub.schema.common import attempt
from casehub.schema.process_common import ProcessError
from casehub.schema.process_common import attempt as process_attempt


def refuse(*errors: ValidationError):
    async def call():
        raise ValidationErrors(list(errors)) if len(errors) > 1 else errors[0]

    return call


async def done():
    return 42


async def test_attempt_returns_the_result_or_every_refusal_as_a_field_error():
    assert await attempt(done, lambda e: e.code) == (42, [])
    one = ValidationError("noticeId", "INVALID", "not a notice")
    assert await attempt(refuse(one), lambda e: (e.field, e.code)) == (None, [("noticeId", "INVALID")])
    both = refuse(one, ValidationError("period", "INVALID_PERIOD", "2026-H3"))
    assert await attempt(both, lambda e: e.field) == (None, ["noticeId", "period"])


async def test_a_refusal_while_building_the_arguments_is_caught_too():
    def bad_id() -> int:
        raise ValidationError("itemId", "INVALID", "not a spot-check item")

    async def service(item_id: int) -> int:
        return item_id

    assert await attempt(lambda: service(bad_id()), lambda e: e.field) == (None, ["itemId"])


async def test_each_folder_keeps_its_own_error_type_and_codes():
    unknown = ValidationError("x", "SOMETHING_NEW", "a code the enum lacks")
    _, [process] = await process_attempt(refuse(unknown))
    _, [casework] = await casework_attempt(refuse(ValidationError("x", "NOT_FOUND", "no such case")))
    assert isinstance(process, ProcessError) and process.code == "INVALID"  # unknown codes fall back
    assert isinstance(casework, CaseworkError) and casework.code == "NOT_FOUND"
