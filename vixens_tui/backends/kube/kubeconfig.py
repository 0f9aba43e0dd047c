"""The profile's kubeconfig, read with the client's own loader.

`terraform apply` rewrites the file for every new cluster (new server, new CA, new
credentials), so the backend fingerprints it and reloads it when it changed, and the file
being absent is an ordinary state (right after a destroy), not an error.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import urllib3.exceptions
import yaml
from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from vixens_tui.core.ports import ClusterError

# Seven watches plus the actions share one pool; urllib3 warns and throws connections away
# when more are in use than the pool keeps (the default is 5 per CPU, small on CI runners).
POOL_SIZE = 16


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


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's fingerprint; None when it does not exist (or cannot be read)."""
    try:
        stat = path.stat()
        data = path.read_bytes()
    except OSError:
        return None
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
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(path),
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
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
    return LoadedKubeconfig(
        configuration=configuration,
        server=str(configuration.host),
        token=token,
        fingerprint=before,
    )


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


def server_of(path: Path, context: str | None = None) -> str | None:
    loaded = load(path, context)
    return loaded.server if loaded else None
