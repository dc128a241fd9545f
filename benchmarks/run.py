"""`make bench`: the app's pages, API lists and exports measured at scale, each API list
against a bare floor (benchmarks/floor.py: the same SQL through psycopg 3 and orjson) in the
same run. Not a test.

    make bench                 # full scale (issue 13): 10,000 suppliers ... 1,000,000 observations
    make bench SCALE=small     # a few thousand rows, for working on the bench itself
    .venv/bin/python benchmarks/run.py --help

Steps: create or reuse the bench database (BENCH_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/csr_bench, with `_small` appended at the small scale),
migrate, generate the data once per scale and seed (audits' generate_scale_data; a marker
table records what was generated), start the app under gunicorn on loopback with production
settings and the floor beside it, capture each list's SQL and query counts (at page_size 10 and
100) in a Django step, drive each URL with wrk, measure the CSV exports' wall time and peak
memory in a fresh one-worker gunicorn, and print one table, also written to
benchmarks/results/latest.md and .json (and <scale>.json, kept to compare query counts
between scales).
"""

# The bench starts its own tools (gunicorn, wrk, manage.py) and reads its own loopback servers:
# no untrusted input reaches a subprocess or a URL; /tmp/csr-bench is its scratch directory.
# ruff: noqa: S603, S607, S310, S108

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pdfs  # benchmarks/pdfs.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
WORK = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/csr-bench"))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/csr_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
SCALES = {
    # Issue 13: 5 customers' tenants, 10,000 suppliers, 30,000 facilities, 1,000 pilots,
    # 20,000 audits, 100,000 findings and corrective actions, 100,000 cost items, 1,000,000 KPI
    # observations.
    "full": {
        "suppliers": 10_000,
        "facilities": 30_000,
        "customers": 5,
        "pilots": 1_000,
        "audits": 20_000,
        "findings": 100_000,
        "actions": 100_000,
        "cost-items": 100_000,
        "observations": 1_000_000,
    },
    # The same shape, a few thousand rows: the whole bench in a few minutes.
    "small": {
        "suppliers": 500,
        "facilities": 1_500,
        "customers": 5,
        "pilots": 50,
        "audits": 1_000,
        "findings": 5_000,
        "actions": 5_000,
        "cost-items": 5_000,
        "observations": 1_000,
    },
}
# The generator's users: a facilitator sees everything; customer 0 is the large brand (a third
# of the suppliers), where the access filters do the most work.
USERS = ("scale-facilitator@example.org", "scale-customer-0@example.org")
LIST_PAGES = ("supplier list", "corrective-action board")
APP_PORT, FLOOR_PORT, EXPORT_PORT = 8101, 8102, 8103
# The reports app is not there yet: these rows say so instead of showing a number.
# The report PDFs (benchmarks/pdfs.py): a pilot's and the largest programme's, against
# WeasyPrint alone laying out the same HTML.
PDF_ROWS = pdfs.ROWS


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def fail(text: str) -> None:
    print(f"make bench: {text}", file=sys.stderr)
    sys.exit(2)


# --- tools, database, data -----------------------------------------------------------------------


def check_tools() -> None:
    if shutil.which("wrk") is None:
        fail(
            "wrk, the load generator, is not installed. Install it with "
            "`sudo apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`, then run again."
        )
    try:
        import orjson  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        fail("the floor needs orjson: run `.venv/bin/python -m pip install -e '.[bench]'`.")
    if not (BIN / "gunicorn").exists():
        fail(f"gunicorn is missing from {BIN}: run `make setup`.")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str, *, drop: bool = False) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    try:
        conn = psycopg.connect(with_database(url, "postgres"), autocommit=True)
    except psycopg.OperationalError as error:
        fail(f"PostgreSQL is not reachable ({error}); start it or set BENCH_DATABASE_URL.")
    with conn:
        if drop:
            say(f"dropping the bench database {name} (other data or another scale)")
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            say(f"creating the bench database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def marker(url: str):
    """What was generated in this database (the generator's options), or None."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (params jsonb, generated_at timestamptz)"
        )
        row = conn.execute("SELECT params FROM bench_marker").fetchone()
        has_data = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM suppliers_organisation WHERE name LIKE 'Scale %')"
        ).fetchone()[0]
    return (row[0] if row else None), has_data


def write_marker(url: str, params: dict) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM bench_marker")
        conn.execute(
            "INSERT INTO bench_marker VALUES (%s::jsonb, now())",
            [json.dumps(params, sort_keys=True)],
        )


def manage(env: dict, *args: str, nice: bool = False) -> None:
    command = [str(BIN / "python"), "manage.py", *args]
    if nice:
        command = ["nice", "-n", "10", *command]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def ensure_data(env: dict, url: str, params: dict, *, regenerate: bool) -> None:
    ensure_database(url)
    manage(env, "migrate", "--noinput", "-v", "0")
    generated, has_data = marker(url)
    if generated == params and not regenerate:
        say(f"data already generated ({params}); reusing it")
        return
    if has_data or regenerate:
        ensure_database(url, drop=True)
        manage(env, "migrate", "--noinput", "-v", "0")
        marker(url)
    say(f"generating the data ({params}); the full scale takes several minutes")
    options = [f"--{name}={value}" for name, value in params.items()]
    manage(env, "generate_scale_data", *options, nice=True)
    write_marker(url, params)


# --- servers -------------------------------------------------------------------------------------


def dockerfile_workers() -> int:
    found = re.search(r'"--workers",\s*"(\d+)"', (ROOT / "Dockerfile").read_text())
    return int(found.group(1)) if found else 2


class Server:
    """A gunicorn in its own process group, stopped with it."""

    def __init__(self, name, app, port, env, workers, timeout=30):
        self.name, self.port = name, port
        self.log = (WORK / f"{name}.log").open("w")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                app,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                str(timeout),
                "--chdir",
                str(ROOT),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, path: str) -> None:
        for _ in range(150):
            if self.process.poll() is not None:
                fail(f"{self.name} server stopped at start; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5):
                    return
            except urllib.error.HTTPError as error:
                if self.name != "floor":  # the floor answers 404 to anything unmeasured
                    fail(f"{self.name} {path} answered {error.code}: {error.read()[:300]!r}")
                return
            except OSError:
                time.sleep(0.2)
        fail(f"{self.name} server did not answer; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- load ----------------------------------------------------------------------------------------

WRK_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


def fetch(url: str, headers: dict) -> tuple[int, int]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, 0


def load(url: str, headers: dict, args) -> dict:
    """wrk against one URL after a few warm-up requests; requests/s and percentiles in ms."""
    status, size = fetch(url, headers)
    if status != 200:
        return {"error": f"HTTP {status}"}
    alone = []  # a few requests one at a time: the warm-up, and the latency with no queue
    for _ in range(3):
        started = time.perf_counter()
        fetch(url, headers)
        alone.append((time.perf_counter() - started) * 1000)
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "30s",
        "-s",
        str(BENCH / "percentiles.lua"),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = WRK_LINE.search(output)
    if not found:
        return {"error": "wrk printed no result"}
    figures = {k: float(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    seconds = figures["duration_us"] / 1e6
    if not figures["requests"]:
        return {"error": f"no answer within {args.duration} s", "alone": sorted(alone)[1]}
    return {
        "alone": sorted(alone)[1],
        "rps": figures["requests"] / seconds,
        "requests": int(figures["requests"]),
        "p50": figures["p50"] / 1000,
        "p90": figures["p90"] / 1000,
        "p95": figures["p95"] / 1000,
        "p99": figures["p99"] / 1000,
        "max": figures["max"] / 1000,
        "errors": int(figures["non2xx"] + figures["socket_errors"]),
        "bytes": size,
    }


def measure_export(server: Server, url: str, headers: dict) -> dict:
    """Wall time, rows and the worker's peak RSS of one streamed CSV export."""
    (pid,) = server.worker_pids()
    before = peak_rss_mb(pid)
    started = time.perf_counter()
    rows = size = 0
    first_byte = None
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{url}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=900) as response:
            while chunk := response.read(1 << 20):
                first_byte = first_byte or time.perf_counter() - started
                rows += chunk.count(b"\n")
                size += len(chunk)
    except (urllib.error.URLError, OSError) as error:
        return {"error": str(error)}
    wall = time.perf_counter() - started
    rows = max(0, rows - 1)  # the header line
    return {
        "rows": rows,
        "bytes": size,
        "wall_s": wall,
        "first_byte_s": first_byte or wall,
        "rows_per_s": rows / wall if wall else 0,
        "peak_rss_mb": peak_rss_mb(pid),
        "rss_before_mb": before,
    }


# --- the run -------------------------------------------------------------------------------------


def bench_env(url: str, redis_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        DEBUG="0",
        # One key per run, shared by the steps and the servers (sessions hash with it).
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",
        STATIC_ROOT=str(WORK / "static"),
        LOG_LEVEL="WARNING",
        # The production rate (1,200/minute) would answer 429 within a second of load; a
        # one-second window keeps DRF's throttle (one Redis read and write a request) in the
        # measurement with a history of a few hundred entries, not one of 100,000.
        API_THROTTLE_USER="1000000/second",
        BENCH_DATABASE_URL=url,
    )
    return env


def run(args) -> dict:
    check_tools()
    WORK.mkdir(parents=True, exist_ok=True)
    params = {**SCALES[args.scale], "seed": args.seed}
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if args.scale != "full" and not os.environ.get("BENCH_DATABASE_URL"):
        url = with_database(url, f"csr_bench_{args.scale}")
    env = bench_env(url, os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL)
    say(f"scale {args.scale}, database {url}")
    ensure_data(env, url, params, regenerate=args.regenerate)
    manage(env, "collectstatic", "--noinput", "-v", "0")

    prepared_path = WORK / "prepared.json"
    say("capturing SQL and query counts, making tokens and sessions")
    subprocess.run(
        [
            str(BIN / "python"),
            str(BENCH / "django_steps.py"),
            "prepare",
            str(prepared_path),
            *args.users,
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    prepared = json.loads(prepared_path.read_text())
    spec = {}
    for user in prepared["users"]:
        for item in user["api"]:
            for page, path in item.get("urls", {}).items():
                spec[f"Token {user['token']} {path}"] = item["sql"][page]
    spec_path = WORK / "floor-spec.json"
    spec_path.write_text(json.dumps(spec))

    results = {
        "scale": args.scale,
        "params": params,
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "workers": args.workers,
        "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s",
        "api": [],
        "pages": [],
        "exports": [],
        "pdfs": [],
    }
    floor_env = {**env, "BENCH_FLOOR_SPEC": str(spec_path)}
    app = Server("app", "csrplatform.wsgi", APP_PORT, env, args.workers)
    floor = Server("floor", "benchmarks.floor:application", FLOOR_PORT, floor_env, args.workers)
    try:
        app.wait("/healthz")
        floor.wait("/")
        for user in prepared["users"]:
            token = {"Authorization": f"Token {user['token']}"}
            for item in user["api"]:
                row = {k: v for k, v in item.items() if k != "sql"}
                row["user"] = user["email"]
                for page in ("first", "deep"):
                    if "urls" not in item:
                        continue
                    path = item["urls"][page]
                    say(f"{user['email']}: API {item['label']} ({page} page)")
                    row[page] = {
                        "app": load(f"http://127.0.0.1:{APP_PORT}{path}", token, args),
                        "floor": load(f"http://127.0.0.1:{FLOOR_PORT}{path}", token, args),
                    }
                results["api"].append(row)
            cookie = {"Cookie": user["session_cookie"]}
            for page in user["pages"]:
                row = {**page, "user": user["email"]}
                if "url" in page:
                    say(f"{user['email']}: page {page['label']}")
                    row["app"] = load(f"http://127.0.0.1:{APP_PORT}{page['url']}", cookie, args)
                results["pages"].append(row)
    finally:
        app.stop()
        floor.stop()

    # Exports in a fresh one-worker server, so the worker's peak RSS is the export's; a long
    # timeout, so the figure is the export's time and not gunicorn's 30 s default cutting it.
    exporter = Server("export", "csrplatform.wsgi", EXPORT_PORT, env, 1, timeout=900)
    try:
        exporter.wait("/healthz")
        user = prepared["users"][0]
        auth = {
            "session": {"Cookie": user["session_cookie"]},
            "token": {"Authorization": f"Token {user['token']}"},
        }
        for export in user["exports"]:
            say(f"{user['email']}: export {export['label']}")
            figures = measure_export(exporter, export["url"], auth[export["auth"]])
            results["exports"].append({**export, "user": user["email"], **figures})
    finally:
        exporter.stop()
    # The PDFs, each in a fresh process (benchmarks/pdfs.py), as the bench's first user.
    results["pdfs"] = pdfs.measure(
        env, user=prepared["users"][0]["email"], say=say, which=args.pdfs
    )
    results["finished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    results["load_average_at_end"] = os.getloadavg()
    return results


def commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' with uncommitted changes' if dirty else ''}"


# --- the table -----------------------------------------------------------------------------------


def _ms(value) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _rps(value) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(value) -> str:
    return f"{value:.2f}×"


def _yes(flag) -> str:
    # Older results hold True/False; newer ones "total", "per row" or "" (django_steps._counts).
    if flag is True:
        return "yes"
    return {"total": "yes", "per row": "per row only"}.get(flag or "", "no")


def _verdict(problems: list[str], separator: str = ", ") -> str:
    return "met" if not problems else "missed: " + separator.join(problems)


def _short(email: str) -> str:
    return email.removeprefix("scale-").removesuffix("@example.org")


def markdown(results: dict, other: dict | None) -> str:
    p = results["params"]
    lines = [
        f"`make bench SCALE={results['scale']}` — {results['started']} — "
        f"**{results['cores']} cores** (load average {results['load_average_at_start'][0]:.1f} "
        f"at start, {results['load_average_at_end'][0]:.1f} at the end: the machine is shared), "
        f"commit {results['commit']}",
        "",
        f"Data (seed {p['seed']}): {p['suppliers']:,} suppliers, {p['customers']} customers, "
        f"{p['pilots']:,} pilots, {p['audits']:,} audits, {p['findings']:,} findings, "
        f"{p['actions']:,} corrective actions, {p['cost-items']:,} cost items, "
        f"{p['observations']:,} KPI observations. App and floor: gunicorn, "
        f"{results['workers']} sync workers each, production settings, loopback; load: "
        f"`{results['wrk']}` per URL. Latencies in ms.",
        "",
        "API lists, page_size 100 (the floor runs the same SQL with psycopg 3 + orjson):",
        "",
        "| list | user | page | alone | req/s | p50 | p95 | p99 | floor req/s | floor p99 "
        "| × floor | p99 × floor | queries 10 / 100 / last | COUNT |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
        "| --- |",
    ]
    for row in results["api"]:
        if "error" in row:
            lines.append(f"| {row['label']} | {_short(row['user'])} | {row['error']} |")
            continue
        q = row["queries"]
        for page in ("first", "deep"):
            app, floor = row[page]["app"], row[page]["floor"]
            where = (
                "first"
                if page == "first"
                else f"last: {row['deep_rows_skipped']:,} deep ({row['pagination']})"
            )
            if "error" in app or "error" in floor:
                lines.append(
                    f"| {row['label']} | {_short(row['user'])} | {where} | "
                    f"{app.get('error', '')} {floor.get('error', '')} |"
                )
                continue
            lines.append(
                f"| {row['label']} | {_short(row['user'])} | {where} | {_ms(app['alone'])} | "
                f"{_rps(app['rps'])} | "
                f"{_ms(app['p50'])} | {_ms(app['p95'])} | {_ms(app['p99'])} | "
                f"{_rps(floor['rps'])} | {_ms(floor['p99'])} | "
                f"**{_ratio(app['rps'] / floor['rps'])}** | {_ratio(app['p99'] / floor['p99'])} | "
                f"{q['10']} / {q['100']} / {q['100_last']} | {_yes(row['counts_rows'])} |"
            )
    lines += [
        "",
        "Pages (signed in; their page size is fixed; `alone`: the median of three requests one "
        "at a time, before the load):",
        "",
        "| page | user | alone | req/s | p50 | p95 | p99 | queries | COUNT |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in results["pages"]:
        app = row.get("app") or {"error": row.get("error", "")}
        if "error" in app:
            alone = _ms(app["alone"]) if "alone" in app else ""
            lines.append(f"| {row['label']} | {_short(row['user'])} | {alone} | {app['error']} |")
            continue
        lines.append(
            f"| {row['label']} | {_short(row['user'])} | {_ms(app['alone'])} | "
            f"{_rps(app['rps'])} | {_ms(app['p50'])} | "
            f"{_ms(app['p95'])} | {_ms(app['p99'])} | {row['queries']['page']} | "
            f"{_yes(row['counts_rows'])} |"
        )
    lines += [
        "",
        "Exports and reports (one request, a fresh one-worker gunicorn; peak RSS of the worker):",
        "",
        "| export | user | rows | wall s | rows/s | peak RSS MB | RSS before MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["exports"]:
        if "rows" in row:
            lines.append(
                f"| {row['label']} | {_short(row['user'])} | {row['rows']:,} | "
                f"{row['wall_s']:.1f} | {row['rows_per_s']:,.0f} | {row['peak_rss_mb']:.0f} | "
                f"{row['rss_before_mb']:.0f} |"
            )
        else:
            lines.append(f"| {row['label']} | | {row.get('note') or row.get('error')} | | | | |")
    lines += [
        "",
        "Report PDFs (each in a fresh process; the floor: WeasyPrint alone laying out the same "
        "final HTML in one process; `one process`: the pipeline without parts in parallel):",
        "",
        "| report | user | pages | wall s | pages/s | peak RSS MB | HTML alone s | floor s "
        "| floor pages/s | × floor | one process s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["pdfs"]:
        if "pipeline" not in row or "floor" not in row:
            lines.append(
                f"| {row['label']} | {_short(row.get('user', ''))} | "
                f"{row.get('note') or row.get('error')} |"
            )
            continue
        app, floor, single = row["pipeline"], row["floor"], row.get("single")
        one_process = f"{single['wall_s']:.2f}" if single else ""
        lines.append(
            f"| {row['label']} | {_short(row['user'])} | {app['pages']} | {app['wall_s']:.2f} | "
            f"{app['pages_per_s']:.2f} | {app['peak_rss_mb']:.0f} | {row['html']['wall_s']:.2f} | "
            f"{floor['wall_s']:.2f} | {floor['pages_per_s']:.2f} | **{_ratio(row['ratio'])}** | "
            f"{one_process} |"
        )
    lines += ["", "Targets of issue 13:", "", *targets(results, other)]
    return "\n".join(lines) + "\n"


def targets(results: dict, other: dict | None) -> list[str]:
    out = []
    api = [r for r in results["api"] if "queries" in r and "error" not in r["first"]["app"]]
    ratios = [
        (
            r[page]["app"]["rps"] / r[page]["floor"]["rps"],
            r[page]["app"]["p99"] / r[page]["floor"]["p99"],
            r["label"],
            _short(r["user"]),
            page,
        )
        for r in api
        for page in ("first", "deep")
        if "error" not in r[page]["app"] and "error" not in r[page]["floor"]
    ]
    below = [
        f"{label} ({user}, {page}) {_ratio(x)}" for x, _p, label, user, page in ratios if x < 0.5
    ]
    out.append(f"- every API list ≥ 0.5× the floor: {_verdict(below)}")
    slow_p99 = [
        f"{label} ({user}, {page}) {_ratio(p)}" for _x, p, label, user, page in ratios if p > 2
    ]
    out.append(
        f"- p99 ≤ 2× the floor's p99: {'met' if not slow_p99 else 'missed: ' + ', '.join(slow_p99)}"
    )
    offset = sorted({r["label"] for r in api if r["pagination"] != "cursor"})
    deep = []
    for r in api:
        if "error" in r["deep"]["app"]:
            continue
        slower = r["first"]["app"]["rps"] / r["deep"]["app"]["rps"]
        if slower > 1.1:
            deep.append(f"{r['label']} ({_short(r['user'])}) {_ratio(slower)}")
    out.append(
        "- cursor pagination, deepest page ≤ 1.1× the first (req/s): "
        + _verdict(
            ([f"paged by offset (?page=N): {', '.join(offset)}"] if offset else [])
            + ([f"last page slower by more than 1.1×: {', '.join(deep)}"] if deep else []),
            separator="; ",
        )
    )
    counting = sorted(
        {r["label"] for r in results["api"] if r.get("counts_rows") in (True, "total")}
        | {r["label"] for r in results["pages"] if r.get("counts_rows") in (True, "total")}
    )
    out.append(
        "- no COUNT over a whole table on any request (a COUNT in a per-row subquery, bounded "
        "by the page, is shown as `per row only`): "
        + ("met" if not counting else "missed, COUNT in: " + ", ".join(counting))
    )
    varying = [
        f"{r['label']} ({_short(r['user'])}) {r['queries']['10']}/{r['queries']['100']}/"
        f"{r['queries']['10_last']}/{r['queries']['100_last']}"
        for r in api
        if len(set(r["queries"].values())) > 1
    ]
    across = []
    if other:
        theirs = {(r["label"], r["user"]): r for r in other.get("api", []) + other.get("pages", [])}
        # Lists only: a pilot page or a dashboard shows another object at each scale, whose
        # sections (and so queries) differ with its content, not with the size of the data.
        lists = [p for p in results["pages"] if "queries" in p and p["label"] in LIST_PAGES]
        for r in api + lists:
            their = theirs.get((r["label"], r["user"])) or {}
            if their.get("queries") and their["queries"] != (mine := r["queries"]):
                across.append(f"{r['label']} ({_short(r['user'])}) {their['queries']} vs {mine}")
    scales = f"; same counts at the {other['scale']} scale" if other and not across else ""
    out.append(
        "- constant query counts (page_size 10 and 100, first and last page"
        + (f", {other['scale']} and {results['scale']} scales" if other else "")
        + "): "
        + (
            "met" + scales
            if not varying and not across
            else "missed: " + ", ".join(varying + across)
        )
    )
    slow_pages = [
        f"{r['label']} ({_short(r['user'])}) {_ms(r['app']['alone'])} ms alone"
        for r in results["pages"]
        if "alone" in r.get("app", {}) and r["app"]["alone"] >= 1000
    ]
    out.append(f"- every page under 1 s (alone): {_verdict(slow_pages)}")
    for row in results["exports"]:
        if "rows" in row:
            ok = row["peak_rss_mb"] < 200 and row["rows_per_s"] >= 100_000
            out.append(
                f"- {row['label']} streams in < 200 MB at ≥ 100,000 rows/s: "
                f"{'met' if ok else 'missed'} ({row['rows_per_s']:,.0f} rows/s, "
                f"{row['peak_rss_mb']:.0f} MB peak)"
            )
    out += pdf_targets(results.get("pdfs", []))
    return out


def pdf_targets(rows: list[dict]) -> list[str]:
    measured = {row["label"]: row for row in rows if "pipeline" in row and "floor" in row}
    if not measured:
        return ["- pilot PDF, programme PDF: not measured (see the table)"]
    out = []
    pilot = measured.get(PDF_ROWS[0])
    if pilot:
        wall = pilot["pipeline"]["wall_s"]
        out.append(
            f"- a pilot PDF under 2 s: {'met' if wall < 2 else 'missed'} ({wall:.2f} s, "
            f"{pilot['pipeline']['pages']} pages)"
        )
    for row in measured.values():
        ok = row["ratio"] >= 0.8 and row["pipeline"]["peak_rss_mb"] < 400
        out.append(
            f"- {row['label']}: the pipeline within 0.8× of the PDF floor, under 400 MB: "
            f"{'met' if ok else 'missed'} ({_ratio(row['ratio'])}, "
            f"{row['pipeline']['peak_rss_mb']:.0f} MB peak)"
        )
    programme = measured.get(PDF_ROWS[1])
    if programme:
        app, floor = programme["pipeline"], programme["floor"]
        ok = app["pages"] >= 100 and app["wall_s"] < floor["wall_s"]
        out.append(
            f"- a 100-page programme PDF faster than the single-process floor: "
            f"{'met' if ok else 'missed'} ({app['pages']} pages in {app['wall_s']:.1f} s on "
            f"every core, floor {floor['wall_s']:.1f} s, the pipeline in one process "
            f"{programme['single']['wall_s']:.1f} s)"
            if "single" in programme
            else f"- a 100-page programme PDF: {app['pages']} pages in {app['wall_s']:.1f} s"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=dockerfile_workers())
    parser.add_argument("--users", nargs="+", default=list(USERS))
    parser.add_argument(
        "--regenerate", action="store_true", help="drop and generate the data again"
    )
    parser.add_argument(
        "--pdfs",
        choices=("all", "pilot", "none"),
        default="all",
        help="which report PDFs to measure (the full-scale programme takes ~15 minutes)",
    )
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="print the table again from benchmarks/results/<scale>.json, measuring nothing",
    )
    args = parser.parse_args()
    if args.table_only:
        results = json.loads((RESULTS / f"{args.scale}.json").read_text())
    else:
        results = run(args)
    RESULTS.mkdir(exist_ok=True)
    other_scale = next(s for s in SCALES if s != args.scale)
    other_path = RESULTS / f"{other_scale}.json"
    other = json.loads(other_path.read_text()) if other_path.exists() else None
    table = markdown(results, other)
    (RESULTS / f"{args.scale}.json").write_text(json.dumps(results, indent=1))
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1))
    (RESULTS / "latest.md").write_text(table)
    print()
    print(table)


if __name__ == "__main__":
    main()
