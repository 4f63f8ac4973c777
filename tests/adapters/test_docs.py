"""docs/PLUGINS.md documents every hook, with its signature (as datasette's test_plugin_hooks_are_documented)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from casehub.adapters import Adapter
from casehub.adapters import hookspecs as hookspecs_module
from casehub.adapters.plugins import make_plugin_manager

DOCS = (Path(__file__).parents[2] / "docs" / "PLUGINS.md").read_text(encoding="utf-8")


def signature(func) -> str:
    return f"{func.__name__}({', '.join(inspect.signature(func).parameters)})"


def hook_names() -> list[str]:
    pm = make_plugin_manager(load_entrypoints=False)
    return sorted(name for name in vars(pm.hook) if not name.startswith("_"))


@pytest.mark.parametrize("name", hook_names())
def test_plugin_hooks_are_documented(name):
    spec = getattr(hookspecs_module, name)
    assert f"### `{signature(spec)}`" in DOCS, f"docs/PLUGINS.md has no section `{signature(spec)}`"


@pytest.mark.parametrize("method", ["parse", "validate", "to_drafts"])
def test_adapter_methods_are_documented(method):
    func = getattr(Adapter, method)
    params = [p for p in inspect.signature(func).parameters if p != "self"]
    assert f"### `{method}({', '.join(params)})`" in DOCS


def test_every_hookspec_has_a_docstring():
    pm = make_plugin_manager(load_entrypoints=False)
    for name in hook_names():
        assert getattr(pm.hook, name).spec.function.__doc__, name
