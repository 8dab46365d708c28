"""One Redis, many processes, many sites, as production runs them: real gunicorn servers (one
worker each, so each is its own process with its own copies of pages) on SQLite files of the
demo site and Redis database 14.

- Two clinics sharing one Redis never answer each other's pages.
- A change made in one process (an editor's request to one server, `run_jobs` in another) is
  what every other server answers on its very next request."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"
EXERCISE = "/articles/exercise-for-knee-osteoarthritis-what-a-cochrane-review-found/"
PREDIABETES = "/articles/prediabetes-what-it-means-and-what-you-can-do/"

pytestmark = pytest.mark.skipif(
    shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
    reason="gunicorn is not installed in this environment",
)


@pytest.fixture(scope="module")
def redis14():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    yield client
    client.close()


def manage(env: dict[str, str], *args: str) -> str:
    finished = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    return finished.stdout


def shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "-v", "0", "-c", code)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> Path:
    """The demo site in a SQLite file, made once: copied for each clinic."""
    folder = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "SECRET_KEY": "test-demo",
        "SITE_URL": "https://demo.example",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "1",  # a local set-up step, as `make run` makes the demo
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "demo", "--force")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Clinic:
    """One deployment: its own database and SITE_URL, the shared Redis, and its servers."""

    name: str
    env: dict[str, str]
    servers: list[tuple[subprocess.Popen, str]] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.env["SITE_URL"].removeprefix("https://")

    def start(self, log: Path) -> str:
        port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        self.servers.append((process, url))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                # Up once Django answers: /healthz says 503 until run_jobs has first run.
                if httpx.get(url + "/healthz", timeout=5).status_code in (200, 503):
                    return url
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail(f"{self.name}'s server did not start: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        for process, _ in self.servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def open_clinic(name: str, demo: Path, folder: Path, servers: int, **extra: str) -> Clinic:
    shutil.copytree(demo, folder)
    token = secrets.token_hex(4)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "REDIS_URL": REDIS_URL,
        "SITE_URL": f"https://{name}-{token}.example",
        "CORRECTIONS_EMAIL": f"corrections@{name}-{token}.example",
        "SECRET_KEY": f"test-{name}-{token}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        **extra,
    }
    env.pop("CACHE_KEY_PREFIX", None)  # the default, from SITE_URL
    clinic = Clinic(name, env)
    for number in range(servers):
        clinic.start(folder / f"server-{number}.log")
    return clinic


@pytest.fixture(scope="module")
def clinics(demo_database, redis14, tmp_path_factory):
    """Clinic A with two servers, clinic B with one, on the same Redis database."""
    folder = tmp_path_factory.mktemp("clinics")
    opened: list[Clinic] = []
    try:
        opened.append(open_clinic("clinic-a", demo_database, folder / "a", servers=2))
        opened.append(open_clinic("clinic-b", demo_database, folder / "b", servers=1))
        yield opened
    finally:
        for clinic in opened:
            clinic.stop()
            for key in redis14.scan_iter(f"{clinic.host}:*", count=1000):
                redis14.delete(key)


def get(url: str, **kwargs) -> httpx.Response:
    return httpx.get(url, timeout=30, **kwargs)


# --- Many sites ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/editorial-policy/", "/", EXERCISE, "/feed/", "/sitemap.xml"])
def test_two_clinics_on_one_redis_never_answer_each_others_pages(clinics, redis14, path):
    a, b = clinics
    (_, a_url), (_, b_url) = a.servers[0], b.servers[0]
    for _ in range(2):  # the second answer comes from the page cache
        page_a, page_b = get(a_url + path), get(b_url + path)
        assert page_a.status_code == page_b.status_code == 200
        assert a.host in page_a.text and b.host not in page_a.text
        assert b.host in page_b.text and a.host not in page_b.text
    # Each deployment's keys under its own prefix (by default the host of its SITE_URL).
    assert list(redis14.scan_iter(f"{a.host}:*vetted:page:*"))
    assert list(redis14.scan_iter(f"{b.host}:*vetted:page:*"))


# --- Many processes -------------------------------------------------------------------------------


def test_run_jobs_publishing_is_seen_by_every_server_at_once(clinics):
    a = clinics[0]
    urls = [url for _, url in a.servers]
    for url in urls * 2:  # each server has the home page cached, and its own copy of it
        assert get(url + "/").status_code == 200
        assert "Prediabetes" not in get(url + "/").text
        assert get(url + PREDIABETES).status_code == 404
    shell(
        a.env,
        "from django.utils import timezone; from articles import workflow; "
        "from articles.models import Article; from django.contrib.auth import get_user_model; "
        "article = Article.objects.get(slug='prediabetes-what-it-means-and-what-you-can-do'); "
        "workflow.schedule(article, get_user_model().objects.get(username='editor'), "
        "go_live_at=timezone.now())",
    )
    assert "published: 1" in manage(a.env, "run_jobs")
    for url in urls:
        assert "Prediabetes" in get(url + "/").text
        assert get(url + PREDIABETES).status_code == 200


class Editor:
    """A person signed in to the staff workspace of one server (cookies kept by hand: with DEBUG
    off they are Secure, and this test speaks plain HTTP to the server)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = httpx.request(
            method, self.url + path, headers={"Cookie": cookie}, timeout=30, **kwargs
        )
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def csrf(self, page: httpx.Response) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def sign_in(self, username: str, password: str, code: str = "") -> None:
        form = self.request("GET", "/admin/login/")
        answer = self.request(
            "POST",
            "/admin/login/",
            data={
                "csrfmiddlewaretoken": self.csrf(form),
                "username": username,
                "password": password,
                "otp_token": code,
                "next": "/admin/",
            },
        )
        assert answer.status_code == 302, answer.text[-1000:]


def test_an_unpublish_on_one_server_is_seen_by_the_other_on_its_next_request(clinics):
    a = clinics[0]
    (_, first), (_, second) = a.servers
    for _ in range(2):  # the page is cached on the second server, and copied in its process
        assert get(second + EXERCISE).status_code == 200
    article_id = shell(
        a.env,
        "from articles.models import Article; print(Article.objects.get("
        "slug='exercise-for-knee-osteoarthritis-what-a-cochrane-review-found').pk)",
    ).strip()

    # The demo editor's authenticator code now, read from the same database (`demo --codes`).
    code = shell(
        a.env,
        "from django.contrib.auth import get_user_model; from articles.demo import current_code; "
        "print(current_code(get_user_model().objects.get(username='editor')))",
    ).strip()
    editor = Editor(first)
    editor.sign_in("editor", "vetted-editor", code)
    transition = f"/admin/articles/article/{article_id}/transition/unpublish/"
    form = editor.request("POST", transition, data={"csrfmiddlewaretoken": editor.csrf(
        editor.request("GET", f"/admin/articles/article/{article_id}/change/"))})  # fmt: skip
    assert form.status_code == 200, form.text[-1000:]
    done = editor.request(
        "POST",
        transition,
        data={
            "csrfmiddlewaretoken": editor.csrf(form),
            "_confirm": "1",
            "reason": "The review found a newer trial.",
        },
    )
    assert done.status_code == 302, done.text[-1000:]

    assert get(second + EXERCISE).status_code == 404  # the very next request
    assert get(first + EXERCISE).status_code == 404
    assert "Exercise for Knee" not in get(second + "/").text
