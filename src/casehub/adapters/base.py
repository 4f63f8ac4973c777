"""What an import adapter is, and the helpers every adapter shares.

An adapter turns one kind of external file into timeline events, in three steps
the importer drives (`casehub.adapters.importer`):

1. `parse(data, filename)` reads the file into `SourceRecord`s, each with the row
   number a person sees when they open the file (a spreadsheet's row number, a
   JSON-lines line number). A row that cannot be read at all is yielded as a
   `RowError`; a file that cannot be read at all raises `SourceError`.
2. `validate(record)` returns every problem of that row as `RowError`s — all of
   them, not just the first, so that the person fixing the file sees the whole list.
3. `to_drafts(record)` turns a valid record into `EventDraft`s, each with a
   natural key so that importing the same record twice records it once (R-TL-3).

Each method may be a plain or an `async` method. Adapters never touch the
database: references (is this person known? does she hold that entitlement?)
are checked by `casehub.timeline.record_events`, in bulk.

The helpers below read CSV (UTF-8 with or without BOM, GB18030/GBK), XLSX and
JSON / JSON lines into records with canonical field names, and parse ID numbers,
dates and yes/no cells the same way in every adapter.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import orjson
from stdnum.cn import ric

from casehub.certification import PaperFormCode
from casehub.errors import CasehubError, ValidationError
from casehub.idnumber import parse_id_number
from casehub.timeline import NATURAL_KEY_MAX, EventDraft

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")  # dates in source files are Beijing time
JSON_FORMATS = frozenset({"json", "jsonl", "ndjson"})  # `Adapter.read_records` reads these as JSON, others as CSV


class ErrorCode(StrEnum):
    """Codes of the row errors the built-in adapters report; plugins may add their own strings."""

    MISSING_COLUMN = "MISSING_COLUMN"  # the file lacks a required column
    REQUIRED = "REQUIRED"  # the cell is empty
    INVALID_VALUE = "INVALID_VALUE"  # the cell holds something the adapter does not recognise
    INVALID_DATE = "INVALID_DATE"
    FUTURE_DATE = "FUTURE_DATE"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"  # idnumber's own codes (INVALID_CHECK_DIGIT, …) are kept
    UNREADABLE_ROW = "UNREADABLE_ROW"
    # R-PAP-6: a paper form's missing items, defined with the check itself (casehub.certification)
    MISSING_SIGNATURE = PaperFormCode.MISSING_SIGNATURE.value
    MISSING_SEAL = PaperFormCode.MISSING_SEAL.value
    MISSING_EVIDENCE = PaperFormCode.MISSING_EVIDENCE.value
    MISSING_ATTACHMENTS = PaperFormCode.MISSING_ATTACHMENTS.value
    UNREADABLE_FILE = "UNREADABLE_FILE"
    UNKNOWN_FORMAT = "UNKNOWN_FORMAT"
    MIXED_ENCODING = "MIXED_ENCODING"  # some lines in one encoding, a later one in another: the file is refused
    MALFORMED_ROW = "MALFORMED_ROW"  # the CSV structure breaks (a quote never closed): the file is refused
    FIELD_TOO_LONG = "FIELD_TOO_LONG"  # a cell longer than MAX_CELL_CHARS
    CONTROL_CHARACTER = "CONTROL_CHARACTER"  # a NUL or other control character in a cell


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row: where (`row`, `field` as headed in the file), what (`code`) and why."""

    row: int | None
    field: str | None
    code: str
    message: str
    sheet: str | None = None  # for workbooks with several sheets

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "field": self.field, "code": str(self.code), "message": self.message}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        return out


class SourceError(CasehubError):
    """The whole file cannot be read (wrong format, undecodable, no header): no row is imported.

    `row` names the line where reading broke down, when there is one.
    """

    def __init__(self, code: str, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One row of a source file: canonical field name → cell value.

    `columns` maps each canonical field to the column heading in the file, so that
    errors name the column the way the person fixing the file sees it. `parsed`
    holds typed values the checks found valid (`id_number_error`, `date_error`
    put theirs there), so that `to_drafts` need not parse them again.
    """

    row: int
    fields: Mapping[str, Any]
    columns: Mapping[str, str] = field(default_factory=dict)
    sheet: str | None = None
    parsed: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def get(self, name: str) -> Any:
        """The cell, with blank strings as None."""
        value = self.fields.get(name)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def error(self, name: str | None, code: str, message: str) -> RowError:
        return RowError(self.row, self.column(name) if name else None, code, message, self.sheet)


class Adapter:
    """Base class of import adapters: subclass it and return the class from `register_adapters()`.

    Class attributes: `name` (unique, used on the command line and as the prefix of
    natural keys), `description` (one line for people) and `formats` (accepted
    file name endings, e.g. ``("csv", "json")``). The importer creates one
    instance per import, so an adapter may keep state between `parse` and the
    other two methods.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    formats: ClassVar[tuple[str, ...]] = ()

    def parse(self, data: bytes, filename: str) -> Iterable[SourceRecord | RowError]:
        """Read the whole file; raise `SourceError` if it cannot be read at all."""
        raise NotImplementedError

    def validate(self, record: SourceRecord) -> list[RowError]:
        """Every problem of one record; an empty list means it can be recorded."""
        return []

    def to_drafts(self, record: SourceRecord) -> list[EventDraft]:
        """The events a valid record stands for, each with a natural key."""
        raise NotImplementedError

    # -- helpers for subclasses ---------------------------------------------------------------

    def key(self, *parts: object) -> str:
        """A natural key `name:part1:part2…`, hashed when too long for the column."""
        key = ":".join([self.name, *(str(p) for p in parts)])
        if len(key) <= NATURAL_KEY_MAX:
            return key
        return f"{self.name}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"

    def read_records(self, data: bytes, filename: str, columns: Columns) -> Iterator[SourceRecord | RowError]:
        """The file's rows as records, by its format (`check_format`): JSON, JSON lines or NDJSON
        through `read_json`, anything else as CSV through `read_csv` (in whatever encoding it came)."""
        if self.check_format(filename) in JSON_FORMATS:
            return read_json(data, columns)
        return read_csv(data, columns)

    def check_format(self, filename: str) -> str:
        """The file's format (its lower-case extension) if this adapter accepts it."""
        fmt = file_format(filename)
        if fmt not in self.formats:
            raise SourceError(
                ErrorCode.UNKNOWN_FORMAT,
                f"{self.name} reads {', '.join(self.formats)} files, not {filename!r}",
            )
        return fmt


def file_format(filename: str) -> str:
    name = filename.lower().rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else ""


# -- reading files ------------------------------------------------------------------------------


def decode_text(data: bytes, expect: Iterable[str] = ()) -> str:
    """Decode a text export whatever its encoding: UTF-8 (with or without BOM), UTF-16 with BOM,
    or GB18030 (a superset of GBK and GB2312, what Chinese Excel and government systems write).

    Strict decoding decides; when both UTF-8 and GB18030 decode, the one in which an
    `expect`ed header word appears wins (guards against GBK bytes that happen to be valid UTF-8).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    candidates = []
    for encoding in ("utf-8", "gb18030"):
        try:
            candidates.append(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    words = [w for w in expect if w]
    if len(candidates) < 2:
        _refuse_mixed_encoding(data, words, candidates[0] if candidates else None)
    if not candidates:
        raise SourceError(ErrorCode.UNREADABLE_FILE, "the file is neither UTF-8 nor GB18030/GBK text: cannot read it")
    if words and len(candidates) > 1:
        head = [c[:4096] for c in candidates]
        for text, start in zip(candidates, head, strict=True):
            if any(w in start for w in words):
                return text
    return candidates[0]


def _refuse_mixed_encoding(data: bytes, words: list[str], decoded: str | None) -> None:
    """A file whose first lines are UTF-8 (with the expected headings) and a later line is not.

    Such files come from pasting a GBK export under a UTF-8 one. Decoding the whole as GB18030 would
    turn the UTF-8 part into nonsense, so the file is refused with the first line that breaks.
    """
    if not words or (decoded is not None and any(w in decoded[:4096] for w in words)):
        return
    lines = data.splitlines(keepends=True)
    head: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            head.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            if number > 1 and any(w in "".join(head) for w in words):
                raise SourceError(
                    ErrorCode.MIXED_ENCODING,
                    f"line {number} is not UTF-8 like the lines before it: the file mixes encodings "
                    "(save the whole file again as UTF-8)",
                    row=number,
                ) from None
            return


_HEADER_JUNK = re.compile(r"[\s*＊:：]")
_FULLWIDTH = str.maketrans("（）［］", "()[]")


def normalize_header(text: object) -> str:
    """`身份证号码 *`, `（社区）`… → comparable form: no spaces or stars, ASCII brackets, lower case."""
    return _HEADER_JUNK.sub("", str(text or "")).translate(_FULLWIDTH).lower()


@dataclass(frozen=True)
class Columns:
    """Canonical field → accepted headings (Chinese and English) for one adapter's files."""

    aliases: Mapping[str, Sequence[str]]
    required: frozenset[str]

    @functools.cached_property
    def lookup(self) -> dict[str, str]:
        return {normalize_header(a): name for name, names in self.aliases.items() for a in (name, *names)}

    @functools.cached_property
    def required_order(self) -> tuple[str, ...]:
        return tuple(sorted(self.required))

    @property
    def words(self) -> list[str]:
        """Headings to look for when guessing the encoding."""
        return [a for names in self.aliases.values() for a in names if not a.isascii()]

    def match(self, header: Sequence[object]) -> dict[int, str]:
        """Position in the header row → canonical field, for the headings recognised."""
        out: dict[int, str] = {}
        for i, heading in enumerate(header):
            name = self.lookup.get(normalize_header(heading))
            if name is not None and name not in out.values():
                out[i] = name
        return out

    def find_header(self, rows: Sequence[Sequence[object]], scan: int = 10) -> tuple[int, dict[int, str]]:
        """Index of the header row among the first `scan` rows (a title row may come first)."""
        best: tuple[int, dict[int, str]] = (-1, {})
        for i, row in enumerate(rows[:scan]):
            matched = self.match(row)
            if len(matched) > len(best[1]):
                best = (i, matched)
            if self.required <= set(matched.values()):
                return i, matched
        index, matched = best
        missing = sorted(self.required - set(matched.values()))
        names = "; ".join("/".join(self.aliases.get(m, (m,))[:3]) for m in missing)
        where = f"the header in row {index + 1}" if index >= 0 else f"none of the first {scan} rows"
        raise SourceError(ErrorCode.MISSING_COLUMN, f"required column(s) missing ({where}): {names}")


MAX_CELL_CHARS = 4_096  # longer cells are refused: no column of any source needs more
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def cell_errors(
    row: int, fields: Mapping[str, Any], headings: Mapping[str, str], sheet: str | None = None
) -> list[RowError]:
    """Cells no source legitimately holds: longer than MAX_CELL_CHARS, or with control characters
    (a NUL cannot even be stored in PostgreSQL text). Each names its row and column."""
    errors = []
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        heading = headings.get(name, name)
        if len(value) > MAX_CELL_CHARS:
            errors.append(RowError(row, heading, ErrorCode.FIELD_TOO_LONG,
                                   f"{heading} holds {len(value):,} characters; at most {MAX_CELL_CHARS:,}", sheet))
        elif _CONTROL.search(value):
            errors.append(RowError(row, heading, ErrorCode.CONTROL_CHARACTER,
                                   f"{heading} contains a control character (a damaged file?)", sheet))
    return errors


def table_records(
    rows: Sequence[Sequence[object]], columns: Columns, *, first_row: int = 1, sheet: str | None = None
) -> Iterator[SourceRecord | RowError]:
    """Records of a table (CSV or sheet rows) below its detected header row; blank rows skipped.

    A row with an oversized cell or a control character comes as its `RowError`s instead.
    """
    header_index, matched = columns.find_header(rows)
    header = rows[header_index]
    headings = {name: str(header[i]).strip() for i, name in matched.items()}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 1):
        if not any(cell not in (None, "") and str(cell).strip() for cell in row):
            continue
        values = {name: (row[i] if i < len(row) else None) for i, name in matched.items()}
        if problems := cell_errors(first_row + offset, values, headings, sheet):
            yield from problems
            continue
        yield SourceRecord(row=first_row + offset, fields=values, columns=headings, sheet=sheet)


_CSV_FIELD_LIMIT = 64 * 1024 * 1024  # read an oversized cell whole, so that its row can be named


def csv_rows(data: bytes, columns: Columns) -> list[list[str]]:
    """The rows of a CSV export; a structural break (a quote never closed) refuses the file, naming its row."""
    text = decode_text(data, columns.words)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    rows: list[list[str]] = []
    limit = csv.field_size_limit(_CSV_FIELD_LIMIT)  # no await in between: nothing else runs meanwhile
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        line = len(rows) + 1
        raise SourceError(ErrorCode.MALFORMED_ROW, f"row {line} cannot be read as CSV: {exc}", row=line) from None
    finally:
        csv.field_size_limit(limit)
    return rows


def read_csv(data: bytes, columns: Columns) -> Iterator[SourceRecord | RowError]:
    return table_records(csv_rows(data, columns), columns)


def read_xlsx_sheets(data: bytes) -> list[tuple[str, list[tuple[object, ...]]]]:
    """(sheet title, rows) for every sheet of a workbook, values only (no formulas)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException…
        raise SourceError(ErrorCode.UNREADABLE_FILE, f"not a readable .xlsx workbook: {exc}") from None
    try:
        return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]
    finally:
        book.close()


def read_json(data: bytes, columns: Columns) -> Iterator[SourceRecord | RowError]:
    """A JSON array of objects, an object holding one (`data`, `records`, `rows`, `items`), or JSON lines.

    Row numbers are line numbers for JSON lines and 1-based positions in the array otherwise.
    """
    text = decode_text(data, columns.words).strip()
    items: list[tuple[int, Any]]
    broken: orjson.JSONDecodeError | None = None
    try:
        doc = orjson.loads(text) if text else []
    except orjson.JSONDecodeError as exc:
        doc, broken = None, exc
    if isinstance(doc, dict):
        inner = next((doc[k] for k in ("data", "records", "rows", "items") if isinstance(doc.get(k), list)), None)
        items = list(enumerate(inner, start=1)) if inner is not None else [(1, doc)]
    elif isinstance(doc, list):
        items = list(enumerate(doc, start=1))
    else:  # JSON lines
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((number, orjson.loads(line)))
            except orjson.JSONDecodeError as exc:
                items.append((number, RowError(number, None, ErrorCode.UNREADABLE_ROW, f"not JSON: {exc}")))
    if items and not any(isinstance(obj, dict) for _, obj in items):
        if broken is not None and text[:1] in "[{":  # one JSON document, damaged: say where
            raise SourceError(
                ErrorCode.UNREADABLE_FILE, f"not valid JSON (cut short?): {broken}", row=broken.lineno
            ) from None
        raise SourceError(ErrorCode.UNREADABLE_FILE, "expected JSON objects (an array, or one per line)")
    for number, obj in items:
        if isinstance(obj, RowError):
            yield obj
        elif not isinstance(obj, dict):
            yield RowError(number, None, ErrorCode.UNREADABLE_ROW, "expected a JSON object")
        else:
            matched = columns.match(list(obj))
            keys = list(obj)
            fields = {name: obj[keys[i]] for i, name in matched.items()}
            headings = {name: keys[i] for i, name in matched.items()}
            if problems := cell_errors(number, fields, headings):
                yield from problems
                continue
            yield SourceRecord(row=number, fields=fields, columns=headings)


def missing_required(record: SourceRecord, columns: Columns) -> list[RowError]:
    return [
        record.error(name, ErrorCode.REQUIRED, f"{record.column(name)} is empty")
        for name in columns.required_order
        if record.get(name) is None
    ]


def person_row_errors(record: SourceRecord, columns: Columns, *, date: str) -> list[RowError]:
    """What every row about a person on a day is checked for: each required field present, the ID
    number valid (GB 11643, R-PAP-5), the `date` field a date not in the future. An empty field is
    reported once, as missing."""
    errors = missing_required(record, columns)
    if record.get("id_number") is not None and (e := id_number_error(record)):
        errors.append(e)
    if record.get(date) is not None and (e := date_error(record, date)):
        errors.append(e)
    return errors


# -- cell values ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _area_known(area: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{area}{year:04d}0101")
    except Exception:
        return False
    return True


def check_id_number(raw: object) -> str | None:
    """The normalised ID number if it is valid (GB 11643), else None.

    Same checks as `casehub.idnumber.parse_id_number` (length, digits, ISO 7064
    check digit, birth date, area code), but with the area look-up cached: fast
    enough for 100,000-row exports. Call `id_number_error` for the reason.
    """
    text = str(raw or "").strip().upper()
    if len(text) != 18 or not text[:17].isdigit():
        return None
    if ric.calc_check_digit(text) != text[17]:
        return None
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    return text if _area_known(text[:6], birth.year) else None


def id_number_error(record: SourceRecord, name: str = "id_number") -> RowError | None:
    """None if the record's ID number is valid; else the exact reason (R-PAP-5)."""
    raw = record.get(name)
    if raw is None:
        return record.error(name, ErrorCode.REQUIRED, f"{record.column(name)} is empty")
    if (number := check_id_number(raw)) is not None:
        record.parsed[name] = number
        return None
    try:
        parse_id_number(str(raw), field=record.column(name))
    except ValidationError as exc:
        return record.error(name, exc.code, exc.message)
    return record.error(name, ErrorCode.INVALID_ID_NUMBER, f"invalid ID number {raw!r}")  # pragma: no cover


_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2}):?(\d{2})?)?\s*$")
_TIME = re.compile(r"[T\s]*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}(?:\.\d+)?))?秒?\s*(Z|[+-]\d{2}:?\d{2})?\s*$")


def parse_datetime(value: object) -> dt.datetime | None:
    """A timestamp in Beijing time (aware), from a cell: datetime, date, or the usual text forms
    (`2024-03-05 10:22:33`, `2024/3/5 10:22`, `20240305102233`, `2024年3月5日`, ISO 8601 with offset)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(CHINA_TZ) if value.tzinfo else value.replace(tzinfo=CHINA_TZ)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=CHINA_TZ)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) >= 10 and text[4] == "-" and text[5:7].isdigit():  # ISO 8601: the C parser, fast
        try:
            return parse_datetime(dt.datetime.fromisoformat(text))
        except ValueError:
            pass
    try:
        if m := _COMPACT.match(text):
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            return dt.datetime(y, mo, d, h, mi, s, tzinfo=CHINA_TZ)
        m = _DATE.match(text)
        if m is None:
            return None
        y, mo, d = (int(g) for g in m.groups())
        rest = text[m.end() :]
        if not rest.strip():
            return dt.datetime(y, mo, d, tzinfo=CHINA_TZ)
        t = _TIME.match(rest)
        if t is None:
            return None
        h, mi = int(t.group(1)), int(t.group(2))
        sec = float(t.group(3) or 0)
        tz = CHINA_TZ
        if t.group(4):
            tz = dt.UTC if t.group(4) == "Z" else _offset(t.group(4))
        stamp = dt.datetime(y, mo, d, h, mi, int(sec), tzinfo=tz)
        return stamp.astimezone(CHINA_TZ)
    except ValueError:
        return None


def _offset(text: str) -> dt.timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_date(value: object) -> dt.date | None:
    stamp = parse_datetime(value)
    return stamp.date() if stamp else None


def today() -> dt.date:
    """Today in Beijing: the day against which "in the future" is judged."""
    return dt.datetime.now(CHINA_TZ).date()


def date_error(record: SourceRecord, name: str, *, required: bool = True) -> RowError | None:
    """None if the cell is a date not in the future (or empty and optional); else why not."""
    raw = record.get(name)
    if raw is None:
        if not required:
            return None
        return record.error(name, ErrorCode.REQUIRED, f"{record.column(name)} is empty")
    stamp = parse_datetime(raw)
    if stamp is None:
        return record.error(name, ErrorCode.INVALID_DATE, f"{raw!r} is not a date (e.g. 2024-03-05)")
    if stamp.date() > today():
        return record.error(name, ErrorCode.FUTURE_DATE, f"{stamp.date().isoformat()} is in the future")
    record.parsed[name] = stamp  # Beijing time
    return None


_YES = {"1", "y", "yes", "true", "是", "有", "√", "✓", "✔", "已盖", "已盖章", "盖章", "已签", "已签字", "通过"}
_NO = {"0", "n", "no", "false", "否", "无", "没有", "未盖", "未盖章", "未签", "未签字", "×", "x", "-", "—", "/"}


def parse_flag(value: object) -> bool | None:
    """A yes/no cell: True, False, or None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = normalize_header(value)
    if text in _YES:
        return True
    if text in _NO or not text:
        return False
    return None


def is_signed(value: object) -> bool:
    """A signature cell counts when it holds a name (or a yes mark), not a blank or a no mark."""
    if value is None:
        return False
    text = normalize_header(value)
    return bool(text) and text not in _NO
