"""framecap: turn a crash into an error event a person can debug from, without leaking secrets."""

__version__ = "0.1.0"

from .api import (  # noqa: E402
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
from .client import Client  # noqa: E402
from .errors import ConfigError  # noqa: E402
from .transports import MemoryTransport  # noqa: E402

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
