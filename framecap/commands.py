"""Command lines (``subprocess`` errors, logged argv, a shell line in a message): the arguments that are
passwords by their flag.

- ``--name value`` / ``--name=value``, judged by the name's tier (``--password``, ``--api-key``);
- ``-Dsome.password=value`` (Java system properties), judged by the property's last name;
- tools whose short flag takes a password (each tool's manual): mysql/mariadb ``-pX``, ``sshpass -p``,
  ``curl -u user:pw``, ``docker login -p``, ``az login -p``, ``redis-cli -a``, ``sqlcmd -P``,
  ``ldapsearch``/``ldapmodify``/``ldapadd``/``ldapdelete`` ``-w``, ``keytool -storepass/-keypass/...``,
  ``openssl -passin/-passout pass:X``, ``smbclient -U user%pw``, ``htpasswd -b file user pw``.

An argv repr (``['docker', 'login', '-p', 'x']``) reads like the command line it is.
"""

from __future__ import annotations

import re
from typing import Callable

from .names import NONE, WEAK

__all__ = ["command_spans"]

Span = tuple[int, int, str]

_CLI = re.compile(
    r"(?<![\w\-])--(?P<key>[A-Za-z][\w\-]{1,40})(?:=|[ \t]+|['\"],[ \t]*[bu]?['\"])(?P<secret>[^\s'\"\-][^\s'\"]*)"
)
_MYSQL_P = re.compile(r"(?<=[\s'\"])-p(?P<secret>[^\s'\"]+)")
_SSHPASS = re.compile(r"sshpass['\"]?(?:,[ \t]*['\"]|[ \t]+)-p['\"]?(?:,[ \t]*['\"]|[ \t]+)?(?P<secret>[^\s'\",]+)")
_CURL_U = re.compile(r"(?:(?<=[\s'\"])-u|--user)['\"]?(?:,[ \t]*['\"]|[ \t=]+)[^\s'\":]+:(?P<secret>[^\s'\"@]+)")
_JAVA_D = re.compile(r"(?<![\w\-])-D(?P<key>[\w.\-]{1,80})=(?P<secret>[^\s'\",]+)")
_SEP = r"['\"]?(?:,[ \t]*[bu]?['\"]|[ \t]+)"  # between two arguments, in a command line or an argv repr
#: tool -> the flags whose next argument is a password
_TOOL_FLAGS: dict[str, tuple[str, ...]] = {
    "docker login": ("-p",),
    "podman login": ("-p",),
    "buildah login": ("-p",),
    "az login": ("-p",),
    "redis-cli": ("-a",),
    "sqlcmd": ("-P",),
    "bcp": ("-P",),
    "ldapsearch": ("-w",),
    "ldapmodify": ("-w",),
    "ldapadd": ("-w",),
    "ldapdelete": ("-w",),
    "keytool": ("-storepass", "-keypass", "-srcstorepass", "-deststorepass", "-srckeypass", "-destkeypass"),
    "jarsigner": ("-storepass", "-keypass"),
    "openssl": ("-passin", "-passout", "-pass", "-k"),
    "psexec": ("-p",),
    "winrm": ("-p",),
}
_TOOL = re.compile(
    r"(?<![\w\-])(?P<tool>" + "|".join(re.escape(t).replace(r"\ ", _SEP) for t in _TOOL_FLAGS) + r")(?![\w\-])"
)
_SPACE = re.compile(_SEP)
_SMB_U = re.compile(r"(?<![\w\-])-U" + _SEP + r"?[^\s'\"%]+%(?P<secret>[^\s'\",]+)")
_HTPASSWD_B = re.compile(
    r"htpasswd['\"]?"
    + _SEP
    + r"(?:-\w+"
    + _SEP
    + r")*?-\w*b\w*"
    + r"(?:"
    + _SEP
    + r"[^\s'\",]+){2}"
    + _SEP
    + r"(?P<secret>[^\s'\",]+)"
)


def command_spans(text: str, tier: Callable[[str], int], judged: Callable[[int, str], bool]) -> list[Span]:
    """Password arguments in ``text`` (``judged(tier, value)`` decides for named flags)."""
    found: list[Span] = []
    if "--" in text:
        for match in _CLI.finditer(text):
            level = tier(match.group("key"))
            if judged(level, match.group("secret")):
                rule = "command-line~" if level == WEAK else "command-line"  # ~: weak evidence (framecap.echo)
                found.append((match.start("secret"), match.end("secret"), rule))
    if "-D" in text:
        for match in _JAVA_D.finditer(text):
            level = tier(match.group("key").rpartition(".")[2])
            if level > NONE and judged(level, match.group("secret")):
                found.append((match.start("secret"), match.end("secret"), "command-line"))
    if "-p" in text and ("mysql" in text or "mariadb" in text):
        found += [(m.start("secret"), m.end("secret"), "command-line") for m in _MYSQL_P.finditer(text)]
    if "sshpass" in text:
        found += [(m.start("secret"), m.end("secret"), "command-line") for m in _SSHPASS.finditer(text)]
    if "-u" in text and ("curl" in text or "--user" in text):
        found += [(m.start("secret"), m.end("secret"), "command-line") for m in _CURL_U.finditer(text)]
    if "-U" in text and "%" in text:
        found += [(m.start("secret"), m.end("secret"), "command-line") for m in _SMB_U.finditer(text)]
    if "htpasswd" in text:
        found += [(m.start("secret"), m.end("secret"), "command-line") for m in _HTPASSWD_B.finditer(text)]
    for tool in _TOOL.finditer(text):
        flags = "|".join(re.escape(flag) for flag in _TOOL_FLAGS[_SPACE.sub(" ", tool.group("tool"))])
        pattern = re.compile(r"(?<![\w\-])(?:" + flags + r")" + _SEP + r"(?:pass:)?(?P<secret>[^\s'\",\-][^\s'\",]*)")
        end = text.find("\n", tool.end())
        for match in pattern.finditer(text, tool.end(), end if end != -1 else len(text)):
            found.append((match.start("secret"), match.end("secret"), "command-line"))
    return found
