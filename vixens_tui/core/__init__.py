"""The procedure itself: profile, stages, state machine, checkpoints, events, known issues.

Nothing here knows about a screen (no textual, no rich) or about a concrete backend (no
kubernetes client, no python-terraform): the front ends and the adapters depend on this
package, never the other way round. Import-linter contracts in pyproject.toml enforce it.
"""
