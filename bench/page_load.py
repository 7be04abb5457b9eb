"""How long the toy #2 problem page takes to show its plots, in Chromium.

Starts the site exactly as `make run` does (`make -o .venv/.installed-from-lock run`: migrate,
compile the messages, the demo data, then scripts/run_dev.py: runserver, a Celery worker and
beat), or with `--stack production` as docker-compose's web container does (gunicorn, 3
workers, production settings, after collectstatic), on a throwaway SQLite file (or the
PostgreSQL database of `--database-url`, shared by the sites: the demo data is made once) and a
free port, once for this tree and once for the code at `--before` (exported with `git archive`
into a temporary folder that shares .venv and node_modules), both at the same time; then the
demo student1 opens the demo's toy #2 problem (`7xy/e^(x^2+y^2)`, f_x, no answer yet) in
Chromium (/usr/bin/chromium, the flags of the browser tests: no GPU, so WebGL is drawn by the
CPU), the sites taking turns run by run so that the machine's noise falls on all alike.

The in-run baseline (`bare` rows): the same problem (toy #2's template, another item of the same
set) with the item's plots turned off, on the same servers, in the same turns: what the page
costs without any plot.

- cold: a new browser context (empty HTTP cache, logged in by its cookie only);
- warm: the same page opened again in that context (what the HTTP cache keeps).

Times are from the navigation's start:

- **plots visible**: every plot of the page is drawn and visible: the 2-D slice and the 3-D
  surface (a still picture first, where the code draws one) are in the page with a non-empty
  box, the page has set its plot kind (and data-plot-visible, where the code sets it), plus the
  next animation frame (the paint). For code without a still picture, this is the moment the
  WebGL surface is drawn.
- **answer previewed**: from typing a first answer, once the plots are visible, until its
  preview is shown (wall time seen by the driver). Then the picture is touched (a pointerdown
  on it): the page runs Plotly only when the student reaches for the surface (before b38bd0a
  it ran it as soon as the section was in view, touched or not).
- **surface rotatable**: Plotly's WebGL surface is drawn (data-plot-drawn: its canvas in place);
  and how long that was after the touch ("–" where it was drawn before it). Since the touch
  comes after the answer's preview, this time includes the typing: it is not comparable with
  the tables made before b38bd0a, where nothing was typed.
- slice drawn, first contentful paint, and the load event (for the bare page: what it waits
  for).

Bytes are what came over the network for the page until the plots were rotatable (Chrome's
encodedDataLength, headers included; what the cache served counts nothing).

    .venv/bin/python bench/page_load.py [--stack production] --runs 7 [--before cccd7ce] \
        [--database-url postgres://...] [--write]

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
  function shown(sel) {
    var e = document.querySelector(sel);
    if (!e) return false;
    var box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  }
  var section = document.getElementById("plots");
  if (!section) { requestAnimationFrame(poll); return; }  // not parsed yet
  var slice = shown("#plot-slice svg .trace") || shown("#plot-slice .scatterlayer .trace");
  if (!window.__bench.slice && slice) window.__bench.slice = performance.now();
  var surface = shown("#plot-surface svg.plot-preview") || shown("#plot-surface canvas");
  var marked = section.hasAttribute("data-plot-visible") || section.hasAttribute("data-plot-drawn");
  if (!window.__bench.visibleAsked && slice && surface && marked &&
      section.getAttribute("data-plot-kind")) {
    window.__bench.visibleAsked = true;
    requestAnimationFrame(function () { window.__bench.visible = performance.now(); });
  }
  if (section.hasAttribute("data-plot-drawn") && shown("#plot-surface canvas")) {
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
    bare_url: str = ""  # the same problem, on an item whose plots are off
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


# The bare page: an item of toy #2's template in the same set with its plots off (made once).
BARE_ITEM = """
from exercises.authoring.models import ProblemSetItem
toy = ProblemSetItem.objects.get(problem_set__title_en="Lecture 04 toy examples",
                                 template__slug="toy-2-gaussian", show_plots=True)
bare = ProblemSetItem.objects.filter(problem_set=toy.problem_set, template=toy.template,
                                     show_plots=False).first()
if bare is None:
    bare = ProblemSetItem.objects.get(pk=toy.pk)
    bare.pk = None
    bare.show_plots = False
    bare.position = toy.position + 1000
    bare.save()
print("BARE", bare.pk)
"""


def start(site: Site, workdir: Path, stack: str, database_url: str = "") -> None:
    """`make run` (or the production web server) in the site's tree, on its own database file
    (or `database_url`) and port; the bare item added to the demo data."""
    env = dict(os.environ)
    env.update(
        PORT=str(site.port),
        DATABASE_URL=database_url or f"sqlite:///{workdir / (site.slug + '.sqlite3')}",
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
        site.bare_url = bare_item(site, env)
        command = [str(site.tree / ".venv/bin/gunicorn"), "config.wsgi", "--bind",
                   f"127.0.0.1:{site.port}", "--workers", "3"]  # fmt: skip
    site.proc = subprocess.Popen(  # noqa: S603 (our own commands)
        command,
        cwd=site.tree,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def bare_item(site: Site, env: dict[str, str]) -> str:
    """Adds the bare item (once per database); its URL, which opens the student's problem."""
    out = subprocess.run(
        [".venv/bin/python", "manage.py", "shell", "-c", BARE_ITEM],
        cwd=site.tree, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    pk = next(line.split()[1] for line in out.splitlines() if line.startswith("BARE "))
    return f"/items/{pk}/"


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
    page.get_by_role("link", name=PROBLEM_TITLE).first.click()  # the bare item comes last
    page.wait_for_selector("#plots")
    site.url = page.url
    if site.bare_url:
        page.goto(site.base + site.bare_url)  # makes the variant, redirects to the problem
        page.wait_for_selector("#answer-form")
        site.bare_url = page.url
    state = workdir / f"{site.slug}-state.json"
    context.storage_state(path=str(state))
    site.state = str(state)
    context.close()


def visit(context, url: str, bare: bool = False) -> dict[str, float] | None:
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
        if bare:
            page.wait_for_function(
                "() => (performance.getEntriesByType('navigation')[0] || {}).loadEventEnd > 0",
                timeout=120_000,
            )
        else:
            page.wait_for_function(
                "() => window.__bench && window.__bench.visible", timeout=120_000
            )
            # the first answer typed once the plots are seen: how long until its preview shows
            # (what a long task on the page's thread, such as running Plotly, holds back)
            typed = time.perf_counter()
            page.fill("#id_answer", "7y/e^(x^2+y^2)")
            page.wait_for_selector("#preview .katex", timeout=120_000)
            counted["preview_ms"] = (time.perf_counter() - typed) * 1000
            # then the student reaches for the surface
            counted["touch_ms"] = page.evaluate("performance.now()")
            page.locator("#plot-surface").dispatch_event("pointerdown")
            page.wait_for_function("() => window.__bench && window.__bench.drawn", timeout=120_000)
    except PlaywrightTimeout:
        page.close()
        return None  # counted apart: not drawn within 2 minutes
    if bare:
        assert page.evaluate("document.getElementById('plots') === null"), "plots on the bare page"
    drawn, visible, slice_ = page.evaluate(
        "[window.__bench.drawn, window.__bench.visible, window.__bench.slice]"
    )
    fcp, loaded = page.evaluate(
        "[(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: 0}).startTime,"
        " performance.getEntriesByType('navigation')[0].loadEventEnd]"
    )
    page.close()
    if "touch_ms" in counted and drawn > counted["touch_ms"]:  # else drawn before the touch
        counted["after_touch_ms"] = drawn - counted["touch_ms"]
    return {"drawn_ms": drawn, "visible_ms": visible, "slice_ms": slice_, "fcp_ms": fcp,
            "load_ms": loaded, **counted}  # fmt: skip


def measure(browser, site: Site, bare: bool) -> None:
    """A cold and a warm visit of the plots page (and of the bare page, in its own context)."""
    pages = [("plots", site.url)] + ([("bare", site.bare_url)] if bare and site.bare_url else [])
    for kind, url in pages:
        context = browser.new_context(
            viewport={"width": 1100, "height": 900}, locale="en-US", storage_state=site.state
        )
        try:
            for mode in ("cold", "warm"):
                result = visit(context, url, bare=kind == "bare")
                row = f"{kind} {mode}"
                if result is None:
                    site.timeouts[row] = site.timeouts.get(row, 0) + 1
                    print(f"{site.name} {row}: not drawn within 2 minutes", flush=True)
                else:
                    site.results.setdefault(row, []).append(result)
        finally:
            context.close()


def _median(runs: list[dict[str, float]], key: str) -> str:
    values = [r[key] for r in runs if r.get(key)]
    return f"{statistics.median(values):.0f}" if values else "–"


def _spread(runs: list[dict[str, float]], key: str) -> str:
    values = [r[key] for r in runs if r.get(key)]
    return f"{min(values):.0f}–{max(values):.0f}" if values else "–"


def table(sites: list[Site]) -> str:
    lines = [
        "| page | code | cache | runs | plots visible, median ms | min–max ms | "
        "surface rotatable, median ms | min–max ms | of which after the touch, median ms | "
        "slice drawn, median ms | "
        "first contentful paint, median ms | load event, median ms | "
        "answer previewed, median ms | min–max ms | "
        "bytes over the network, median | requests | from cache |",
        "| --- | --- | --- " + "| ---: " * 14 + "|",
    ]
    for kind in ("plots", "bare"):
        for site in sites:
            for row, runs in site.results.items():
                if not row.startswith(kind):
                    continue
                mode = row.split()[1]
                late = site.timeouts.get(row, 0)
                count = f"{len(runs)} (+{late} not drawn in 2 min)" if late else str(len(runs))
                lines.append(
                    f"| {'toy #2 with plots' if kind == 'plots' else 'bare: plots off'} | "
                    f"{site.name} | {mode} | {count} | "
                    f"{_median(runs, 'visible_ms')} | {_spread(runs, 'visible_ms')} | "
                    f"{_median(runs, 'drawn_ms')} | {_spread(runs, 'drawn_ms')} | "
                    f"{_median(runs, 'after_touch_ms')} | "
                    f"{_median(runs, 'slice_ms')} | {_median(runs, 'fcp_ms')} | "
                    f"{_median(runs, 'load_ms')} | "
                    f"{_median(runs, 'preview_ms')} | {_spread(runs, 'preview_ms')} | "
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
    ap.add_argument("--before", default="cccd7ce", help="the code to compare with (a commit)")
    ap.add_argument("--no-before", action="store_true", help="measure this tree only")
    ap.add_argument(
        "--stack",
        choices=["make-run", "production"],
        default="make-run",
        help="make run's dev server, or gunicorn with production settings and collected files",
    )
    ap.add_argument("--write", action="store_true", help="write the table into BENCHMARKS.md")
    ap.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database for all the sites (default: a SQLite file per site)",
    )
    ap.add_argument("--no-bare", action="store_true", help="skip the bare page (plots off)")
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
            start(site, workdir, args.stack, args.database_url)
        for site in sites:
            wait_up(site)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for site in sites:
                log_in(browser, site, workdir)
            for run in range(args.runs):
                for site in sites:
                    measure(browser, site, bare=not args.no_bare)
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
            f"--runs {args.runs} "
            + ("--no-before " if args.no_before else f"--before {args.before} ")
            + ("--no-bare " if args.no_bare else "")
            + (f"--database-url {args.database_url} " if args.database_url else "")
            + f"--write` (run on {started:%Y-%m-%d %H:%M} UTC).",
            "",
            f"Machine: {machine()}.",
            "",
            f"Served by {served}; "
            + (
                "this tree only"
                if args.no_before
                else f"the code of this tree and of `{args.before}` side by side, taking turns"
            )
            + (
                f", on the PostgreSQL database {args.database_url.rsplit('/', 1)[-1]}"
                if args.database_url
                else ", each on a SQLite file"
            )
            + ". What is timed: see the docstring of bench/page_load.py.",
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
