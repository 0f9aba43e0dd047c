"""`--auto --resume` after the profile changed: refused with the list of what changed, unless
`--accept-profile-change` says to go on (then the stages it concerns run again)."""

from __future__ import annotations

from pathlib import Path

from tests.cliutil import env_for, profile_file, run_cli
from vixens_tui.core.checkpoint.model import Outcome, StageStatus
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.names import StageName

HOMEASSISTANT = (
    '  { name = "homeassistant", namespace = "homeassistant", create_namespace = true },\n'
)


def test_a_headless_resume_needs_the_change_accepted(tmp_path: Path) -> None:
    profile = profile_file(tmp_path)
    state = tmp_path / "state"
    fake = {"prebuilt": True}
    first = run_cli(["--auto", "--yes", "--config", str(profile)], env_for(state, fake))
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr
    # As if the run had failed in its secrets stage (argocd-sync done before it).
    env_state = EnvState(state, "dev")
    cp = env_state.load()
    assert cp is not None
    cp.outcome, cp.exit_code = Outcome.FAILED, 1
    cp.stage(StageName.SECRETS).status = StageStatus.FAILED
    cp.stage(StageName.VALIDATE).status = StageStatus.PENDING
    env_state.save(cp)
    profile.write_text(profile.read_text().replace(HOMEASSISTANT, "", 1))

    refused = run_cli(
        ["--auto", "--yes", "--resume", "--config", str(profile)], env_for(state, fake)
    )
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr
    assert "the profile changed since this run started" in refused.stderr
    assert "apps: - homeassistant -> homeassistant" in refused.stderr
    assert "--accept-profile-change" in refused.stderr
    assert "stages re-opened: argocd-sync, validate" in refused.stderr
    assert "Traceback" not in refused.stderr
    cp = EnvState(state, "dev").load()
    assert cp is not None and cp.resumes == 0  # nothing went on

    accepted = run_cli(
        ["--auto", "--yes", "--resume", "--accept-profile-change", "--config", str(profile)],
        env_for(state, fake),
    )
    assert accepted.returncode == 0, accepted.stdout[-2000:] + accepted.stderr
    assert "profile changed: apps: - homeassistant -> homeassistant" in accepted.stdout
    assert "accepted; stages re-opened: argocd-sync, validate" in accepted.stdout
    cp = EnvState(state, "dev").load()
    assert cp is not None and cp.resumes == 1
    assert cp.stage(StageName.ARGOCD_SYNC).attempts == 2  # re-opened on purpose, run again
    assert cp.stage(StageName.APPLY).attempts == 1


def test_accept_profile_change_only_with_resume_auto(tmp_path: Path) -> None:
    profile = profile_file(tmp_path)
    result = run_cli(
        ["--auto", "--yes", "--accept-profile-change", "--config", str(profile)],
        env_for(tmp_path / "state", {"prebuilt": True}),
    )
    assert result.returncode == 2
    assert "--accept-profile-change goes with --resume --auto" in result.stderr
