"""The report PDFs of issue 13, measured against the WeasyPrint-alone floor. Not a test.

    python benchmarks/pdfs.py [--user EMAIL] [--pilot ID] [--programme ID] [--json OUT]

Needs the bench's environment (DATABASE_URL of the bench data, SECRET_KEY...; benchmarks/run.py
calls `measure(env)` with its own). By default it measures, as the bench's facilitator, the
programme with the most pilots and that programme's first pilot (the first one its summary
details). Each figure comes from a fresh child process, so its peak RSS is the render's
(VmHWM of the child, plus the largest of its own children when the pipeline uses a pool):

- `html`: the report's final HTML as `render_report_html` builds it (timed, then saved);
- `floor`: WeasyPrint alone laying out that same HTML in one process, with the same URL
  fetcher (`HTML(string=html, base_url=...).write_pdf()`), after a warm-up render;
- `pipeline`: `render_report_pdf` as the Celery task runs it (content, HTML, PDF), after the
  same warm-up (a worker has WeasyPrint imported after its first report); for the programme
  also `single`, the same with REPORT_PDF_WORKERS=1 (no parts laid out in parallel).

Pages/s is the PDF's pages over the wall time; the ratio printed is the pipeline's pages/s over
the floor's (1.0 = no overhead around WeasyPrint; above 1.0 = faster than the floor).
"""

# The bench runs its own script as children on loopback data: no untrusted input.
# ruff: noqa: S603

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER = "scale-facilitator@example.org"
ROWS = ("pilot PDF", "programme PDF (100+ pages)")


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csrplatform.settings")
    import django

    django.setup()


def _warm():
    """Import WeasyPrint and lay out a line, as a worker has after its first report."""
    from reports import pdf

    pdf.render_pdf("<p>warm</p>")


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own + children  # a pool's largest child beside the parent: an upper bound


def _pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def child(step: str, args: list[str]) -> dict:
    _setup()
    from csrplatform.accounts.models import User
    from reports import pdf, render

    if step == "pick":
        from django.db.models import Count

        from pilots.models import Pilot, Programme

        programme = (
            Programme.objects.annotate(n=Count("pilots")).order_by("-n", "id").values("id", "n")
        )[0]
        pilot = Pilot.objects.filter(programme_id=programme["id"]).order_by("id").first()
        return {"programme": programme["id"], "programme_pilots": programme["n"], "pilot": pilot.pk}
    if step == "floor":
        from weasyprint import HTML

        html = Path(args[0]).read_text()
        _warm()
        started = time.perf_counter()
        data = HTML(
            string=html, base_url=pdf.REPORT_BASE_URL, url_fetcher=pdf.StaticOnlyURLFetcher()
        ).write_pdf()
        wall = time.perf_counter() - started
        return {"wall_s": wall, "pages": _pages(data), "peak_rss_mb": _peak_rss_mb()}
    email, kind, subject_id = args[0], args[1], int(args[2])
    user = User.objects.get(email=email)
    if step == "html":
        started = time.perf_counter()
        html = render.render_report_html(kind=kind, subject_id=subject_id, user=user, language="en")
        wall = time.perf_counter() - started
        Path(args[3]).write_text(html)
        return {"wall_s": wall, "bytes": len(html.encode())}
    if step == "pipeline":
        from django.conf import settings

        settings.REPORT_PDF_WORKERS = int(args[3])  # 0: the machine's cores
        _warm()
        started = time.perf_counter()
        data = render.render_report_pdf(kind=kind, subject_id=subject_id, user=user, language="en")
        wall = time.perf_counter() - started
        return {
            "wall_s": wall,
            "pages": _pages(data),
            "bytes": len(data),
            "peak_rss_mb": _peak_rss_mb(),
        }
    raise SystemExit(f"unknown step {step!r}")


def _run(env: dict, *args: str) -> dict:
    output = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_child", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_one(env: dict, label: str, kind: str, subject_id: int, user: str = USER) -> dict:
    row = {"label": label, "kind": kind, "subject_id": subject_id, "user": user}
    try:
        with tempfile.TemporaryDirectory(prefix="csr-pdf-") as scratch:
            html_path = str(Path(scratch) / "report.html")
            row["html"] = _run(env, "html", user, kind, str(subject_id), html_path)
            row["floor"] = _run(env, "floor", html_path)
        row["pipeline"] = _run(env, "pipeline", user, kind, str(subject_id), "0")
        if kind == "programme_summary":  # the same in one process, to compare
            row["single"] = _run(env, "pipeline", user, kind, str(subject_id), "1")
            row["single"]["pages_per_s"] = row["single"]["pages"] / row["single"]["wall_s"]
    except subprocess.CalledProcessError as error:
        row["error"] = (error.stderr or str(error)).strip().splitlines()[-1][:300]
        return row
    floor, pipeline = row["floor"], row["pipeline"]
    floor["pages_per_s"] = floor["pages"] / floor["wall_s"]
    pipeline["pages_per_s"] = pipeline["pages"] / pipeline["wall_s"]
    row["ratio"] = pipeline["pages_per_s"] / floor["pages_per_s"]
    return row


def measure(
    env: dict, *, user: str = USER, pilot=None, programme=None, say=print, which="all"
) -> list:
    """The PDF rows of the bench: [pilot row, programme row] (`which`: "all", "pilot" or
    "none"; the full-scale programme alone takes about a quarter of an hour)."""
    if which == "none":
        return [{"label": label, "note": "not measured in this run (--pdfs)"} for label in ROWS]
    picked = _run(env, "pick")
    rows = []
    for label, kind, subject in (
        (ROWS[0], "pilot_summary", pilot or picked["pilot"]),
        (ROWS[1], "programme_summary", programme or picked["programme"]),
    ):
        if which == "pilot" and kind == "programme_summary":
            rows.append(
                {
                    "label": label,
                    "note": "not measured in this run (--pdfs pilot): "
                    "benchmarks/pdfs.py --only programme",
                }
            )
            continue
        say(f"{user}: {label} ({kind} {subject})")
        rows.append(measure_one(env, label, kind, subject, user))
    return rows


def describe(row: dict) -> str:
    if "error" in row:
        return f"{row['label']}: {row['error']}"
    p, f = row["pipeline"], row["floor"]
    return (
        f"{row['label']} ({row['kind']} {row['subject_id']}): {p['pages']} pages; pipeline "
        f"{p['wall_s']:.2f} s ({p['pages_per_s']:.2f} pages/s, peak RSS {p['peak_rss_mb']:.0f} "
        f"MB); HTML alone {row['html']['wall_s']:.2f} s; floor {f['wall_s']:.2f} s "
        f"({f['pages_per_s']:.2f} pages/s, {f['peak_rss_mb']:.0f} MB); pipeline/floor "
        f"{row['ratio']:.2f}×"
        + (
            f"; in one process {row['single']['wall_s']:.2f} s "
            f"({row['single']['peak_rss_mb']:.0f} MB)"
            if "single" in row
            else ""
        )
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        print(json.dumps(child(sys.argv[2], sys.argv[3:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--user", default=USER)
    parser.add_argument("--pilot", type=int)
    parser.add_argument("--programme", type=int)
    parser.add_argument("--only", choices=("pilot", "programme"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    env = dict(os.environ)
    if args.only:
        picked = _run(env, "pick")
        kind = "pilot_summary" if args.only == "pilot" else "programme_summary"
        subject = getattr(args, args.only) or picked[args.only]
        rows = [measure_one(env, ROWS[args.only == "programme"], kind, subject, args.user)]
    else:
        rows = measure(env, user=args.user, pilot=args.pilot, programme=args.programme)
    for row in rows:
        print(describe(row))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
