"""framecap: turn a crash into an error event a person can debug from, without leaking secrets.

``import framecap`` is light: the client, its transports (ssl, http.client, sqlite3...) and the
expression machinery load on first use (:func:`init`, ``framecap.Client``...), see README "Speed".
"""

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
from .errors import ConfigError

TYPE_CHECKING = False  # (not imported from typing: that import alone costs more than the rest of this module)
if TYPE_CHECKING:
    from .client import Client
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

#: Exported names whose modules load when first asked for: ``framecap.Client``, ``from framecap import Client``.
_LAZY = {"Client": "client", "MemoryTransport": "transports"}

if not TYPE_CHECKING:  # hidden from type checkers, which see the imports above

    def __getattr__(name: str) -> object:
        """A lazily exported name (loaded and kept on first access), or a submodule not yet imported
        (``framecap.client`` after a plain ``import framecap``, as when this module imported it)."""
        import importlib

        if name in _LAZY:
            value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
            globals()[name] = value
            return value
        if not name.startswith("_"):
            try:
                return importlib.import_module(f".{name}", __name__)
            except ModuleNotFoundError as error:
                if error.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
