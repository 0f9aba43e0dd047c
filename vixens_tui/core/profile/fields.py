"""What every profile model shares: unknown keys refused, Kubernetes DNS names checked."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

DnsName = Annotated[str, Field(min_length=1, max_length=63, pattern=DNS1123.pattern)]


class Strict(BaseModel):
    # Unknown keys are typos in a hand-written file: refuse them instead of ignoring them.
    model_config = ConfigDict(extra="forbid", frozen=True)
