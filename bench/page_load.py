"""How long the toy #2 problem page takes to show its plots, in Chromium.

Starts the site exactly as `make run` does (`make -o .venv/.installed-from-lock run`: migrate,
compile the messages, the demo data, then scripts/run_dev.py: runserver, a Celery worker and
beat), or with `--stack production` as docker-compose's web container does (gunicorn, 3
workers, production settings, after collectstatic), on a throwaway SQLite file and a free port,
once for this tree and once for the code at `--before` (exported with `git archive` into a
temporary folder that shares .venv and node_modules), both at the same time; then the demo
student1 opens the demo's toy #2 problem (`7xy/e^(x^2+y^2)`, f_x, no answer yet) in Chromium
(/usr/bin/chromium, the flags of the browser tests: no GPU, so WebGL is drawn by the CPU), the
two sites taking turns run by run so that the machine's noise falls on both alike:

- cold: a new browser context (empty HTTP cache, logged in by its cookie only);
- warm: the same page opened again in that context (what the HTTP cache keeps).

Times are from the navigation's start: to the slice (the 2-D plot) drawn, to all plots drawn
(the 3-D surface's canvas and the slice's curve are in the page and the page has set its plot
kind, plus the next animation frame), and to the first contentful paint. Bytes are what came
over the network for the page until the plots were drawn (Chrome's encodedDataLength, headers
included; what the cache served counts nothing).

    .venv/bin/python bench/page_load.py [--stack production] --runs 7 [--before 6028f39] [--write]

--write puts the table into BENCHMARKS.md between the markers of its stack.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
PASSWORD = "partial-credit-demo"  # noqa: S105 (the demo's, printed by make run)
SET_TITLE = "Lecture 04 toy examples"
PROBLEM_TITLE = "Toy #2: 7xy / e^(x²+y²)"

# Set at document start in every page: polls each animation frame for the plots drawn.
PROBE = """
window.__bench = {};
(function poll() {
  if (!window.__bench.slice && document.querySelector("#plot-slice .scatterlayer .trace")) {
    window.__bench.slice = performance.now();
  }
  var section = document.getElementById("plots");
  var drawn = section && section.getAttribute("data-plot-kind") &&
    document.querySelector("#plot-surface canvas") &&
    document.querySelector("#plot-slice .scatterlayer .trace");
  if (drawn) {
    requestAnimationFrame(function () { window.__bench.drawn = performance.now(); });
    return;
  }
  requestAnimationFrame(poll);
})();
"""


@dataclass
class Site:
    name: str
    slug: str  # for its files and its Celery queue
    tree: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""
    state: str = ""  # the logged-in browser state (cookies)
    results: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    timeouts: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def export_tree(commit: str, into: Path) -> Path:
    """The code at `commit`, in a folder of its own, sharing this tree's .venv and node_modules."""
    tree = into / f"tree-{commit}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "archive", commit], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    for link in (".venv", "node_modules"):
        (tree / link).symlink_to((ROOT / link).resolve())
    return tree


# --stack production: the web container of docker-compose.yml (gunicorn, 3 workers, production
# settings, static files collected by the Dockerfile's collectstatic) on this machine
PRODUCTION_SETUP = [
    ["make", "-o", ".venv/.installed-from-lock", "install"],
    [".venv/bin/python", "manage.py", "migrate", "--no-input"],
    [".venv/bin/python", "manage.py", "compilemessages", "--ignore=.venv", "--ignore=node_modules"],
    [".venv/bin/python", "manage.py", "seed_demo"],
    [".venv/bin/python", "manage.py", "collectstatic", "--no-input"],
]


def start(site: Site, workdir: Path, stack: str) -> None:
    """`make run` (or the production web server) in the site's tree, on its own database file
    and port."""
    env = dict(os.environ)
    env.update(
        PORT=str(site.port),
        DATABASE_URL=f"sqlite:///{workdir / (site.slug + '.sqlite3')}",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        CELERY_QUEUE=f"page-load-{site.slug}",
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (workdir / f"{site.slug}.log").open("wb")
    command = ["make", "-o", ".venv/.installed-from-lock", "run"]
    if stack == "production":
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY="bench-" + secrets.token_urlsafe(64),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
        )
        for step in PRODUCTION_SETUP:
            subprocess.run(step, cwd=site.tree, env=env, stdout=log, stderr=log, check=True)
        command = [str(site.tree / ".venv/bin/gunicorn"), "config.wsgi", "--bind",
                   f"127.0.0.1:{site.port}", "--workers", "3"]  # fmt: skip
    site.proc = subprocess.Popen(
        command,
        cwd=site.tree,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_up(site: Site, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if site.proc is not None and site.proc.poll() is not None:
            raise SystemExit(f"{site.name}: make run exited ({site.proc.returncode}); see its log")
        try:
            with urllib.request.urlopen(f"{site.base}/accounts/login/", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"{site.name}: not up after {timeout} s")


def stop(site: Site) -> None:
    if site.proc is None or site.proc.poll() is not None:
        return
    os.killpg(site.proc.pid, signal.SIGTERM)  # make, run_dev.py, and run_dev's own group
    try:
        site.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(site.proc.pid, signal.SIGKILL)


def log_in(browser, site: Site, workdir: Path) -> None:
    """student1 logs in and opens toy #2 once (its variant is made then); keeps the cookies
    and the problem's URL."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{site.base}/accounts/login/")
    page.fill("#id_username", "student1")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.get_by_role("link", name=SET_TITLE).click()
    page.get_by_role("link", name=PROBLEM_TITLE).click()
    page.wait_for_selector("#plots")
    site.url = page.url
    state = workdir / f"{site.slug}-state.json"
    context.storage_state(path=str(state))
    site.state = str(state)
    context.close()


def visit(context, url: str) -> dict[str, float] | None:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    counted = {"bytes": 0.0, "requests": 0.0, "from_cache": 0.0}

    def finished(event: dict) -> None:
        counted["bytes"] += event.get("encodedDataLength", 0)
        counted["requests"] += 1

    def cached(_event: dict) -> None:
        counted["from_cache"] += 1

    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", cached)
    page.add_init_script(PROBE)
    page.goto(url, timeout=120_000)
    try:
        page.wait_for_function("() => window.__bench && window.__bench.drawn", timeout=120_000)
    except PlaywrightTimeout:
        page.close()
        return None  # counted apart: not drawn within 2 minutes
    drawn, slice_ = page.evaluate("[window.__bench.drawn, window.__bench.slice]")
    fcp = page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: 0}).startTime"
    )
    page.close()
    return {"drawn_ms": drawn, "slice_ms": slice_, "fcp_ms": fcp, **counted}


def measure(browser, site: Site) -> None:
    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, locale="en-US", storage_state=site.state
    )
    try:
        for mode in ("cold", "warm"):
            result = visit(context, site.url)
            if result is None:
                site.timeouts[mode] = site.timeouts.get(mode, 0) + 1
                print(f"{site.name} {mode}: plots not drawn within 2 minutes", flush=True)
            else:
                site.results.setdefault(mode, []).append(result)
    finally:
        context.close()


def table(sites: list[Site]) -> str:
    lines = [
        "| code | cache | runs | navigation to all plots drawn, median ms | min–max ms | "
        "to the slice drawn, median ms | first contentful paint, median ms | "
        "bytes over the network, median | requests | from cache |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for site in sites:
        for mode, runs in site.results.items():
            drawn = [r["drawn_ms"] for r in runs]
            late = site.timeouts.get(mode, 0)
            count = f"{len(runs)} (+{late} not drawn in 2 min)" if late else str(len(runs))
            lines.append(
                f"| {site.name} | {mode} | {count} | "
                f"{statistics.median(drawn):.0f} | "
                f"{min(drawn):.0f}–{max(drawn):.0f} | "
                f"{statistics.median(r['slice_ms'] for r in runs):.0f} | "
                f"{statistics.median(r['fcp_ms'] for r in runs):.0f} | "
                f"{statistics.median(r['bytes'] for r in runs) / 1024:,.0f} KiB | "
                f"{statistics.median(r['requests'] for r in runs):.0f} | "
                f"{statistics.median(r['from_cache'] for r in runs):.0f} |"
            )
    return "\n".join(lines)


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores (shared), Linux {platform.release()}, "
        f"Python {platform.python_version()}, "
        f"{subprocess.run([CHROMIUM, '--version'], capture_output=True, text=True).stdout.strip()};"
        f" load average at the start {load[0]:.2f}"
    )


def write(text: str, stack: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    body = path.read_text(encoding="utf-8")
    start = f"<!-- bench/page_load.py {stack}:start -->"
    end = f"<!-- bench/page_load.py {stack}:end -->"
    block = f"{start}\n{text}\n{end}"
    if start in body:
        head, rest = body.split(start, 1)
        body = head + block + rest.split(end, 1)[1]
    else:
        body = body.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(body, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--before", default="6028f39", help="the code to compare with (a commit)")
    ap.add_argument("--no-before", action="store_true", help="measure this tree only")
    ap.add_argument(
        "--stack",
        choices=["make-run", "production"],
        default="make-run",
        help="make run's dev server, or gunicorn with production settings and collected files",
    )
    ap.add_argument("--write", action="store_true", help="write the table into BENCHMARKS.md")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True)
    workdir = Path(tempfile.mkdtemp(prefix="page_load-"))
    mark = "+" if dirty.stdout.strip() else ""
    sites = [Site(f"this tree ({head}{mark})", "after", ROOT, free_port())]
    if not args.no_before:
        before = export_tree(args.before, workdir)
        sites.insert(0, Site(f"before ({args.before})", "before", before, free_port()))
    print(f"work folder {workdir}; machine: {machine()}", flush=True)
    started = datetime.now(UTC)
    try:
        for site in sites:
            start(site, workdir, args.stack)
        for site in sites:
            wait_up(site)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for site in sites:
                log_in(browser, site, workdir)
            for run in range(args.runs):
                for site in sites:
                    measure(browser, site)
                print(f"run {run + 1}/{args.runs} done", flush=True)
            browser.close()
    finally:
        for site in sites:
            stop(site)
    served = {
        "make-run": "`make run` (Django's runserver with DEBUG on, static files from static/ "
        "through WhiteNoise: compressed where a .br or .gz lies beside them, revalidated on "
        "every visit)",
        "production": "gunicorn with 3 workers and the production settings, as docker-compose's "
        "web container, after `collectstatic` (WhiteNoise: hashed names cached for a year, "
        "compressed with gzip and Brotli; brotli is installed for both)",
    }[args.stack]
    text = "\n".join(
        [
            f"### Problem page with plots in the browser, {args.stack} (`bench/page_load.py`)",
            "",
            f"Command: `.venv/bin/python bench/page_load.py --stack {args.stack} "
            f"--runs {args.runs} --write` (run on {started:%Y-%m-%d %H:%M} UTC).",
            "",
            f"Machine: {machine()}.",
            "",
            f"Served by {served}; the code of this tree and of the branch point "
            f"`{args.before}` side by side, taking turns. What is timed: see the docstring of "
            "bench/page_load.py.",
            "",
            table(sites),
        ]
    )
    print(text)
    if args.write:
        write(text, args.stack)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
