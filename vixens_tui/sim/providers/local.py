"""hashicorp/local: `local_file`, as the real provider does it (v2.5): the file written with
its permissions (parents created), `id` the SHA-1 of the content and the other checksums
computed, every argument forcing a replacement, and a file that is gone or was changed
outside Terraform read back as gone (so the next plan creates it again)."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from tf import schema, types

from vixens_tui.sim.providers.base import SimProvider, SimResource, State

_CHECKSUMS = ("md5", "sha1", "sha256", "sha512")


def _data(state: State) -> bytes:
    if state.get("content_base64"):
        return base64.b64decode(str(state["content_base64"]))
    return str(state.get("content") or "").encode()


def _checksums(data: bytes) -> State:
    out: State = {f"content_{name}": hashlib.new(name, data).hexdigest() for name in _CHECKSUMS}
    for name in ("sha256", "sha512"):
        digest = hashlib.new(name, data).digest()
        out[f"content_base64{name}"] = base64.b64encode(digest).decode()
    return out


class LocalFile(SimResource):
    name = "file"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        def replace(name: str, **kind: Any) -> schema.Attribute:
            return schema.Attribute(name, types.String(), requires_replace=True, **kind)

        computed = [f"content_{c}" for c in _CHECKSUMS]
        computed += ["content_base64sha256", "content_base64sha512", "id"]
        return schema.Schema(
            version=0,
            attributes=[
                replace("filename", required=True),
                replace("content", optional=True),
                replace("content_base64", optional=True),
                replace("file_permission", optional=True, computed=True, default="0777"),
                replace("directory_permission", optional=True, computed=True, default="0777"),
                *(schema.Attribute(name, types.String(), computed=True) for name in computed),
            ],
        )

    def create(self, ctx: Any, planned: State) -> State:
        data = _data(planned)
        path = self.provider.path(planned["filename"])
        directory_mode = int(str(planned.get("directory_permission") or "0777"), 8)
        file_mode = int(str(planned.get("file_permission") or "0777"), 8)
        path.parent.mkdir(mode=directory_mode, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        path.chmod(file_mode)  # the umask trimmed os.open's mode; the provider sets it exactly
        sums = _checksums(data)
        return {**planned, **sums, "id": sums["content_sha1"]}

    def read(self, ctx: Any, current: State) -> State | None:
        try:
            data = self.provider.path(current["filename"]).read_bytes()
        except FileNotFoundError:
            return None
        # The real provider names a file by the SHA-1 of its content (an id, not security).
        if hashlib.sha1(data).hexdigest() != current.get("id"):  # noqa: S324
            return None
        return current

    def delete(self, ctx: Any, current: State) -> None:
        self.provider.path(current["filename"]).unlink(missing_ok=True)


class LocalProvider(SimProvider):
    source = "hashicorp/local"
    prefix = "local_"
    resources = (LocalFile,)
