"""Just enough of an S3 endpoint on 127.0.0.1 for `terraform init` of an `s3` backend.

The user's Terraform state lives in S3 on a MinIO host. To test what happens when that
backend stops answering, a directory is initialised against this stub (an empty bucket: the
workspace listing and the state's HEAD), then the stub is stopped: from there on Terraform
meets the same "connection refused" the real MinIO host gives when it is down.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_EMPTY_LIST = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Name>terraform-state-dev</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>"
    b"<IsTruncated>false</IsTruncated></ListBucketResult>"
)
_NO_SUCH_KEY = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.command == "GET" and "list-type=2" in self.path:
            status, body = 200, _EMPTY_LIST
        elif self.command in ("GET", "HEAD"):
            status, body = 404, _NO_SUCH_KEY
        else:
            status, body = 200, b""
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *_args: Any) -> None:
        pass


class S3Stub:
    """An empty bucket on 127.0.0.1 (a free port); `stop()` makes it unreachable."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def backend_block(url: str, *, credentials: bool) -> str:
    """The vixens `backend "s3"` block (terraform/environments/dev/backend.tf) aimed at `url`,
    in the current syntax (`endpoints`, `use_path_style`), with one retry instead of five so
    a refused connection is reported in a second, not twenty."""
    keys = '    access_key = "terraform"\n    secret_key = "terraform"\n' if credentials else ""
    return (
        'terraform {\n  backend "s3" {\n    bucket = "terraform-state-dev"\n'
        '    key    = "terraform.tfstate"\n    region = "us-east-1"\n'
        f'    endpoints = {{ s3 = "{url}" }}\n{keys}'
        "    skip_credentials_validation = true\n    skip_metadata_api_check     = true\n"
        "    skip_region_validation      = true\n    skip_requesting_account_id  = true\n"
        "    use_path_style              = true\n    max_retries                 = 1\n  }\n}\n"
    )
