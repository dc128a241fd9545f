"""Safe rendering (issue 12, point 8): text a user typed can never make the renderer fetch or
read anything. WeasyPrint's URL fetcher serves only the project's static files; every other
URL is refused, and a real listener on this machine sees no connection."""

import socketserver
import tempfile
import threading
from pathlib import Path

import pytest
from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from pilots.models import Pilot
from reports import pdf
from reports.render import render_report_pdf
from tests.reports.pdf_helpers import pdf_text

PASSWD_MARK = "root:x:0:0"


class _Recorder(socketserver.BaseRequestHandler):
    def handle(self):
        self.server.connections.append(self.client_address)
        try:
            self.request.recv(4096)
            self.request.sendall(
                b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        except OSError:
            pass


@pytest.fixture
def listener():
    """A real TCP listener on a free local port that records every connection made to it."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.connections = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file():
    """A file outside the static folders whose text must never reach a PDF."""
    with tempfile.NamedTemporaryFile("w", suffix=".css", delete=False) as handle:
        handle.write("body::before { content: 'SECRET-FILE-CONTENT-42'; }")
    yield Path(handle.name)
    Path(handle.name).unlink(missing_ok=True)


def hostile_markup(port: int, secret: Path) -> str:
    base = f"http://127.0.0.1:{port}"
    return "\n".join(
        [
            f'<img src="{base}/">',
            f"<style>@import url({base}/x.css); body {{ background: url(file:///etc/passwd) }}"
            f"</style>",
            f'<link rel="stylesheet" href="{base}/linked.css">',
            f'<link rel="stylesheet" href="file://{secret}">',
            '<img src="file:///etc/passwd">',
            '<img src="/etc/passwd">',
            '<img src="../../../../../../etc/passwd">',
            '<div style="background: url(file:///etc/passwd)">x</div>',
            f'<div style="background-image: url({base}/bg.png)">y</div>',
            f'<svg width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/>'
            f"</svg>",
            '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
            f'<a rel="attachment" href="{base}/attachment">remote</a>',
            f"<style>@font-face {{ font-family: X; src: url({base}/font.woff) }}"
            f" p {{ font-family: X }}</style>",
            f'<img src="data:image/svg+xml,<svg xmlns=%22http://www.w3.org/2000/svg%22>'
            f'<image href=%22{base}/in-data.png%22/></svg>">',
            "file:///etc/passwd",
        ]
    )


# --- the fetcher on its own ----------------------------------------------------------------------


REFUSED = [
    "http://127.0.0.1:9/",
    "http://127.0.0.1:9/x.css",
    "https://example.com/static/reports/report.css",
    "https://report.invalid.example.com/static/reports/report.css",
    "ftp://127.0.0.1/x.css",
    "file:///etc/passwd",
    "file:///work/main/static/reports/report.css",
    "data:text/css,body{color:red}",
    "data:image/svg+xml,<svg/>",
    "/etc/passwd",
    "../../etc/passwd",
    "https://report.invalid/etc/passwd",
    "https://report.invalid/static/../../etc/passwd",
    "https://report.invalid/static/reports/../../../etc/passwd",
    "https://report.invalid/static/%2e%2e/%2e%2e/etc/passwd",
    "https://report.invalid/static/reports/%2e%2e%2f%2e%2e%2fmanage.py",
    "https://report.invalid/static/reports\\..\\..\\manage.py",
    "https://report.invalid/static//etc/passwd",
    "https://report.invalid/static/reports/report.css?x=1",
    "https://user:pw@report.invalid/static/reports/report.css",
    "https://report.invalid:8443/static/reports/report.css",
    "https://report.invalid/static/reports/missing.css",
    "https://report.invalid/static/js/htmx.min.js",  # not a stylesheet, image or font
]


@pytest.mark.parametrize("url", REFUSED)
def test_the_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(pdf.URLRefused):
        pdf.StaticOnlyURLFetcher().fetch(url)


def test_the_fetcher_serves_a_real_static_file():
    response = pdf.StaticOnlyURLFetcher()(f"{pdf.REPORT_STATIC_URL}reports/report.css")
    expected = (Path(settings.BASE_DIR) / "static" / "reports" / "report.css").read_bytes()
    assert response.read() == expected
    assert response.content_type == "text/css"


def test_a_relative_url_in_a_report_joins_the_invalid_host_not_the_file_system():
    # WeasyPrint joins relative URLs onto the base URL before fetching: never file://.
    from weasyprint.urls import url_join

    joined = url_join(pdf.REPORT_BASE_URL, "../../../etc/passwd", False, "test")
    assert joined == "https://report.invalid/etc/passwd"
    with pytest.raises(pdf.URLRefused):
        pdf.StaticOnlyURLFetcher()(joined)


# --- whole documents ------------------------------------------------------------------------------


def test_the_listener_would_see_a_fetch(listener, secret_file):
    """The control: WeasyPrint's own fetcher does connect to the listener, so the tests below
    would notice a fetch."""
    html = f'<p>control</p><img src="http://127.0.0.1:{listener.server_address[1]}/">'
    HTML(string=html, url_fetcher=URLFetcher(timeout=5)).write_pdf()
    assert listener.connections


def test_hostile_html_fetches_nothing_and_reads_no_file(listener, secret_file):
    """Raw, unescaped HTML straight into the renderer: the fetcher is the last defence."""
    port = listener.server_address[1]
    html = f"<html><body><p>Report</p>{hostile_markup(port, secret_file)}</body></html>"

    data = pdf.render_pdf(html)

    assert data.startswith(b"%PDF")
    assert listener.connections == []
    text = pdf_text(data)
    assert "Report" in text
    assert PASSWD_MARK not in text
    assert "SECRET-FILE-CONTENT-42" not in text
    assert b"root:x:0:0" not in data  # not attached either
    assert b"/EmbeddedFile" not in data


def test_a_pilot_whose_text_holds_markup_renders_it_as_text(listener, secret_file, pilots, world):
    port = listener.server_address[1]
    markup = hostile_markup(port, secret_file)
    Pilot.objects.filter(pk=pilots.pilot_x.pk).update(
        context=markup,
        objectives=f"<style>@import url(http://127.0.0.1:{port}/import.css)</style>",
        challenges=f'<link rel=stylesheet href="http://127.0.0.1:{port}/l.css">',
        outcomes='<img src="file:///etc/passwd"> and <p style="background:url(file:///etc/passwd)">',
        implications=f"<div style=\"background: url('file://{secret_file}')\">z</div>",
    )

    data = render_report_pdf(
        kind="pilot_summary",
        subject_id=pilots.pilot_x.pk,
        user=world.users["facilitator"],
        language="en",
    )

    assert listener.connections == []
    text = pdf_text(data)
    assert PASSWD_MARK not in text
    assert "SECRET-FILE-CONTENT-42" not in text
    # Escaped by the template: the reader sees what was typed, as text.
    assert f'<img src="http://127.0.0.1:{port}/">' in text
    assert "@import url(http://127.0.0.1:" in text


def test_a_hostile_pilot_title_in_the_programme_summary_stays_text(listener, pilots, world):
    """A title goes into the contents, the overview table and the SVG bar chart."""
    port = listener.server_address[1]
    title = f'<img src="http://127.0.0.1:{port}/t.png"><style>@import "http://127.0.0.1:{port}/";'
    Pilot.objects.filter(pk=pilots.pilot_x.pk).update(title=title)

    data = render_report_pdf(
        kind="programme_summary",
        subject_id=pilots.programme.pk,
        user=world.users["facilitator"],
        language="en",
    )

    assert listener.connections == []
    assert pdf_text(data).count(title) >= 2  # the contents and the pilot's own heading
