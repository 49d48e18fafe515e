"""Django, with a minimal settings module and Django's test client."""

import pytest

import framecap

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

from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402


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


urlpatterns = [path("report/", report), path("form/", form), path("fine/", fine)]


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
