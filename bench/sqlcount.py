"""Counting SQL statements per request with a PostgreSQL wire-protocol proxy.

pg_stat_statements is installed on this machine's PostgreSQL 15 but not loaded
(`shared_preload_libraries` is empty, and loading it means restarting a server that other work
shares), so statements are counted on the wire instead: each server under test gets a second
instance whose database connections go through this proxy, and the proxy counts every statement
the server *executes*: each simple-protocol Query message ('Q') and each extended-protocol Execute
('E', with the text its Parse named). Prepares without an execute are not counted. BEGIN, COMMIT
and SET-like statements are counted apart from the data statements. The timed runs never go
through the proxy.

The proxy refuses TLS (answers 'N' to SSLRequest) so that it can read the protocol.
"""

from __future__ import annotations

import asyncio
import struct
from collections import Counter
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SET", "RESET", "START", "SAVEPOINT", "RELEASE", "DISCARD")


def kind_of(sql: str) -> str:
    """'control' for transaction and session statements, 'data' for the rest."""
    word = sql.lstrip().split(None, 1)[0].upper().rstrip(";") if sql.strip() else ""
    lower = sql.lower()
    if word in CONTROL or "reset all" in lower:  # asyncpg's pool resets each connection it gets back
        return "control"
    if word == "SELECT" and "set_config(" in lower and " from " not in lower:
        return "control"
    return "data"


@dataclass
class Tally:
    statements: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.statements.clear()

    def summary(self) -> dict[str, int]:
        kinds = Counter(kind_of(s) for s in self.statements)
        return {"total": len(self.statements), "data": kinds["data"], "control": kinds["control"]}


def _cstring(buf: bytes, start: int) -> tuple[str, int]:
    end = buf.index(b"\0", start)
    return buf[start:end].decode(errors="replace"), end + 1


class CountingProxy:
    """Listens on 127.0.0.1:`port` and forwards to `upstream`, counting into `tally`."""

    def __init__(self, port: int, upstream: tuple[str, int]) -> None:
        self.port = port
        self.upstream = upstream
        self.tally = Tally()
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server:
            self._server.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        try:
            while True:  # the untyped start-up packet, after any TLS/GSS requests we decline
                head = await client_r.readexactly(8)
                length, code = struct.unpack("!ii", head)
                rest = await client_r.readexactly(length - 8)
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    client_w.write(b"N")
                    await client_w.drain()
                    continue
                up_w.write(head + rest)
                break
            back = asyncio.create_task(self._pipe(up_r, client_w))
            await self._forward(client_r, up_w)
            back.cancel()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            up_w.close()
            client_w.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        prepared: dict[str, str] = {}
        portals: dict[str, str] = {}
        while True:
            head = await reader.readexactly(5)
            kind = head[:1]
            body = await reader.readexactly(struct.unpack("!i", head[1:])[0] - 4)
            if kind == b"Q":
                self.tally.statements.append(_cstring(body, 0)[0])
            elif kind == b"P":
                name, pos = _cstring(body, 0)
                prepared[name] = _cstring(body, pos)[0]
            elif kind == b"B":
                portal, pos = _cstring(body, 0)
                portals[portal] = prepared.get(_cstring(body, pos)[0], "?")
            elif kind == b"E":
                self.tally.statements.append(portals.get(_cstring(body, 0)[0], "?"))
            writer.write(head + body)
            await writer.drain()
            if kind == b"X":
                return

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
