"""Secrets corpus: program states where real programs hold secrets, each crashing; nothing planted may leave.

Classes (issue 10): ``names`` (plain and run-together/abbreviated names), ``expression`` (values of
attributes, subscripts and globals read by the failing line), ``source`` (literals in source lines,
expression keys, dict keys, set members), ``url``, ``provider`` (tokens recognised by their shape),
``pii`` (cards, IBAN, SSN), ``library`` (messages that echo parameters), ``request`` (bodies, URLs,
query strings), ``echo`` (a secret repeated where no name says what it is), ``truncation`` (a cut
inside a secret; the serializer's part).
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import logging
import os
import string
import subprocess
import sys
import urllib.parse

from privacy_corpus import Plant, Registry

scenario = Registry()
log = logging.getLogger("corpus.app")


class Settings:
    """A settings object as frameworks build them (attributes, not a dict)."""

    def __init__(self, **values):
        self.__dict__.update(values)


# -- names --------------------------------------------------------------------------------------------


@scenario
def plain_names(p: Plant):
    password = p.secret("names", p.password())
    api_key = p.secret("names", p.alnum(32))
    client_secret = p.secret("names", p.token())
    access_token = p.secret("names", p.token())
    refresh_token = p.secret("names", p.token())
    session_id = p.secret("names", p.hex(32))
    csrf_token = p.secret("names", p.alnum(64))
    secret_key = p.secret("names", p.urlsafe(50))
    retries = 3
    return (password, api_key, client_secret, access_token, refresh_token, session_id, csrf_token, secret_key)[
        retries
    ] / retries


@scenario
def run_together_names(p: Plant):
    PGPASSWORD = p.secret("names", p.password())
    newpassword = p.secret("names", p.password())
    DB_PASS = p.secret("names", p.password())
    pwd = p.secret("names", p.password())
    pass_ = p.secret("names", p.password())
    otp = p.secret("names", p.digits(6))
    pin = p.secret("names", p.digits(6))
    fernet_key = p.secret("names", p.urlsafe(43) + "=")
    signing_key = p.secret("names", p.hex(64))
    mysqlpwd = p.secret("names", p.password())
    userPassword = p.secret("names", p.password())
    cvv = p.secret("names", p.digits(3) + p.digits(1))
    attempts = 0
    return (
        PGPASSWORD,
        newpassword,
        DB_PASS,
        pwd,
        pass_,
        otp,
        pin,
        fernet_key,
        signing_key,
        mysqlpwd,
        userPassword,
        cvv,
    )[0][attempts + 100]


@scenario
def azure_names(p: Plant):
    account_key = p.secret("names", p.b64(64))
    connection = {
        "AccountName": "shopdata",
        "AccountKey": p.secret("names", p.b64(64)),
        "EndpointSuffix": "core.windows.net",
    }
    headers = {"Ocp-Apim-Subscription-Key": p.secret("names", p.hex(32)), "Accept": "application/json"}
    sas = {"sv": "2022-11-02", "se": "2030-01-01", "sig": p.secret("names", p.b64(32))}
    return connection["AccountName"] + headers["Accept"] + sas["sv"] + account_key + connection["Missing"]


@scenario
def nested_settings(p: Plant):
    config = {
        "database": {"host": "db.internal", "port": 5432, "user": "app", "password": p.secret("names", p.password())},
        "cache": {"url": "redis://cache:6379/0", "auth_token": p.secret("names", p.token())},
        "stripe": {"publishable": "pk_test_abc", "api_key": p.secret("names", p.alnum(40))},
        "oauth": {"client_id": "web-app", "client_secret": p.secret("names", p.token())},
        "smtp": {"username": "mailer", "passwd": p.secret("names", p.password())},
    }
    return config["database"]["timeout"]


@dataclasses.dataclass
class DatabaseConfig:
    host: str
    port: int
    user: str
    password: str
    sslrootcert: str = "/etc/ssl/root.crt"


@dataclasses.dataclass
class ApiClientConfig:
    base_url: str
    api_key: str
    timeout: float = 5.0


@scenario
def dataclass_configs(p: Plant):
    db = DatabaseConfig("db.internal", 5432, "app", p.secret("names", p.password()))
    api = ApiClientConfig("https://api.example.com", p.secret("names", p.alnum(40)))
    return db.port / (api.timeout - 5.0)


Credentials = collections.namedtuple("Credentials", "username password")
OAuthToken = collections.namedtuple("OAuthToken", "access_token refresh_token expires_in token_type")


@scenario
def namedtuple_credentials(p: Plant):
    creds = Credentials("ada", p.secret("names", p.password()))
    token = OAuthToken(p.secret("names", p.token()), p.secret("names", p.token()), 3600, "Bearer")
    return creds.username + token.token_type + token.expires_in


@scenario
def requests_style_auth(p: Plant):
    auth = ("ada", p.secret("names", p.password()))
    credentials = {"username": "ada", "password": p.secret("names", p.password())}
    creds = ["svc-reporting", p.secret("names", p.password())]
    return auth[0] + credentials["username"] + creds[2]


@scenario
def environment_copy(p: Plant):
    env = {
        "PATH": "/usr/local/bin:/usr/bin",
        "HOME": "/home/app",
        "PGPASSWORD": p.secret("names", p.password()),
        "AWS_SECRET_ACCESS_KEY": p.secret("names", p.b64(30)),
        "GITHUB_TOKEN": p.secret("names", "ghp_" + p.alnum(36)),
        "DJANGO_SECRET_KEY": p.secret("names", p.urlsafe(50)),
        "REDIS_PASSWORD": p.secret("names", p.password()),
        "SLACK_SIGNING_SECRET": p.secret("names", p.hex(32)),
        "LANG": "C.UTF-8",
    }
    return int(env["WORKERS"])


@scenario
def asgi_headers(p: Plant):
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/orders",
        "headers": [
            (b"host", b"shop.example.com"),
            (b"authorization", ("Bearer " + p.secret("names", p.token())).encode()),
            (b"cookie", ("sessionid=" + p.secret("names", p.alnum(32)) + "; theme=dark").encode()),
            (b"x-api-key", p.secret("names", p.alnum(32)).encode()),
            (b"accept", b"application/json"),
        ],
    }
    return dict(scope["headers"])[b"x-request-id"]


@scenario
def wsgi_environ(p: Plant):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/login",
        "HTTP_AUTHORIZATION": "Basic " + p.secret("names", p.b64(18)),
        "HTTP_COOKIE": "csrftoken=" + p.secret("names", p.alnum(32)) + "; sessionid=" + p.secret("names", p.alnum(32)),
        "HTTP_X_AUTH_TOKEN": p.secret("names", p.token()),
        "SERVER_NAME": "localhost",
    }
    return environ["CONTENT_LENGTH"]


# -- expression values ----------------------------------------------------------------------------------


def send_mail(key, to):
    raise ConnectionRefusedError(f"SMTP relay refused the connection for {to}")


@scenario
def attribute_read_by_failing_line(p: Plant):
    cfg = Settings(sendgrid_key=p.secret("expression", p.alnum(40)), sender="noreply@example.com", db_password="x")
    cfg.db_password = p.secret("expression", p.password())
    send_mail(cfg.sendgrid_key, cfg.sender) if cfg.db_password else None


@scenario
def subscript_read_by_failing_line(p: Plant):
    settings = {"DB_PASS": p.secret("expression", p.password()), "DB_HOST": "db.internal"}
    connect = None
    connect(settings["DB_HOST"], settings["DB_PASS"])


@scenario
def environ_read_by_failing_line(p: Plant):
    environ = dict(os.environ, PGPASSWORD=p.secret("expression", p.password()))
    environ["API_TOKEN"] = p.secret("expression", p.token())
    pool = None
    pool.connect(password=environ["PGPASSWORD"], token=environ["API_TOKEN"])


class ApiClient:
    def __init__(self, token, retries):
        self.token = token
        self.retries = retries

    def send(self, path, token, session):
        return session.get(path, headers={"Authorization": token})

    def call(self, path):
        return self.send(path, self.token, self.session)  # no session yet: fails after self.token was read


@scenario
def self_attribute(p: Plant):
    client = ApiClient(p.secret("expression", "Bearer " + p.token(), prefix=7), 3)
    client.call("/v1/items")


@scenario
def module_globals(p: Plant):
    module = p.module(
        "import os\n"
        "class settings:\n"
        "    STRIPE_SECRET = os.environ.get('CORPUS_STRIPE', '')\n"
        "    WEBHOOK_SIGNING_SECRET = os.environ.get('CORPUS_WH', '')\n"
        "    TIMEOUT = 5\n"
        "def call(*args):\n"
        "    return args\n"
        "def charge(amount):\n"
        "    return call(settings.STRIPE_SECRET, settings.WEBHOOK_SIGNING_SECRET, amount / (settings.TIMEOUT - 5))\n"
    )
    module.settings.STRIPE_SECRET = p.secret("expression", p.alnum(48))
    module.settings.WEBHOOK_SIGNING_SECRET = p.secret("expression", p.alnum(32))
    module.charge(100)


# -- source text ----------------------------------------------------------------------------------------


@scenario
def literals_in_source(p: Plant):
    password = p.secret("source", p.password())
    token = p.secret("source", p.token())
    key = p.secret("source", "sk-proj-" + p.urlsafe(120), prefix=8)
    db_url_pw = p.secret("source", p.password())
    module = p.module(
        "DEBUG = False\n"
        f"DB_PASSWORD = {password!r}\n"
        f"DATABASE_URL = 'postgres://app:{db_url_pw}@db.internal:5432/shop'\n"
        "def make_client(Client):\n"
        f"    return Client(api_key={key!r}, timeout=10)\n"
        "def check(given):\n"
        f"    if given == {token!r}:\n"
        "        return True\n"
        "    raise PermissionError('bad token')\n"
    )
    module.make_client(lambda **kw: None)
    module.check("nope")


@scenario
def literals_below_their_owner(p: Plant):
    """A value on a later line than its owner: a parenthesized value, a backslash, YAML in a string."""
    pw = p.secret("source", p.password())
    key = p.secret("source", p.alnum(32))
    yaml_pw = p.secret("source", p.alnum(20))
    module = p.module(
        "SETTINGS = {}\n"
        'SETTINGS["DB_PASSWORD"] = (\n'
        f"    {pw!r}\n"
        ")\n"
        "SECRET_KEY = \\\n"
        f"    {key!r}\n"
        'CONFIG = """\n'
        "db:\n"
        f"  password: {yaml_pw}\n"
        '"""\n'
        "def check(given):\n"
        "    raise PermissionError('bad config')\n"
    )
    module.check("nope")


@scenario
def literal_dicts_and_comments(p: Plant):
    pw = p.secret("source", p.password())
    gh = p.secret("source", "ghp_" + p.alnum(36), prefix=4)
    aws = p.secret("source", p.b64(30))
    module = p.module(
        "SETTINGS = {\n"
        f"    'password': {pw!r},\n"
        "    'host': 'db.internal',\n"
        f"    'aws_secret_access_key': {aws!r},\n"
        "}\n"
        f"# deploy token: {gh}\n"
        "def load():\n"
        "    return SETTINGS['port'] + 1\n"
    )
    module.load()


@scenario
def expression_key_with_literal(p: Plant):
    tok = p.secret("source", "ghp_" + p.alnum(36), prefix=4)
    module = p.module(f"def lookup(tokens):\n    return tokens[{tok!r}].owner\n")
    module.lookup({tok: None})


@scenario
def token_as_dict_key(p: Plant):
    api_keys = {
        p.secret("source", "sk_live_" + p.alnum(40), prefix=8): "acme",
        p.secret("source", "sk_live_" + p.alnum(40), prefix=8): "globex",
    }
    sessions = {p.secret("source", p.hex(40)): {"user": 1}, p.secret("source", p.hex(40)): {"user": 2}}
    owners = {p.secret("source", "xoxb-" + p.digits(12) + "-" + p.digits(13) + "-" + p.alnum(24), prefix=5): "bot"}
    return len(api_keys) / (len(sessions) + len(owners) - 3)


@scenario
def token_set_members(p: Plant):
    revoked_tokens = {p.secret("source", p.token()), p.secret("source", p.token())}
    allowed = frozenset({p.secret("source", "glpat-" + p.urlsafe(20), prefix=6), "public"})
    return len(revoked_tokens) / (len(allowed) - 2)


# -- URLs -----------------------------------------------------------------------------------------------


@scenario
def urls_with_secrets(p: Plant):
    callback = "https://app.example.com/oauth/callback?code=" + p.secret("url", p.urlsafe(40)) + "&state=xyz"
    api = "https://api.example.com/v2/report?access_token=" + p.secret("url", p.token()) + "&format=csv"
    maps = "https://maps.googleapis.com/maps/api/geocode/json?key=" + p.secret("url", "AIza" + p.urlsafe(35), 4)
    weather = "https://api.weather.example/v1?api_key=" + p.secret("url", p.hex(32)) + "&q=Berlin"
    blob = "https://shop.blob.core.windows.net/invoices/inv.pdf?sv=2022-11-02&se=2030-01-01&sr=b&sp=r&sig=" + p.secret(
        "url", p.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    )
    return [callback, api, maps, weather, blob][7]


@scenario
def url_credentials(p: Plant):
    redis_url = "redis://:" + p.secret("url", p.password()) + "@cache.internal:6379/0"
    broker = "amqp://worker:" + p.secret("url", p.password()) + "@rabbit.internal:5672/%2F"
    netloc = urllib.parse.urlsplit("https://deploy:" + p.secret("url", p.password()) + "@git.example.com/repo").netloc
    dsn = "postgresql://app:" + p.secret("url", p.password()) + "@db.internal:5432/shop?sslmode=require"
    return redis_url.split("/")[9] + broker + netloc + dsn


@scenario
def urllib_message(p: Plant):
    import http.client

    http.client.HTTPConnection("deploy:" + p.secret("url", p.password()) + "@registry.example.com")


@scenario
def webhook_urls(p: Plant):
    slack = "https://hooks.slack.com/services/T" + p.alnum(8).upper() + "/B" + p.alnum(8).upper() + "/"
    slack += p.secret("url", p.alnum(24))
    discord = "https://discord.com/api/webhooks/" + p.digits(18) + "/" + p.secret("url", p.urlsafe(68))
    telegram = "https://api.telegram.org/bot" + p.secret("url", p.digits(10) + ":AA" + p.urlsafe(33)) + "/sendMessage"
    reset = "https://shop.example.com/accounts/reset/MTIz/" + p.secret("url", "c4" + p.alnum(3) + "-" + p.hex(32)) + "/"
    verify = "https://shop.example.com/verify-email/" + p.secret("url", p.token())
    return {"slack": slack, "discord": discord, "telegram": telegram, "reset": reset, "verify": verify}["teams"]


# -- provider tokens under names that say nothing ------------------------------------------------------


@scenario
def provider_tokens_a(p: Plant):
    values = [
        p.secret("provider", "sk-proj-" + p.urlsafe(156), 8),
        p.secret("provider", "sk-" + p.alnum(20) + "T3BlbkFJ" + p.alnum(20), 3),
        p.secret("provider", "sk-ant-api03-" + p.urlsafe(93) + "AA", 13),
        p.secret("provider", "AIza" + p.urlsafe(35), 4),
        p.secret("provider", "ghp_" + p.alnum(36), 4),
        p.secret("provider", "github_pat_" + p.alnum(22) + "_" + p.alnum(59), 11),
        p.secret("provider", "glpat-" + p.urlsafe(20), 6),
        p.secret("provider", "npm_" + p.alnum(36), 4),
    ]
    item = values[3]
    return item + values[8]


@scenario
def provider_tokens_b(p: Plant):
    values = [
        p.secret("provider", "pypi-AgEIcHlwaS5vcmc" + p.urlsafe(70), 19),
        p.secret("provider", "hf_" + p.alnum(34), 3),
        p.secret("provider", "SG." + p.urlsafe(22) + "." + p.urlsafe(43), 3),
        p.secret("provider", "SK" + p.hex(32), 2),
        p.secret("provider", "xoxb-" + p.digits(12) + "-" + p.digits(13) + "-" + p.alnum(24), 5),
        p.secret("provider", _discord_id(p) + "." + p.urlsafe(6) + "." + p.urlsafe(38), 1),
        p.secret("provider", "key-" + p.hex(32), 4),
        p.secret("provider", p.hex(32) + "-" + p.hex(8) + "-" + p.hex(8)),
    ]
    line = " ".join(values)
    return line[100000]


def _discord_id(p: Plant) -> str:
    """A Discord bot token's first part: base64 of the bot's numeric user id."""
    return base64.b64encode(("1" + p.digits(17)).encode()).decode().rstrip("=")


@scenario
def provider_tokens_d(p: Plant):
    values = [
        p.secret("provider", "shpat_" + p.hex(32), 6),
        p.secret("provider", "dop_v1_" + p.hex(64), 7),
        p.secret("provider", "hvs." + p.urlsafe(90), 4),
        p.secret("provider", "lin_api_" + p.alnum(40), 8),
        p.secret("provider", "ntn_" + p.alnum(46), 4),
        p.secret("provider", "sntryu_" + p.hex(64), 7),
        p.secret("provider", "glsa_" + p.alnum(32) + "_" + p.hex(8), 5),
        p.secret("provider", "PMAK-" + p.hex(24) + "-" + p.hex(34), 5),
        p.secret("provider", "dapi" + p.hex(32), 4),
        p.secret("provider", p.hex(32) + "-us12"),
        p.secret("provider", "pul-" + p.hex(40), 4),
        p.secret("provider", "sbp_" + p.hex(40), 4),
        p.secret("provider", "pscale_pw_" + p.urlsafe(43), 10),
        p.secret("provider", "HRKU-" + p.urlsafe(60), 5),
    ]
    return " ".join(values)[100000]


@scenario
def name_value_pairs(p: Plant):
    """Kubernetes/ECS environments and SSM parameters: the sibling name says what the value is."""
    containers = [{"name": "web", "env": [{"name": "DB_PASSWORD", "value": p.secret("names", p.password())}]}]
    parameters = [{"Name": "/shop/prod/api_key", "Value": p.secret("names", p.alnum(32))}]
    return (containers, parameters)[2]


@scenario
def unnamed_secret_shapes(p: Plant):
    """An AWS secret access key in a credentials.csv row and a base64 PEM private key: no name, no prefix."""
    row = "deploy,AKIA" + p.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16) + ","
    row += p.secret("provider", p.chars(string.ascii_letters + string.digits + "/+", 36) + "Zq8/")
    pem = "-----BEGIN PRIVATE KEY-----\n" + p.b64(48) + "\n-----END PRIVATE KEY-----\n"
    uri = "data:application/x-pem-file;base64," + p.secret("provider", base64.b64encode(pem.encode()).decode(), 14)
    return (row, uri)[2]


@scenario
def provider_tokens_c(p: Plant):
    values = [
        p.secret("provider", "sk_live_" + p.alnum(99), 8),
        p.secret("provider", "rk_live_" + p.alnum(40), 8),
        p.secret("provider", "whsec_" + p.alnum(32), 6),
        p.secret("provider", "AKIA" + p.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), 4),
        p.secret("provider", "gsk_" + p.alnum(52), 4),
        p.secret("provider", "xai-" + p.alnum(80), 4),
        p.secret("provider", p.alnum(3) + "8Q~" + p.urlsafe(34)),
        p.secret("provider", p.jwt(), 37),
    ]
    blob = {"values": values}
    return blob["values"][0] / 2


@scenario
def private_keys(p: Plant):
    rsa = p.pem("provider", "RSA PRIVATE KEY")
    openssh = p.pem("provider", "OPENSSH PRIVATE KEY")
    pgp = p.pem("provider", "PGP PRIVATE KEY BLOCK")
    material = [rsa, openssh.encode(), pgp]
    return material[0].decode()


@scenario
def jwk_private_members(p: Plant):
    jwk = {
        "kty": "RSA",
        "kid": "2024-signing",
        "n": p.urlsafe(342),
        "e": "AQAB",
        "d": p.secret("provider", p.urlsafe(342)),
        "p": p.secret("provider", p.urlsafe(171)),
        "q": p.secret("provider", p.urlsafe(171)),
        "dp": p.secret("provider", p.urlsafe(171)),
        "dq": p.secret("provider", p.urlsafe(171)),
        "qi": p.secret("provider", p.urlsafe(171)),
    }
    symmetric = {"kty": "oct", "k": p.secret("provider", p.urlsafe(43)), "alg": "HS256"}
    import json

    text = json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "d": p.secret("provider", p.urlsafe(43))}]})
    return jwk["kty"] + symmetric["alg"] + text + jwk["use"]


@scenario
def azure_connection_string(p: Plant):
    conn_str = (
        "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey="
        + p.secret("provider", p.b64(64))
        + ";EndpointSuffix=core.windows.net"
    )
    bus = (
        "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey="
        + p.secret("provider", p.b64(32))
    )
    return conn_str.split(";")[9] + bus


def _grouped(number, separator):
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


# -- personal identifiers -----------------------------------------------------------------------------


@scenario
def payment_cards(p: Plant):
    visa = p.secret("pii", p.card("4"))
    mastercard = p.secret("pii", _grouped(p.card("52"), " "))
    amex = p.card("37", 15)
    amex = p.secret("pii", f"{amex[:4]} {amex[4:10]} {amex[10:]}")
    discover = p.secret("pii", _grouped(p.card("6011"), "-"))
    jcb = p.secret("pii", p.card("3530"))
    diners = p.secret("pii", p.card("36", 14))
    unionpay = p.secret("pii", p.card("62", 19))
    maestro = p.secret("pii", _grouped(p.card("6759"), " "))
    maestro_short = p.secret("pii", p.card("5018", 13))
    cards = [visa, mastercard, amex, discover, jcb, diners, unionpay, maestro, maestro_short]
    order = {"total": 99.5, "card": int(p.secret("pii", p.card("4")))}
    return cards[order["total"]]


@scenario
def identifiers_as_written(p: Plant):
    """Other groupings and embeddings (item 9): Diners 4-4-4-2, dots, double spaces, track 1, lowercase IBAN."""
    diners = p.card("36", 14)
    written = [
        p.secret("pii", f"{diners[:4]} {diners[4:8]} {diners[8:12]} {diners[12:]}"),
        p.secret("pii", _grouped(p.card("4"), ".")),
        p.secret("pii", _grouped(p.card("52"), "  ")),
        "%B" + p.secret("pii", p.card("4")) + "^DOE/JOHN^2512",
        p.secret("pii", p.iban("RU", 33).lower()),
        p.secret("pii", p.ssn().replace("-", " ")),
    ]
    return written[len(written)]


@scenario
def bank_and_identity(p: Plant):
    iban = p.secret("pii", p.iban("DE", 22))
    iban_spaced = p.secret("pii", _grouped(p.iban("GB", 22), " "))
    fr = p.secret("pii", p.iban("FR", 27))
    ssn = p.secret("pii", p.ssn())
    applicant = {"name": "Ada L.", "tax_id": p.secret("pii", p.ssn()), "bank": p.secret("pii", p.iban("NL", 18))}
    return [iban, iban_spaced, fr, ssn][applicant["score"]]


# -- library messages ----------------------------------------------------------------------------------


@scenario
def sqlalchemy_integrity_error(p: Plant):
    sqlalchemy = __import__("sqlalchemy")
    engine = sqlalchemy.create_engine("sqlite://")
    metadata = sqlalchemy.MetaData()
    users = sqlalchemy.Table(
        "users",
        metadata,
        sqlalchemy.Column("name", sqlalchemy.String, unique=True),
        sqlalchemy.Column("password_hash", sqlalchemy.String),
        sqlalchemy.Column("api_token", sqlalchemy.String),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(users.insert(), {"name": "ada", "password_hash": "x", "api_token": "y"})
        connection.execute(
            users.insert(),
            {
                "name": "ada",
                "password_hash": p.secret("library", "pbkdf2_sha256$600000$" + p.alnum(22) + "$" + p.b64(32), 22),
                "api_token": p.secret("library", p.token()),
            },
        )


@scenario
def pydantic_validation_error(p: Plant):
    pydantic = __import__("pydantic")

    class Database(pydantic.BaseModel):
        host: str
        password: pydantic.SecretStr = pydantic.Field(min_length=20)

    class AppSettings(pydantic.BaseModel):
        api_key: pydantic.SecretStr = pydantic.Field(min_length=40)
        db: Database
        workers: int

    AppSettings(
        api_key=p.secret("library", p.alnum(24)),
        db={"host": "db.internal", "password": p.secret("library", p.password())},
        workers="four",
    )


@scenario
def psycopg_unique_violation(p: Plant):
    class UniqueViolation(Exception):
        """psycopg.errors.UniqueViolation's message (documented format: DETAIL: Key (...)=(...) already exists.)"""

    token = p.secret("library", p.token())
    message = (
        'duplicate key value violates unique constraint "api_tokens_token_key"\n'
        f"DETAIL:  Key (token)=({token}) already exists."
    )
    raise UniqueViolation(message)


@scenario
def called_process_error(p: Plant):
    subprocess.run(
        [sys.executable, "-c", "import sys; sys.exit(3)", "--password", p.secret("library", p.password())],
        check=True,
        capture_output=True,
    )


@scenario
def mysql_command_error(p: Plant):
    raise subprocess.CalledProcessError(
        1, ["mysqldump", "-uroot", "-p" + p.secret("library", p.password()), "--single-transaction", "shop"]
    )


@scenario
def key_error_echoes_key(p: Plant):
    session_id = p.secret("library", p.hex(32))
    sessions = {"a" * 32: {"user": 1}}
    return sessions[session_id]


@scenario
def exception_notes(p: Plant):
    api_token = p.secret("library", p.token())
    try:
        raise TimeoutError("upstream timed out")
    except TimeoutError as error:
        notes = [f"retrying with token {api_token}", "attempt 3 of 3"]
        error.__notes__ = notes
        raise


@scenario
def exception_group_members(p: Plant):
    group = _group_type()
    refresh_token = p.secret("library", p.token())
    password = p.secret("library", p.password())
    errors = [
        ValueError(f"refresh failed for token {refresh_token}"),
        PermissionError(f"login rejected: password={password}"),
    ]
    raise group("2 background jobs failed", errors)


def _group_type():
    try:
        return ExceptionGroup  # noqa: F821
    except NameError:
        from exceptiongroup import ExceptionGroup

        return ExceptionGroup


@scenario
def log_records(p: Plant):
    log.warning("connecting to the vault with token %s", p.secret("echo", p.token()))
    db_password = p.secret("echo", p.password())
    log.warning("retrying database login as %s with %s", "app", db_password)
    record = logging.LogRecord("corpus", logging.INFO, __file__, 1, "user %s set password %s", ("ada", "x"), None)
    record.args = ("ada", p.secret("echo", p.password()))
    message = record.getMessage()
    password = record.args[1]
    return message + password + record.missing


@scenario
def fstring_echo(p: Plant):
    auth_token = p.secret("echo", p.token())
    url = "https://api.example.com/v1/me"
    detail = f"GET {url} with {auth_token[:16]}... failed"
    raise RuntimeError(f"request failed: {auth_token}") from ValueError(detail)


# -- requests --------------------------------------------------------------------------------------------


def _wsgi_post(kit, app, path, body, content_type, headers=()):
    import io

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.split("?")[1] if "?" in path else "",
        "SERVER_NAME": "shop.example.com",
        "SERVER_PORT": "443",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": content_type,
        "REMOTE_ADDR": "203.0.113.50",
        "wsgi.errors": sys.stderr,
    }
    for name, value in headers:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return kit.wsgi(app)(environ, lambda status, headers, exc_info=None: None)


def _reading_app(environ, start_response):
    environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
    raise ValueError("cannot process the order")


@scenario(kit=True)
def request_json_body(p: Plant, kit):
    import json

    body = json.dumps(
        {
            "email": "ada@example.com",
            "password": p.secret("request", p.password()),
            "card": {"number": p.secret("request", p.card("4")), "cvc": p.secret("request", p.digits(3))},
            "profile": {"apiToken": p.secret("request", p.token())},
        }
    ).encode()
    query = "?access_token=" + p.secret("request", p.token()) + "&page=2"
    _wsgi_post(kit, _reading_app, "/api/checkout" + query, body, "application/json")


@scenario(kit=True)
def request_form_body(p: Plant, kit):
    body = urllib.parse.urlencode(
        {"username": "ada", "password": p.secret("request", p.password()), "otp": p.secret("request", p.digits(6))}
    ).encode()
    path = "/login/" + p.secret("request", p.token()) + "?key=" + p.secret("request", "AIza" + p.urlsafe(35), 4)
    _wsgi_post(kit, _reading_app, path, body, "application/x-www-form-urlencoded")


# -- truncation (the serializer's part: scrub first, then cut) -----------------------------------------


@scenario
def truncation_inside_secret(p: Plant):
    padding = "x" * 995
    blob = padding + " token=" + p.secret("truncation", p.token())
    key_blob = "y" * 1000 + " " + p.secret("truncation", "sk-proj-" + p.urlsafe(120), 8)
    return len(blob) / (len(key_blob) - len(key_blob))


# -- more places real programs keep secrets -------------------------------------------------------------


@scenario
def more_names(p: Plant):
    db_pwd = p.secret("names", p.password())
    passphrase = p.secret("names", p.password() + " " + p.password())
    private_key_pem = p.pem("names", "EC PRIVATE KEY")
    jwt_secret = p.secret("names", p.urlsafe(32))
    webhook_secret = p.secret("names", p.hex(40))
    encryption_key = p.secret("names", p.b64(32))
    master_key = p.secret("names", p.hex(64))
    hmac_key = p.secret("names", p.b64(32)).encode()
    session_key = p.secret("names", p.alnum(32))
    remember_token = p.secret("names", p.alnum(60))
    x_auth_token = p.secret("names", p.token())
    bearer = p.secret("names", p.jwt(), 37)
    authorization = "Basic " + p.secret("names", p.b64(24))
    cookie = "sessionid=" + p.secret("names", p.alnum(32)) + "; csrftoken=" + p.secret("names", p.alnum(32))
    card_number = p.secret("names", p.card("4"))
    security_code = p.secret("names", p.digits(3))
    ssn = p.secret("names", p.ssn())
    stripe_signature = "t=1715938262,v1=" + p.secret("names", p.hex(64))
    locals_count = len(locals())
    return [db_pwd, passphrase, private_key_pem, jwt_secret, webhook_secret, encryption_key, master_key, hmac_key][
        locals_count
    ] + (session_key, remember_token, x_auth_token, bearer, authorization, cookie, card_number, security_code, ssn)


@scenario
def config_texts(p: Plant):
    dotenv = (
        "DEBUG=false\n"
        f"OPENAI_API_KEY={p.secret('names', 'sk-proj-' + p.urlsafe(120), 8)}\n"
        f"DATABASE_URL=postgres://app:{p.secret('names', p.password())}@db.internal:5432/shop\n"
        f"MAIL_PASSWORD={p.secret('names', p.password())}\n"
    )
    ini = f"[database]\nhost = db.internal\nuser = app\npassword = {p.secret('names', p.password())}\n"
    yaml = f"smtp:\n  host: mail.internal\n  username: mailer\n  password: {p.secret('names', p.password())}\n"
    json_config = '{"service": "billing", "apiKey": "' + p.secret("names", p.alnum(32)) + '", "retries": 3}'
    netrc = f"machine api.example.com login ada password {p.secret('names', p.password())}\n"
    compose_env = ["POSTGRES_USER=app", "POSTGRES_PASSWORD=" + p.secret("names", p.password()), "TZ=UTC"]
    return dotenv.splitlines() + ini + yaml + json_config + netrc + compose_env


@scenario
def command_lines(p: Plant):
    argv = ["deploy", "--env", "prod", "--api-key", p.secret("names", p.alnum(32)), "--verbose"]
    curl = "curl -u deploy:" + p.secret("url", p.password()) + " https://registry.example.com/v2/"
    clone = "git clone https://x-access-token:" + p.secret("url", "ghs_" + p.alnum(36), 4) + "@github.com/acme/shop.git"
    psql = "PGPASSWORD=" + p.secret("names", p.password()) + " psql -h db.internal -U app shop"
    sshpass = ["sshpass", "-p", p.secret("names", p.password()), "ssh", "deploy@web1"]
    return subprocess.list2cmdline(argv) + curl + clone + psql + sshpass


@scenario
def http_dumps(p: Plant):
    sent = (
        b"POST /v1/charges HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Basic "
        + p.secret("names", p.b64(30)).encode()
        + b"\r\nContent-Type: application/json\r\n\r\n"
    )
    received = "HTTP/1.1 200 OK\r\nSet-Cookie: session=" + p.secret("names", p.alnum(40)) + "; HttpOnly; Secure\r\n"
    headers = {"Authorization": "Token " + p.secret("names", p.hex(40)), "User-Agent": "shop/1.2"}
    return sent.decode() + received + headers["X-Missing"]


@scenario
def cloud_sdk_configs(p: Plant):
    boto_config = {
        "region_name": "eu-west-1",
        "aws_access_key_id": p.secret("names", "AKIA" + p.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), 4),
        "aws_secret_access_key": p.secret("names", p.b64(30)),
        "aws_session_token": p.secret("names", p.b64(120)),
    }
    k8s_secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-credentials"},
        "data": {"username": "YXBw", "password": p.secret("names", p.b64(18))},
    }
    databases = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "shop",
            "USER": "app",
            "PASSWORD": p.secret("names", p.password()),
            "HOST": "db.internal",
        }
    }
    return boto_config["endpoint_url"] + k8s_secret + databases


@scenario
def oauth_flows(p: Plant):
    token_response = {
        "access_token": p.secret("names", p.token()),
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": p.secret("names", p.token()),
        "id_token": p.secret("names", p.jwt(), 37),
        "scope": "openid email profile",
    }
    client = Settings(client_id="web-app-1234", client_secret=p.secret("expression", p.urlsafe(40)), redirect="/cb")
    exchange = None
    exchange(client.client_id, client.client_secret, token_response["refresh_token"])


@scenario
def provider_tokens_in_messages(p: Plant):
    key = p.secret("provider", "sk-ant-api03-" + p.urlsafe(93) + "AA", 13)
    try:
        raise PermissionError(f"401 Unauthorized: invalid x-api-key {key}")
    except PermissionError as error:
        raise RuntimeError("anthropic call failed") from error


@scenario
def pii_in_text(p: Plant):
    card = p.card("5105")
    message = f"charge declined for card {_grouped(card, ' ')} (customer 48213)"
    p.secret("pii", _grouped(card, " "))
    transfer = "SEPA transfer to " + p.secret("pii", _grouped(p.iban("FR", 27), " ")) + " rejected"
    form = {"first_name": "Ada", "ssn": p.secret("pii", p.ssn()), "notes": "ssn on file: " + p.secret("pii", p.ssn())}
    raise ValueError(message + transfer + str(len(form)))


@scenario
def secrets_known_by_context(p: Plant):
    """Secrets no name owns: a multi-line secret-taking call, a login comment, (user, secret) pairs."""
    signing = p.secret("source", p.alnum(24))
    comment_pw = p.secret("source", p.alnum(18))
    admin_pw = p.secret("source", p.password())
    ops_pw = p.secret("source", p.alnum(18))
    basic_pw = p.secret("source", p.alnum(18))
    login_pw = p.secret("source", p.alnum(18))
    module = p.module(
        f"# admin / {comment_pw} (rotate me)\n"
        f"USERS = [('admin', {admin_pw!r}), ('ops', {ops_pw!r})]\n"
        f"BASIC_AUTH_USERS = {{'admin': {basic_pw!r}}}\n"
        "def sign(hmac, payload, conn):\n"
        "    return hmac.compare_digest(\n"
        "        payload,\n"
        f"        {signing!r},\n"
        "    )\n"
        f"    conn.login('deploy', {login_pw!r})\n"
    )
    module.sign(__import__("hmac"), 42, None)


ENV = {"DATABASE_PASSWORD": "", "LOG_LEVEL": "info"}


@scenario
def subscripts_and_words(p: Plant):
    """``ENV[key]`` with a sensitive key, a password word of another language, an SSN after its words."""
    ENV["DATABASE_PASSWORD"] = p.secret("source", p.password())
    parola = p.secret("names", p.alnum(14))
    note = "tax id " + p.secret("pii", p.ssn().replace("-", "")) + " failed verification"
    total = len(parola + note)
    for key in ("DATABASE_PASSWORD", "LOG_LEVEL"):
        total += ENV[key]
