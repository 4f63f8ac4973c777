"""The plugin manager: built-ins registered like plugins, entry points, block list, broken plugins."""

from __future__ import annotations

import importlib.metadata
import textwrap

import pytest

from casehub.adapters import Adapter, hookimpl
from casehub.adapters import plugins as plugins_module
from casehub.adapters.plugins import DEFAULT_PLUGINS, await_me_maybe, make_plugin_manager
from casehub.config import Settings

BUILTIN = {"app_results", "death_records", "judicial", "paper_forms"}  # the built-in adapters


def test_builtin_adapters_are_registered_as_plugins():
    pm = make_plugin_manager(load_entrypoints=False, disabled=[])
    assert set(DEFAULT_PLUGINS) == BUILTIN | {"outbox"}  # and the reminder outbox
    assert {name for name, _ in pm.list_name_plugin()} >= BUILTIN | {"outbox"}
    adapters = pm.adapters()
    assert set(adapters) == BUILTIN
    for name, cls in adapters.items():
        assert pm.adapter_plugin(name) == name
        assert cls.description and cls.formats
    assert pm.broken == {}


def test_casehub_disable_plugins_blocks_by_name():
    settings = Settings.from_env({"CASEHUB_DISABLE_PLUGINS": " judicial, medinsurance ,"})
    assert settings.disabled_plugins == ("judicial", "medinsurance")
    pm = make_plugin_manager(disabled=settings.disabled_plugins)
    assert "judicial" not in pm.adapters() and "medinsurance" not in pm.adapters()
    assert "app_results" in pm.adapters()
    assert pm.broken == {}


def test_a_builtin_that_fails_to_import_is_reported_by_name(monkeypatch):
    monkeypatch.setitem(DEFAULT_PLUGINS, "ghost", "casehub.adapters.builtin.no_such_module")
    pm = make_plugin_manager(load_entrypoints=False, disabled=[])
    assert "ModuleNotFoundError" in pm.broken["ghost"]
    assert set(pm.adapters()) == BUILTIN  # the others keep working


def test_a_plugin_raising_in_register_adapters_is_reported_and_skipped(caplog):
    class Raising:
        @hookimpl
        def register_adapters(self):
            raise RuntimeError("config file missing")

    pm = make_plugin_manager(load_entrypoints=False, disabled=[])
    pm.register(Raising(), name="raising")
    assert set(pm.adapters()) == BUILTIN
    assert pm.broken == {"raising": "register_adapters() failed: config file missing"}
    assert "raising" in caplog.text
    assert not pm.has_plugin("raising")  # unloaded: none of its hooks runs any more


def test_an_adapter_name_already_taken_or_a_malformed_adapter_is_refused():
    class Impostor(Adapter):
        name = "app_results"
        formats = ("csv",)

    class Nameless(Adapter):
        formats = ("csv",)

    class Duplicate:
        @hookimpl
        def register_adapters(self):
            return [Impostor]

    class Malformed:
        @hookimpl
        def register_adapters(self):
            return [Nameless, dict]

    pm = make_plugin_manager(load_entrypoints=False, disabled=[])
    pm.register(Duplicate(), name="duplicate")
    pm.register(Malformed(), name="malformed")
    assert pm.adapters()["app_results"].__module__ == "casehub.adapters.builtin.app_results"
    assert "already taken by plugin 'app_results'" in pm.broken["duplicate"]
    assert "has no name" in pm.broken["malformed"] and "not a casehub.adapters.Adapter" in pm.broken["malformed"]


@pytest.fixture
def fake_distribution(tmp_path, monkeypatch):
    """An installed distribution with three `casehub` entry points: broken, misspelt, good."""
    (tmp_path / "casehub_fake_broken.py").write_text("import no_such_dependency\n")
    (tmp_path / "casehub_fake_misspelt.py").write_text(
        textwrap.dedent("""
        from casehub.adapters import hookimpl

        @hookimpl
        def register_adapter():  # misspelt: the hook is register_adapters
            return []
    """)
    )
    (tmp_path / "casehub_fake_good.py").write_text(
        textwrap.dedent("""
        from casehub.adapters import Adapter, hookimpl

        class Fake(Adapter):
            name = "fake"
            description = "a fake feed"
            formats = ("csv",)

        @hookimpl
        def register_adapters():
            return [Fake]
    """)
    )
    info = tmp_path / "casehub_fake-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: casehub-fake\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[casehub]\nfake_broken = casehub_fake_broken\nfake_misspelt = casehub_fake_misspelt\n"
        "fake_good = casehub_fake_good\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return tmp_path


def test_broken_entry_point_plugins_are_reported_by_name_and_do_not_stop_the_service(fake_distribution):
    pm = make_plugin_manager(disabled=[])
    assert "ModuleNotFoundError" in pm.broken["fake_broken"]
    assert "register_adapter" in pm.broken["fake_misspelt"]  # check_pending() caught the misspelt hook
    assert not pm.has_plugin("fake_misspelt")
    assert pm.adapter_plugin("fake") == "fake_good"
    assert set(pm.adapters()) >= BUILTIN


def test_entry_points_can_be_skipped_and_blocked(fake_distribution):
    assert "fake" not in make_plugin_manager(load_entrypoints=False, disabled=[]).adapters()
    pm = make_plugin_manager(disabled=["fake_good", "fake_broken", "fake_misspelt"])
    assert "fake" not in pm.adapters() and pm.broken == {}


def test_example_plugin_is_discovered_through_its_entry_point():
    names = {ep.name for ep in importlib.metadata.entry_points(group=plugins_module.ENTRY_POINT_GROUP)}
    if "medinsurance" not in names:
        pytest.skip("casehub-medinsurance is not installed (pip install -e plugins/casehub-medinsurance)")
    pm = make_plugin_manager(disabled=[])
    assert pm.adapter_plugin("medinsurance") == "medinsurance"
    assert pm.adapters()["medinsurance"].__module__ == "casehub_medinsurance.adapter"
    assert pm.broken == {}


async def test_await_me_maybe_takes_plain_values_and_coroutines():
    async def later():
        return 2

    assert await await_me_maybe(1) == 1
    assert await await_me_maybe(later()) == 2
