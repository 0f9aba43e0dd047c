"""Secret files are checked before anything is destroyed; their values never leak."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import GANDI_TOKEN, SYNOLOGY_PASSWORD, write_secret_files
from vixens_tui.core.engine import RunRequest
from vixens_tui.core.events import ChecklistChanged, Info, StageSucceeded
from vixens_tui.core.exitcodes import ExitCode
from vixens_tui.core.names import StageName
from vixens_tui.core.plan import make_plan
from vixens_tui.core.profile.secrets import SecretObject, Secrets
from vixens_tui.core.redact import MASK, Redactor
from vixens_tui.core.secretfiles import SecretFileError, load_gandi, load_synology

SPEC = Secrets(gandi_credentials=Path("g"), synology_client_info=Path("s"))


def test_a_full_run_leaks_no_secret_anywhere(harness) -> None:
    h = harness()
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.DONE
    applied = h.world.secret_payloads[0]
    assert applied["stringData"]["api-token"] == GANDI_TOKEN  # it did reach the API
    # ... and so did the Synology client configuration, as the Secret the CSI pods mount.
    client_info = h.world.secret_payloads[1]
    assert client_info["metadata"] == {"name": "client-info-secret", "namespace": "synology-csi"}
    assert SYNOLOGY_PASSWORD in client_info["stringData"]["client-info.yml"]
    every_file = [p for p in h.state.root.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".log") for p in every_file)
    for path in every_file:
        text = path.read_text(errors="replace")
        assert GANDI_TOKEN not in text and SYNOLOGY_PASSWORD not in text, path
    dumped = json.dumps([e.to_dict() for e in h.events], default=str)
    assert GANDI_TOKEN not in dumped and SYNOLOGY_PASSWORD not in dumped


def test_redactor_masks_plain_and_base64_forms() -> None:
    r = Redactor()
    r.add("s3cr3t-value")
    assert r.scrub("token=s3cr3t-value!") == f"token={MASK}!"
    assert r.scrub("czNjcjN0LXZhbHVl") == MASK
    r.add("ab")  # too short to mask safely: ignored
    assert r.scrub("abc") == "abc"


GANDI_OK = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: gandi-credentials\n  namespace: cert-manager\n"
    'type: Opaque\nstringData:\n  api-token: "tok-123456"\n'
)
SYNO_OK = '---\nclients:\n  - host: "192.168.111.69"\n    port: 5000\n    https: false\n    username: "talos-csi"\n    password: "pw-123456"\n'

BAD_GANDI = [
    ("missing", None, "file not found"),
    ("empty", "", "empty file"),
    ("not-yaml", "a: [1,\n", "not valid YAML"),
    ("two-docs", GANDI_OK + "---\n" + GANDI_OK, "expected one YAML document"),
    ("list", "- 1\n- 2\n", "not a Kubernetes manifest"),
    (
        "wrong-kind",
        GANDI_OK.replace("kind: Secret", "kind: ConfigMap"),
        "expected apiVersion v1, kind Secret",
    ),
    (
        "wrong-name",
        GANDI_OK.replace("name: gandi-credentials", "name: gandi"),
        "metadata.name is 'gandi'",
    ),
    (
        "wrong-namespace",
        GANDI_OK.replace("namespace: cert-manager", "namespace: default"),
        "metadata.namespace is 'default'",
    ),
    ("no-key", GANDI_OK.replace("api-token", "token"), "no 'api-token' key"),
    ("empty-value", GANDI_OK.replace('"tok-123456"', '""'), "api-token is empty"),
    (
        "placeholder",
        GANDI_OK.replace("tok-123456", "YOUR_GANDI_API_TOKEN"),
        "placeholder YOUR_GANDI_API_TOKEN",
    ),
    (
        "bad-base64",
        GANDI_OK.replace('stringData:\n  api-token: "tok-123456"', "data:\n  api-token: '%%%'"),
        "not valid base64",
    ),
    ("wrong-type", GANDI_OK.replace("type: Opaque", "type: kubernetes.io/tls"), "expected Opaque"),
]


@pytest.mark.parametrize(("case", "text", "problem"), BAD_GANDI, ids=[c[0] for c in BAD_GANDI])
def test_bad_gandi_file(tmp_path: Path, case: str, text: str | None, problem: str) -> None:
    path = tmp_path / "gandi.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(SecretFileError) as err:
        load_gandi(path, SPEC, Redactor())
    assert str(path) in str(err.value) and problem in str(err.value)
    assert "tok-123456" not in str(err.value)


BAD_SYNO = [
    ("no-clients", "---\nclients: []\n", "clients"),
    ("no-password", SYNO_OK.replace('    password: "pw-123456"\n', ""), "password: required"),
    (
        "placeholder",
        SYNO_OK.replace("pw-123456", "YOUR_SYNOLOGY_PASSWORD"),
        "placeholder YOUR_SYNOLOGY_PASSWORD",
    ),
    ("bad-port", SYNO_OK.replace("5000", "99999"), "clients.0.port"),
    ("empty-password", SYNO_OK.replace('"pw-123456"', '"   "'), "password is empty"),
    ("scalar", "just a string\n", "expected a mapping"),
]


@pytest.mark.parametrize(("case", "text", "problem"), BAD_SYNO, ids=[c[0] for c in BAD_SYNO])
def test_bad_synology_file(tmp_path: Path, case: str, text: str, problem: str) -> None:
    path = tmp_path / "client-info.yml"
    path.write_text(text)
    redactor = Redactor()
    with pytest.raises(SecretFileError) as err:
        load_synology(path, SPEC, redactor)
    assert problem in str(err.value)
    assert "pw-123456" not in redactor.scrub(str(err.value))


def test_good_files_parse(tmp_path: Path) -> None:
    gandi, client = write_secret_files(tmp_path)
    redactor = Redactor()
    secret = load_gandi(gandi, SPEC, redactor)
    assert secret.manifest["stringData"]["api-token"] == GANDI_TOKEN
    syno = load_synology(client, SPEC, redactor)
    assert syno.hosts == ("192.168.111.69:5000",) and SYNOLOGY_PASSWORD in syno.text
    assert redactor.scrub(f"{GANDI_TOKEN} {SYNOLOGY_PASSWORD}") == f"{MASK} {MASK}"


def test_a_bad_secret_file_stops_preflight_before_destroy(harness) -> None:
    h = harness()
    h.profile.secrets.gandi_credentials.write_text(
        GANDI_OK.replace("tok-123456", "YOUR_GANDI_API_TOKEN")
    )
    result = h.engine().run(RunRequest())
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "YOUR_GANDI_API_TOKEN" in result.message
    assert "terraform destroy" not in h.world.calls


@pytest.mark.parametrize(
    ("present", "proved", "evidence"),
    [
        ({"a/secret/g": True, "b/configmap/s": True}, True, "present: "),
        ({"a/secret/g": True, "b/configmap/s": False}, False, "missing: b/configmap/s"),
        # The API did not answer: not proved, and not called "missing" either.
        ({"a/secret/g": True, "b/configmap/s": None}, False, "could not check (API error)"),
        ({}, False, "secrets not checked"),
    ],
)
def test_the_secrets_item_tells_absent_from_unknown(
    present: dict[str, bool | None], proved: bool, evidence: str
) -> None:
    from vixens_tui.core.checklist import CHECKLIST, Observation
    from vixens_tui.core.cluster import ClusterSnapshot
    from vixens_tui.core.profile import load_profile

    item = next(i for i in CHECKLIST if i.id == "secrets-applied")
    ok, said = item.probe(Observation(load_profile("dev"), ClusterSnapshot(), {}, present))
    assert ok is proved
    assert said.startswith(evidence), said


def test_each_object_is_applied_as_its_kind(harness, tmp_path: Path) -> None:
    h = harness()
    result = h.engine().run(RunRequest(plan=make_plan(only=StageName.SECRETS)))
    assert result.exit_code == ExitCode.DONE, result.message
    assert {("Secret", "cert-manager", "gandi-credentials")} | {
        ("Secret", "synology-csi", "client-info-secret")
    } <= h.world.secrets
    (client_info,) = [
        p for p in h.world.secret_payloads if p["metadata"]["name"] != "gandi-credentials"
    ]
    assert client_info["type"] == "Opaque"
    assert client_info["stringData"] == {
        "client-info.yml": h.profile.secrets.synology_client_info.read_text()
    }
    said = " ".join(e.message for e in h.of(Info))
    assert "kubectl create secret generic client-info-secret --from-file=client-info.yml=" in said
    (done,) = [e for e in h.of(StageSucceeded) if e.stage is StageName.SECRETS]
    assert isinstance(done, StageSucceeded) and done.summary == (
        "applied Secret cert-manager/gandi-credentials and Secret synology-csi/client-info-secret "
        "(values not shown)"
    )
    assert SYNOLOGY_PASSWORD not in said and GANDI_TOKEN not in said


def test_the_runbooks_configmap_is_still_applied_as_a_configmap(harness) -> None:
    h = harness()
    runbook = SecretObject(
        kind="ConfigMap",
        name="synology-client-info",
        namespace="synology-csi",
        key="client-info.yml",
    )
    h.profile = h.profile.model_copy(
        update={"secrets": h.profile.secrets.model_copy(update={"synology": runbook})}
    )
    result = h.engine().run(RunRequest(plan=make_plan(only=StageName.SECRETS)))
    assert result.exit_code == ExitCode.DONE, result.message
    assert ("ConfigMap", "synology-csi", "synology-client-info") in h.world.secrets
    assert [p["metadata"]["name"] for p in h.world.secret_payloads] == ["gandi-credentials"]
    said = " ".join(e.message for e in h.of(Info))
    assert "kubectl create configmap synology-client-info" in said


def test_the_secrets_item_proves_each_object_as_its_kind(harness) -> None:
    """A ConfigMap named like the Secret the profile applies is not that Secret."""
    h = harness()
    h.world.secrets.discard(("Secret", "synology-csi", "client-info-secret"))
    h.world.secrets.add(("ConfigMap", "synology-csi", "client-info-secret"))
    result = h.engine().run(RunRequest(plan=make_plan(only=StageName.VALIDATE)))
    assert result.exit_code == ExitCode.STAGE_FAILED
    assert "secrets-applied: missing: synology-csi/secret/client-info-secret" in result.message
    h.world.secrets.add(("Secret", "synology-csi", "client-info-secret"))
    result = h.engine().run(RunRequest(plan=make_plan(only=StageName.VALIDATE)))
    assert result.exit_code == ExitCode.DONE, result.message
    (proved,) = [
        e for e in h.of(ChecklistChanged) if e.item_id == "secrets-applied" and e.state == "proved"
    ][-1:]
    assert proved.evidence == (
        "present: cert-manager/secret/gandi-credentials, synology-csi/secret/client-info-secret "
        "(values not read)"
    )
