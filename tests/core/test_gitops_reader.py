"""The GitOps reader says what it did not follow (issue 11, section 4): at later dates the
user's overlay lists apps in subdirectories and hibernates some with a kustomize component; a
reader that ignored those silently listed the wrong apps."""

from __future__ import annotations

import re
from pathlib import Path

from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import Info
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.core.profile.gitops import read_overlay
from vixens_tui.core.profile.loader import builtin_text, parse_profile
from vixens_tui.core.profile.model import GitOpsSource

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vixens-repo-2025-11-15"

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
spec:
  destination:
    namespace: {name}
"""


def later_overlay(root: Path) -> Path:
    overlay = root / "argocd" / "overlays" / "dev"
    (overlay / "apps").mkdir(parents=True)
    (overlay / "apps" / "whoami.yaml").write_text(APP.format(name="whoami"))
    (overlay / "apps" / "media").mkdir()
    (overlay / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "namespace: argocd\n"
        "resources:\n"
        "  - apps/whoami.yaml\n"
        "  - apps/media\n"
        "  - https://github.com/charchess/vixens-apps//base?ref=main\n"
        "components:\n"
        "  - ../../components/hibernate\n"
        "namePrefix: dev-\n"
        "patches:\n"
        "  - path: sync-policy.yaml\n"
        "sortOptions:\n"
        "  order: fifo\n"
    )
    return root


def test_the_runbooks_overlay_is_read_whole() -> None:
    read = read_overlay(GitOpsSource(checkout=FIXTURE, overlay="argocd/overlays/dev"), "dev")
    assert len(read.apps) == 12 and read.skipped == ()  # `namespace: argocd` changes nothing


def test_what_the_reader_does_not_follow_is_said_one_line_each(tmp_path: Path) -> None:
    root = later_overlay(tmp_path)
    read = read_overlay(GitOpsSource(checkout=root, overlay="argocd/overlays/dev"), "dev")
    assert [a.name for a in read.apps] == ["whoami"]
    skipped = "\n".join(read.skipped)
    assert len(read.skipped) == 6, skipped
    assert "resources entry apps/media: a directory" in skipped
    assert "remote base https://github.com/charchess/vixens-apps//base?ref=main" in skipped
    assert "`components: ../../components/hibernate` not applied: a component can" in skipped
    assert "`namePrefix: dev-` not applied: the apps' names are read without it" in skipped
    assert "`patches:" in skipped and "`sortOptions:" in skipped
    assert "namespace" not in skipped


def test_the_profile_carries_it_and_preflight_says_it(harness, tmp_path: Path) -> None:
    root = later_overlay(tmp_path / "repo")
    # The built-in dev profile, its apps read from the overlay instead of listed.
    builtin = builtin_text("dev")
    assert builtin is not None
    text = re.sub(r"(?ms)^apps = \[.*?^\]\n", "", builtin)
    text = text.replace("\n[versions]", f'\n[apps_from]\ncheckout = "{root}"\n\n[versions]', 1)
    profile = parse_profile(text, "test.toml", None, env="dev")
    assert [a.name for a in profile.apps] == ["whoami"] and len(profile.apps_skipped) == 6
    assert all(line.startswith(f"{root}/argocd/overlays/dev: ") for line in profile.apps_skipped)

    h = harness()
    h.profile = h.profile.model_copy(update={"apps_skipped": profile.apps_skipped})
    h.world.profile = h.profile
    result = h.engine().run(RunRequest(plan=make_plan(only=StageName.PREFLIGHT)))
    assert result.exit_code == ExitCode.DONE
    said = [e.message for e in h.of(Info) if "GitOps reader skipped" in e.message]
    assert len(said) == 6 and all(e.startswith("expected apps: ") for e in said)
