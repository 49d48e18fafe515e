"""README "Scope, breadcrumbs and SQL": the query breadcrumbs' examples no other test pins, through a real
sqlite3 connection instrumented as a user would."""

import sqlite3

import framecap
from framecap.integrations.dbapi import instrument


def _queries(memory):
    framecap.capture_message("after the queries")
    return [c["message"] for c in memory.events[-1]["breadcrumbs"]["values"] if c.get("category") == "query"]


def test_every_kind_of_literal_becomes_a_placeholder_and_brackets_are_read_as_documented(memory):
    db = instrument(sqlite3.connect(":memory:"))
    db.execute('CREATE TABLE t ("Column" TEXT, flag INTEGER, n REAL)')
    statements = [
        "SELECT * FROM t WHERE flag = TRUE AND n IS NULL AND flag <> FALSE",
        "SELECT * FROM t WHERE flag = 0x1F OR n = 1.5e3 OR n = -2",
        "SELECT \"Column\" FROM t WHERE \"Column\" = 'it''s'",
        "SELECT * FROM t WHERE flag IN (1, 2, 3)",
        "SELECT [Column] FROM t",
        "SELECT * FROM t WHERE n = X'ff' -- the secret is 'hunter2'\n",
    ]
    for statement in statements:
        db.execute(statement)
    assert _queries(memory)[1:] == [
        "SELECT * FROM t WHERE flag = %s AND n IS %s AND flag <> %s",
        "SELECT * FROM t WHERE flag = %s OR n = %s OR n = -%s",  # (a sign is an operator)
        "SELECT %s FROM t WHERE %s = %s",
        "SELECT * FROM t WHERE flag IN (%s)",
        "SELECT [Column] FROM t",
        "SELECT * FROM t WHERE n = %s",
    ]


def test_a_statement_is_cut_at_8192_characters_before_it_is_tokenized(memory):
    db = instrument(sqlite3.connect(":memory:"))
    db.execute("CREATE TABLE t (a TEXT)")
    long_literal = "'" + "x" * 9000 + "'"  # runs past the cut: what follows it is never read
    db.execute(f"SELECT a FROM t WHERE a = {long_literal} OR a = a")  # (`a` would show)
    (_, message) = _queries(memory)
    assert message == "SELECT a FROM t WHERE a = %s"
