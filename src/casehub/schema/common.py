"""Small pieces the case folders share: date ranges, input caps, global ids, PII masking in free text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import orjson
import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from casehub.clock import SHANGHAI
from casehub.errors import ValidationError, ValidationErrors
from casehub.idnumber import mask_id_number, mask_phone

if TYPE_CHECKING:
    from casehub.schema.recipients.types import Recipient

MAX_INPUT_LIST = 100  # the cap on every list argument; documented in docs/API.md
MAX_EVIDENCE = 20  # evidence references per event
MAX_TEXT = 500  # free text (reasons, notes)

T = TypeVar("T")
E = TypeVar("E")

_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# Both patterns need a run of at least 11 digits: text without one has nothing to mask. Digits are
# never escaped in JSON, so the same holds for a JSON value's serialisation (keys and numbers can
# only make a false alarm, never a miss).
_CANDIDATE = re.compile(r"[0-9]{11}")
_CANDIDATE_BYTES = re.compile(rb"[0-9]{11}")


@strawberry.input(description="An inclusive range of days; either end may be left open.")
class DateRangeInput:
    gte: dt.date | None = None
    lte: dt.date | None = None


@strawberry.type(description="An inclusive range of days.")
class DateRange:
    gte: dt.date
    lte: dt.date


def check_list(values: Sequence[Any] | None, field: str, cap: int = MAX_INPUT_LIST) -> None:
    """Refuse a list argument longer than its cap (a top-level error: the request is malformed)."""
    if values is not None and len(values) > cap:
        raise ValidationError(field, "TOO_MANY", f"at most {cap} items")


async def attempt(
    call: Callable[[], Awaitable[T]], error: Callable[[ValidationError], E]
) -> tuple[T | None, list[E]]:
    """Run a mutation's service call; a refused input comes back as the payload's typed field errors
    (`error` builds one from each `ValidationError`) instead of raising. `call` is called here, so a
    refusal raised while building its arguments (an id of the wrong type) is caught too."""
    try:
        return await call(), []
    except ValidationErrors as exc:
        return None, [error(e) for e in exc.errors]
    except ValidationError as exc:
        return None, [error(exc)]


def node_pk(global_id: relay.GlobalID | str, type_name: str) -> int | None:
    """The database id in a global id of `type_name`, or None for any other id."""
    if isinstance(global_id, str):
        try:
            global_id = relay.GlobalID.from_id(global_id)
        except GlobalIDValueError:  # a malformed id is simply not an id of ours
            return None
    if global_id.type_name != type_name or not global_id.node_id.isdigit():
        return None
    return int(global_id.node_id)


def gid(type_name: str, key: int | None) -> relay.GlobalID | None:
    return relay.GlobalID(type_name, str(key)) if key is not None else None


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A `knownAt` without a UTC offset is read as county time (Asia/Shanghai)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=SHANGHAI)


def month_end(day: dt.date) -> dt.date:
    first_of_next = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def latest_birth(day: dt.date, age: int) -> dt.date:
    """Everyone `age` or older on `day` was born on or before this day (R-KEY-1; `engine.months.birthday`)."""
    try:
        return day.replace(year=day.year - age)
    except ValueError:  # 29 February in a year without one
        return dt.date(day.year - age, 2, 28)


def mask_text(text: str) -> str:
    """Mask every resident ID number and mobile number inside free text (natural keys, payloads)."""
    if not _CANDIDATE.search(text):
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()) or "", text)


def mask_json(value: Any) -> Any:
    """`mask_text` applied to every string in a JSON value (the value itself when nothing needs masking)."""
    if isinstance(value, dict | list):
        try:
            if not _CANDIDATE_BYTES.search(orjson.dumps(value)):
                return value
        except TypeError:  # not plain JSON data: look at each string
            pass
    return _mask_each(value)


def masked_json_text(text: str) -> Any:
    """A JSON value from its text (as PostgreSQL writes jsonb), masked like `mask_json`."""
    value = orjson.loads(text)
    return _mask_each(value) if _CANDIDATE.search(text) else value


def _mask_each(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [_mask_each(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_each(v) for k, v in value.items()}
    return value


async def load_nodes(loader: Any, node_ids: Iterable[str], build: Callable[[Any], Any]) -> list[Any]:
    """`node(id)` through a scoped loader: results in the order asked, None for ids not seen."""
    keys = [int(i) if str(i).isdigit() else None for i in node_ids]
    wanted = [k for k in keys if k is not None]
    found = dict(zip(wanted, await loader.load_many(wanted), strict=True))
    return [build(found[k]) if k is not None and found.get(k) is not None else None for k in keys]


async def recipient_of(
    root: Any, info: strawberry.Info
) -> Annotated[Recipient, strawberry.lazy("casehub.schema.recipients.types")] | None:
    """The recipient a row belongs to (its `person_id`), through the viewer's scoped loader: one
    resolver for every type that points at a person (entitlements, timeline events)."""
    from casehub.schema.recipients.types import Recipient

    row = await info.context.loaders.person.load(root.person_id)
    return Recipient.from_model(row) if row else None
