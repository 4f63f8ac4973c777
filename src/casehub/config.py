"""Settings from environment variables; docs/CONFIGURATION.md lists each one.

Read once per process by `Settings.from_env()`; nothing else reads os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from casehub.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite://casehub.sqlite3"
DEV_SECRET = "casehub-development-secret-do-not-use-in-production"
MIN_SECRET_BYTES = 32  # HS256 signs with SHA-256: a shorter key is weaker than the hash (RFC 7518 §3.2)
_SCHEMES = {"sqlite": "sqlite", "postgres": "postgres", "postgresql": "postgres"}


def normalize_database_url(url: str) -> str:
    """Accept sqlite:// and postgres(ql):// URLs; anything else is a one-line error.

    A relative SQLite path is resolved against the working folder so that every
    command in one folder uses the same file.
    """
    parts = urlsplit(url)
    scheme = _SCHEMES.get(parts.scheme)
    if scheme is None:
        raise ConfigError(
            f"CASEHUB_DATABASE_URL {url!r} is not supported: use sqlite://PATH or "
            "postgres://USER@HOST:PORT/DBNAME"
        )
    if scheme == "postgres":
        if not parts.hostname or not parts.path.strip("/"):
            raise ConfigError(
                f"CASEHUB_DATABASE_URL {url!r} needs a host and a database name: "
                "postgres://USER@HOST:PORT/DBNAME"
            )
        return "postgres://" + url.split("://", 1)[1]
    path = url.split("://", 1)[1]
    if not path:
        raise ConfigError(f"CASEHUB_DATABASE_URL {url!r} needs a file path: sqlite://casehub.sqlite3")
    if path != ":memory:" and not Path(path).is_absolute():
        path = str(Path.cwd() / path)
    return f"sqlite://{path}"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    env: str = "development"  # CASEHUB_ENV: "production" turns off GraphiQL and introspection
    secret: str = DEV_SECRET  # CASEHUB_SECRET: signs access tokens
    policy_dir: Path | None = None  # CASEHUB_POLICY_DIR: extra policy versions
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1  # CASEHUB_WORKERS: `casehub serve` processes, one per core the service may use
    disabled_plugins: tuple[str, ...] = ()  # CASEHUB_DISABLE_PLUGINS: comma-separated plugin names
    reminder_outbox: Path | None = None  # CASEHUB_REMINDER_OUTBOX: folder for the reminder outbox (XLSX)
    # CASEHUB_ACCESS_LOG: uvicorn's line per request; unset, on in development and off in production
    access_log: bool | None = None

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def logs_requests(self) -> bool:
        """Whether `casehub serve` writes a line per request. Off in production unless asked for: every
        request is a POST to /graphql, so the line says little that a reverse proxy's log does not, and
        writing it costs a fifth of a one-recipient lookup's CPU (docs/PERFORMANCE.md)."""
        return not self.production if self.access_log is None else self.access_log

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        policy_dir = env.get("CASEHUB_POLICY_DIR")
        outbox = env.get("CASEHUB_REMINDER_OUTBOX", "").strip()
        port = env.get("CASEHUB_PORT", "8000")
        if not port.isdigit():
            raise ConfigError(f"CASEHUB_PORT {port!r} must be a port number")
        workers = env.get("CASEHUB_WORKERS", "1")
        if not workers.isdigit() or int(workers) < 1:
            raise ConfigError(f"CASEHUB_WORKERS {workers!r} must be a number of processes, 1 or more")
        settings = cls(
            database_url=normalize_database_url(env.get("CASEHUB_DATABASE_URL", DEFAULT_DATABASE_URL)),
            env=env.get("CASEHUB_ENV", "development"),
            secret=env.get("CASEHUB_SECRET", DEV_SECRET),
            policy_dir=Path(policy_dir) if policy_dir else None,
            host=env.get("CASEHUB_HOST", "127.0.0.1"),
            port=int(port),
            workers=int(workers),
            disabled_plugins=tuple(n.strip() for n in env.get("CASEHUB_DISABLE_PLUGINS", "").split(",") if n.strip()),
            reminder_outbox=Path(outbox) if outbox else None,
            access_log=_switch(env, "CASEHUB_ACCESS_LOG"),
        )
        if settings.production and settings.secret == DEV_SECRET:
            raise ConfigError("CASEHUB_ENV=production needs CASEHUB_SECRET set to a secret of your own")
        if settings.production and len(settings.secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"CASEHUB_SECRET is too short for production: use at least {MIN_SECRET_BYTES} random bytes "
                "(e.g. `openssl rand -hex 32`)"
            )
        return settings


_SWITCH = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _switch(env: Mapping[str, str], name: str) -> bool | None:
    """An on/off variable: None when unset or empty."""
    value = env.get(name, "").strip().lower()
    if not value:
        return None
    if value not in _SWITCH:
        raise ConfigError(f"{name} {env[name]!r} must be 1 or 0 (true/false, yes/no, on/off)")
    return _SWITCH[value]
