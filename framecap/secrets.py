"""Value rules: secrets and personal identifiers recognised by their own shape, whatever name holds them.

One data table (:data:`TOKEN_RULES`), each rule naming where its format is documented: the provider's
own documentation, or the published rule set of a well-known scanner (gitleaks, ``config/gitleaks.toml``;
betterleaks, ``cmd/generate/config/rules``; trufflehog, ``pkg/detectors``). The regular expressions are
ours. Add your own with ``framecap.init(secret_rules=[...])``: a regular expression (its group named
``secret``, if any, is what gets replaced; else the whole match), or a :class:`Rule`::

    framecap.init(secret_rules=[Rule("acme-key", r"acme_[0-9a-f]{32}", "ACME API docs", hints=("acme_",))])

A rule runs only on text containing one of its ``hints`` (plain substrings, case-sensitive), which
keeps the scan cheap; a rule without hints runs on every string long enough to hold a secret.
``token=True`` rules match inside one run of token characters (``[A-Za-z0-9_+/=.:~-]``) and are tried
only on such runs of 16 or more characters; the others run on the whole text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Callable

from .pii import card_valid, iban_valid, luhn_valid
from .shapes import Literals, random_length

__all__ = ["PII_RULES", "TOKEN_RULES", "Rule", "RuleSet", "card_valid", "compile_rules", "iban_valid", "luhn_valid"]


@dataclass(frozen=True)
class Rule:
    """A secret's shape: ``pattern`` (group ``secret`` is replaced, else the whole match), documented at ``source``."""

    id: str
    pattern: str
    source: str
    hints: tuple[str, ...] = ()
    token: bool = True
    check: Callable[[str], bool] | None = None
    flags: int = 0
    min_length: int = 0  # a rule without hints runs only on runs (texts) at least this long


_PLACEHOLDER = re.compile(r"(?i)(?:<[^<>]*>|\*+|x{3,}|none|null|nil|redacted|\[filtered\]|\{\w*\}|\$\{?\w+\}?)\Z")


def _base64_digits(text: str) -> bool:
    """Whether ``text`` is base64 of a decimal number (a Discord token's first part: the user id)."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_").isdigit()
    except (binascii.Error, ValueError):
        return False


def _discord_token(token: str) -> bool:
    """The first part is base64 of the bot's user id; or, failing that, all three parts are random (a dotted
    name such as ``Module.method.SomeLongerAttributeName`` is not)."""
    first, _, last = token.split(".")
    if _base64_digits(first):
        return True
    return random_length(first) >= 16 and random_length(last) >= 12


#: Provider credentials with a documented shape. Order matters only for overlapping matches (first wins).
TOKEN_RULES: tuple[Rule, ...] = (
    Rule(
        "anthropic-key",
        r"sk-ant-(?:api|admin|oat|ort)\d\d-[A-Za-z0-9_-]{80,120}",
        "Anthropic API keys, sk-ant-api03-... (gitleaks anthropic-api-key / anthropic-admin-api-key)",
        ("sk-ant-",),
    ),
    Rule(
        "openai-key",
        r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,200}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
        "OpenAI API keys: project, service-account, admin and legacy keys (gitleaks openai-api-key)",
        ("sk-",),
    ),
    Rule(
        "sk-key",
        r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9]{32,100}(?![A-Za-z0-9_-])",
        "sk- secret keys of OpenAI-compatible APIs (DeepSeek, Moonshot, ...) (trufflehog deepseek detector)",
        ("sk-",),
    ),
    Rule(
        "groq-key",
        r"gsk_[A-Za-z0-9]{48,56}",
        "Groq API keys, gsk_ + 52 characters (betterleaks groq-api-key)",
        ("gsk_",),
    ),
    Rule("xai-key", r"xai-[A-Za-z0-9_-]{70,120}", "xAI (Grok) API keys (betterleaks xai-api-key)", ("xai-",)),
    Rule("perplexity-key", r"pplx-[A-Za-z0-9]{40,60}", "Perplexity API keys (gitleaks perplexity-api-key)", ("pplx-",)),
    Rule(
        "google-api-key",
        r"AIza[A-Za-z0-9_-]{35}",
        "Google API keys (Google Cloud docs, 'API keys'; gitleaks gcp-api-key)",
        ("AIza",),
    ),
    Rule(
        "google-oauth",
        r"GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[A-Za-z0-9_-]{30,}|1//0[A-Za-z0-9_-]{40,}",
        "Google OAuth client secrets, access and refresh tokens (Google Identity docs; trufflehog gcp detectors)",
        ("GOCSPX-", "ya29.", "1//0"),
    ),
    Rule(
        "github-token",
        r"gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255}",
        "GitHub tokens: ghp_/gho_/ghu_/ghs_/ghr_ and fine-grained github_pat_ (GitHub docs, 'About authentication')",
        ("gh", "github_pat_"),
    ),
    Rule(
        "gitlab-token",
        r"gl(?:pat|dt|rt|ptt|ft|imt|agent|oas|soat|cbt|ffct|wt)-[A-Za-z0-9_.-]{20,300}",
        "GitLab tokens, glpat-/gldt-/glrt-/... (GitLab docs, 'Token prefixes')",
        ("gl",),
    ),
    Rule("npm-token", r"npm_[A-Za-z0-9]{36}", "npm access tokens (npm docs; gitleaks npm-access-token)", ("npm_",)),
    Rule(
        "pypi-token",
        r"pypi-AgE[A-Za-z0-9_-]{50,1000}",
        "PyPI API tokens, macaroons starting pypi-AgEIcHlwaS5vcmc (PyPI docs; gitleaks pypi-upload-token)",
        ("pypi-AgE",),
    ),
    Rule(
        "huggingface-token",
        r"(?:hf_|api_org_)[A-Za-z0-9]{30,40}",
        "Hugging Face user and organisation tokens (gitleaks huggingface-access-token)",
        ("hf_", "api_org_"),
    ),
    Rule(
        "sendgrid-key",
        r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,50}",
        "SendGrid API keys, SG.<id>.<secret> (SendGrid docs, 'API Keys'; gitleaks sendgrid-api-token)",
        ("SG.",),
    ),
    Rule(
        "twilio-key",
        r"(?<![A-Za-z0-9])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])",
        "Twilio API key SIDs (Twilio docs; gitleaks twilio-api-key)",
        ("SK",),
    ),
    Rule(
        "slack-token",
        r"xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250}",
        "Slack tokens xoxb-/xoxp-/xoxa-/xoxe-/xapp- (Slack docs, 'Token types'; gitleaks slack-* rules)",
        ("xox", "xapp-"),
    ),
    Rule(
        "discord-bot-token",
        r"(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])",
        "Discord bot tokens, base64(user id).timestamp.hmac (trufflehog discordbottoken detector)",
        check=_discord_token,  # a dotted name is no token
        min_length=59,
    ),
    Rule(
        "mailgun-key",
        r"(?<![A-Za-z0-9])(?:key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![A-Za-z0-9])",
        "Mailgun private API keys key-... and <32 hex>-<8>-<8> (gitleaks mailgun-private-api-token/signing-key)",
        min_length=36,
    ),
    Rule(
        "stripe-key",
        r"(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,250}|whsec_[A-Za-z0-9]{24,64}",
        "Stripe secret, restricted and webhook-signing keys (Stripe docs, 'API keys'; gitleaks stripe-access-token)",
        ("k_live_", "k_test_", "k_prod_", "whsec_"),
    ),
    Rule(
        "aws-access-key-id",
        r"(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])",
        "AWS access key ids (AWS IAM docs, 'Understanding unique ID prefixes'; gitleaks aws-access-token)",
        ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
    ),
    Rule(
        "azure-ad-client-secret",
        r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        "Microsoft Entra (Azure AD) client secrets, xxx8Q~... (betterleaks azure-ad-client-secret)",
        ("Q~",),
    ),
    Rule(
        "age-secret-key",
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        "age secret keys (age spec; gitleaks age-secret-key)",
        ("AGE-SECRET-KEY-",),
    ),
    Rule(
        "telegram-bot-token",
        r"(?<![0-9])[0-9]{6,12}:A[A-Za-z0-9_-]{32,36}(?![A-Za-z0-9_-])",
        "Telegram bot tokens, <bot id>:AA... (Telegram Bot API docs; gitleaks telegram-bot-api-token)",
        (":A",),
    ),
    Rule(
        "jwt",
        r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        "JSON Web Tokens, base64url('{\"...') header (RFC 7519; gitleaks jwt)",
        ("eyJ",),
    ),
    Rule(
        "private-key",
        # the body: base64 lines (and RFC 1421 headers), as far as they go when the END line is missing
        r"-----BEGIN[A-Z0-9 _-]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        r"(?P<secret>(?:(?!-----END)(?:[A-Za-z0-9+/=\s:,.\-]|\\\\?[nrt]))+)",  # (``\n``: in a repr, ``\\n``)
        "PEM, OpenSSH and PGP private keys (RFC 7468; RFC 4880 armor; gitleaks private-key)",
        ("PRIVATE KEY",),
        token=False,
        check=lambda body: re.search(r"[A-Za-z0-9+/]{24}", body) is not None,  # not a message naming the format
        flags=re.DOTALL,
    ),
    Rule(
        "putty-private-key",
        r"Private-Lines: \d+(?P<secret>.*?)(?=Private-MAC|\Z)",
        "PuTTY private key files (PuTTY docs, appendix C)",
        ("Private-Lines:",),
        token=False,
        flags=re.DOTALL,
    ),
    Rule(
        "azure-connection-string",
        r"(?i:AccountKey|SharedAccessKey|SharedAccessSignature|Secret)=(?P<secret>[^;'\"\s]+)",
        "Azure Storage / Service Bus / App Configuration connection strings (Microsoft docs; betterleaks azure-*)",
        ("AccountKey=", "SharedAccessKey=", "SharedAccessSignature=", "Secret=", "accountkey=", "ACCOUNTKEY="),
        token=False,
        check=lambda value: _PLACEHOLDER.match(value) is None,
    ),
    Rule(
        "slack-webhook",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9+/_-]{20,120})",
        "Slack incoming-webhook URLs (Slack docs; gitleaks slack-webhook-url)",
        ("hooks.slack.com/",),
        token=False,
    ),
    Rule(
        "discord-webhook",
        r"discord(?:app)?\.com/api/webhooks/[0-9]{5,25}/(?P<secret>[A-Za-z0-9_-]{20,100})",
        "Discord webhook URLs (Discord developer docs, 'Webhook resource')",
        ("discord",),
        token=False,
    ),
    Rule(
        "telegram-bot-url",
        r"/bot(?P<secret>[0-9]{6,12}:[A-Za-z0-9_-]{20,60})",
        "Telegram Bot API URLs, https://api.telegram.org/bot<token>/ (Telegram Bot API docs)",
        ("/bot",),
        token=False,
    ),
)

#: Personal identifiers Sentry's server filters too: cards, IBANs, US social security numbers.
PII_RULES: tuple[Rule, ...] = (
    Rule(
        "card",
        # grouped (single or double spaces, dashes, dots; a last group of 1 to 6 digits: Diners 4-4-4-2,
        # Maestro 4-4-4-1), or one run, also inside a word (``PAN4539...``, ``order_4539..._retry``, track 1
        # ``%B4111...^``) but never inside hex (a hash)
        r"(?P<secret>(?<![\w.+])\d{4}(?P<sep> {1,2}|[.-]|)\d{4,6}(?:(?P=sep)\d{1,6}){1,3}(?![\w.])"
        r"|(?:(?<![0-9A-Fa-f.+])|(?<=%B))\d{12,19}(?![0-9A-Fa-f]))",
        "payment card numbers, ISO/IEC 7812 (issuer prefix and Luhn check digit; Sentry/Relay @creditcard)",
        check=card_valid,
        token=False,
    ),
    Rule(
        "iban",
        # upper or lower case throughout (a word after the number is not part of it)
        r"(?<![A-Za-z0-9])(?P<secret>[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?(?![A-Za-z0-9])"
        r"|[a-z]{2}[0-9]{2}(?:[ -]?[a-z0-9]{4}){2,7}(?:[ -]?[a-z0-9]{1,4})?(?![A-Za-z0-9]))",
        "International Bank Account Numbers, ISO 13616 (mod-97 check; Sentry/Relay @iban)",
        check=iban_valid,
        token=False,
    ),
    Rule(
        "us-ssn",
        # grouped; or nine digits in a row right after the words that say what they are (``tax id 219099999``)
        r"(?P<ctx>(?i:\b(?:ssn|social[ _-]?security(?:[ _-]?(?:number|num|no|nr))?|tax(?:payer)?[ _-]?id"
        r"(?:[ _-]?(?:number|num|no))?)\b)[\s:=#'\"]{1,4})?"
        r"(?<!\d)(?<!\d[.-])(?P<secret>(?!000|666|9\d\d)\d{3}"
        r"(?:(?P<sep>[-. ])(?!00)\d{2}(?P=sep)|(?(ctx)(?!00)\d{2}|(?!)))(?!0000)\d{4})(?!\d|[.-]\d)",
        "US social security numbers, AAA-GG-SSSS with the SSA's never-issued ranges excluded (Sentry/Relay @usssn); "
        "nine digits in a row only after 'SSN', 'social security number' or 'tax id'",
        token=False,
    ),
    Rule(
        "card",
        # an ISO 8583 LLVAR field: the PAN right after its two-digit length (``DE002=164539...|``)
        r"(?<![0-9A-Fa-f.+])(?:"
        + "|".join(f"{n}(?=\\d{{{n}}}(?![0-9A-Fa-f]))" for n in range(12, 20))
        + r")(?P<secret>\d{12,19})",
        "payment card numbers in ISO 8583 LLVAR fields (ISO 8583-1, field 2: n..19 LLVAR)",
        check=card_valid,
        token=False,
    ),
)


class Compiled:
    """A rule ready to run: its regex, hints and check."""

    __slots__ = ("id", "regex", "hints", "token", "check", "min_length")

    def __init__(self, rule: Rule) -> None:
        self.id = rule.id
        self.regex = re.compile(rule.pattern, rule.flags)
        self.hints = rule.hints
        self.token = rule.token
        self.check = rule.check
        self.min_length = rule.min_length

    def spans(self, text: str, offset: int = 0) -> list[tuple[int, int, str]]:
        found = []
        group = "secret" if "secret" in self.regex.groupindex else 0
        for match in self.regex.finditer(text):
            start, end = match.span(group)
            if end <= start or (self.check is not None and not self.check(match.group(group))):
                continue
            found.append((start + offset, end + offset, self.id))
        return found


def compile_rules(extra: Iterable[Any] = ()) -> tuple[list[Compiled], list[Compiled], list[Compiled]]:
    """``(token rules, whole-text rules, the user's rules)``: the table, and ``extra`` (Rules or regular
    expressions), which always run on the whole text."""
    rules: list[Rule] = []
    for index, item in enumerate(extra):
        if isinstance(item, Rule):
            rules.append(item)
        elif isinstance(item, str):
            rules.append(Rule(f"custom-{index}", item, "secret_rules option", token=False))
        elif isinstance(item, re.Pattern):
            rules.append(Rule(f"custom-{index}", item.pattern, "secret_rules option", token=False, flags=item.flags))
        else:
            raise TypeError(f"a secret rule must be a framecap.secrets.Rule or a regular expression, not {item!r}")
    from .providers import PROVIDER_RULES  # (it imports Rule from here)

    table = [Compiled(rule) for rule in (*TOKEN_RULES, *PROVIDER_RULES)]
    return [c for c in table if c.token], [c for c in table if not c.token], [Compiled(rule) for rule in rules]


class RuleSet:
    """Rules indexed by their hints: one regex search finds which rules a text needs.

    ``least_distinct``: a long text (from :attr:`Literals.MIN_LENGTH` characters) made of fewer distinct
    characters skips the rules without hints (random tokens: a padded field or a repeated byte holds
    none, and each such rule would otherwise try every position of it)."""

    def __init__(self, rules: Sequence[Compiled], least_distinct: int = 0) -> None:
        self.least_distinct = least_distinct
        self.by_hint: dict[str, list[Compiled]] = {}
        for rule in rules:
            for hint in rule.hints:
                self.by_hint.setdefault(hint, []).append(rule)
        hints = sorted(self.by_hint, key=len, reverse=True)
        self.hint = re.compile("|".join(re.escape(h) for h in hints)) if hints else None
        self.literals = Literals(hints)
        self.always = [r for r in rules if not r.hints]
        self.order = {id(rule): index for index, rule in enumerate(rules)}

    def spans(self, text: str, offset: int = 0) -> list[tuple[int, int, str]]:
        """Every rule's spans in ``text`` (offset by ``offset``), for the rules ``text`` can hold."""
        present = set(text) if len(text) >= Literals.MIN_LENGTH else None
        if not self.always or (present is not None and len(present) < self.least_distinct):
            rules = []
        else:
            rules = [r for r in self.always if len(text) >= r.min_length]
        if (
            self.hint is not None
            and (present is None or self.literals.may_occur_in(present))
            and self.hint.search(text) is not None
        ):
            for hint in set(self.hint.findall(text)):
                rules += self.by_hint[hint]
        if not rules:
            return []
        out: list[tuple[int, int, str]] = []
        seen: set[int] = set()
        for rule in sorted(rules, key=lambda r: self.order[id(r)]):
            if id(rule) not in seen:
                seen.add(id(rule))
                out += rule.spans(text, offset)
        return out
