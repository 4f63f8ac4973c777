"""casehub's own adapters, each a plugin module registered like a third party's (DEFAULT_PLUGINS)."""
