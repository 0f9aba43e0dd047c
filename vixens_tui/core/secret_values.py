"""The secret values a session must never show, learned as soon as it opens.

The front ends show the cluster before a run's preflight reads the secret files (the grids, the
pod diagnostics, a resume's first snapshot), and the cluster may already quote a secret (a
webhook logging its API key, an event). So the session's Redactor learns the values when the
session opens, with the very parsers preflight uses. Best effort and quiet: a file that cannot
be read is preflight's to report, with its reason, once a run starts.
"""

from __future__ import annotations

import contextlib

from vixens_tui.core.profile.model import Profile
from vixens_tui.core.redact import Redactor
from vixens_tui.core.secretfiles import load_gandi, load_synology


def learn_secret_values(profile: Profile, redactor: Redactor) -> None:
    """Teach `redactor` the values of the profile's secret files, as far as they can be read."""
    spec = profile.secrets
    # Whatever goes wrong in a file (SecretFileError, or anything a malformed one may raise)
    # must not stop the session from opening: preflight reads the files again and says why.
    with contextlib.suppress(Exception):
        load_gandi(spec.gandi_credentials, spec, redactor)
    with contextlib.suppress(Exception):
        load_synology(spec.synology_client_info, spec, redactor)
