"""Registry verification benchmark: 100 sources checked against a local stand-in for Crossref and
PubMed that takes 50 ms to answer each request. Prints the elapsed time, requests per second and
connections opened. The bar is under 5 seconds (one request at a time would need 5 s of waiting
alone; concurrency and connection reuse are what make it fast).

    .venv/bin/python bench/verify_sources.py [--sources 100] [--latency 0.05] [--workers 3]

Uses a throw-away SQLite file and never reaches the internet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TITLE = "Mesenchymal stem cells for knee osteoarthritis: trial {n}"


def crossref_message(doi: str) -> dict:
    n = doi.rsplit(".", 1)[-1]
    return {
        "status": "ok",
        "message-type": "work",
        "message": {
            "DOI": doi,
            "type": "journal-article",
            "title": [TITLE.format(n=n)],
            "author": [
                {"given": "Ana", "family": "Pereira", "sequence": "first"},
                {"given": "Kenji", "family": "Watanabe", "sequence": "additional"},
            ],
            "container-title": ["Stem Cell Research &amp; Therapy"],
            "short-container-title": ["Stem Cell Res Ther"],
            "issued": {"date-parts": [[2022, 5, 1]]},
            "volume": "13",
            "article-number": n,
        },
    }


def esummary(pmids: list[str]) -> dict:
    result: dict = {"uids": pmids}
    for pmid in pmids:
        n = str(int(pmid) - 97000000)
        result[pmid] = {
            "uid": pmid,
            "pubdate": "2022 May",
            "source": "Stem Cell Res Ther",
            "fulljournalname": "Stem cell research & therapy",
            "title": TITLE.format(n=n) + ".",
            "authors": [{"name": "Pereira A", "authtype": "Author"},
                        {"name": "Watanabe K", "authtype": "Author"}],
            "pubtype": ["Journal Article"],
            "articleids": [{"idtype": "doi", "value": f"10.5555/bench.{n}"}],
        }  # fmt: skip
    return {"header": {"type": "esummary", "version": "0.3"}, "result": result}


class Registry:
    """Answers every request after `latency` seconds, over keep-alive connections."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.requests = 0
        self.connections: set[int] = set()
        self.lock = threading.Lock()
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the second waits for the
            # client's delayed ACK (~40 ms), which a real registry's server does not add.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802
                with registry.lock:
                    registry.requests += 1
                    registry.connections.add(self.client_address[1])
                time.sleep(registry.latency)
                parts = urlsplit(self.path)
                if parts.path.startswith("/crossref/works/"):
                    body = crossref_message(unquote(parts.path.removeprefix("/crossref/works/")))
                else:
                    body = esummary(parse_qs(parts.query)["id"][0].split(","))
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def setup(registry_url: str) -> None:
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    # The settings read these from the environment, as in production.
    os.environ["CROSSREF_API_URL"] = registry_url + "/crossref"
    os.environ["PUBMED_EUTILS_URL"] = registry_url + "/eutils"
    os.environ["REGISTRY_CONTACT_EMAIL"] = "bench@vetted.test"
    from bench.environment import local_production

    local_production()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--workers", type=int, default=None, help="concurrent requests")
    args = parser.parse_args()
    registry = Registry(args.latency)
    setup(registry.url)

    from evidence.models import Source
    from evidence.registry import WORKERS, RegistryClient
    from evidence.verification import verify_sources

    workers = args.workers or WORKERS
    # Every source has a DOI; every other one a PMID too (PubMed is asked in one batch).
    Source.objects.bulk_create(
        Source(
            doi=f"10.5555/bench.{i}",
            pmid=str(97000000 + i) if i % 2 else "",
            title=TITLE.format(n=i),
            authors=[{"family": "Pereira", "given": "A."}, {"family": "Watanabe", "given": "K."}],
            journal="Stem Cell Res Ther",
            year=2022,
        )
        for i in range(args.sources)
    )

    start = time.perf_counter()
    with RegistryClient(workers=workers) as client:
        outcomes = verify_sources(Source.objects.order_by("pk"), client=client)
    elapsed = time.perf_counter() - start

    statuses = Counter(o.status for o in outcomes)
    print(
        f"{len(outcomes)} sources, {registry.requests} requests "
        f"({args.latency * 1000:.0f} ms each), {workers} workers, "
        f"{len(registry.connections)} connections"
    )
    print(f"elapsed: {elapsed:.2f} s; {registry.requests / elapsed:.1f} requests/s")
    print("statuses: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    print("bar (under 5 s): " + ("met" if elapsed < 5 else "MISSED"))


if __name__ == "__main__":
    main()
