"""Django, with a minimal settings module and Django's test client."""

import pytest

import framecap
from conftest import assert_schema_valid

django = pytest.importorskip("django")

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only",
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        MIDDLEWARE=["framecap.integrations.django.FramecapMiddleware", f"{__name__}.FakeAuthentication"],
        INSTALLED_APPS=[],
        LOGGING_CONFIG=None,
    )
    django.setup()

from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402

from framecap.integrations.django import FramecapMiddleware  # noqa: E402


class FakeUser:
    is_authenticated = True
    pk = 42
    email = "grace@example.com"

    def get_username(self):
        return "grace"


class FakeAuthentication:
    """Stands in for django.contrib.auth's middleware (no database needed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = FakeUser()
        return self.get_response(request)


def report(request):
    rows = [{"total": 10, "count": 0}]
    return JsonResponse({"avg": rows[0]["total"] / rows[0]["count"]})


def form(request):
    request.POST.get("name")
    raise LookupError("form view failed")


def fine(request):
    try:
        {}["k"]
    except KeyError:
        framecap.capture_exception()
    return HttpResponse("ok")


def rows_of(report_id):
    yield b"id,total\n"
    yield b"1,10\n"
    raise ConnectionError(f"report {report_id}: database went away")


def stream(request):
    framecap.set_tag("report", "r-9")
    return StreamingHttpResponse(rows_of("r-9"), content_type="text/csv")


async def arows():
    yield b"first\n"
    raise ConnectionResetError("async stream broke")


def astream(request):
    return StreamingHttpResponse(arows(), content_type="text/plain")


def download(request):
    return FileResponse(open(__file__, "rb"))  # noqa: SIM115 - Django closes it


def echo(request):
    if request.GET.get("read"):
        request.body  # noqa: B018 - the view reads the body
    framecap.capture_exception(ValueError("by hand"))
    return HttpResponse("ok")


def scoped(request, name):
    if name == "set":  # data for this request only
        framecap.set_tag("view", "set")
        framecap.set_context("order", {"id": 1})
        framecap.set_level("warning")
        framecap.set_fingerprint(["orders"])
        framecap.add_breadcrumb(message="in the request")
    framecap.capture_message(f"view {name}")
    return HttpResponse("ok")


urlpatterns = [
    path("scoped/<str:name>/", scoped),
    path("report/", report),
    path("form/", form),
    path("fine/", fine),
    path("stream/", stream),
    path("astream/", astream),
    path("download/", download),
    path("echo/", echo),
]


@pytest.mark.parametrize("pii", [False, True])
def test_view_error_captured_with_request_and_user_only_with_pii(memory, pii):
    framecap.init(transport=memory, install_hooks=False, send_default_pii=pii)
    response = Client(raise_request_exception=False).get("/report/?week=12", HTTP_AUTHORIZATION="Bearer t0k3n-abcdefgh")
    assert response.status_code == 500
    (event,) = memory.events
    value = event["exception"]["values"][-1]
    assert value["mechanism"] == {"type": "django", "handled": False} and value["type"] == "ZeroDivisionError"
    assert event["request"]["url"] == "http://testserver/report/" and event["request"]["query_string"] == "week=12"
    frame = value["stacktrace"]["frames"][-1]
    assert frame["function"] == "report" and frame["vars"]['rows[0]["count"]'] == "0"
    if pii:
        assert event["user"] == {
            "id": "42",
            "username": "grace",
            "email": "grace@example.com",
            "ip_address": "127.0.0.1",
        }
        assert event["request"]["headers"]["Authorization"] == "[Filtered]"
    else:
        assert "user" not in event and "headers" not in event["request"]
    assert "t0k3n-abcdefgh" not in str(event)


def test_parsed_form_and_handled_captures(memory):
    client = Client(raise_request_exception=False)
    assert client.post("/form/", {"name": "ada", "password": "pw-2"}).status_code == 500
    assert client.get("/fine/").status_code == 200
    form_event, fine_event = memory.events
    assert form_event["request"]["data"] == {"name": "ada", "password": "[Filtered]"}
    assert fine_event["request"]["url"] == "http://testserver/fine/"
    assert fine_event["exception"]["values"][-1]["mechanism"] == {"type": "generic", "handled": True}


def test_error_while_a_streaming_response_streams_is_captured_with_the_requests_scope(memory):
    response = Client().get("/stream/?page=3")
    assert response.status_code == 200 and response.streaming
    chunks = []
    with pytest.raises(ConnectionError):
        for chunk in response.streaming_content:
            chunks.append(chunk)
    assert chunks == [b"id,total\n", b"1,10\n"]
    (event,) = memory.events
    value = event["exception"]["values"][-1]
    assert value["type"] == "ConnectionError" and value["mechanism"] == {"type": "django", "handled": False}
    assert event["request"]["url"] == "http://testserver/stream/" and event["tags"] == {"report": "r-9"}
    assert value["stacktrace"]["frames"][-1]["function"] == "rows_of"
    assert value["stacktrace"]["frames"][-1]["vars"]["report_id"] == "'r-9'"
    response.close()


def test_error_while_an_async_streaming_response_streams(memory):
    import asyncio

    from django.test import AsyncClient

    async def fetch():
        response = await AsyncClient().get("/astream/")
        chunks = []
        with pytest.raises(ConnectionResetError):
            async for chunk in response.streaming_content:
                chunks.append(chunk)
        return chunks

    assert asyncio.run(fetch()) == [b"first\n"]
    (event,) = memory.events
    assert event["exception"]["values"][-1]["type"] == "ConnectionResetError"
    assert event["request"]["url"] == "http://testserver/astream/"


def test_file_responses_are_left_for_the_servers_file_wrapper(memory):
    from django.test import RequestFactory

    from framecap.integrations.django import FramecapMiddleware

    # (Django's test client replaces streaming content itself, so the middleware is called directly.)
    response = FramecapMiddleware(download)(RequestFactory().get("/download/"))
    assert response.file_to_stream is not None  # what Django's WSGI handler hands to wsgi.file_wrapper
    response.close()


def test_hand_captures_see_what_django_read_and_note_what_it_did_not(memory):
    client = Client()
    client.post("/echo/", {"name": "ada"}, content_type="application/json")
    client.post("/echo/?read=1", {"name": "ada"}, content_type="application/json")
    unread, read = memory.events
    assert "data" not in unread["request"]
    assert unread["_meta"]["request"]["data"] == {"": {"rem": [["framecap:unread", "x"]], "len": 15}}
    assert read["request"]["data"] == {"name": "ada"}


OWN = framecap.MemoryTransport()


class OwnClientMiddleware(FramecapMiddleware):
    client = framecap.Client(transport=OWN, install_hooks=False)


def test_a_middleware_subclass_reports_to_its_own_client(memory):
    from django.test import override_settings

    with override_settings(MIDDLEWARE=[f"{__name__}.OwnClientMiddleware"]):
        assert Client(raise_request_exception=False).get("/report/").status_code == 500
    assert [e["request"]["url"] for e in OWN.events] == ["http://testserver/report/"]
    assert all(e["exception"]["values"][-1]["mechanism"]["type"] != "django" for e in memory.events)
    assert_schema_valid(OWN.events)


def test_scope_data_a_request_sets_stays_in_that_request(memory):
    client = Client()
    client.get("/scoped/set/")
    client.get("/scoped/plain/")
    first, second = memory.events
    assert (first["tags"], first["contexts"], first["level"]) == ({"view": "set"}, {"order": {"id": 1}}, "warning")
    assert first["fingerprint"] == ["orders"] and len(first["breadcrumbs"]["values"]) == 1
    assert second["request"]["url"] == "http://testserver/scoped/plain/" and second["level"] == "info"
    assert not {"tags", "contexts", "fingerprint", "breadcrumbs"} & set(second)
