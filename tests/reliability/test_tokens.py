"""Secrets and tokens (tracker issue 8, part 6; docs/SECURITY.md): only tokens this service signed, for
this audience and issuer, unexpired, with HS256, naming an active account, are accepted; the signing
key comes from configuration and production refuses the development default."""

from __future__ import annotations

import base64
import datetime as dt
import json

import httpx
import jwt
import pytest

from casehub.app import create_app
from casehub.auth import ALGORITHM, AUDIENCE, ISSUER
from casehub.config import DEV_SECRET, Settings
from casehub.domain import Role
from casehub.errors import ConfigError
from tests import factories
from tests.factories import SETTINGS

from .helpers import casehub

QUERY = "{ regions { code } }"  # any field that needs a valid token


@pytest.fixture
async def client_and_admin(db):
    regions = await factories.region_tree()
    admin = await factories.staff(Role.COUNTY_ADMIN, region=regions["532922"])
    app = create_app(SETTINGS, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client, admin


def claims(admin, **changes):
    now = dt.datetime.now(dt.UTC)
    base = {"sub": str(admin.id), "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + dt.timedelta(hours=1)}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def unsigned(payload: dict) -> str:
    """An `alg: none` token: a header, the claims and an empty signature."""
    return jwt.encode(payload, key=None, algorithm="none")  # type: ignore[arg-type]


BAD_TOKENS = {
    "wrong issuer": lambda a: jwt.encode(claims(a, iss="someone-else"), SETTINGS.secret, ALGORITHM),
    "wrong audience": lambda a: jwt.encode(claims(a, aud="another-api"), SETTINGS.secret, ALGORITHM),
    "expired": lambda a: jwt.encode(claims(a, exp=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)),
                                    SETTINGS.secret, ALGORITHM),
    "missing exp": lambda a: jwt.encode(claims(a, exp=None), SETTINGS.secret, ALGORITHM),
    "missing sub": lambda a: jwt.encode(claims(a, sub=None), SETTINGS.secret, ALGORITHM),
    "sub not a staff id": lambda a: jwt.encode(claims(a, sub="admin"), SETTINGS.secret, ALGORITHM),
    "unknown staff": lambda a: jwt.encode(claims(a, sub="987654"), SETTINGS.secret, ALGORITHM),
    "alg none": lambda a: unsigned(claims(a)),
    "alg NONE, by hand": lambda a: _by_hand({"alg": "NONE", "typ": "JWT"}, claims(a), b""),
    "alg HS256 but no signature": lambda a: _by_hand({"alg": "HS256", "typ": "JWT"}, claims(a), b""),
    "other algorithm, same secret": lambda a: jwt.encode(claims(a), SETTINGS.secret, "HS512"),
    "signed with another key": lambda a: jwt.encode(claims(a), "x" * 40, ALGORITHM),
    "signature stripped": lambda a: jwt.encode(claims(a), SETTINGS.secret, ALGORITHM).rsplit(".", 1)[0] + ".",
    "claims swapped under a valid signature": lambda a: _swap_claims(a),
    "not a JWT": lambda a: "definitely-not-a-token",
    "empty": lambda a: "",
}


def _by_hand(header: dict, payload: dict, signature: bytes) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    body = {k: int(v.timestamp()) if isinstance(v, dt.datetime) else v for k, v in payload.items()}
    return ".".join(part(json.dumps(x).encode()) for x in (header, body)) + "." + part(signature)


def _swap_claims(admin) -> str:
    """A real signature over other claims: header and signature kept, payload replaced."""
    header, _, signature = jwt.encode(claims(admin, sub=str(admin.id + 1000)), SETTINGS.secret, ALGORITHM).split(".")
    payload = jwt.encode(claims(admin), SETTINGS.secret, ALGORITHM).split(".")[1]
    return f"{header}.{payload}.{signature}"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_a_bad_token_is_refused_and_nothing_is_served(client_and_admin, kind):
    client, admin = client_and_admin
    response = await client.post("/graphql", json={"query": QUERY},
                                 headers={"Authorization": f"Bearer {BAD_TOKENS[kind](admin)}"})  # fmt: skip
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    message = body["errors"][0]["message"]
    assert any(m in message for m in ("not valid", "expired", "no active staff", "Bearer <token>")), message
    assert "Traceback" not in response.text


async def test_only_the_bearer_scheme_is_accepted(client_and_admin):
    client, admin = client_and_admin
    good = factories.bearer(admin)["Authorization"].split(" ", 1)[1]
    for header in (f"Basic {good}", f"Token {good}", good):
        body = (await client.post("/graphql", json={"query": QUERY}, headers={"Authorization": header})).json()
        assert body["data"] is None and "Bearer" in body["errors"][0]["message"]
    ok = (await client.post("/graphql", json={"query": QUERY}, headers={"Authorization": f"bearer {good}"})).json()
    assert ok["data"]["regions"] == [] or len(ok["data"]["regions"]) == 6


def test_the_signing_key_comes_from_configuration():
    secret = "s" * 48
    assert Settings.from_env({"CASEHUB_SECRET": secret}).secret == secret
    assert Settings.from_env({}).secret == DEV_SECRET  # development only
    with pytest.raises(ConfigError, match="CASEHUB_ENV=production needs CASEHUB_SECRET"):
        Settings.from_env({"CASEHUB_ENV": "production"})
    with pytest.raises(ConfigError, match="CASEHUB_ENV=production needs CASEHUB_SECRET"):
        Settings.from_env({"CASEHUB_ENV": "production", "CASEHUB_SECRET": DEV_SECRET})
    with pytest.raises(ConfigError, match="too short"):
        Settings.from_env({"CASEHUB_ENV": "production", "CASEHUB_SECRET": "hunter2"})
    assert Settings.from_env({"CASEHUB_ENV": "production", "CASEHUB_SECRET": secret}).production


def test_serve_refuses_to_start_in_production_with_the_development_secret(tmp_path):
    """`casehub serve` exits 1 with one line, before opening the database or a port."""
    url = f"sqlite://{tmp_path / 'never-created.sqlite3'}"
    env = {k: v for k, v in {"CASEHUB_ENV": "production"}.items()}
    for extra in ({}, {"CASEHUB_SECRET": DEV_SECRET}):
        done = casehub(["serve", "--port", "1"], url, timeout=60, **env, **extra)
        assert done.returncode == 1, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "CASEHUB_ENV=production needs CASEHUB_SECRET" in lines[0]
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "never-created.sqlite3").exists()
