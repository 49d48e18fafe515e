"""Lazy values stay lazy: a capture runs no query and resolves no proxy the program didn't (real
Django, SQLAlchemy, werkzeug/Flask-Login; queries counted)."""

import pytest
from helpers import frames_of

import framecap
from conftest import read_store
from framecap.lazy import LAZY_TYPES


def test_django_querysets_and_lazy_strings_run_nothing(run_python, store):
    pytest.importorskip("django")
    result = run_python(
        """
        import json
        import django
        from django.conf import settings

        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=["django.contrib.contenttypes"],
        )
        django.setup()
        from django.db import connection, models
        from django.test.utils import CaptureQueriesContext
        from django.utils.functional import lazy

        import framecap

        class Item(models.Model):
            name = models.CharField(max_length=10)

            class Meta:
                app_label = "contenttypes"

        with connection.schema_editor() as editor:
            editor.create_model(Item)
        Item.objects.create(name="a")
        evaluations = []
        label = lazy(lambda: evaluations.append(1) or "evaluated", str)()

        def report(items, names, label):
            loaded = Item.objects.filter(name="a")
            list(loaded)
            return 1 / 0

        framecap.init()
        try:
            report(Item.objects.filter(name="a"), Item.objects.values("name"), label)
        except ZeroDivisionError:
            with CaptureQueriesContext(connection) as queries:
                framecap.capture_exception()
        print(json.dumps({"queries": len(queries), "evaluations": len(evaluations)}))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == '{"queries": 0, "evaluations": 0}'
    frame_vars = frames_of(read_store(store)[-1])[-1]["vars"]
    assert frame_vars["items"] == "<QuerySet (not evaluated)>" and frame_vars["names"] == "<QuerySet (not evaluated)>"
    assert frame_vars["label"] == "<lazy object (not evaluated)>"
    assert frame_vars["loaded"] == "<QuerySet [<Item: Item object (1)>]>"  # evaluated: its cached rows, no query


@pytest.mark.slow
def test_sqlalchemy_queries_and_association_proxies_run_nothing(memory):
    sa = pytest.importorskip("sqlalchemy")
    from sqlalchemy.ext.associationproxy import association_proxy
    from sqlalchemy.orm import Session, declarative_base, relationship

    base = declarative_base()

    class Tag(base):
        __tablename__ = "tags"
        id = sa.Column(sa.Integer, primary_key=True)
        user_id = sa.Column(sa.ForeignKey("users.id"))
        word = sa.Column(sa.String)

    class User(base):
        __tablename__ = "users"
        id = sa.Column(sa.Integer, primary_key=True)
        tags = relationship(Tag)
        words = association_proxy("tags", "word")

    engine = sa.create_engine("sqlite://")
    base.metadata.create_all(engine)
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        session.add(User(id=1, tags=[Tag(word="x")]))
        session.commit()
        user = session.get(User, 1)
        words = user.words
        session.expire(user)  # reading the proxy's collection now would SELECT
        query = session.query(User).filter(User.id == 1)
        statements.clear()
        try:
            (lambda words, query: 1 / 0)(words, query)
        except ZeroDivisionError:
            framecap.capture_exception()
        assert statements == []
    frame_vars = frames_of(memory.events[-1])[-1]["vars"]
    assert frame_vars == {"words": "<association proxy collection (not loaded)>", "query": "<Query (not run)>"}
    meta = memory.events[-1]["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"]
    assert meta[str(len(frames_of(memory.events[-1])) - 1)]["vars"]["query"] == {
        "": {"rem": [["framecap:lazy", "s", 0, 17]]}
    }


def test_a_local_proxy_is_not_resolved(memory):
    flask = pytest.importorskip("flask")
    flask_login = pytest.importorskip("flask_login")
    app = flask.Flask(__name__)
    app.secret_key = "test-only"
    loads = []
    manager = flask_login.LoginManager(app)
    manager.user_loader(lambda user_id: loads.append(user_id))
    with app.test_request_context("/"):
        flask.session["_user_id"] = "7"
        try:
            (lambda user: 1 / 0)(flask_login.current_user)
        except ZeroDivisionError:
            framecap.capture_exception()
    assert loads == [], "the capture loaded the user from the database"
    assert frames_of(memory.events[-1])[-1]["vars"] == {"user": "<LocalProxy (not resolved)>"}


def test_the_list_is_documented():
    with open(__file__.replace("tests/test_lazy.py", "README.md")) as readme:
        text = readme.read()
    for entry in LAZY_TYPES:
        assert f"`{entry.module}.{entry.name}`" in text, entry
