"""The API server's rules for a Secret, as apimachinery's validation states them."""

from __future__ import annotations

import base64

import pytest

from vixens_tui.core.k8s_validation import (
    config_key,
    dns1123_label,
    dns1123_subdomain,
    label_value,
    qualified_name,
    secret_problems,
)

GOOD_KEYS = ["api-token", "A_B.c", "-a", ".a", "_a", "a..b", "k" * 253]
BAD_KEYS = ["", ".", "..", "..a", "a/b", "a b", "tok:en", "é", "k" * 254]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_valid_config_keys(key: str) -> None:
    assert config_key(key) == []


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_config_keys(key: str) -> None:
    assert config_key(key)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("gandi-credentials", True),
        ("a.b-c", True),
        ("x" * 253, True),
        ("Gandi", False),
        ("a_b", False),
        ("-a", False),
        ("a.", False),
        ("x" * 254, False),
    ],
)
def test_dns1123_subdomain(name: str, ok: bool) -> None:
    assert (dns1123_subdomain(name) == []) is ok


@pytest.mark.parametrize(
    ("name", "ok"),
    [("cert-manager", True), ("x" * 63, True), ("cert.manager", False), ("x" * 64, False)],
)
def test_dns1123_label(name: str, ok: bool) -> None:
    assert (dns1123_label(name) == []) is ok


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("app", True),
        ("app.kubernetes.io/name", True),
        ("a_b-c.d", True),
        ("-a", False),
        ("a-", False),
        ("/a", False),
        ("a/", False),
        ("a/b/c", False),
        ("Example.com/a", False),
        ("a" * 64, False),
    ],
)
def test_qualified_name(key: str, ok: bool) -> None:
    assert (qualified_name(key) == []) is ok


@pytest.mark.parametrize(
    ("value", "ok"), [("", True), ("v1.2_3-x", True), ("-a", False), ("a b", False)]
)
def test_label_value(value: str, ok: bool) -> None:
    assert (label_value(value) == []) is ok


def secret(**fields: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "gandi-credentials", "namespace": "cert-manager"},
        "type": "Opaque",
        "stringData": {"api-token": "t"},
    }
    doc.update(fields)
    return doc


def test_a_valid_secret_has_no_problem() -> None:
    assert secret_problems(secret(data={"other": base64.b64encode(b"x").decode()})) == []


def test_the_data_of_a_secret_is_at_most_one_mebibyte_all_values_together() -> None:
    half = "x" * (1 << 19)
    assert secret_problems(secret(stringData={"a": half, "b": half})) == []
    problems = secret_problems(secret(stringData={"a": half, "b": half + "x"}))
    assert problems == [
        "data: the values total 1048577 bytes, more than the 1048576 a Secret may hold"
    ]


def test_a_string_data_key_overrides_the_same_data_key_in_the_size() -> None:
    big = base64.b64encode(b"x" * (1 << 20)).decode()
    assert secret_problems(secret(data={"a": big}, stringData={"a": "small"})) == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"spec": {}}, "unknown field 'spec'"),
        ({"immutable": "yes"}, "immutable: must be true or false"),
        ({"stringData": {"api-token": 5}}, "stringData['api-token']: must be a string"),
        ({"data": {"a": "%%%"}}, "data['a']: not valid base64"),
        ({"data": ["a"]}, "data: must be a mapping"),
        ({"stringData": {"a b": "x"}}, "stringData['a b']: invalid key"),
    ],
)
def test_what_the_api_server_refuses(fields: dict[str, object], problem: str) -> None:
    problems = secret_problems(secret(**fields))
    assert any(p.startswith(problem) for p in problems), problems
