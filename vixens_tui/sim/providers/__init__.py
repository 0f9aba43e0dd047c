"""Simulated Terraform providers: the providers of the user's configuration, speaking
Terraform's real plugin protocol (gRPC, tfplugin6) through the `tf` framework, acting on the
simulated world.

Why `tf` (PyPI `tf`, hfern/tf) and not `pyvider`: `tf` is a small synchronous layer over
grpcio (a servicer per provider, resources as plain classes with create/read/update/delete);
`pyvider` is alpha, asynchronous, and brings a logging and telemetry framework
(provide-foundation), its own cty and RPC packages, and needs protobuf >= 7.35. What `tf`
lacks (an object type) is added here.

How Terraform reaches them: `host.ProviderHost` serves every provider from one process on unix
sockets, and Terraform is given their addresses in `TF_REATTACH_PROVIDERS` (Terraform's own
way to use a provider that is already running). Launched the usual way, a Python provider
costs 0.26 s of CPU per start and Terraform starts each provider several times per command
(5 for a destroy, 2 for a validate, measured with the real engine): with six providers a
demo run would cost five times what it does. Served once, an apply of the same configuration
took 0.17 s of CPU instead of 1.75 s.
"""
