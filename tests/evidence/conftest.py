"""A local stand-in for Crossref and PubMed, so no evidence test reaches the internet.

`registry_server` starts a stdlib HTTP server on 127.0.0.1 (a free port, a thread) that answers
`/crossref/works/{doi}` and `/eutils/esummary.fcgi` from the recordings in `recordings/`, and
points the settings at it. Tests can queue scripted answers (a 500, a 429 with Retry-After), slow
it down, and read back every request it saw. Every other evidence test gets registry addresses on
a closed local port, so a lookup nobody arranged fails fast instead of going out.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from evidence.models import Source

RECORDINGS = Path(__file__).parent / "recordings"


@dataclass
class SeenRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    client_port: int


class RegistryServer:
    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self.delay = 0.0  # seconds before each answer
        self._scripted: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> RegistryServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, path_prefix: str, *answers: tuple[int, dict[str, str], str]) -> None:
        """Answer the next requests whose path starts with `path_prefix` with these
        (status, headers, body) before falling back to the recordings."""
        with self._lock:
            self._scripted[path_prefix].extend(answers)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    # -- answering --

    def _answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict, str]:
        with self._lock:
            for prefix, queue in self._scripted.items():
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        if path.startswith("/crossref/works/"):
            doi = unquote(path.removeprefix("/crossref/works/")).lower()
            recording = RECORDINGS / "crossref" / (doi.replace("/", "_") + ".json")
            if recording.exists():
                return 200, {"Content-Type": "application/json"}, recording.read_text()
            return 404, {"Content-Type": "text/plain"}, "Resource not found."
        if path == "/eutils/esummary.fcgi":
            ids = [i for i in ",".join(query.get("id", [])).split(",") if i]
            result: dict = {"uids": []}
            for pmid in ids:
                recording = RECORDINGS / "pubmed" / f"{pmid}.json"
                if recording.exists():
                    recorded = json.loads(recording.read_text())["result"]
                    result["uids"] += recorded["uids"]
                    result[pmid] = recorded[pmid]
            body = {"header": {"type": "esummary", "version": "0.3"}, "result": result}
            return 200, {"Content-Type": "application/json"}, json.dumps(body)
        return 404, {"Content-Type": "text/plain"}, "Not Found"

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible
            # Headers and body go out in two writes; with Nagle on, the second waits for the
            # client's delayed ACK (~40 ms), which a real registry's server does not add.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append(
                        SeenRequest(
                            parts.path,
                            parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()},
                            self.client_address[1],
                        )
                    )
                if server.delay:
                    time.sleep(server.delay)
                status, headers, body = server._answer(parts.path, parse_qs(parts.query))
                data = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up waiting (a timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler


@pytest.fixture
def registry_server(settings):
    server = RegistryServer().start()
    settings.CROSSREF_API_URL = server.url + "/crossref"
    settings.PUBMED_EUTILS_URL = server.url + "/eutils"
    yield server
    server.stop()


# --- Sources as the clinic blog writes them -----------------------------------------------------


@pytest.fixture
def new_source(db):
    def make(**fields) -> Source:
        return Source.objects.create(**fields)

    return make


@pytest.fixture
def liver_source(new_source) -> Source:
    """The blog's liver cirrhosis reference: right DOI, wrong authors and title."""
    return new_source(
        doi="10.1186/s13287-023-03518-x",
        authors=[
            {"family": "Zhao", "given": "Y."},
            {"family": "Liu", "given": "Y."},
            {"family": "Zhang", "given": "W."},
            {"family": "Li", "given": "H."},
            {"family": "Wang", "given": "L."},
        ],
        title="Efficacy and safety of mesenchymal stem cells in the treatment of liver cirrhosis: "
        "A systematic review and meta-analysis.",
        journal="Stem Cell Research & Therapy",
        year=2023,
    )


@pytest.fixture
def intrathecal_source(new_source) -> Source:
    return new_source(
        doi="10.1186/s13287-024-03748-7",
        authors=[
            {"family": "Mesa Bedoya", "given": "L.E."},
            {"family": "Camacho Barbosa", "given": "J.C."},
            {"family": "López Quiceno", "given": "L."},
        ],
        authors_truncated=True,
        title="The safety profile of mesenchymal stem cell therapy administered through "
        "intrathecal injections for treating neurological disorders: a systematic review and "
        "meta-analysis of randomised controlled trials",
        journal="Stem Cell Res Ther",
        year=2024,
        volume="15",
        pages="146",
    )


@pytest.fixture
def ms_source(new_source) -> Source:
    return new_source(
        doi="10.3389/fcell.2021.696434",
        authors=[
            {"family": "Smith", "given": "JA"},
            {"family": "Nicaise", "given": "AM"},
            {"family": "Ionescu", "given": "RB"},
            {"family": "Hamel", "given": "R"},
            {"family": "Peruzzotti-Jametti", "given": "L"},
            {"family": "Pluchino", "given": "S"},
        ],
        title="Stem Cell Therapies for Progressive Multiple Sclerosis",
        journal="Front Cell Dev Biol",
        year=2021,
        volume="9",
        pages="696434",
    )
