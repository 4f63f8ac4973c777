"""Who is asking: bearer tokens (JWT) naming a staff account, and what each role may do.

Tokens carry only the staff id; the role and scope are read from the staff
account on every request, so a changed or deactivated account takes effect at
once. Row scoping lives in `casehub.access`, not here.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from enum import StrEnum

import jwt
from tortoise.connection import get_connection

from casehub.config import Settings
from casehub.domain import Role
from casehub.errors import CasehubError
from casehub.memo import remember
from casehub.models import Staff

AUDIENCE = "casehub-api"
ISSUER = "casehub"
ALGORITHM = "HS256"


class Permission(StrEnum):
    READ_CASES = "READ_CASES"  # recipients, entitlements, timelines, decisions
    REVEAL_PII = "REVEAL_PII"  # full ID and phone numbers, each reveal audited
    RECORD_EVENTS = "RECORD_EVENTS"  # certifications, deaths, judicial and dependant events
    CORRECT_EVENTS = "CORRECT_EVENTS"  # retractions and amendments
    IMPORT = "IMPORT"  # run adapters on uploaded files
    INVESTIGATE = "INVESTIGATE"  # investigations, overpayment recovery
    SUPERVISE = "SUPERVISE"  # handle tip-offs (R-PUB-2), draw spot checks and record findings (R-SPT-1)
    PAYROLL = "PAYROLL"  # payroll months, the monthly sweep, manual payment decisions (four eyes)
    READ_AUDIT = "READ_AUDIT"


P = Permission
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COUNTY_ADMIN: frozenset(P),
    Role.COUNTY_STAFF: frozenset(
        {P.READ_CASES, P.REVEAL_PII, P.RECORD_EVENTS, P.CORRECT_EVENTS, P.IMPORT, P.SUPERVISE, P.PAYROLL}
    ),
    Role.TOWNSHIP_STAFF: frozenset({P.READ_CASES, P.REVEAL_PII, P.RECORD_EVENTS, P.IMPORT, P.SUPERVISE}),
    Role.VILLAGE_ASSISTANT: frozenset({P.READ_CASES, P.RECORD_EVENTS}),
    Role.UNIT_HANDLER: frozenset({P.READ_CASES, P.RECORD_EVENTS}),
    Role.INVESTIGATOR: frozenset({P.READ_CASES, P.REVEAL_PII, P.INVESTIGATE}),
    Role.AUDITOR: frozenset({P.READ_CASES, P.READ_AUDIT}),
    Role.IMPORT_SERVICE: frozenset({P.IMPORT}),
}


class AuthError(CasehubError):
    """The request carries no valid token, or the token names no active staff account."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The staff member behind a request, with what their role allows and where."""

    staff_id: int
    username: str
    role: Role
    region_code: str | None  # scope: this region and everything under it (code prefix rule)
    region_id: int | None
    unit_id: int | None

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


def mint_token(settings: Settings, staff: Staff, *, ttl: dt.timedelta = dt.timedelta(hours=12)) -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(staff.id), "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> int:
    """The staff id in a valid token; expired, tampered or foreign tokens are refused.

    A token already verified with this secret is not verified again (its signature cannot have
    changed); only its expiry is checked.
    """
    known = _verified.get((settings.secret, token))
    if known is not None:
        staff_id, expires = known
        if expires > time.time():
            return staff_id
        raise AuthError("the access token has expired")
    staff_id, _ = remember(_verified, (settings.secret, token), _verify(settings, token), _VERIFIED_MAX)
    return staff_id


_VERIFIED_MAX = 4096  # tokens remembered per process; cleared when full
_verified: dict[tuple[str, str], tuple[int, float]] = {}


def _verify(settings: Settings, token: str) -> tuple[int, float]:
    try:
        claims = jwt.decode(
            token, settings.secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["exp", "sub", "aud", "iss"]},
        )
        return int(claims["sub"]), float(claims["exp"])
    except jwt.ExpiredSignatureError:
        raise AuthError("the access token has expired") from None
    except (jwt.InvalidTokenError, ValueError):
        raise AuthError("the access token is not valid") from None


# Every request reads the account (a changed or deactivated account takes effect at once): one
# hand-written statement, since building the equivalent ORM query costs more than running it. The
# region's code by a scalar subquery: cheaper than joining the region table for one row.
_VIEWER_SQL = (
    "SELECT s.id, s.username, s.role, (SELECT code FROM region WHERE id = s.region_id), s.region_id, s.unit_id "
    "FROM staff s WHERE s.id = {p} AND s.active"
)


async def viewer_for_staff(staff_id: int) -> Viewer:
    connection = get_connection("default")
    placeholder = "$1" if connection.capabilities.dialect == "postgres" else "?"
    _, rows = await connection.execute_query(_VIEWER_SQL.format(p=placeholder), [staff_id])
    if not rows:
        raise AuthError("the access token names no active staff account")
    staff_id, username, role, region_code, region_id, unit_id = rows[0]
    return Viewer(
        staff_id=staff_id, username=username, role=Role(role), region_code=region_code, region_id=region_id,
        unit_id=unit_id,
    )  # fmt: skip


def staff_id_from_authorization(settings: Settings, header: str | None) -> int | None:
    """The staff id of a valid bearer token; None when no token is sent, an error for a bad one."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("send the access token as `Authorization: Bearer <token>`")
    return decode_token(settings, token.strip())


async def viewer_from_authorization(settings: Settings, header: str | None) -> Viewer | None:
    """None when no token is sent; a bad token is an error, never silently anonymous."""
    staff_id = staff_id_from_authorization(settings, header)
    return None if staff_id is None else await viewer_for_staff(staff_id)
