"""The plugin manager: built-in adapters, installed plugins, the block list, broken plugins.

Built with `make_plugin_manager()` (a factory, never an import-time global, so a
test can build its own). Order: the block list (``CASEHUB_DISABLE_PLUGINS``),
the built-in plugins registered exactly like third-party ones, the ``casehub``
entry-point group, then `check_pending()` so that a misspelt hook fails loudly.
A plugin that cannot be imported, names an unknown hook, or raises in
`register_adapters` is logged and listed in `manager.broken` by name; it never
takes the service down.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import pluggy

from casehub.adapters import hookspecs
from casehub.adapters.base import Adapter
from casehub.errors import CasehubError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "casehub"

# name → module: the names are what CASEHUB_DISABLE_PLUGINS blocks.
DEFAULT_PLUGINS = {
    "app_results": "casehub.adapters.builtin.app_results",
    "judicial": "casehub.adapters.builtin.judicial",
    "paper_forms": "casehub.adapters.builtin.paper_forms",
    "death_records": "casehub.adapters.builtin.death_records",
    "outbox": "casehub.adapters.builtin.outbox",  # reminders to an XLSX outbox (send_reminder)
}


async def await_me_maybe(value: Any) -> Any:
    """A hook or adapter method may be sync or async: await its result when it is awaitable."""
    if inspect.isawaitable(value):
        return await value
    return value


async def call_hookimpl(impl: pluggy.HookImpl, **kwargs: Any) -> Any:
    """Call one hook implementation on its own — so that one raising cannot hide the others'
    results, as it would inside ``pm.hook.<name>(...)`` — with the arguments it accepts, awaited."""
    return await await_me_maybe(impl.function(**{name: kwargs[name] for name in impl.argnames}))


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus casehub's view of adapters and of plugins that failed."""

    def __init__(self) -> None:
        super().__init__("casehub")
        self.add_hookspecs(hookspecs)
        self.broken: dict[str, str] = {}  # plugin name → what went wrong
        self._adapters: dict[str, type[Adapter]] | None = None
        self._adapter_plugins: dict[str, str] = {}

    def mark_broken(self, name: str, reason: str, plugin: Any = None) -> None:
        """Report plugin `name` as broken and unload it if it was loaded."""
        log.error("casehub plugin %r is broken and was not loaded: %s", name, reason)
        self.broken[name] = reason
        plugin = plugin if plugin is not None else self.get_plugin(name)
        if plugin is not None and self.is_registered(plugin):
            self.unregister(plugin)
        self._adapters = None

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        self._adapters = None
        return super().register(plugin, name)

    def unregister(self, plugin: Any = None, name: str | None = None) -> Any:
        self._adapters = None
        return super().unregister(plugin, name)

    def adapters(self) -> dict[str, type[Adapter]]:
        """Adapter name → class, over all working plugins (built-ins first).

        A plugin whose `register_adapters` raises or declares a bad or taken
        adapter is reported and unloaded — all its hooks, not just this one.
        """
        if self._adapters is None:
            found: dict[str, type[Adapter]] = {}
            owners: dict[str, str] = {}
            failed: dict[str, str] = {}
            # Call each implementation on its own so one broken plugin cannot hide the others.
            for impl in self.hook.register_adapters.get_hookimpls():  # registration order
                try:
                    declared = _declared_adapters(impl.function(), found, owners)
                except Exception as exc:
                    failed[impl.plugin_name] = f"register_adapters() failed: {exc}"
                    continue
                for cls in declared:
                    found[cls.name] = cls
                    owners[cls.name] = impl.plugin_name
            for name, reason in failed.items():
                self.mark_broken(name, reason)
            self._adapters, self._adapter_plugins = found, owners
        return dict(self._adapters)

    def adapter_plugin(self, adapter_name: str) -> str:
        """The name of the plugin that provides `adapter_name`."""
        self.adapters()
        return self._adapter_plugins[adapter_name]

    def get_adapter(self, name: str) -> Adapter:
        """A fresh instance of adapter `name`, or a one-line error listing those there are."""
        adapters = self.adapters()
        if name not in adapters:
            known = ", ".join(sorted(adapters)) or "none"
            hint = f"; broken plugins: {', '.join(sorted(self.broken))}" if self.broken else ""
            raise CasehubError(f"unknown adapter {name!r} (available: {known}{hint})")
        return adapters[name]()

    async def notify_events_recorded(self, **kwargs: Any) -> None:
        """Call every `events_recorded` implementation; one failing does not stop the others."""
        for impl in self.hook.events_recorded.get_hookimpls():
            try:
                await call_hookimpl(impl, **kwargs)
            except Exception:
                log.exception("casehub plugin %r: events_recorded() failed", impl.plugin_name)


def _declared_adapters(
    declared: Iterable[Any] | None, found: Mapping[str, type[Adapter]], owners: Mapping[str, str]
) -> list[type[Adapter]]:
    """What one `register_adapters()` returned, checked: well-formed classes with names not yet taken."""
    classes = list(declared or [])
    problems = [p for p in map(_adapter_problem, classes) if p]
    if not problems:
        problems = [
            f"adapter name {c.name!r} is already taken by plugin {owners[c.name]!r}" for c in classes if c.name in found
        ]
    if problems:
        raise CasehubError("; ".join(problems))
    return classes


def _adapter_problem(cls: object) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        return f"{cls!r} is not a casehub.adapters.Adapter subclass"
    if not cls.name or not isinstance(cls.name, str):
        return f"{cls.__qualname__} has no name"
    if not cls.formats:
        return f"adapter {cls.name!r} declares no formats"
    return None


def make_plugin_manager(load_entrypoints: bool = True, *, disabled: Iterable[str] = ()) -> PluginManager:
    """A plugin manager with the built-in adapters and, unless told not to, the installed plugins.

    `disabled` names plugins not to load (built-in or installed): the deployment's
    CASEHUB_DISABLE_PLUGINS, passed in through `Settings.disabled_plugins`.
    """
    pm = PluginManager()
    for name in disabled:
        pm.set_blocked(name)
    for name, module in DEFAULT_PLUGINS.items():
        if pm.is_blocked(name):
            continue
        try:
            pm.register(importlib.import_module(module), name=name)
        except Exception as exc:
            pm.mark_broken(name, f"{type(exc).__name__}: {exc}")
    if load_entrypoints:
        _load_entrypoints(pm)
    _check_pending(pm)
    return pm


def _load_entrypoints(pm: PluginManager) -> None:
    """`load_setuptools_entrypoints`, one entry point at a time so a broken one is isolated."""
    names = sorted({ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)})
    for name in names:
        if pm.is_blocked(name) or pm.has_plugin(name):
            continue
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=name)
        except Exception as exc:
            pm.mark_broken(name, f"{type(exc).__name__}: {exc}")


def _check_pending(pm: PluginManager) -> None:
    """`check_pending()`; a plugin implementing an unknown hook is unloaded and reported."""
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            pm.mark_broken(pm.get_name(exc.plugin) or repr(exc.plugin), str(exc), exc.plugin)
