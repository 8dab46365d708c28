"""The public-page benchmark's scripts: prepare_article.py publishes a page that answers, and
public_page.py reads wrk's figures right. wrk itself never runs here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.prepare_article import BUILTIN, add_markers, parse_authors
from bench.public_page import parse_wrk

ROOT = Path(__file__).resolve().parent.parent
SHARED_ARTICLE = ROOT.parent / "shared" / "bench" / "article.json"

# Asks the site, through Django's test client in its own process, for one path of the database
# the environment names; prints the status on the first line and the page after it.
FETCH = """
import sys, django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="127.0.0.1").get(sys.argv[1])
sys.stdout.write(f"{response.status_code}\\n{response.content.decode()}")
"""


@pytest.fixture
def bench_env(tmp_path) -> dict[str, str]:
    """A throw-away SQLite file and media folder, never the developer's or CI's database."""
    env = {key: value for key, value in os.environ.items() if key != "PAGE_CACHE_SECONDS"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        SECRET_KEY="test-bench",
        AUDIT_HMAC_KEY="test-bench audit key",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
    )
    return env


def prepare(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bench/prepare_article.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def fetch(env: dict[str, str], path: str) -> tuple[int, str]:
    finished = subprocess.run(
        [sys.executable, "-c", FETCH, path],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status, _, page = finished.stdout.partition("\n")
    return int(status), page


def test_builtin_article_is_published_and_its_path_answers(bench_env, tmp_path):
    finished = prepare(bench_env)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.strip().splitlines()
    assert lines[-1] == f"/articles/{BUILTIN['slug']}/"
    assert "invented for the benchmark" in finished.stdout
    assert (tmp_path / "bench.sqlite3").exists()

    status, page = fetch(bench_env, lines[-1])
    assert status == 200
    assert BUILTIN["title"] in page
    assert "Medically reviewed by Dr Nadia Okafor, MD, endocrinology" in page
    assert page.count('id="ref-') == 10
    assert "Whitfield" in page  # the first reference, formatted

    again = prepare(bench_env)
    assert again.returncode == 1
    assert "already has an article with slug" in again.stderr


@pytest.mark.skipif(
    not SHARED_ARTICLE.exists(), reason="the bench article is not in ../shared/ (CI has it)"
)
def test_shared_article_file_is_published_with_its_reviewer_and_citations(bench_env):
    spec = json.loads(SHARED_ARTICLE.read_text())
    finished = prepare(bench_env, "--article", str(SHARED_ARTICLE))
    assert finished.returncode == 0, finished.stderr
    path = finished.stdout.strip().splitlines()[-1]
    assert path == f"/articles/{spec['slug']}/"
    assert f"last_reviewed {spec['last_reviewed']} is not used" in finished.stdout

    status, page = fetch(bench_env, path)
    assert status == 200
    assert f"Medically reviewed by {spec['reviewed_by']}" in page
    assert page.count('id="ref-') == len(spec["citations"])
    # The file's body has no citation markers; every reference is now marked in the text.
    for number in range(1, len(spec["citations"]) + 1):
        assert f'href="#ref-{number}"' in page


def test_article_the_gate_blocks_prints_its_findings_and_publishes_nothing(bench_env, tmp_path):
    article = {
        "title": "Stem cells for knees",
        "slug": "stem-cells-for-knees",
        "body_html": "<p>Our stem cell therapy gives guaranteed results for every knee.</p>",
        "citations": [
            {
                "authors": "Lu W, Chen Y",
                "title": "Knee cartilage and stem cells",
                "journal": "Journal of Knee Studies",
                "year": 2020,
                "doi_url": "https://doi.org/10.5555/jks.2020.1",
            }
        ],
    }
    path = tmp_path / "article.json"
    path.write_text(json.dumps(article))
    finished = prepare(bench_env, "--article", str(path))
    assert finished.returncode == 1
    assert "unsupported-claim" in finished.stderr
    assert "nothing was written" in finished.stderr
    assert fetch(bench_env, "/articles/stem-cells-for-knees/")[0] == 404


def test_article_file_with_a_bad_citation_names_it(bench_env, tmp_path):
    path = tmp_path / "article.json"
    path.write_text(
        json.dumps(
            {
                "title": "T",
                "slug": "t",
                "body_html": "<p>Text.</p>",
                "citations": [{"title": "A", "doi_url": "https://doi.org/10.5555/a"}, {}],
            }
        )
    )
    finished = prepare(bench_env, "--article", str(path))
    assert finished.returncode == 1
    assert finished.stderr.strip() == f"prepare_article: {path}: citation 2 has no title."
    assert not (tmp_path / "bench.sqlite3").exists()


def test_author_strings_become_names_with_group_authors_kept_whole():
    assert parse_authors("Whelton PK, Carey RM, Aronow WS, et al.") == (
        [
            {"family": "Whelton", "given": "PK"},
            {"family": "Carey", "given": "RM"},
            {"family": "Aronow", "given": "WS"},
        ],
        True,
    )
    assert parse_authors("NCD Risk Factor Collaboration (NCD-RisC)") == (
        [{"literal": "NCD Risk Factor Collaboration (NCD-RisC)"}],
        False,
    )
    assert parse_authors("Schaper NC, van Netten JJ") == (
        [{"family": "Schaper", "given": "NC"}, {"family": "van Netten", "given": "JJ"}],
        False,
    )


def test_markers_go_after_sentences_the_gate_would_block_then_mark_every_reference():
    body = (
        "<p>Blood pressure rises with age. Large studies have shown that lowering it helps. "
        "Ask about it.</p><p>Check it every year.</p><p>Write your readings down.</p>"
    )
    marked = add_markers(body, ["1", "2", "3"])
    assert 'Large studies have shown that lowering it helps.<sup data-citation="1">1</sup> Ask' in (
        marked
    )
    for key in ("1", "2", "3"):
        assert marked.count(f'data-citation="{key}"') == 1


WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:41234/articles/high-blood-pressure/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms    1.20ms  41.02ms   88.00%
    Req/Sec     1.31k   102.11     1.52k    70.50%
  Latency Distribution
     50%  850.00us
     75%    3.50ms
     90%    4.90ms
     99%    1.20s
  26130 requests in 10.01s, 451.93MB read
  Socket errors: connect 0, read 3, write 0, timeout 1
Requests/sec:   2610.39
Transfer/sec:     45.15MB
"""


def test_wrk_figures_are_read_in_milliseconds_whatever_unit_wrk_chose():
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == 2610.39
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)
    assert (result.non_2xx, result.socket_errors) == (0, 4)


def test_wrk_error_responses_are_counted():
    output = WRK_OUTPUT.replace(
        "  Socket errors", "  Non-2xx or 3xx responses: 26130\n  Socket errors"
    )
    assert parse_wrk(output).non_2xx == 26130


def test_stacks_name_the_database_and_cache_the_site_servers_get(monkeypatch):
    from bench.public_page import BenchError, stack_environment

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/14")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert "REDIS_URL" not in stack_environment("sqlite-memory")  # local memory, per worker
    with pytest.raises(BenchError, match="DATABASE_URL naming a PostgreSQL database"):
        stack_environment("postgres-redis")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vetted_bench")
    first, second = stack_environment("postgres-redis"), stack_environment("postgres-redis")
    assert first["REDIS_URL"] == "redis://127.0.0.1:6379/14"
    # A prefix of its own per run: nothing an earlier run left in Redis is read.
    assert first["CACHE_KEY_PREFIX"] != second["CACHE_KEY_PREFIX"]
    monkeypatch.delenv("REDIS_URL")
    with pytest.raises(BenchError, match="REDIS_URL naming a Redis database"):
        stack_environment("postgres-redis")


def test_the_load_the_figures_were_taken_under_is_reported():
    from bench.public_page import describe_load

    assert describe_load([2.31, 5.0, 2.5]).startswith(
        "load average (1 min) during the rounds: 2.3 to 5.0 on"
    )


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="no /proc on this system")
def test_the_cpu_a_servers_workers_use_is_read_from_proc():
    from bench.public_page import Server, workers_cpu_seconds

    # A "server" whose one worker (its child) spins, as gunicorn's master and its workers.
    spin = "import time\nend = time.process_time() + 5\nwhile time.process_time() < end: pass"
    master = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}])"
    server = Server(
        "test", "app", {}, Path("log"), process=subprocess.Popen([sys.executable, "-c", master])
    )
    used = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not used or used[-1] < 0.2):
            time.sleep(0.1)
            used.append(workers_cpu_seconds(server))
    finally:
        for child in (
            Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
            .read_text()
            .split()
        ):
            os.kill(int(child), 9)
        server.process.kill()
        server.process.wait()
    assert used[-1] >= 0.2  # the worker's CPU, not the idle master's
    assert used == sorted(used)
    assert workers_cpu_seconds(Server("not started", "app", {}, Path("log"))) is None


def test_a_baseline_checkout_is_reported_beside_the_others_without_a_bar():
    from bench.public_page import WrkResult, table

    def runs(*rps):
        return [WrkResult(rps=r, p50_ms=1.0, p99_ms=2.0, non_2xx=0, socket_errors=0) for r in rps]

    text, ratios = table(
        {
            "minimal": runs(1000, 2000),
            "cached": runs(600, 1200),
            "uncached": runs(50, 100),
            "baseline": runs(400, 800),
        }
    )
    assert ratios == {"cached": 0.6, "uncached": 0.05, "baseline": 0.4}
    rows = text.splitlines()
    assert rows[2].startswith("| minimal |")
    assert "| baseline | 600 | 1.00 | 2.00 | 0.40 |  |" in rows
    assert "| uncached | 75 | 1.00 | 2.00 | 0.05 | ≥ 0.1: MISSED |" in rows
