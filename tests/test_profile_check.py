"""`vixens-tui profile check`: the profile against the repository's checkout (issue 11,
section 4). On the runbook's day they agree; at a later state of the repository (nodes
daphne, diva, dulce; apps tracking main; apps added and dropped; the Terraform moved to another
repository) every difference is one line, and the exit is 1."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cliutil import env_for, run_cli
from vixens_tui.core.profile import load_profile
from vixens_tui.core.profile.drift import profile_drift

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "vixens-repo-2025-11-15"


def later_checkout(root: Path, *, terraform: bool = True) -> Path:
    shutil.copytree(FIXTURE / "argocd", root / "argocd")
    overlay = root / "argocd" / "overlays" / "dev"
    kustomization = overlay / "kustomization.yaml"
    text = kustomization.read_text().replace("  - apps/mail-gateway.yaml", "  - apps/media")
    text += "  - apps/jellyfin.yaml\ncomponents:\n  - ../../components/hibernate\n"
    kustomization.write_text(text)
    (overlay / "apps" / "jellyfin.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: jellyfin\n"
        "spec:\n  destination:\n    namespace: media\n"
    )
    if terraform:
        tf = root / "terraform" / "environments" / "dev"
        tf.mkdir(parents=True)
        real = (FIXTURE / "terraform/environments/dev/terraform.tfvars").read_text()
        for old, new in (("obsy", "daphne"), ("onyx", "diva"), ("opale", "dulce")):
            real = real.replace(f'"{old}"', f'"{new}"')
        real = real.replace('git_branch  = "dev"', 'git_branch  = "main"')
        (tf / "terraform.tfvars").write_text(real)
    return root


def test_on_the_runbooks_day_the_builtin_profile_agrees(tmp_path: Path) -> None:
    assert profile_drift(load_profile("dev"), FIXTURE) == []
    done = run_cli(["profile", "check", "--checkout", str(FIXTURE)], env_for(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"profile 'dev' agrees with {FIXTURE}\n"


def test_a_later_repository_differs_line_by_line(tmp_path: Path) -> None:
    root = later_checkout(tmp_path / "repo")
    drift = profile_drift(load_profile("dev"), root)
    text = "\n".join(drift)
    assert "apps in argocd/overlays/dev the profile does not expect: jellyfin" in text
    assert "apps the profile expects that argocd/overlays/dev no longer lists: mail-gateway" in (
        text
    )
    assert "the reader skipped resources entry apps/media: a directory" in text
    assert "the reader skipped `components: ../../components/hibernate`" in text
    assert "nodes: terraform/environments/dev/terraform.tfvars has daphne, diva, dulce; the " in (
        text
    )
    assert "profile has obsy, onyx, opale" in text
    assert "git_branch 'main'; the profile's argocd.revision is 'dev'" in text
    assert len(drift) == 6, text
    done = run_cli(["profile", "check", "--checkout", str(root)], env_for(tmp_path))
    assert done.returncode == 1
    assert done.stdout.count("drift: ") == 6 and "6 differences" in done.stdout


def test_the_terraform_moved_elsewhere_and_an_http_check_without_its_app(tmp_path: Path) -> None:
    root = later_checkout(tmp_path / "repo", terraform=False)
    overlay = root / "argocd/overlays/dev/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("  - apps/whoami.yaml", ""))
    drift = "\n".join(profile_drift(load_profile("dev"), root))
    assert "no terraform/environments/dev/terraform.tfvars in the checkout: its Terraform " in (
        drift
    )
    assert "HTTP check 'whoami' (http://whoami.dev.truxonline.com/) names no app" in drift


def test_check_needs_a_checkout(tmp_path: Path) -> None:
    done = run_cli(["profile", "check"], env_for(tmp_path))
    assert done.returncode == 2
    assert "needs the repository's checkout: give --checkout DIR" in done.stderr
    missing = run_cli(["profile", "check", "--checkout", str(tmp_path / "nope")], env_for(tmp_path))
    assert missing.returncode == 2 and "is not a directory" in missing.stderr
