"""hashicorp/null: `null_resource` (the attributes the user's configuration uses: `triggers`,
and the computed `id`, a random decimal number as the real provider makes)."""

from __future__ import annotations

import secrets
from typing import Any

from tf import schema, types

from vixens_tui.sim.providers.base import SimProvider, SimResource, State


class NullResource(SimResource):
    name = "resource"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                schema.Attribute("id", types.String(), computed=True),
                schema.Attribute(
                    "triggers", types.Map(types.String()), optional=True, requires_replace=True
                ),
            ],
        )

    def create(self, ctx: Any, planned: State) -> State:
        return {**planned, "id": str(secrets.randbelow(9 * 10**18) + 10**18)}


class NullProvider(SimProvider):
    source = "hashicorp/null"
    prefix = "null_"
    resources = (NullResource,)
