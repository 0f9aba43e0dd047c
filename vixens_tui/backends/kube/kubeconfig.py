"""The profile's kubeconfig, read with the client's own loader.

`terraform apply` rewrites the file for every new cluster (new server, new CA, new
credentials), so the backend fingerprints it and reloads it when it changed, and the file
being absent is an ordinary state (right after a destroy), not an error.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import urllib3.exceptions
import yaml
from kubernetes import client
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import ConfigNode, KubeConfigLoader

from vixens_tui.core.ports import ClusterError
from vixens_tui.core.safefile import MIB, FileRefused, decode, read_bytes_and_stat
from vixens_tui.core.safeyaml import parse_one

# Seven watches plus the actions share one pool; urllib3 warns and throws connections away
# when more are in use than the pool keeps (the default is 5 per CPU, small on CI runners).
POOL_SIZE = 16
KUBECONFIG_MAX_BYTES = 16 * MIB
"""Far above any kubeconfig (certificates inline, hundreds of contexts)."""


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Identifies one version of the file: a rewrite changes the hash even within one mtime."""

    mtime_ns: int
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class LoadedKubeconfig:
    configuration: client.Configuration
    server: str
    token: str
    """The bearer token, if the user has one ('' for client certificates)."""
    fingerprint: Fingerprint
    client_key: str = ""
    """The client key's PEM, if the user has one (Talos's kubeconfig: an admin certificate)."""

    def secrets(self) -> tuple[str, ...]:
        """Every form of the credentials a log or an error could show: the token; the client
        key as PEM, as its base64 body on one line, and as the kubeconfig's
        client-key-data (the PEM in base64)."""
        found = [self.token] if self.token else []
        if self.client_key:
            pem = self.client_key
            body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
            found += [pem.strip(), body, base64.b64encode(pem.encode()).decode()]
        return tuple(found)


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's fingerprint; None when it does not exist (or cannot be read).

    Something there that is no file to read (a FIFO, a device, a directory, a huge file) has
    a fingerprint of its stat alone, so that `load` reports it instead of calling it absent.
    """
    try:
        data, stat = read_bytes_and_stat(path, KUBECONFIG_MAX_BYTES)
    except FileRefused as exc:
        if exc.reason in ("missing", "unreadable"):
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        return Fingerprint(stat.st_mtime_ns, stat.st_size, f"refused: {exc.reason}")
    return Fingerprint(stat.st_mtime_ns, stat.st_size, hashlib.sha256(data).hexdigest())


def missing_message(path: Path) -> str:
    message = f"no kubeconfig at {path}"
    env = os.environ.get("KUBECONFIG")
    if env and Path(env) != path:
        # kubectl would use $KUBECONFIG; this tool uses the profile's path on purpose (the
        # wrong-cluster guard compares it with the profile's endpoint).
        message += f" (KUBECONFIG={env} is set, but the profile's kubeconfig is used)"
    return message


def load(path: Path, context: str | None = None) -> LoadedKubeconfig | None:
    """Load the file into a client Configuration; None when the file is absent.

    Raises ClusterError (status 0) when it is malformed or lacks the context.
    """
    before = fingerprint(path)
    if before is None:
        return None
    configuration = client.Configuration()
    try:
        _load_into(configuration, path, context)
    except FileRefused as exc:  # never read (a FIFO, a device), or not YAML within limits
        if not exc.content:
            raise ClusterError(f"cannot read the kubeconfig {path}: it {exc.problem}") from None
        problem = exc.problem.removeprefix("is ")
        raise ClusterError(f"malformed kubeconfig {path}: {problem}") from None
    except (ConfigException, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        missing = _missing_context(path, context)
        if missing is not None:
            raise ClusterError(missing) from None
        which = f" (context {context!r})" if context else ""
        raise ClusterError(f"malformed kubeconfig {path}{which}: {exc}") from None
    except OSError as exc:
        raise ClusterError(f"cannot read the kubeconfig {path}: {exc}") from None
    if not configuration.host:
        raise ClusterError(f"malformed kubeconfig {path}: the cluster has no server")
    configuration.connection_pool_maxsize = POOL_SIZE
    # No urllib3 retries: the watches back off on their own and the engine retries actions;
    # urllib3's would only add delay and a WARNING log line per attempt (on the TUI's screen).
    configuration.retries = False
    if not configuration.verify_ssl:
        # The kubeconfig itself asks to skip TLS verification (insecure-skip-tls-verify):
        # urllib3 would warn on every request, scrolling the screen; its choice is the file's.
        warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    token = ""
    bearer = configuration.api_key.get("BearerToken") or configuration.api_key.get("authorization")
    if isinstance(bearer, str):
        token = bearer.removeprefix("Bearer ").strip()
    client_key = ""
    if configuration.key_file:
        # The client wrote client-key-data, decoded, to a file of its own.
        with contextlib.suppress(OSError, UnicodeDecodeError):
            client_key = Path(configuration.key_file).read_text()
    return LoadedKubeconfig(
        configuration=configuration,
        server=str(configuration.host),
        token=token,
        fingerprint=before,
        client_key=client_key,
    )


def _load_into(configuration: client.Configuration, path: Path, context: str | None) -> None:
    """What `config.load_kube_config` does for one file, the file read safely first (the
    client would open a FIFO and wait, or read /dev/zero until the memory is gone).

    As the client's own loader does for a file: `clusters`, `contexts` and `users` default
    to empty lists and the first entry of a name wins; relative paths in the file (a CA, a
    client certificate) are relative to the file's directory.
    """
    data = parse_one(decode(read_bytes_and_stat(path, KUBECONFIG_MAX_BYTES)[0], path), path)
    if not isinstance(data, dict):
        raise ConfigException(f"Invalid kube-config file. {path} holds no mapping")
    merged = dict(data)
    for item in ("clusters", "contexts", "users"):
        entries = merged.get(item) or []
        if not isinstance(entries, list):
            raise ConfigException(f"Invalid kube-config file. Expected {item} to be a list")
        names: set[object] = set()
        kept = []
        for entry in entries:
            if not isinstance(entry, dict) or "name" not in entry:
                raise ConfigException(f"Invalid kube-config file. An entry of {item} has no name")
            if entry["name"] not in names:
                names.add(entry["name"])
                kept.append(entry)
        merged[item] = kept
    loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
        config_dict=ConfigNode(str(path), merged, str(path)),  # type: ignore[no-untyped-call]
        active_context=context,
        config_base_path=None,
    )
    loader.load_and_set(configuration)  # type: ignore[no-untyped-call]


def _missing_context(path: Path, context: str | None) -> str | None:
    """ "context X not found in FILE (contexts: ...)" when that is why the file was refused.

    The client says only "Expected object with name X in kube-config/contexts list"; a person
    needs the names that are there (a typo in --context or the profile is the usual cause).
    """
    if not context:
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    contexts = data.get("contexts") if isinstance(data, dict) else None
    names = [
        str(c["name"]) for c in contexts or () if isinstance(c, dict) and c.get("name") is not None
    ]
    if context in names:
        return None
    listed = ", ".join(names) if names else "none"
    return f"context {context!r} not found in {path} (contexts: {listed})"
