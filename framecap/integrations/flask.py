"""Flask: ``framecap.integrations.flask.init_app(app)``.

Flask turns a view's exception into a 500 response, so a WSGI middleware never sees it; this
listens to Flask's ``got_request_exception`` signal instead (mechanism ``flask``, unhandled). It
also wraps ``app.wsgi_app`` in :class:`~framecap.integrations.wsgi.FramecapWSGIMiddleware`, so
every event captured during a request carries it (through the request policy), and, with
``send_default_pii=True``, adds Flask-Login's user (id, username and email as the user object has them).
"""

from __future__ import annotations

from typing import Any

from ..client import Client
from ..scope import current
from . import client_for
from .wsgi import FramecapWSGIMiddleware

__all__ = ["init_app"]


def _login_user() -> dict[str, Any] | None:
    try:
        from flask_login import current_user  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    try:
        if not getattr(current_user, "is_authenticated", False):
            return None
        user: dict[str, Any] = {"id": str(current_user.get_id())}
        for name in ("username", "email"):
            value = getattr(current_user, name, None)
            if isinstance(value, str):
                user[name] = value
        return user
    except Exception:
        return None


def _on_exception(sender: Any, exception: BaseException, **extra: Any) -> None:
    middleware = getattr(sender, "extensions", {}).get("framecap")
    client = client_for(getattr(middleware, "client", None))
    if client is None:
        return
    if client.options.send_default_pii:
        user = _login_user()
        if user:
            current().integration_user = user
    client.capture(exception, {"type": "flask", "handled": False})


def init_app(app: Any, client: Client | None = None) -> Any:
    """Report unhandled view errors of ``app`` with their request; returns the app.

    ``client``: report to this client instead of the global one (looked up at each request).
    """
    from flask import got_request_exception

    middleware = app.extensions.get("framecap")
    if not isinstance(middleware, FramecapWSGIMiddleware):
        middleware = app.wsgi_app = FramecapWSGIMiddleware(app.wsgi_app)
        app.extensions["framecap"] = middleware
        got_request_exception.connect(_on_exception, app, weak=False)
    middleware.client = client
    return app
