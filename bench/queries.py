"""The four read queries, as each server is asked them, and the one canonical shape of every answer.

Q1 one recipient's scalars; Q2 one recipient's last 50 events (the recipient with the most events);
Q3 100 recipients of one township, each with entitlements, their status and the last 5 events;
Q4 an export: the first 1,000 recipients with all their events.

Each server has its own document; `normalise_*` turns its answer into the canonical shape (plain
integer ids, casehub's field names, events oldest first, ID and phone numbers masked) so that
`bench.compare` can require equal data before anything is timed. An *operation* is the list of HTTP
requests one query takes on one server: Q4 takes ceil(1000 / page cap) pages on a server whose
page size is capped (casehub: `MAX_PAGE_SIZE`), following the cursors the server returns.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

import orjson

from bench.floor import mask_id_number, mask_phone

Q2_LAST = 50
Q3_FIRST = 100
Q3_LAST = 5
Q4_RECIPIENTS = 1000
QUERIES = ("Q1", "Q2", "Q3", "Q4")
EVENT_FIELDS = "id type occurredOn recordedAt payload corrects { id }"
EXPORT_EVENT_FIELDS = "id type occurredOn recordedAt sourceAdapter payload"


@dataclass(frozen=True)
class Params:
    """What the data generator chose for the queries (see `bench.datagen.Summary`)."""

    typical_id_number: str
    heavy_id_number: str
    township_code: str
    township_first_person_id: int


@dataclass(frozen=True)
class Features:
    """What the casehub under test needs to be asked differently."""

    max_page_size: int  # casehub's page cap: Q4 takes ceil(1000 / it) requests

    @classmethod
    def detect(cls) -> Features:
        from casehub.schema.pagination import MAX_PAGE_SIZE

        return cls(max_page_size=MAX_PAGE_SIZE)


# ---------------------------------------------------------------- casehub

CASEHUB_Q3 = (
    "query Q3($first: Int!, $code: String!) { recipients(first: $first, filter: {regionCode: $code}) { "
    "edges { node { id name idNumber entitlements { id scheme startMonth monthlyAmountFen state { status } } "
    f"timeline(last: {Q3_LAST}) {{ {EVENT_FIELDS} }} }} }} }} }}"
)
CASEHUB_Q1 = "query Q1($n: String!) { recipient(idNumber: $n) { id name sex idNumber phone } }"
CASEHUB_Q2 = (
    f"query Q2($n: String!) {{ recipient(idNumber: $n) {{ id name timeline(last: {Q2_LAST}) {{ {EVENT_FIELDS} }} }} }}"
)
CASEHUB_Q4 = (
    "query Q4($first: Int!, $after: String) { recipients(first: $first, after: $after) { "
    "pageInfo { hasNextPage endCursor } edges { node { id name sex "
    f"timeline {{ {EXPORT_EVENT_FIELDS} }} }} }} }} }}"
)


def casehub_request(query: str, variables: dict[str, Any]) -> bytes:
    return orjson.dumps({"query": query, "variables": variables})


def _global_id(value: str | None) -> int | None:
    if value is None:
        return None
    return int(base64.b64decode(value).decode().split(":", 1)[1])


def _casehub_event(e: dict) -> dict:
    out = dict(e)
    out["id"] = _global_id(e["id"])
    if "corrects" in e:
        out["corrects"] = _global_id(e["corrects"]["id"]) if e["corrects"] else None
    out["recordedAt"] = _utc(e["recordedAt"])
    return out


def _casehub_recipient(r: dict) -> dict:
    out = dict(r)
    out["id"] = _global_id(r["id"])
    if "timeline" in r:
        out["timeline"] = [_casehub_event(e) for e in r["timeline"]]
    if "entitlements" in r:
        out["entitlements"] = []
        for e in r["entitlements"]:
            e = {**e, "id": _global_id(e["id"])}
            if "state" in e:
                state = e.pop("state")
                e["status"] = state["status"] if state else None
            out["entitlements"].append(e)
    return out


def normalise_casehub(query: str, pages: list[dict]) -> dict:
    data = [_check(p) for p in pages]
    if query in ("Q1", "Q2"):
        r = data[0]["recipient"]
        return {"recipient": _casehub_recipient(r) if r else None}
    return {"recipients": [_casehub_recipient(e["node"]) for d in data for e in d["recipients"]["edges"]]}


# ---------------------------------------------------------------- PostGraphile (default inflector)

PG_EVENT_FIELDS = "id type occurredOn recordedAt payload correctsId"
PG_EXPORT_EVENT_FIELDS = "id type occurredOn recordedAt sourceAdapter payload"
PG_Q1 = "query Q1($n: String!) { personByIdNumber(idNumber: $n) { id name sex idNumber phone } }"
PG_Q2 = (
    "query Q2($n: String!) { personByIdNumber(idNumber: $n) { id name "
    f"eventsByPersonId(orderBy: [RECORDED_AT_DESC, ID_DESC], first: {Q2_LAST}) "
    f"{{ nodes {{ {PG_EVENT_FIELDS} }} }} }} }}"
)


PG_Q3 = (
    "query Q3($first: Int!, $code: String!) { allPeople(first: $first, orderBy: ID_ASC, "
    "filter: {regionByVillageId: {code: {startsWith: $code}}}) { nodes { id name idNumber "
    "entitlementsByPersonId(orderBy: ID_ASC) { nodes { id scheme startMonth monthlyAmountFen "
    "entitlementStateByEntitlementId { status } } } "
    f"eventsByPersonId(orderBy: [RECORDED_AT_DESC, ID_DESC], first: {Q3_LAST}) {{ nodes {{ {PG_EVENT_FIELDS} }} }} "
    "} } }"
)


PG_Q4 = (
    "query Q4($first: Int!) { allPeople(first: $first, orderBy: ID_ASC) { nodes { id name sex "
    f"eventsByPersonId(orderBy: [RECORDED_AT_ASC, ID_ASC]) {{ nodes {{ {PG_EXPORT_EVENT_FIELDS} }} }} }} }} }}"
)


def _pg_event(e: dict) -> dict:
    out = dict(e)
    out["id"] = int(e["id"])  # bigint columns come as strings from PostGraphile
    if "correctsId" in out:
        corrects = out.pop("correctsId")
        out["corrects"] = int(corrects) if corrects is not None else None
    out["recordedAt"] = _utc(e["recordedAt"])
    return out


def _pg_recipient(p: dict, newest_first: bool) -> dict:
    out = {k: v for k, v in p.items() if k not in ("eventsByPersonId", "entitlementsByPersonId")}
    if "idNumber" in out:
        out["idNumber"] = mask_id_number(out["idNumber"])
    if "phone" in out:
        out["phone"] = mask_phone(out["phone"])
    if "entitlementsByPersonId" in p:
        out["entitlements"] = []
        for e in p["entitlementsByPersonId"]["nodes"]:
            e = dict(e)
            e["monthlyAmountFen"] = int(e["monthlyAmountFen"])  # bigint: a string in PostGraphile
            state = e.pop("entitlementStateByEntitlementId", False)
            if state is not False:
                e["status"] = state["status"] if state else None
            out["entitlements"].append(e)
    if "eventsByPersonId" in p:
        events = [_pg_event(e) for e in p["eventsByPersonId"]["nodes"]]
        out["timeline"] = events[::-1] if newest_first else events
    return out


def normalise_postgraphile(query: str, pages: list[dict]) -> dict:
    data = [_check(p) for p in pages]
    if query in ("Q1", "Q2"):
        p = data[0]["personByIdNumber"]
        return {"recipient": _pg_recipient(p, newest_first=True) if p else None}
    newest_first = query == "Q3"
    return {"recipients": [_pg_recipient(p, newest_first) for d in data for p in d["allPeople"]["nodes"]]}


# ---------------------------------------------------------------- the floor

def normalise_floor(query: str, pages: list[dict]) -> dict:
    data = [_check(p) for p in pages]
    if query in ("Q1", "Q2"):
        return _plain(data[0])
    return _plain({"recipients": [r for d in data for r in d["recipients"]]})


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (_utc(v) if k == "recordedAt" else _plain(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------- shared

class QueryError(RuntimeError):
    pass


def _check(page: dict) -> dict:
    if page.get("errors"):
        raise QueryError(orjson.dumps(page["errors"]).decode()[:2000])
    return page["data"]


def _utc(text: str) -> str:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class Server:
    """How to ask one server each query: its path, headers, request bodies and normaliser."""

    name: str
    base_url: str
    headers: dict[str, str]
    features: Features

    def first_request(self, query: str, p: Params) -> tuple[str, bytes]:
        """(path, body) of the operation's first request."""
        if self.name == "casehub":
            if query == "Q1":
                return "/graphql", casehub_request(CASEHUB_Q1, {"n": p.typical_id_number})
            if query == "Q2":
                return "/graphql", casehub_request(CASEHUB_Q2, {"n": p.heavy_id_number})
            if query == "Q3":
                return "/graphql", casehub_request(CASEHUB_Q3, {"first": Q3_FIRST, "code": p.township_code})
            return "/graphql", casehub_request(CASEHUB_Q4, {"first": min(Q4_RECIPIENTS, self.features.max_page_size)})
        if self.name == "postgraphile":
            body = {
                "Q1": (PG_Q1, {"n": p.typical_id_number}),
                "Q2": (PG_Q2, {"n": p.heavy_id_number}),
                "Q3": (PG_Q3, {"first": Q3_FIRST, "code": p.township_code}),
                "Q4": (PG_Q4, {"first": Q4_RECIPIENTS}),
            }[query]
            return "/graphql", casehub_request(*body)
        args = {
            "Q1": {"idNumber": p.typical_id_number},
            "Q2": {"idNumber": p.heavy_id_number, "last": Q2_LAST},
            "Q3": {"regionCode": p.township_code, "first": Q3_FIRST, "last": Q3_LAST},
            "Q4": {"first": Q4_RECIPIENTS},
        }[query]
        return f"/{query.lower()}", orjson.dumps(args)

    def next_request(self, query: str, body: bytes, answer: dict, pages_done: int) -> bytes | None:
        """The next page's request body, or None when the operation is complete (only casehub pages)."""
        if self.name != "casehub" or query != "Q4":
            return None
        page = answer["data"]["recipients"]
        if pages_done * self.features.max_page_size >= Q4_RECIPIENTS or not page["pageInfo"]["hasNextPage"]:
            return None
        variables = orjson.loads(body)["variables"]
        return casehub_request(CASEHUB_Q4, {**variables, "after": page["pageInfo"]["endCursor"]})

    def normalise(self, query: str, pages: list[dict]) -> dict:
        return {"casehub": normalise_casehub, "postgraphile": normalise_postgraphile, "floor": normalise_floor}[
            self.name
        ](query, pages)
