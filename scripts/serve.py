#!/usr/bin/env python3
"""Serves a directory (the built playground) on 127.0.0.1, cross-origin isolated.

Usage: serve.py PORT DIR [--plain]

Every response carries the headers that make a page cross-origin isolated
(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp), which
the browser asks for before it lets Web Workers share memory: the playground's CPU backend
then trains on every core (README, "Serving it yourself"). `--plain` leaves them out, as a
host that does not set them would: the page then trains on one thread and says so (the
browser tests serve both ways).
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    """Python's static file handler, with the isolation headers unless `plain`."""

    plain = False
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}

    def end_headers(self):
        if not self.plain:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            # Any page may embed the playground (a figure in an article on another origin).
            self.send_header("Cross-Origin-Resource-Policy", "cross-origin")
        super().end_headers()

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    port, directory = int(sys.argv[1]), sys.argv[2]
    Handler.plain = "--plain" in sys.argv[3:]
    handler = functools.partial(Handler, directory=directory)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
