"""Serve a built site under a sub-path on 127.0.0.1 (for the browser tests and screenshots).

Only ``/<prefix>/...`` is served; everything else is 404, so a link that escapes the sub-path
fails loudly. Missing files under the prefix get the site's ``404.html`` with status 404, as a
typical static host would do. With ``compress``, text files go out gzip-compressed to a client
that accepts it, as static hosts send them (``make lighthouse`` measures the site so).
"""

from __future__ import annotations

import gzip
import http.server
import io
import posixpath
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Served:
    root: Path
    prefix: str  # "/calcinosis-cutis/"
    origin: str  # "http://127.0.0.1:PORT"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix


#: What a static host compresses: text, not images that are compressed already.
COMPRESSED_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".svg", ".xml", ".txt"})


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def __init__(self, *args: Any, prefix: str, compress: bool = False, **kwargs: Any) -> None:
        self.prefix = prefix
        self.compress = compress
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _inside(self) -> bool:
        path = urllib.parse.urlsplit(self.path).path
        return path.startswith(self.prefix)

    def translate_path(self, path: str) -> str:
        parsed = urllib.parse.urlsplit(path).path
        rel = parsed[len(self.prefix) :] if parsed.startswith(self.prefix) else parsed
        return super().translate_path("/" + rel)

    def send_head(self) -> Any:
        path = urllib.parse.urlsplit(self.path).path
        if path == self.prefix.rstrip("/"):
            self.send_response(301)
            self.send_header("Location", self.prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if not self._inside():
            self.send_error(404, "outside the site's sub-path")
            return None
        target = Path(self.translate_path(self.path))
        if not target.exists() or (target.is_dir() and not (target / "index.html").is_file()):
            return self._not_found()
        file = target / "index.html" if target.is_dir() else target
        if self._gzip_wanted(file) and not (target.is_dir() and not path.endswith("/")):
            return self._send_gzip(file)
        return super().send_head()

    def _gzip_wanted(self, file: Path) -> bool:
        accepts = self.headers.get("Accept-Encoding", "")
        return self.compress and "gzip" in accepts and file.suffix in COMPRESSED_SUFFIXES

    def _send_gzip(self, file: Path) -> Any:
        body = gzip.compress(file.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(file)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

    def _not_found(self) -> Any:
        page = Path(str(self.directory)) / "404.html"
        if not page.is_file():
            self.send_error(404)
            return None
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(
    root: Path, prefix: str = "/calcinosis-cutis/", compress: bool = False
) -> Iterator[Served]:
    """Serve ``root`` at ``http://127.0.0.1:<free port><prefix>`` in a daemon thread (text
    files gzip-compressed with ``compress``)."""
    prefix = "/" + posixpath.normpath(prefix).strip("/") + "/"
    handler = partial(_Handler, directory=str(root), prefix=prefix, compress=compress)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield Served(root=root, prefix=prefix, origin=f"http://127.0.0.1:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
