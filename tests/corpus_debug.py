"""Debugging-values corpus: what a person debugging needs, held where programs hold it; it must arrive intact.

Classes: ``source`` (lines of the standard library and popular packages, seen by frames in them),
``ids`` (UUIDs, hashes, trace ids, order ids, cache keys), ``time`` (timestamps), ``version``,
``address`` (loopback, private, link-local, unspecified addresses; networks), ``lexer`` (tokens of a
lexer), ``llm`` (token counts), ``status`` (status lines and messages that mention secrets), ``names``
(booleans, None, numbers, types and default reprs under token/auth/session/key/signature names),
``url`` (URLs without credentials), ``data`` (payloads, paths, SQL, emails).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import inspect
import io
import ipaddress
import os
import re
import sqlite3
import sys
import sysconfig
import tokenize
import uuid
from pathlib import Path

from privacy_corpus import Plant, Registry, crash_at

scenario = Registry()


@scenario
def ids_and_hashes(p: Plant):
    rng = p.rng
    request_id = p.keep("ids", str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    correlation_id = p.keep("ids", uuid.UUID(int=rng.getrandbits(128), version=4))
    trace_id = p.keep("ids", p.hex(32))
    span_id = p.keep("ids", p.hex(16))
    sha256 = p.keep("ids", hashlib.sha256(p.alnum(20).encode()).hexdigest())
    etag = p.keep("ids", '"' + hashlib.sha1(p.alnum(20).encode()).hexdigest() + '"')
    git_sha = p.keep("ids", p.hex(40))
    object_id = p.keep("ids", p.hex(24))
    order_id = p.keep("ids", int(p.digits(9)))
    tweet_id = p.keep("ids", int("1" + p.digits(18)))
    cache_key = p.keep("ids", f"user:{p.digits(6)}:profile")
    idempotency_key = p.keep("ids", str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    content_hash = p.keep("ids", hashlib.md5(p.alnum(20).encode()).hexdigest())
    blake = p.keep("ids", hashlib.blake2b(p.alnum(8).encode(), digest_size=16).hexdigest())
    shard_key = p.keep("ids", "tenant-" + p.digits(5))
    primary_key = p.keep("ids", "order_id")
    sort_key = p.keep("ids", "created_at")
    checksum = p.keep("ids", int(p.digits(10)))
    row = {"id": p.keep("ids", int(p.digits(7))), "sku": p.keep("ids", "SKU-" + p.alnum(8).upper())}
    asset = p.keep("ids", "/static/js/app." + p.hex(8) + ".js")
    return row["price"] * len(
        (request_id, correlation_id, trace_id, span_id, sha256, etag, git_sha, object_id, order_id, tweet_id)
        + (cache_key, idempotency_key, content_hash, blake, shard_key, primary_key, sort_key, checksum, asset)
    )


@scenario
def timestamps(p: Plant):
    created_at = p.keep("time", "2024-05-17T09:31:02.123456+00:00")
    started = p.keep("time", datetime.datetime(2024, 5, 17, 9, 31, 2, 123456))
    epoch = p.keep("time", 1715938262)
    epoch_ms = p.keep("time", 1715938262123)
    epoch_ns = p.keep("time", 1715938262123456789)
    token_expires_at = p.keep("time", "2024-05-17T10:31:02Z")
    session_expiry = p.keep("time", datetime.timedelta(hours=2))
    last_login = p.keep("time", "Fri, 17 May 2024 09:31:02 GMT")
    log_time = p.keep("time", "2024-05-17 09:31:02,123")
    return (created_at, started, epoch, epoch_ms, epoch_ns, token_expires_at, session_expiry, last_login)[log_time]


@scenario
def versions(p: Plant):
    user_agent = p.keep(
        "version",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    )
    legacy_agent = p.keep(
        "version", "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 Chrome/52.0.2743.116 Safari/537.36"
    )
    python_version = p.keep("version", sys.version.split()[0])
    sqlite_version = p.keep("version", sqlite3.sqlite_version)
    app_version = p.keep("version", "10.4.2.1")
    browser_version = p.keep("version", "52.0.2743.116")
    firmware_version = p.keep("version", "8.4.11.2")
    api_version = p.keep("version", "2024-05-01")
    platform = p.keep("version", sysconfig.get_platform())
    release = p.keep("version", "shop@3.14.159")
    versions = [user_agent, legacy_agent, python_version, sqlite_version, app_version, browser_version]
    return versions[firmware_version] + api_version + platform + release


@scenario
def addresses(p: Plant):
    bind = p.keep("address", ("0.0.0.0", 8000))
    loopback = p.keep("address", "127.0.0.1")
    loopback6 = p.keep("address", "::1")
    private = p.keep("address", ["10.12.0.7", "192.168.1.20", "172.16.4.2"])
    link_local = p.keep("address", "fe80::1ff:fe23:4567:890a")
    unspecified6 = p.keep("address", "::")
    upstream = p.keep("address", "http://127.0.0.1:8080/health")
    internal_net = p.keep("address", ipaddress.ip_network("10.0.0.0/8"))
    allowed_cidrs = p.keep("address", ["10.0.0.0/8", "192.168.0.0/16", "100.64.0.0/10"])
    docker_host = p.keep("address", "172.17.0.1")
    resolved = {"localhost": p.keep("address", "127.0.1.1")}
    hosts = [bind, loopback, loopback6, private, link_local, unspecified6, upstream, internal_net, allowed_cidrs]
    return hosts + docker_host + resolved


@scenario
def look_alikes(p: Plant):
    """Ids, addresses, versions and messages shaped like secrets or personal data (item 5)."""
    variant_id = p.keep("ids", 44012345678901)
    order_line = p.keep("ids", "Order 44012345678901 not found")
    tailscale = p.keep("address", "bound to 100.101.102.103:8080 (tailscale0)")
    upgrade = p.keep("version", "Upgrading msodbcsql18 to 18.3.2.1")
    logger_name = p.keep("ids", "NotificationServiceHandler.config.send_notification_email_to_all")
    pem_hint = p.keep(
        "status", "Expected a PEM file beginning with -----BEGIN PRIVATE KEY----- but found -----BEGIN CERTIFICATE-----"
    )
    template = p.keep("status", "AccountKey=<redacted> in the template")
    oauth = p.keep("status", "token_type=bearer expires_in=3600")
    return (variant_id, order_line, tailscale, upgrade, logger_name, pem_hint, template)[oauth]


@scenario
def cidr_error(p: Plant):
    network = p.keep("address", "192.168.1.0/33")
    p.keep("address", f"{network!r} does not appear to be an IPv4 or IPv6 network")
    return ipaddress.ip_network(network)


@scenario
def lexer_tokens(p: Plant):
    source = p.keep("lexer", "SELECT name FROM users WHERE token_hash = ? AND active = 1")
    tokens = list(tokenize.generate_tokens(io.StringIO("total = price * quantity  # per line\n").readline))
    sql_tokens = p.keep("lexer", ["SELECT", "name", "FROM", "users", "WHERE", "token_hash", "=", "?"])
    words = p.keep("lexer", source.split())
    token = p.keep("lexer", "WHERE")
    next_token = p.keep("lexer", "token_hash")
    from pygments.lexers import SqlLexer

    lexed = list(SqlLexer().get_tokens(source))
    p.keep("lexer", "Token.Keyword")
    return tokens[0].string + sql_tokens + words + token + next_token + lexed


@scenario
def llm_token_counts(p: Plant):
    usage = p.keep("llm", {"prompt_tokens": 1057, "completion_tokens": 233, "total_tokens": 1290})
    max_tokens = p.keep("llm", 1024)
    max_new_tokens = p.keep("llm", 512)
    prompt_tokens = p.keep("llm", 1057)
    token_count = p.keep("llm", 48213)
    tokens_per_second = p.keep("llm", 41.73)
    token_ids = p.keep("llm", [101, 7592, 1010, 2088, 999, 102])
    tokenizer = p.keep("llm", "cl100k_base")
    stop_tokens = p.keep("llm", ["</s>", "<|eot_id|>"])
    special_tokens = p.keep("llm", {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"})
    context_window_tokens = p.keep("llm", 128000)
    budget = max_tokens - prompt_tokens
    return (
        usage["cached_tokens"]
        + budget
        + max_new_tokens
        + token_count
        + tokens_per_second
        + len(token_ids)
        + (
            tokenizer,
            stop_tokens,
            special_tokens,
            context_window_tokens,
        )
    )


@scenario
def status_lines(p: Plant):
    status_line = p.keep("status", "HTTP/1.1 401 Unauthorized")
    forbidden = p.keep("status", "HTTP/1.1 403 Forbidden")
    www_authenticate = p.keep("status", 'Bearer realm="api", error="invalid_token"')
    basic_challenge = p.keep("status", 'Basic realm="admin", charset="UTF-8"')
    reason = p.keep("status", "Authentication credentials were not provided.")
    problem = p.keep("status", "CSRF verification failed. Request aborted.")
    auth_module = p.keep("status", "django.contrib.auth")
    backends = p.keep("status", ["django.contrib.auth.backends.ModelBackend"])
    validators = p.keep("status", "django.contrib.auth.password_validation.MinimumLengthValidator")
    raise PermissionError(p.keep("status", "Missing Bearer token in Authorization header")) from (
        RuntimeError(p.keep("status", "Basic authentication required"))
        if (
            status_line,
            forbidden,
            www_authenticate,
            basic_challenge,
            reason,
            problem,
            auth_module,
            backends,
            validators,
        )
        else None
    )


@scenario
def messages_mentioning_secrets(p: Plant):
    try:
        raise ValueError(p.keep("status", "The password is too similar to the username."))
    except ValueError:
        try:
            raise LookupError(p.keep("status", "Session expired, please sign in again"))
        except LookupError:
            raise KeyError(p.keep("status", "refresh_token")) from None


@scenario
def sqlite_unrecognized_token(p: Plant):
    p.keep("status", 'unrecognized token: "#"')
    connection = sqlite3.connect(":memory:")
    query = p.keep("status", "SELECT # FROM orders")
    connection.execute(query)


@scenario
def weak_names_with_ordinary_values(p: Plant):
    api_key_required = p.keep("names", True)
    auth_level = p.keep("names", 3)
    token = p.keep("names", None)
    key = p.keep("names", "user_id")
    keys = p.keep("names", ["id", "name", "created_at"])
    signature = p.keep("names", inspect.signature(p.module("def handler(request, *, timeout=5.0): pass\n").handler))
    sig = p.keep("names", inspect.signature(Plant.card))
    token_type = p.keep("names", "Bearer")
    auth_scheme = p.keep("names", "Basic")
    csrf_exempt = p.keep("names", False)
    otp_enabled = p.keep("names", True)
    password_min_length = p.keep("names", 12)
    password_required = p.keep("names", True)
    secret_name = p.keep("names", "prod/db-password")
    secret_path = p.keep("names", "/run/secrets/db_password")
    password_file = p.keep("names", "/etc/app/password.txt")
    token_url = p.keep("names", "https://auth.example.com/oauth2/token")
    api_key_header = p.keep("names", "X-API-Key")
    auth_timeout = p.keep("names", 30)
    session_cookie_age = p.keep("names", 1209600)
    session_engine = p.keep("names", "django.contrib.sessions.backends.db")
    AUTH_USER_MODEL = p.keep("names", "accounts.User")
    session_count = p.keep("names", 17)
    auth_backend = p.keep("names", ipaddress.IPv4Address)
    key_func = p.keep("names", str.lower)
    session_keys = p.keep("names", ["_auth_user_id", "_auth_user_backend", "cart"])
    tokens_used = p.keep("names", 734)
    token_hint = p.keep("names", "last 4: 9f2c")
    auth_methods = p.keep("names", ["password", "totp", "webauthn"])
    pin_memory = p.keep("names", True)
    return (
        api_key_required,
        auth_level,
        token,
        key,
        keys,
        signature,
        sig,
        token_type,
        auth_scheme,
        csrf_exempt,
        otp_enabled,
        password_min_length,
        password_required,
        secret_name,
        secret_path,
        password_file,
        token_url,
        api_key_header,
        auth_timeout,
        session_cookie_age,
        session_engine,
        AUTH_USER_MODEL,
        session_count,
        auth_backend,
        key_func,
        session_keys,
        tokens_used,
        token_hint,
        auth_methods,
        pin_memory,
    )[100]


@scenario
def orm_session(p: Plant):
    sqlalchemy = __import__("sqlalchemy")
    from sqlalchemy.orm import Session

    engine = sqlalchemy.create_engine("sqlite://")
    session = Session(engine)
    p.keep("names", "<sqlalchemy.orm.session.Session object at 0x")
    p.keep("names", "<sqlalchemy.engine.base.Engine object at 0x" if False else "Engine(sqlite://)")
    auth_session = session
    return auth_session.execute(sqlalchemy.text("SELECT missing FROM nowhere"))


@scenario
def urls_without_secrets(p: Plant):
    listing = p.keep("url", "https://api.example.com/v1/items?page=2&sort=-created_at&per_page=50")
    health = p.keep("url", "http://localhost:8000/health?verbose=1")
    database_url = p.keep("url", "postgres://db.internal:5432/shop")
    cache_url = p.keep("url", "redis://cache.internal:6379/0")
    reset_page = p.keep("url", "https://shop.example.com/accounts/password/reset/")
    source = p.keep("url", "https://github.com/pallets/flask/blob/main/src/flask/app.py#L1500")
    docs = p.keep("url", "https://docs.python.org/3/library/secrets.html#secrets.token_urlsafe")
    search = p.keep("url", "https://www.example.com/search?q=reset+password&lang=en")
    git_remote = p.keep("url", "git@github.com:acme/shop.git")
    email = p.keep("data", "ada@example.com")
    return [listing, health, database_url, cache_url, reset_page, source, docs, search, git_remote, email][10]


@scenario
def payloads_and_paths(p: Plant):
    payload = p.keep("data", {"user_id": 48213, "items": [{"sku": "SKU-1", "qty": 2}], "coupon": "SPRING24"})
    query = p.keep("data", "SELECT id, email FROM users WHERE reset_token = %s AND expires_at > %s")
    path = p.keep("data", "/var/lib/shop/uploads/2024/05/invoice-48213.pdf")
    home = p.keep("data", str(Path.home() / ".config" / "shop" / "settings.toml"))
    amount = p.keep("data", "1234.56")
    phone = p.keep("data", "+1 202 555 0147")
    iso_country = p.keep("data", "DE")
    cwd = p.keep("data", os.getcwd())
    argv = p.keep("data", ["manage.py", "runserver", "--settings", "shop.settings.dev"])
    regex = p.keep("data", re.compile(r"^(?P<key>[a-z_]+)=(?P<value>.*)$"))
    return payload["total"] + (query, path, home, amount, phone, iso_country, cwd, argv, regex)


@scenario
def library_errors(p: Plant):
    import json

    document = p.keep("data", '{"user": "ada", "roles": ["admin",]}')
    try:
        json.loads(document)
    except json.JSONDecodeError as error:
        reason = p.keep("status", str(error))
        pydantic = __import__("pydantic")

        class Listen(pydantic.BaseModel):
            host: str
            port: int

        Listen(host="0.0.0.0", port=p.keep("data", "eighty"), reason=reason)


# -- source lines of the standard library and popular packages -----------------------------------------

_SENSITIVE_WORDS = re.compile(r"token|passw|secret|auth|session|key|signature|credential|cookie|csrf|pwd|otp", re.I)
_STDLIB = str.split(
    "smtplib.py imaplib.py poplib.py ftplib.py urllib/request.py urllib/parse.py http/cookies.py http/client.py "
    "http/cookiejar.py hmac.py secrets.py getpass.py netrc.py ssl.py tokenize.py xmlrpc/client.py base64.py "
    "logging/handlers.py hashlib.py uuid.py inspect.py configparser.py"
)
_PACKAGES = str.split(
    "werkzeug/security.py werkzeug/sansio/request.py flask/sessions.py flask/app.py django/contrib/auth/hashers.py "
    "django/contrib/auth/tokens.py django/contrib/auth/base_user.py django/middleware/csrf.py "
    "django/contrib/sessions/backends/base.py django/core/signing.py django/conf/global_settings.py "
    "sqlalchemy/engine/url.py sqlalchemy/orm/session.py pydantic/types.py pydantic/networks.py httpx/_auth.py "
    "httpx/_urls.py urllib3/util/url.py urllib3/util/request.py jinja2/lexer.py pygments/lexer.py"
)


@functools.cache
def _library_lines(per_file: int) -> list[tuple[str, int, str]]:
    """``(file, line number, line)`` of lines that mention secrets, from real files, chosen deterministically."""
    roots = [Path(sysconfig.get_paths()["stdlib"])], [Path(sysconfig.get_paths()["purelib"])]
    chosen = []
    for names, (root,) in ((_STDLIB, roots[0]), (_PACKAGES, roots[1])):
        for name in names:
            path = root / name
            if not path.exists():
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            hits = [
                i
                for i, line in enumerate(lines, 1)
                if _SENSITIVE_WORDS.search(line) and 8 < len(line.strip()) < 160 and not line.strip().startswith("#")
            ]
            step = max(1, len(hits) // per_file)
            chosen += [(str(path), i, lines[i - 1]) for i in hits[::step][:per_file]]
    return chosen


def _planted_locations(p: Plant, part: int, parts: int) -> list[tuple[str, int]]:
    lines = _library_lines(per_file=8)[part::parts]
    for _, _, line in lines:
        p.keep("source", line)
    return [(path, lineno) for path, lineno, _ in lines]


def _library_scenario(part: int, parts: int):
    def library_source_lines(p: Plant):
        crash_at(_planted_locations(p, part, parts))

    library_source_lines.__name__ = f"library_source_lines_{part}"
    return library_source_lines


for _part in range(8):
    scenario(_library_scenario(_part, 8))


@scenario
def pairs_and_comments_in_source(p: Plant):
    """Pairs, comments and calls that look like the secrets known by their context, and are not."""
    for value in ("Draft", "Published", "amd64", "arm64", "viewer", "alice@example.com", "settings page"):
        p.keep("source", value)
    module = p.module(
        "def check(hmac, marker):\n"
        "    return hmac.compare_digest(marker, b'\\x00\\x02') + marker\n"
        "STATUS = [('draft', 'Draft'), ('pub', 'Published')]\n"
        "ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64'}\n"
        "USER_ROLES = {'alice': 'admin', 'bob': 'viewer'}\n"
        "USERS = [('alice', 'alice@example.com')]\n"
        "# admin / settings page\n"
    )
    parole = p.keep("names", "ciao mondo")
    tax_note = p.keep("messages", "tax id 2190999991 rejected")
    return module.check(__import__("hmac"), parole + tax_note)
