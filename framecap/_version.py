"""framecap's version, in a module of its own so that any module can import it without a cycle."""

__all__ = ["__version__"]

__version__ = "0.2.0.dev0"
