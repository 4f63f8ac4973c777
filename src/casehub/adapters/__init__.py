"""Import adapters: external files → timeline events, extensible by plugins.

What a plugin author needs is importable from here: `hookimpl`, the `Adapter`
base class and the values it works with. The hooks themselves are documented in
`casehub.adapters.hookspecs`; the guide is docs/PLUGINS.md.
"""

from casehub.adapters.base import Adapter, ErrorCode, RowError, SourceError, SourceRecord
from casehub.adapters.hookspecs import hookimpl
from casehub.timeline import EventDraft

__all__ = ["Adapter", "ErrorCode", "EventDraft", "RowError", "SourceError", "SourceRecord", "hookimpl"]
