"""framecap: turn a crash into an error event a person can debug from, without leaking secrets."""

from ._version import __version__
from .api import (
    add_breadcrumb,
    capture_exception,
    capture_message,
    flush,
    init,
    install_hooks,
    new_scope,
    set_context,
    set_extra,
    set_fingerprint,
    set_level,
    set_tag,
    set_tags,
    set_user,
    uninstall_hooks,
)
from .client import Client
from .errors import ConfigError
from .transports import MemoryTransport

__all__ = [
    "Client",
    "ConfigError",
    "MemoryTransport",
    "__version__",
    "add_breadcrumb",
    "capture_exception",
    "capture_message",
    "flush",
    "init",
    "install_hooks",
    "new_scope",
    "set_context",
    "set_extra",
    "set_fingerprint",
    "set_level",
    "set_tag",
    "set_tags",
    "set_user",
    "uninstall_hooks",
]
