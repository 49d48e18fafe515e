"""framecap: turn a crash into an error event a person can debug from, without leaking secrets."""

from ._version import __version__
from .api import (
    add_breadcrumb,
    capture_exception,
    flush,
    init,
    install_hooks,
    set_extra,
    set_tag,
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
    "flush",
    "init",
    "install_hooks",
    "set_extra",
    "set_tag",
    "set_user",
    "uninstall_hooks",
]
