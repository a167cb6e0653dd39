"""Malformed invocations against every module binary: each must print exactly
one JSON object with failed=true and a message, exit 0, and never panic.

Cases come from each module's own documentation (plugins/modules/<name>.yml):
every documented option gets values its type cannot take, plus a seeded
generator of random argument objects and broken args files. The number of
cases run is printed at the end of the session (see conftest's summary hook).
"""
import json
import os
import random
import subprocess

import pytest
import yaml

from conftest import MODULES, parse_single_json
from no_log_cases import LONG_SECRET, SHORT_SECRETS, assert_hidden, no_log_options_of

BINARIES = sorted(p.name for p in MODULES.iterdir()
                  if not p.suffix and os.access(p, os.X_OK) and (MODULES / f"{p.name}.yml").exists())

# Values each declared type must refuse.
WRONG = {
    "bool": ["maybe", 2, [1], {"a": 1}],
    # ansible-core's check_type_int/check_type_list take True as the int 1 / ["True"].
    "int": ["ten", 1.5, "2.5", "0x1f", [1], {"a": 1}],
    "float": ["one point five", [1.0], {"a": 1}],
    "list": [{"a": 1}],
    # A `{`-text must be JSON or a Python literal dict (check_type_dict): a set is neither.
    "dict": ["plain words", "{broken json", "{'a': {1, 2}}", "{'a': 1} and more", [1, 2], 3],
}

CASES_RUN = []


def options(name):
    doc = yaml.safe_load((MODULES / f"{name}.yml").read_text())["DOCUMENTATION"]
    return doc.get("options") or {}


def run_raw(name, payload: bytes, tmp_path, argv=None):
    path = tmp_path / "args.json"
    path.write_bytes(payload)
    cmd = [str(MODULES / name)] + ([str(path)] if argv is None else argv)
    proc = subprocess.run(cmd, capture_output=True, timeout=60)
    CASES_RUN.append(name)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-500:])
    assert b"panicked" not in proc.stderr and b"backtrace" not in proc.stderr.lower(), proc.stderr[-500:]
    out = parse_single_json(proc.stdout.decode("utf-8"))
    assert out.get("failed") is True, out
    assert isinstance(out.get("msg"), str) and len(out["msg"]) > 10, out
    return out


def typed_cases(name):
    cases = []
    for opt, spec in options(name).items():
        for bad in WRONG.get(spec.get("type", "str"), []):
            cases.append((f"{opt}={bad!r}", {opt: bad}))
        if spec.get("choices"):
            cases.append((f"{opt}=not-a-choice", {opt: "definitely-not-a-choice"}))
    cases.append(("unknown", {"no_such_option_xyz": 1}))
    cases.append(("huge unknown", {"x" * 1000: "y" * (8 * 1024 * 1024)}))
    cases.append(("empty object", {}))
    return cases


@pytest.mark.parametrize("name", BINARIES)
def test_broken_args_files(name, tmp_path):
    for payload in [b"", b"not json", b"[1, 2]", b'"a string"', b"42", b"null", b"\xff\xfe\xfa",
                    b'{"unterminated": ', b"[" * 10000 + b"]" * 10000, b'{"\xff": 1}']:
        run_raw(name, payload, tmp_path)
    run_raw(name, b"{}", tmp_path, argv=[str(tmp_path / "does-not-exist.json")])
    out = run_raw(name, b"{}", tmp_path, argv=[])
    assert "usage" in out["msg"]


@pytest.mark.parametrize("name", BINARIES)
def test_wrong_types_choices_and_unknown_options(name, tmp_path):
    for label, args in typed_cases(name):
        out = run_raw(name, json.dumps(args).encode(), tmp_path)
        if label.startswith("unknown"):
            # ansible-core reports unsupported names after every other error.
            last = out.get("errors", [out["msg"]])[-1]
            assert "Unsupported parameters" in last and "no_such_option_xyz" in last, out
        assert "y" * 1000 not in out["msg"], "huge values must not be echoed back"


@pytest.mark.parametrize("name", BINARIES)
def test_random_argument_objects(name, tmp_path):
    rng = random.Random(f"kolla-rust-{name}")
    known = list(options(name))

    def value(depth=0):
        makers = [
            lambda: None,
            lambda: rng.random() < 0.5,
            lambda: rng.randint(-10**12, 10**12),
            lambda: "".join(rng.choice("ab,=\" {}\\\n\u00e9\u2603") for _ in range(rng.randint(0, 12))),
            lambda: rng.uniform(-1e6, 1e6),
            lambda: [value(depth + 1) for _ in range(rng.randint(0, 3))],
            lambda: {f"k{i}": value(depth + 1) for i in range(rng.randint(0, 3))},
        ]
        return makers[rng.randrange(7 if depth < 3 else 5)]()

    for _ in range(250):
        args = {rng.choice(known): value() for _ in range(rng.randint(0, 3))} if known else {}
        args[f"bogus_{rng.randint(0, 999)}"] = value()   # guarantees the call is refused before acting
        run_raw(name, json.dumps(args).encode(), tmp_path)


@pytest.mark.parametrize("name", BINARIES)
def test_short_secrets_keep_a_failure_failed(name, tmp_path):
    """A refused call carrying a short or JSON-looking no_log value is still one
    object with failed: true and the same keys, and the value is hidden."""
    for option in no_log_options_of(name):
        def call(secret):
            args = {option: secret, "no_such_option_xyz": secret}
            return run_raw(name, json.dumps(args).encode(), tmp_path)
        keys = set(call(LONG_SECRET))
        for secret in SHORT_SECRETS + [LONG_SECRET]:
            out = call(secret)
            assert_hidden(out, secret, keys)


MERGE_YAML_BAD = [
    ("unparsable", [{"path": "a.yml", "content": "a: [1\n"}], "a.yml: line 2"),
    ("a list document", [{"path": "a.yml", "content": "- 1\n"}], "not a mapping"),
    ("a scalar document", [{"path": "a.yml", "content": "words\n"}], "not a mapping"),
    ("two documents", [{"path": "a.yml", "content": "a: 1\n---\nb: 2\n"}], "single document"),
    ("python tag", [{"path": "a.yml", "content": "a: !!python/name:os.system\n"}], "constructor"),
    ("unhashable key", [{"path": "a.yml", "content": "? [1]\n: 2\n"}], "unhashable"),
    ("invalid date", [{"path": "a.yml", "content": "d: 2001-02-30\n"}], "invalid timestamp"),
    ("control character", [{"path": "a.yml", "content": "a: \u0001\n"}], "unacceptable"),
    ("no sources", [], "none of the sources exists"),
    ("content not text", [{"path": "a.yml", "content": ["a"]}], "invalid module arguments"),
    ("missing content", [{"path": "a.yml"}], "invalid module arguments"),
]


@pytest.mark.parametrize("label,rendered,expect", MERGE_YAML_BAD, ids=[c[0] for c in MERGE_YAML_BAD])
def test_merge_yaml_bad_sources_leave_dest(label, rendered, expect, tmp_path):
    """Well-formed calls whose sources cannot be merged: one failure naming the
    problem, dest untouched, no source text echoed."""
    dest = tmp_path / "dest.yml"
    dest.write_text("keep: me\n")
    args = {"rendered": rendered, "sources": ["a.yml"], "dest": str(dest)}
    out = run_raw("merge_yaml", json.dumps(args).encode(), tmp_path)
    assert expect in out["msg"], out["msg"]
    assert dest.read_text() == "keep: me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["args.json", "dest.yml"]


@pytest.mark.parametrize("extra,expect", [
    ({"yaml_width": "wide"}, "yaml_width"),
    ({"extend_lists": "sometimes"}, "extend_lists"),
    ({"mode": "u=rwx,bogus"}, "mode"),
    ({"owner": "no-such-user-xyz"}, "no-such-user-xyz"),
    ({"dest": "/nonexistent-dir-xyz/out.yml"}, "/nonexistent-dir-xyz"),
])
def test_merge_yaml_bad_options(extra, expect, tmp_path):
    args = {"rendered": [{"path": "a.yml", "content": "a: 1\n"}], "dest": str(tmp_path / "d.yml"), **extra}
    out = run_raw("merge_yaml", json.dumps(args).encode(), tmp_path)
    assert expect in out["msg"], out["msg"]
    assert not (tmp_path / "d.yml").exists()


def test_cases_were_counted():
    """Runs last in this file: reports how many malformed invocations were tried."""
    print(f"\nbad-input cases run: {len(CASES_RUN)} across {len(BINARIES)} modules")
    assert BINARIES, "no module binaries found: run `make build` first"
    assert len(CASES_RUN) >= 50 * len(BINARIES)
