"""Command lines: arguments that are passwords by their tool's flag, in a shell line or an argv repr."""

import pytest

from framecap.scrub import FILTERED, Scrubber

F = FILTERED
P = "Zq8Xw2Lm4Np6Rt0V"


@pytest.mark.parametrize(
    "text",
    [
        f"Command '['docker', 'login', '-u', 'ci', '-p', '{P}', 'registry.example.com']' returned 1.",
        f"redis-cli -h cache -a {P} ping",
        f"keytool -importkeystore -srcstorepass {P} -deststorepass {P}",
        f"java -Dspring.datasource.password={P} -jar app.jar",
        f"sqlcmd -S db -U sa -P {P} -Q 'select 1'",
        f"az login -u ops@example.com -p {P}",
        f"htpasswd -b /etc/nginx/.htpasswd admin {P}",
        f"ldapsearch -x -D cn=admin,dc=example -w {P} -b dc=example",
        f"smbclient //srv/share -U svc%{P}",
        f"openssl enc -aes256 -pass pass:{P} -in backup.tar",
    ],
)
def test_password_arguments_are_filtered(text):
    out = Scrubber().scrub_text(text)
    assert P not in out and F in out


@pytest.mark.parametrize(
    "text",
    [
        "docker run -p 8080:80 nginx",
        "grep docker -p 1234",
        "redis-cli -h cache ping",
        "java -Dfile.encoding=UTF-8 -jar x",
    ],
)
def test_other_flags_stay(text):
    assert Scrubber().scrub_text(text) == text
