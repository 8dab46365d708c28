"""Public article page throughput: the site under gunicorn with the page cache on and off,
against a minimal WSGI app serving the same bytes, driven by wrk in interleaved rounds.

    .venv/bin/python bench/public_page.py                       # prepares the built-in article
    .venv/bin/python bench/public_page.py --article ../shared/bench/article.json
    .venv/bin/python bench/public_page.py /articles/SLUG/       # an article already published
    .venv/bin/python bench/public_page.py --rounds 1 --duration 3 --no-check   # a smoke run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vetted_bench \
        REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/public_page.py --stack postgres-redis   # as production runs

Without a path it runs bench/prepare_article.py first (a fresh bench/.bench.sqlite3 unless
DATABASE_URL is set). Three servers run at once on free ports of 127.0.0.1, each gunicorn with 2
sync workers: the site with DEBUG off and the page cache at its default ("cached"), the site
with PAGE_CACHE_SECONDS=0 ("uncached"), and bench/minimal_wsgi.py serving the bytes the site
answered with, with the same content type ("minimal").

`--stack` says where the site keeps its data and its cache. `sqlite-memory` (the default, as
`make run`): the database of DATABASE_URL or the fresh SQLite file, and the cache in local memory,
one per worker (REDIS_URL is ignored). `postgres-redis` (as production): DATABASE_URL must name an
empty PostgreSQL database (or one holding the article, with a path) and REDIS_URL a Redis
database; the run uses a key prefix of its own there, so it reads nothing an earlier run left.

After a warm-up, each round runs `wrk -t2 -c8 -d10s --latency` against each server in turn (the
order rotates each round), so a noisy neighbour costs every server alike. It prints requests per
second and p50/p99 latency (medians over the rounds) and each server's throughput as a fraction
of the minimal app's (the median of the per-round fractions). It exits 1 if the cached page
reaches less than half of the minimal app or the uncached page less than a tenth, unless
--no-check. Each round's line also gives the 1-minute load average and the CPU time the server's
workers used per request (from /proc), and the run ends with the load it was taken under.

`--baseline DIR` adds a fourth server, the cached site as the checkout in DIR serves it (a
`git worktree` of the code before a change, say), in the same rounds and reported beside the
others without a bar: a change measured against what it replaces under the same load.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.environment import local_production  # noqa: E402
from bench.prepare_article import DEFAULT_DATABASE, DEFAULT_MEDIA  # noqa: E402

# The fraction of the minimal app's throughput each variant must reach.
BARS = {"cached": 0.5, "uncached": 0.1}
WORKERS = 2


class BenchError(Exception):
    """The benchmark cannot run; the message says why and what to do."""


# --- Servers --------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    app: str
    env: dict[str, str]
    log: Path
    port: int = 0
    # The checkout whose code it runs (gunicorn imports the app from there).
    cwd: Path = ROOT
    process: subprocess.Popen | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(server: Server) -> None:
    """Start gunicorn in its own process group, so stopping it stops its workers too."""
    server.port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", server.app,
        "--workers", str(WORKERS), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{server.port}", "--log-level", "warning",
        "--chdir", str(server.cwd),
    ]  # fmt: skip
    with server.log.open("wb") as log:
        server.process = subprocess.Popen(
            command,
            cwd=server.cwd,
            env=server.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(server: Server) -> None:
    process = server.process
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def wait_ready(server: Server, path: str, timeout: float = 60) -> None:
    """Wait until the server answers `path` with 200; fail with its log if it cannot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"the {server.name} server exited with status {server.process.returncode}:\n"
                f"{server.log_tail()}"
            )
        try:
            status, _type, _body = fetch(server.url(path))
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise BenchError(
            f"the {server.name} server answered {path} with {status}, not 200. Is the article "
            f"published in this database?\n{server.log_tail()}"
        )
    raise BenchError(f"the {server.name} server did not answer within {timeout:.0f} s.")


# --- wrk ------------------------------------------------------------------------------------

_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def parse_wrk(output: str) -> WrkResult:
    """Requests per second, p50 and p99 latency in milliseconds, and errors from wrk --latency."""
    rps = _RPS.search(output)
    percentiles = {p: float(v) * _TO_MS[unit] for p, v, unit in _PERCENTILE.findall(output)}
    if rps is None or set(percentiles) != {"50", "99"}:
        raise BenchError(f"could not read wrk's output (was --latency given?):\n{output}")
    non_2xx = _NON_2XX.search(output)
    socket_errors = _SOCKET_ERRORS.search(output)
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


def run_wrk(url: str, args: argparse.Namespace, duration: float) -> WrkResult:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration:g}s",
        "--latency",
        url,
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BenchError(f"wrk failed ({' '.join(command)}):\n{finished.stderr}")
    result = parse_wrk(finished.stdout)
    if result.non_2xx:
        raise BenchError(
            f"{result.non_2xx} responses from {url} were not 2xx or 3xx; the figures would "
            "measure an error page."
        )
    return result


# --- The run --------------------------------------------------------------------------------


def require_tools() -> None:
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed; on Debian or Ubuntu: sudo apt-get install wrk")
    if importlib.util.find_spec("gunicorn") is None:
        raise BenchError(
            f"gunicorn is not installed for {sys.executable}; install the project "
            "(`make install` or `pip install -e .`)."
        )


STACKS = ("sqlite-memory", "postgres-redis")


def stack_environment(stack: str) -> dict[str, str]:
    """The environment for `stack`: what prepare_article.py and the site servers read."""
    env = dict(os.environ)
    if stack == "sqlite-memory":
        env.pop("REDIS_URL", None)
        return env
    if not env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise BenchError(
            "--stack postgres-redis needs DATABASE_URL naming a PostgreSQL database, such as "
            "postgres://postgres@127.0.0.1:5432/vetted_bench (empty, unless a path is given)."
        )
    if not env.get("REDIS_URL", "").startswith("redis://"):
        raise BenchError(
            "--stack postgres-redis needs REDIS_URL naming a Redis database, such as "
            "redis://127.0.0.1:6379/14."
        )
    env["CACHE_KEY_PREFIX"] = f"bench-{secrets.token_hex(8)}"
    return env


def site_environment(stack_env: dict[str, str]) -> dict[str, str]:
    """The environment both site servers share: DEBUG off, a fixed key for the run, and the
    database (and media folder) prepare_article.py used."""
    env = dict(stack_env)
    if not env.get("DATABASE_URL"):
        if not DEFAULT_DATABASE.exists():
            raise BenchError(
                f"{DEFAULT_DATABASE} does not exist: run bench/prepare_article.py first, or "
                "give no path so this script runs it."
            )
        env["DATABASE_URL"] = f"sqlite:///{DEFAULT_DATABASE}"
        env.setdefault("MEDIA_ROOT", str(DEFAULT_MEDIA))
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY=f"bench-{secrets.token_urlsafe(32)}",
        AUDIT_HMAC_KEY=env.get("AUDIT_HMAC_KEY") or "bench audit key",
    )
    local_production(env)  # SITE_URL, static files read from the app, no task worker
    env.pop("PAGE_CACHE_SECONDS", None)
    return env


def forget_cache(env: dict[str, str]) -> None:
    """Delete what the run stored in Redis (the keys under its own prefix)."""
    if not env.get("REDIS_URL") or not env.get("CACHE_KEY_PREFIX"):
        return
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=2)
    try:
        keys = list(client.scan_iter(f"{env['CACHE_KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError as problem:
        print(f"public_page: could not delete the run's cache keys: {problem}", file=sys.stderr)
    finally:
        client.close()


def prepare(article: Path | None, env: dict[str, str]) -> str:
    """Run prepare_article.py and return the path it printed last."""
    command = [sys.executable, str(ROOT / "bench" / "prepare_article.py")]
    if article is not None:
        command += ["--article", str(article)]
    finished = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=ROOT, env=env
    )
    sys.stdout.write(finished.stdout)
    if finished.returncode != 0 or not finished.stdout.strip():
        raise BenchError(f"prepare_article.py failed:\n{finished.stderr}")
    return finished.stdout.strip().splitlines()[-1]


def describe_machine(env: dict[str, str], args: argparse.Namespace, size: int) -> str:
    database = env["DATABASE_URL"].split("://", 1)[0]
    cache = "Redis" if env.get("REDIS_URL") else "local memory, one per worker"
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{database} database; page cache in {cache}; page {size:,} bytes\n"
        f"gunicorn {WORKERS} sync workers per server; wrk -t{args.threads} "
        f"-c{args.connections}, {args.rounds} rounds of {args.duration:g} s per server"
    )


def table(results: dict[str, list[WrkResult]]) -> tuple[str, dict[str, float]]:
    """The figures as a Markdown table, and each site variant's ratio to the minimal app."""
    rounds = len(results["minimal"])
    ratios = {
        name: statistics.median(
            results[name][r].rps / results["minimal"][r].rps for r in range(rounds)
        )
        for name in results
        if name != "minimal"
    }
    lines = [
        "| server | requests/s | p50 ms | p99 ms | vs minimal | bar |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name in results:
        runs = results[name]
        rps = statistics.median(r.rps for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        if name == "minimal":
            ratio, bar = "1", ""
        elif name not in BARS:
            ratio, bar = f"{ratios[name]:.2f}", ""
        else:
            verdict = "met" if ratios[name] >= BARS[name] else "MISSED"
            ratio, bar = f"{ratios[name]:.2f}", f"≥ {BARS[name]:g}: {verdict}"
        lines.append(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {ratio} | {bar} |")
    return "\n".join(lines), ratios


def benchmark(
    path: str, args: argparse.Namespace, stack_env: dict[str, str], workdir: Path
) -> dict[str, float]:
    env = site_environment(stack_env)
    servers = {
        "cached": Server("cached", "config.wsgi:application", env, workdir / "cached.log"),
        "uncached": Server(
            "uncached",
            "config.wsgi:application",
            {**env, "PAGE_CACHE_SECONDS": "0"},
            workdir / "uncached.log",
        ),
    }
    if args.baseline:
        # The cached site as another checkout's code serves it, against the same database and
        # Redis (under a key prefix of its own): before and after a change, in the same rounds.
        servers["baseline"] = Server(
            "baseline",
            "config.wsgi:application",
            {**env, "CACHE_KEY_PREFIX": f"{env.get('CACHE_KEY_PREFIX', 'bench')}-baseline"},
            workdir / "baseline.log",
            cwd=args.baseline.resolve(),
        )
    try:
        for server in servers.values():
            start(server)
        for server in servers.values():
            wait_ready(server, path)
        status, content_type, body = fetch(servers["cached"].url(path))
        if status != 200:
            raise BenchError(f"{path} answered {status} on the second request.")
        page = workdir / "page.html"
        page.write_bytes(body)
        minimal_env = {**os.environ, "BENCH_BODY_FILE": str(page)}
        minimal_env["BENCH_CONTENT_TYPE"] = content_type
        servers["minimal"] = Server(
            "minimal", "bench.minimal_wsgi:application", minimal_env, workdir / "minimal.log"
        )
        start(servers["minimal"])
        wait_ready(servers["minimal"], path)

        print(describe_machine(env, args, len(body)))
        print(f"warming up ({args.warmup:g} s per server)…")
        for server in servers.values():
            run_wrk(server.url(path), args, args.warmup)
        names = ["minimal", *(name for name in servers if name != "minimal")]
        results: dict[str, list[WrkResult]] = {name: [] for name in names}
        loads = [os.getloadavg()[0]]
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                cpu_before = workers_cpu_seconds(servers[name])
                result = run_wrk(servers[name].url(path), args, args.duration)
                cpu_after = workers_cpu_seconds(servers[name])
                results[name].append(result)
                loads.append(os.getloadavg()[0])
                errors = f", {result.socket_errors} socket errors" if result.socket_errors else ""
                cpu = ""
                if cpu_before is not None and cpu_after is not None and result.rps:
                    per_request = (cpu_after - cpu_before) / (result.rps * args.duration)
                    cpu = f"  workers' CPU {per_request * 1e6:,.0f} µs/req"
                print(
                    f"round {r + 1}/{args.rounds} {name:<9} {result.rps:>9,.0f} req/s  "
                    f"p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms  "
                    f"load {loads[-1]:.1f}{cpu}{errors}"
                )
    finally:
        for server in servers.values():
            stop(server)
        forget_cache(env)
        if "baseline" in servers:
            forget_cache(servers["baseline"].env)
    text, ratios = table(results)
    print()
    print(text)
    print()
    print(describe_load(loads))
    return ratios


def workers_cpu_seconds(server: Server) -> float | None:
    """The CPU time (user and system) the server's workers have used so far, from /proc; None
    where there is no /proc. Less at the mercy of other load than requests per second: what a
    request costs the server, whoever else wants the CPUs."""
    try:
        pid = server.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ticks = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    except (AttributeError, OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def describe_load(loads: list[float]) -> str:
    """The 1-minute load average over the run: the figures mean little on a busy machine (on
    2 CPUs, wrk and the three servers alone keep it near 2-3)."""
    return (
        f"load average (1 min) during the rounds: {min(loads):.1f} to {max(loads):.1f} "
        f"on {os.cpu_count()} CPUs"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="the article's URL path (default: prepare one)")
    parser.add_argument("--article", type=Path, help="passed to prepare_article.py")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds per server")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-check", action="store_true", help="report, never fail on the bars")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (a git worktree of main, say) whose cached site runs in the same "
        "rounds, reported beside the others (no bar)",
    )
    parser.add_argument(
        "--stack",
        choices=STACKS,
        default=STACKS[0],
        help="where the site keeps data and cache (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.path and args.article:
        parser.error("give either a path or --article, not both")
    if args.rounds < 1 or args.duration <= 0 or args.warmup <= 0:
        parser.error("--rounds must be at least 1, --duration and --warmup more than 0")
    if args.baseline and not (args.baseline / "config" / "wsgi.py").is_file():
        parser.error(f"--baseline {args.baseline}: not a checkout of this project")
    # A SIGTERM runs the finally blocks that stop the servers, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        require_tools()
        stack_env = stack_environment(args.stack)
        path = args.path or prepare(args.article, stack_env)
        with tempfile.TemporaryDirectory(prefix="vetted-bench-") as workdir:
            ratios = benchmark(path, args, stack_env, Path(workdir))
    except BenchError as problem:
        print(f"public_page: {problem}", file=sys.stderr)
        return 2
    missed = [name for name, bar in BARS.items() if ratios[name] < bar]
    if missed and not args.no_check:
        print(f"public_page: below the bar: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
