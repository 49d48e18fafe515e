"""More provider credentials with a documented prefix (the rest of :data:`framecap.secrets.TOKEN_RULES`).

Each rule names where its format is documented (the provider, or gitleaks' ``config/gitleaks.toml`` /
trufflehog's ``pkg/detectors``); the regular expressions are ours. Also two shapes without a prefix that
are secrets by themselves: an AWS secret access key (40 base64 characters, random) and a base64-encoded
PEM private key (``LS0tLS1CRUdJTi...`` that decodes to ``-----BEGIN ... PRIVATE KEY-----``).
"""

from __future__ import annotations

import base64
import binascii
import re

from .secrets import Rule
from .shapes import random_length

__all__ = ["PROVIDER_RULES"]

_B = r"(?<![A-Za-z0-9_-])"  # not inside a longer run
_E = r"(?![A-Za-z0-9_-])"
_PATH_WORD = re.compile(r"[a-z]{3,12}|v\d{1,2}")
_WORD_SEGMENT = re.compile(r"/[a-z]+(?:[A-Z][a-z]+)*\Z")


def _aws_secret(text: str) -> bool:
    """40 base64 characters mixing upper, lower and digits, nearly all of them random, not ending in a path
    segment that is a word (``.../getMe``)."""
    has = (any(c.isupper() for c in text), any(c.islower() for c in text), any(c.isdigit() for c in text))
    if "/" in text and (text[0] == "/" or any(_PATH_WORD.fullmatch(part) for part in text.split("/"))):
        return False  # a URL path (``/api/v1/download/<token>``): its token is the path rules' to judge
    return all(has) and random_length(text) >= 30 and _WORD_SEGMENT.search(text) is None


def _base64_pem(text: str) -> bool:
    head = text[:120]
    try:
        decoded = base64.b64decode(head[: len(head) // 4 * 4])
    except (binascii.Error, ValueError):
        return False
    return b"PRIVATE KEY" in decoded


def _mixed_random(text: str) -> bool:
    """Upper- and lower-case letters and digits, mostly random (an Okta token's 40 characters after ``00``)."""
    body = text[2:]
    has = (any(c.isupper() for c in body), any(c.islower() for c in body), any(c.isdigit() for c in body))
    return all(has) and random_length(body) >= 24


def _base32_random(text: str) -> bool:
    return sum(c.isdigit() for c in text) >= 3 and random_length(text) >= 40


def _rule(rule_id: str, pattern: str, source: str, *hints: str) -> Rule:
    return Rule(rule_id, pattern, source, hints)


PROVIDER_RULES: tuple[Rule, ...] = (
    _rule("shopify-token", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", "Shopify access tokens (gitleaks shopify-*)", "shp"),
    _rule("digitalocean-token", r"do[opr]_v1_[a-f0-9]{64}", "DigitalOcean tokens (gitleaks digitalocean-*)", "_v1_"),
    _rule(
        "vault-token", r"hv[sbr]\.[A-Za-z0-9_-]{24,}", "HashiCorp Vault tokens (Vault docs, 'Tokens')", "hvs.", "hvb."
    ),
    _rule(
        "doppler-token",
        r"dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9._-]{40,}",
        "Doppler tokens (Doppler docs, 'Token formats')",
        "dp.",
    ),
    _rule("linear-key", r"lin_(?:api|oauth)_[A-Za-z0-9]{40}", "Linear API keys (gitleaks linear-api-key)", "lin_"),
    _rule(
        "notion-token",
        _B + r"(?:ntn_[A-Za-z0-9]{40,50}|secret_[A-Za-z0-9]{43})" + _E,
        "Notion integration tokens (Notion docs, 'Authorization')",
        "ntn_",
        "secret_",
    ),
    _rule("atlassian-token", r"ATATT3[A-Za-z0-9_=-]{60,}", "Atlassian API tokens (gitleaks atlassian)", "ATATT3"),
    _rule(
        "sentry-token", r"sntry[su]_[A-Za-z0-9+/=_-]{40,}", "Sentry auth tokens (Sentry docs, 'Auth tokens')", "sntr"
    ),
    _rule(
        "grafana-token",
        r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2}",
        "Grafana service-account and cloud tokens (gitleaks grafana-*)",
        "glsa_",
        "glc_",
    ),
    _rule("postman-key", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", "Postman API keys (gitleaks postman-api-token)", "PMAK-"),
    _rule(
        "newrelic-key", r"NR(?:AK|JS|II)-[A-Za-z0-9]{19,32}", "New Relic keys (gitleaks new-relic-*)", "NRAK-", "NRJS-"
    ),
    _rule("databricks-token", _B + r"dapi[a-f0-9]{32}(?:-\d)?" + _E, "Databricks tokens (gitleaks)", "dapi"),
    _rule(
        "meta-square-token",
        _B + r"EAA[A-Za-z0-9]{60,250}" + _E + r"|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43}",
        "Facebook/Meta (EAAB, EAAG...) and Square (EAAA, sq0atp-, sq0csp-) access tokens (gitleaks)",
        "EAA",
        "sq0",
    ),
    _rule("mailchimp-key", _B + r"[0-9a-f]{32}-us\d{1,2}" + _E, "Mailchimp API keys (gitleaks mailchimp)", "-us"),
    _rule("brevo-key", r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}", "Brevo (Sendinblue) API keys (gitleaks)", "xkeysib-"),
    _rule("pulumi-token", _B + r"pul-[a-f0-9]{40}" + _E, "Pulumi access tokens (gitleaks pulumi-api-token)", "pul-"),
    _rule(
        "terraform-token",
        r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,100}",
        "Terraform Cloud API tokens (gitleaks hashicorp-tf-api-token)",
        ".atlasv1.",
    ),
    _rule(
        "flyio-token",
        r"fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/=_-]{100,}",
        "Fly.io tokens (gitleaks)",
        "fo1_",
        "fm",
    ),
    _rule("supabase-token", r"sbp_[a-f0-9]{40}", "Supabase access tokens (gitleaks supabase)", "sbp_"),
    _rule("dropbox-token", _B + r"sl\.[A-Za-z0-9_.-]{60,}" + _E, "Dropbox short-lived tokens (gitleaks)", "sl."),
    _rule(
        "planetscale-token",
        r"pscale_(?:pw|tkn|oauth)_[A-Za-z0-9_.=-]{32,64}",
        "PlanetScale passwords and tokens (gitleaks planetscale-*)",
        "pscale_",
    ),
    _rule("replicate-token", _B + r"r8_[A-Za-z0-9]{37}" + _E, "Replicate API tokens (trufflehog replicate)", "r8_"),
    _rule("resend-key", _B + r"re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}" + _E, "Resend API keys (Resend docs)", "re_"),
    _rule("pinecone-key", r"pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80}", "Pinecone API keys (Pinecone docs)", "pcsk_"),
    _rule("alibaba-key", _B + r"LTAI[A-Za-z0-9]{12,20}" + _E, "Alibaba Cloud AccessKey ids (gitleaks)", "LTAI"),
    _rule("heroku-key", r"HRKU-[A-Za-z0-9_-]{30,}", "Heroku API keys, HRKU- (Heroku docs, 'Authentication')", "HRKU-"),
    _rule(
        "cloudflare-origin-ca",
        r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
        "Cloudflare Origin CA keys (gitleaks cloudflare-origin-ca-key)",
        "v1.0-",
    ),
    _rule(
        "firebase-fcm-key",
        r"AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{100,}",
        "Firebase Cloud Messaging server keys (gitleaks gcp-fcm)",
        ":APA91b",
    ),
    Rule(
        "twitter-bearer",
        r"A{20,22}[A-Za-z0-9%]{30,}",
        "Twitter/X app bearer tokens, AAAA...%3D... (gitleaks twitter-bearer-token)",
        ("AAAAAAAAAAAAAAAAAAAA",),
        token=False,
    ),
    Rule(
        "webhook-url",
        r"(?:maker\.ifttt\.com/trigger/[^/\s]+/(?:json/)?with/key/|hooks\.zapier\.com/hooks/catch/\d+/)"
        r"(?P<secret>[A-Za-z0-9_-]{6,})",
        "IFTTT Maker and Zapier catch-hook URLs (IFTTT and Zapier docs)",
        ("ifttt.com/", "hooks.zapier.com/"),
        token=False,
    ),
    Rule(
        "base64-private-key",
        r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{40,}",
        "base64 of a PEM private key (kubeconfig client-key-data, JSON fields)",
        ("LS0tLS1CRUdJTi",),
        check=_base64_pem,
    ),
    Rule(
        "okta-token",
        _B + r"00[A-Za-z0-9_-]{40}" + _E,
        "Okta API tokens, 00 + 40 characters, sent as SSWS <token> (Okta docs, 'Create an API token'; "
        "gitleaks okta-access-token)",
        ("00",),
        check=_mixed_random,
    ),
    Rule(
        "azure-devops-pat",
        r"(?<![A-Za-z0-9])(?:[a-z2-7]{52}|[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4})(?![A-Za-z0-9])",
        "Azure DevOps personal access tokens: 52 base32 characters, or 84 with AZDO at 76 (Microsoft Learn, "
        "'Use personal access tokens'; trufflehog azuredevopspersonalaccesstoken)",
        check=lambda token: "AZDO" in token or _base32_random(token),
        min_length=52,
    ),
    Rule(
        "aws-secret-access-key",
        r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])",
        "AWS secret access keys, 40 random base64 characters (AWS IAM docs; gitleaks aws-secret-access-key)",
        check=_aws_secret,
        min_length=40,
    ),
)
