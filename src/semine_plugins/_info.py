"""What a plugin says about itself."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["PluginInfo"]


@attrs.frozen(kw_only=True)
class PluginInfo:
    """A plugin's description, returned by its ``plugin_info`` hook.

    :ivar title: the name people see ("Ftp Plugin").
    :ivar settings: the attrs class declaring the plugin's fields with
        :func:`semine_plugins.setting`.
    :ivar description: one or two sentences on what the plugin does.
    :ivar directions: what ``send`` and ``receive`` mean for this plugin, or
        which of them it supports (``("send", "receive")`` by default).
    """

    title: str
    settings: type[Any]
    description: str = ""
    directions: tuple[str, ...] = ("send", "receive")
