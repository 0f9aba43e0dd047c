"""The environment is the profile's own: it names the state directory, the lock and the demo.

`--config lab.toml` used to record its run, lock and demo state under `dev`; a checkpoint of
one environment could then be resumed with another's profile. Through the real command.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cliutil import env_for, profile_file, run_cli
from vixens_tui.cli import build_parser, options_from
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.profile import ProfileError, load_profile
from vixens_tui.run_lock import state_key

FAKE = {"prebuilt": True}


def _nameless(path: Path) -> Path:
    text = path.read_text()
    assert 'name = "dev"' in text
    path.write_text(text.replace('name = "dev"\n', "", 1))
    return path


def test_a_profile_given_by_config_records_under_its_own_name(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, name="lab")
    state = tmp_path / "state"
    result = run_cli(["--auto", "--yes", "--config", str(profile)], env_for(state, FAKE))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "of lab" in result.stdout
    cp = EnvState(state, "lab").load()
    assert cp is not None and cp.env == "lab"
    assert (state / "lab" / "lock").exists()
    assert not (state / "dev").exists()
    # `status` with the same --config reads the same environment.
    status = run_cli(["status", "--config", str(profile)], env_for(state))
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("environment lab: run ")


def test_a_profile_without_a_name_takes_its_file_name(tmp_path: Path) -> None:
    profile = _nameless(profile_file(tmp_path))
    staging = profile.rename(tmp_path / "staging.toml")
    state = tmp_path / "state"
    result = run_cli(["--auto", "--yes", "--config", str(staging)], env_for(state, FAKE))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert EnvState(state, "staging").load() is not None
    assert not (state / "dev").exists()


def test_env_names_a_nameless_profile_and_must_agree_with_a_named_one(tmp_path: Path) -> None:
    nameless = _nameless(profile_file(tmp_path / "a"))
    assert load_profile("qa", nameless).name == "qa"
    named = profile_file(tmp_path / "b", name="lab")
    with pytest.raises(ProfileError, match="is 'lab' but the environment is 'qa'"):
        load_profile("qa", named)


def test_the_demo_state_follows_the_profiles_environment(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, name="lab")
    ns = build_parser().parse_args(["--demo", "--config", str(profile)])
    assert state_key(options_from(ns)) == "lab-demo"
    ns = build_parser().parse_args(["--demo"])
    assert state_key(options_from(ns)) == "dev-demo"


@pytest.mark.parametrize("command", [["--auto", "--yes", "--resume"], ["status"]])
def test_a_checkpoint_of_another_environment_is_refused(tmp_path: Path, command: list[str]) -> None:
    profile = profile_file(tmp_path, name="lab")
    state = tmp_path / "state"
    foreign = EnvState(state, "lab").ensure()
    # A dev run's checkpoint copied into lab's directory (a copied state dir, a renamed profile).
    data = Checkpoint(run_id="dev-run", env="dev", profile_digest="x").model_dump_json()
    foreign.checkpoint_path.write_text(data)
    result = run_cli([*command, "--config", str(profile)], env_for(state, FAKE))
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr
    assert "is a run of environment 'dev', not 'lab'" in result.stderr
    assert "Traceback" not in result.stderr
    assert foreign.checkpoint_path.read_text() == data  # untouched, not moved aside
    assert not list(foreign.dir.glob("checkpoint.json.corrupt-*"))


def test_apps_from_reads_the_environments_own_overlay(tmp_path: Path) -> None:
    checkout = tmp_path / "gitops"
    for env, apps in (("dev", ["whoami", "traefik"]), ("lab", ["whoami"])):
        overlay = checkout / "argocd" / "overlays" / env
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text(
            "resources:\n" + "".join(f"  - {a}.yaml\n" for a in apps)
        )
        for app in apps:
            (overlay / f"{app}.yaml").write_text(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                f"metadata:\n  name: {app}\nspec:\n  destination:\n    namespace: {app}\n"
            )
    profile = profile_file(tmp_path, name="lab")
    text = profile.read_text()
    start = text.index("apps = [")
    end = text.index("]\n", start) + 2
    text = text[:start] + f'[apps_from]\ncheckout = "{checkout}"\n\n' + text[end:]
    # [apps_from] must come after the top-level keys: move it to the end of the file.
    head, _, rest = text.partition("[apps_from]")
    block, _, tail = rest.partition("\n\n")
    profile.write_text(head + tail + "\n[apps_from]" + block + "\n")
    loaded = load_profile("lab", profile)
    assert [a.name for a in loaded.apps] == ["whoami"]
