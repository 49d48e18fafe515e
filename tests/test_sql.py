import sqlite3

import pytest
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
@pytest.mark.slow
def test_any_string_literal_disappears(secret):
    for template in ("SELECT * FROM t WHERE a = '{}'", "INSERT INTO t VALUES ('{}', 1)", "UPDATE t SET x=E'{}'"):
        out = parameterize(template.format(secret))
        assert secret not in out and "%s" in out


@given(st.text(max_size=300))
def test_tokenizer_never_raises_and_keeps_all_text(sql):
    assert "".join(text for _, text in tokenize(sql)) == sql
    out = parameterize(sql)
    # What is left holds no literal and no comment: tokenized again, only names, placeholders, punctuation.
    assert {kind for kind, _ in tokenize(out)} <= {"ident", "quoted_ident", "param", "punct", "space"}, out


def test_postgres_json_operators_and_mysql_comments():
    cases = {
        "SELECT data #>> '{a,b}' FROM t WHERE pw = 'x'": "SELECT data #>> %s FROM t WHERE pw = %s",
        "SELECT data#>'{a}', d #- '{b}', e #> %s, f #>> $1, g #> ARRAY['k'] FROM t": (
            "SELECT data#>%s, d #- %s, e #> %s, f #>> $1, g #> ARRAY[%s] FROM t"
        ),
        "SELECT (doc->'a') #>> '{b}'::text[] FROM t": "SELECT (doc->%s) #>> %s::text[] FROM t",
        "UPDATE t SET doc = doc #- :path WHERE id = 7": "UPDATE t SET doc = doc #- :path WHERE id = %s",
        # MySQL comments stay comments, whatever follows the #
        "SELECT a FROM t # pw=hunter2\nWHERE b = 1": "SELECT a FROM t WHERE b = %s",
        "SELECT a #-- note: hunter2": "SELECT a",
        "SELECT a #> see hunter2": "SELECT a",  # not followed by a literal or placeholder: a comment
        "#> 'hunter2' at the start": "",  # no operand before it: a comment
        "SELECT 5 # 3": "SELECT %s",  # PostgreSQL's XOR is taken for a comment: dropped, never leaked
        # brackets: identifiers only when they hold words; otherwise their literals are found
        "SELECT ARRAY['hunter2', 'x'], tags[1], [Order Details].[Unit Price] FROM [dbo].[t1]": (
            "SELECT ARRAY[%s, %s], tags[%s], [Order Details].[Unit Price] FROM [dbo].[t1]"
        ),
    }
    for sql, expected in cases.items():
        assert parameterize(sql) == expected, sql


SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 _-,{}", min_size=1, max_size=12).map(
    lambda s: "zq" + s + "qz"
)
NAMES = st.sampled_from(["data", "t.doc", "`col`", "[Order Details]", "x1", "(a)", "arr[%s]"])
OPERATORS = st.sampled_from([" #> ", "#>>", " #- ", " = ", ", ", " || ", " -> ", " ", "\n", " AND ", "::"])


@st.composite
def hostile_sql(draw):
    parts = ["SELECT "]
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["name", "string", "dollar", "number", "hash", "dashes", "block", "array"]))
        secret = draw(SECRET)
        parts.append(
            {
                "name": draw(NAMES),
                "string": "'" + secret.replace("'", "''") + "'",
                "dollar": "$$" + secret + "$$",
                "number": "4" + str(len(secret)) + "e3",
                "hash": draw(st.sampled_from(["# ", "#", "#-"])) + secret + "\n",
                "dashes": "-- " + secret + "\n",
                "block": "/* " + secret + " */",
                "array": "ARRAY['" + secret + "']",
            }[kind]
        )
        parts.append(draw(OPERATORS))
    return "".join(parts)


@pytest.mark.slow
@given(hostile_sql())
def test_literals_and_comments_never_leak(sql):
    out = parameterize(sql)
    assert "zq" not in out and "qz" not in out, (sql, out)


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
