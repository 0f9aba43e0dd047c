"""What every simulated provider and resource shares: the `tf` framework's interfaces
(`tf.iface.Provider`, `tf.iface.Resource`) with the defaults our providers have in common."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from tf import schema
from tf.types import Unknown
from tf.utils import Diagnostics

State = dict[str, Any]
REGISTRY = "registry.terraform.io"


def known(value: Any, default: Any = None) -> Any:
    """`value`, or `default` when it is null or not known yet (a computed attribute of a plan
    is Unknown until the provider sets it)."""
    return default if value is None or value is Unknown else value


class SimResource:
    """A resource type: `name` after the provider's prefix, a schema, and the lifecycle.

    By default a resource's state is its planned values (`create`, `update`), it reads back as
    it was (`read`) and a delete forgets it: what a resource with no object outside Terraform
    does. Resources that act on the simulated world override what they need."""

    name: ClassVar[str]

    def __init__(self, provider: SimProvider) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @classmethod
    def get_schema(cls) -> schema.Schema:
        raise NotImplementedError

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        return None

    def plan(self, ctx: Any, current: State | None, planned: State) -> State:
        return planned

    def create(self, ctx: Any, planned: State) -> State | None:
        return planned

    def read(self, ctx: Any, current: State) -> State | None:
        return current

    def update(self, ctx: Any, current: State, planned: State) -> State | None:
        return planned

    def delete(self, ctx: Any, current: State) -> State | None:
        """None: gone. A failed delete may return `current`: Terraform keeps it in the state
        either way when the diagnostics hold an error."""
        return None


class SimDataSource:
    """A data source type: `name` after the provider's prefix, a schema, and `read`."""

    name: ClassVar[str]

    def __init__(self, provider: SimProvider) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @classmethod
    def get_schema(cls) -> schema.Schema:
        raise NotImplementedError

    def validate(self, diags: Diagnostics, type_name: str, config: State) -> None:
        return None

    def read(self, ctx: Any, config: State) -> State:
        raise NotImplementedError


class SimProvider:
    """A provider: its registry `source` (namespace/type), the prefix of its resource types,
    its resources and data sources, and an empty provider configuration unless it says more."""

    source: ClassVar[str]
    prefix: ClassVar[str]
    resources: ClassVar[tuple[type[SimResource], ...]] = ()
    data_sources: ClassVar[tuple[type[Any], ...]] = ()

    def __init__(self, workdir: Path | None = None) -> None:
        self.config: State = {}
        self.workdir = Path(workdir) if workdir is not None else Path.cwd()
        """Terraform's working directory: a provider Terraform starts runs there, and resolves
        relative paths (a `local_file`'s `filename`) against it."""

    def path(self, name: object) -> Path:
        """`name` as the provider process would open it."""
        return self.workdir / str(name)

    def full_name(self) -> str:
        return f"{REGISTRY}/{self.source}"

    def get_model_prefix(self) -> str:
        return self.prefix

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(version=0, attributes=[])

    def validate_config(self, diags: Diagnostics, config: State) -> None:
        return None

    def configure_provider(self, diags: Diagnostics, config: State) -> None:
        self.config = dict(config or {})

    def get_resources(self) -> list[type[SimResource]]:
        return list(self.resources)

    def get_data_sources(self) -> list[type[Any]]:
        return list(self.data_sources)

    def get_functions(self) -> list[type[Any]]:
        return []

    def new_resource(self, klass: type[SimResource]) -> SimResource:
        return klass(self)

    def new_data_source(self, klass: type[Any]) -> Any:
        return klass(self)
