import sqlite3

from hypothesis import given
from hypothesis import strategies as st

import framecap
from framecap.integrations.dbapi import instrument
from framecap.sql import parameterize, tokenize


def test_literals_become_placeholders():
    cases = {
        "UPDATE app_user SET password='supersecret' WHERE id=1;": "UPDATE app_user SET password=%s WHERE id=%s;",
        "SELECT * FROM t WHERE a = 'it''s' AND b = 'x\\'y z'": "SELECT * FROM t WHERE a = %s AND b = %s",
        "SELECT E'esc\\'aped', X'DEADBEEF', B'0101', N'nat'": "SELECT %s, %s, %s, %s",
        "SELECT 1.5e-3, .5, 0x1F, 42, -7": "SELECT %s, %s, %s, %s, -%s",
        "SELECT * FROM t WHERE id IN (1, 2, 3, 'four')": "SELECT * FROM t WHERE id IN (%s)",
        "SELECT $$ dollar 'quoted' $$, $tag$ tagged $$ inner $tag$": "SELECT %s, %s",
        "SELECT a -- pw=hunter2\nFROM t /* secret=1 */ WHERE b = TRUE OR c IS NULL": "SELECT a FROM t WHERE b = %s OR c IS %s",  # noqa: E501
        "SELECT `col`, [other] FROM t1 WHERE x = %s AND y = :name AND z = ? AND w = $1 AND v = %(key)s": "SELECT `col`, [other] FROM t1 WHERE x = %s AND y = :name AND z = ? AND w = $1 AND v = %(key)s",  # noqa: E501
        'SELECT * FROM users WHERE pw = "mysql-string"': "SELECT * FROM users WHERE pw = %s",
        "SELECT 'unterminated secret": "SELECT %s",
    }
    for sql, expected in cases.items():
        assert parameterize(sql) == expected, sql


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=6, max_size=30).filter(
        lambda s: "'" not in s and "\\" not in s
    )
)
def test_any_string_literal_disappears(secret):
    for template in ("SELECT * FROM t WHERE a = '{}'", "INSERT INTO t VALUES ('{}', 1)", "UPDATE t SET x=E'{}'"):
        out = parameterize(template.format(secret))
        assert secret not in out and "%s" in out


@given(st.text(max_size=300))
def test_tokenizer_never_raises_and_keeps_all_text(sql):
    assert "".join(text for _, text in tokenize(sql)) == sql
    parameterize(sql)


def test_dbapi_breadcrumbs_never_hold_parameters_or_literals(memory):
    connection = instrument(sqlite3.connect(":memory:"))
    connection.execute("CREATE TABLE app_user (id INTEGER, password TEXT)")
    connection.execute("INSERT INTO app_user VALUES (1, 'supersecret')")
    cursor = connection.cursor()
    cursor.execute("UPDATE app_user SET password=? WHERE id=?", ("param-secret", 1))
    cursor.executemany("INSERT INTO app_user VALUES (?, ?)", [(2, "many-secret")])
    assert cursor.execute("SELECT count(*) FROM app_user").fetchone() == (2,)
    with connection:
        connection.execute("UPDATE app_user SET password='supersecret2' WHERE id=2;")
    try:
        connection.execute("SELECT * FROM missing_table WHERE token = 'tok-secret'")
    except sqlite3.OperationalError:
        framecap.capture_exception()
    event = memory.events[-1]
    messages = [c["message"] for c in event["breadcrumbs"]["values"]]
    assert messages == [
        "CREATE TABLE app_user (id INTEGER, password TEXT)",
        "INSERT INTO app_user VALUES (%s, %s)",
        "UPDATE app_user SET password=? WHERE id=?",
        "INSERT INTO app_user VALUES (?, ?)",
        "SELECT count(*) FROM app_user",
        "UPDATE app_user SET password=%s WHERE id=%s;",
        "SELECT * FROM missing_table WHERE token = %s",
    ]
    assert all(c["category"] == "query" for c in event["breadcrumbs"]["values"])
    encoded = str(event["breadcrumbs"])  # (the test's own source lines, in the event, do hold them)
    for secret in ("supersecret", "param-secret", "many-secret", "tok-secret"):
        assert secret not in encoded


def test_breadcrumbs_are_bounded_and_per_scope(memory):
    framecap.init(transport=memory, install_hooks=False, max_breadcrumbs=3)
    from framecap import scope

    with scope.isolated():
        for i in range(10):
            framecap.add_breadcrumb(message=f"step {i}")
        framecap.capture_exception(ValueError("in scope"))
    framecap.capture_exception(ValueError("outside"))
    assert [c["message"] for c in memory.events[0]["breadcrumbs"]["values"]] == ["step 7", "step 8", "step 9"]
    assert "breadcrumbs" not in memory.events[1]
