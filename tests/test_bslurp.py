"""bslurp end to end: the binary itself, ad hoc, in playbooks, and against
kolla-ansible 13.x's Python bslurp."""
import base64
import hashlib
import os
import zlib

import pytest

from conftest import MODULES, REF_13_LIBRARY, docker, run_binary


def wire(data: bytes, compress=True) -> str:
    return base64.b64encode(zlib.compress(data) if compress else data).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the binary, directly -------------------------------------------------

def test_fetch_returns_content_checksums_and_python_style_mode(module, tmp_path):
    src = tmp_path / "f.bin"
    data = os.urandom(5000) + b"tail\n"
    src.write_bytes(data)
    src.chmod(0o640)
    out = module("bslurp", {"src": str(src)})
    assert out["changed"] is False and "failed" not in out
    assert zlib.decompress(base64.b64decode(out["content"])) == data
    assert out["sha1"] == hashlib.sha1(data).hexdigest()
    assert out["sha256"] == sha256(data)
    assert out["mode"] == "0o640"
    assert out["source"] == str(src)


def test_fetch_uncompressed(module, tmp_path):
    src = tmp_path / "plain"
    src.write_bytes(b"abc")
    out = module("bslurp", {"src": str(src), "compress": "no"})
    assert base64.b64decode(out["content"]) == b"abc"


@pytest.mark.parametrize("make, expect", [
    (lambda p: p / "missing", "file not found"),
    (lambda p: p, "file is not readable"),  # a directory cannot be read as a file
])
def test_fetch_failures(module, tmp_path, make, expect):
    out = module("bslurp", {"src": str(make(tmp_path))})
    assert out["failed"] is True and expect in out["msg"]


def test_push_writes_then_is_idempotent(module, tmp_path):
    dest = tmp_path / "out.conf"
    data = b"key = value\n" * 10
    args = {"src": wire(data), "dest": str(dest), "mode": "0o600", "sha256": sha256(data)}
    first = module("bslurp", args)
    assert first["changed"] is True
    assert dest.read_bytes() == data
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    assert module("bslurp", args)["changed"] is False


def test_push_shorter_file_leaves_no_stale_bytes(module, tmp_path):
    """The reference writes in place and keeps the old tail
    (docs/reference-behaviour.md, bslurp-write); ours replaces the file."""
    dest = tmp_path / "shrink"
    dest.write_bytes(b"a much longer previous version of the file\n")
    module("bslurp", {"src": wire(b"short\n"), "dest": str(dest), "mode": "0644"})
    assert dest.read_bytes() == b"short\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shrink"], "temporary file left behind"


def test_push_fixes_mode_of_identical_file(module, tmp_path):
    dest = tmp_path / "m"
    dest.write_bytes(b"same")
    dest.chmod(0o600)
    out = module("bslurp", {"src": wire(b"same"), "dest": str(dest), "mode": "0644", "sha1": hashlib.sha1(b"same").hexdigest()})
    assert out["changed"] is True and oct(dest.stat().st_mode & 0o777) == "0o644"


def test_push_accepts_integer_mode_from_unquoted_yaml(module, tmp_path):
    dest = tmp_path / "intmode"
    module("bslurp", {"src": wire(b"x"), "dest": str(dest), "mode": 0o640})
    assert oct(dest.stat().st_mode & 0o777) == "0o640"


@pytest.mark.parametrize("args, expect", [
    ({"src": "!!!not-base64", "mode": "0644"}, "not valid base64"),
    ({"src": base64.b64encode(b"not zlib").decode(), "mode": "0644"}, "not valid zlib"),
    ({"src": wire(b"data"), "sha256": "0" * 64}, "sha256 sum does not match data"),
    ({"src": wire(b"data"), "sha1": "0" * 40}, "sha1 sum does not match data"),
    ({"src": wire(b"data"), "mode": "rw-r--r--"}, "not an octal permission"),
    ({"src": wire(b"data"), "mode": "0o99"}, "not an octal permission"),
])
def test_push_bad_input_fails_and_leaves_dest_untouched(module, tmp_path, args, expect):
    dest = tmp_path / "keep"
    dest.write_bytes(b"original")
    before = dest.stat()
    out = module("bslurp", {**args, "dest": str(dest)})
    assert out["failed"] is True, out
    assert expect in out["msg"], out["msg"]
    assert dest.read_bytes() == b"original"
    assert dest.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]


def test_push_into_missing_directory_fails_clearly(module, tmp_path):
    out = module("bslurp", {"src": wire(b"x"), "dest": str(tmp_path / "no" / "such" / "f")})
    assert out["failed"] is True and "does not exist" in out["msg"]


def test_push_into_unwritable_directory_fails_clearly(module, tmp_path):
    # Root ignores permission bits, so use a read-only bind: /proc is never writable.
    out = module("bslurp", {"src": wire(b"x"), "dest": "/proc/kolla-rust-test"})
    assert out["failed"] is True and "cannot create temporary file" in out["msg"]


def test_check_mode_reports_but_writes_nothing(module, tmp_path):
    dest = tmp_path / "checked"
    out = module("bslurp", {"src": wire(b"new"), "dest": str(dest)}, check=True)
    assert out["changed"] is True
    assert not dest.exists()
    dest.write_bytes(b"new")
    dest.chmod(0o644)
    assert module("bslurp", {"src": wire(b"new"), "dest": str(dest)}, check=True)["changed"] is False


def test_diff_mode_shows_before_and_after(module, tmp_path):
    dest = tmp_path / "d.txt"
    dest.write_text("old line\n")
    out = module("bslurp", {"src": wire(b"new line\n"), "dest": str(dest)}, diff=True)
    assert out["diff"]["before"] == "old line\n"
    assert out["diff"]["after"] == "new line\n"
    assert out["diff"]["after_header"] == str(dest)
    binary = module("bslurp", {"src": wire(b"\xff\x00" * 10), "dest": str(tmp_path / "b")}, diff=True)
    assert "binary" in binary["diff"]["after"]


def test_argument_errors_are_ansible_style(module):
    out = module("bslurp", {"src": "x", "bogus": 1})
    assert out["failed"] is True
    assert out["msg"].startswith("Unsupported parameters for (bslurp) module: bogus.")
    assert "compress, dest, mode, sha1, sha256, src" in out["msg"]
    assert module("bslurp", {})["msg"] == "missing required arguments: src"
    bad_bool = module("bslurp", {"src": "x", "compress": "maybe"})
    assert "unable to convert to bool" in bad_bool["msg"]


def test_args_file_problems_give_json_failures(tmp_path):
    for raw in [b"", b"not json", b"[1, 2]", b"\xff\xfe\x00"]:
        run = run_binary("bslurp", None, tmp_path, raw=raw)
        assert run.rc == 0 and run.result["failed"] is True, raw


# --- a static binary runs with no libc at all --------------------------------

def test_binary_is_static_and_runs_in_busybox_container(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    (work / "data").write_bytes(b"inside busybox\n")
    (work / "args.json").write_text('{"src": "/w/data"}')
    proc = docker("run", "--rm", "--network", "none", "-v", f"{MODULES / 'bslurp'}:/bslurp:ro", "-v", f"{work}:/w",
                  "kolla-test/busybox:unlabeled", "/bslurp", "/w/args.json")
    import json
    out = json.loads(proc.stdout)
    assert zlib.decompress(base64.b64decode(out["content"])) == b"inside busybox\n"
    assert docker("run", "--rm", "--network", "none", "kolla-test/busybox:unlabeled", "ls", "/lib", check=False).returncode != 0, \
        "the busybox image must have no libc for this test to mean anything"


# --- through Ansible ------------------------------------------------------

def test_adhoc_from_repo_root_with_short_name(adhoc, tmp_path):
    src = tmp_path / "hostname"
    src.write_text("node-1\n")
    run = adhoc("bslurp", f"src={src} compress=no")
    assert run.rc == 0, run.stdout + run.stderr
    res = run.records[0]["result"]
    assert base64.b64decode(res["content"]) == b"node-1\n"


def test_ansible_doc_reads_adjacent_documentation():
    import subprocess
    from conftest import VENV, ROOT
    proc = subprocess.run([str(VENV / "bin" / "ansible-doc"), "bslurp"], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
    assert proc.returncode == 0, proc.stderr
    assert "Without" in proc.stdout and "reads the file" in proc.stdout
    assert "sha256" in proc.stdout


FLOW = """
- hosts: all
  gather_facts: false
  vars:
    store: "{store}"
  tasks:
    - name: Fetch from the first node
      bslurp:
        src: "{{{{ store }}}}/origin/secret.key"
      register: blob
      run_once: true
    - name: Push to every node
      bslurp:
        src: "{{{{ blob.content }}}}"
        dest: "{{{{ store }}}}/{{{{ inventory_hostname }}}}-{{{{ item }}}}.key"
        mode: "{{{{ blob.mode }}}}"
        sha256: "{{{{ blob.sha256 }}}}"
      loop: [a, b]
"""


def flow_inventory(tmp_path):
    inv = tmp_path / "hosts.ini"
    inv.write_text("[nodes]\n" + "".join(
        f"node{i} ansible_connection=local ansible_python_interpreter=auto_silent\n" for i in range(1, 4)))
    return str(inv)


def run_flow(playbook, tmp_path, library=None):
    store = tmp_path / "store"
    (store / "origin").mkdir(parents=True, exist_ok=True)
    key = store / "origin" / "secret.key"
    if not key.exists():
        key.write_bytes(os.urandom(2048))
        key.chmod(0o600)
    return store, key, lambda: playbook(FLOW.format(store=store), inventory=flow_inventory(tmp_path),
                                        library=library)


def test_fetch_once_push_many_then_unchanged(playbook, tmp_path):
    store, key, run = run_flow(playbook, tmp_path)
    first = run()
    assert first.rc == 0, first.stdout + first.stderr
    pushed = sorted(store.glob("node*.key"))
    assert len(pushed) == 6
    for p in pushed:
        assert p.read_bytes() == key.read_bytes()
        assert oct(p.stat().st_mode & 0o777) == "0o600"
    assert all(r["changed"] for r in first.results("Push to every node") if "item" in r)
    second = run()
    assert second.rc == 0
    assert all(stats["changed"] == 0 for stats in second.recap().values()), second.stdout


def test_check_and_diff_through_playbook(playbook, tmp_path):
    store, key, run = run_flow(playbook, tmp_path)
    checked = playbook(FLOW.format(store=store), "--check", "--diff", inventory=flow_inventory(tmp_path))
    assert checked.rc == 0, checked.stdout
    assert not list(store.glob("node*.key")), "check mode wrote files"
    # One looped task per host, reported changed; its diff names the destination.
    assert all(stats["changed"] == 1 for stats in checked.recap().values()), checked.stdout
    assert f"+++ after: {store}/node2-b.key" in checked.stdout


# --- parity with kolla-ansible 13.x bslurp --------------------------------

PARITY_CASES = [
    ("fetch", {"compress": True}),
    ("fetch", {"compress": False}),
    ("push_new", {"compress": True, "checksum": "sha256"}),
    ("push_new", {"compress": False, "checksum": "sha1"}),
    ("push_same", {"compress": True, "checksum": "sha256"}),
    ("push_same", {"compress": True, "checksum": "sha1"}),
    ("push_mismatch", {"compress": True, "checksum": "sha256"}),
]


def parity_scenario(kind, opts, base, run_module):
    """Runs one scenario in its own directory; returns the comparable outcome."""
    base.mkdir()
    data = b"[DEFAULT]\nsecret = " + hashlib.sha1(kind.encode() + repr(opts).encode()).hexdigest().encode() + b"\n"
    src = base / "src.conf"
    src.write_bytes(data)
    src.chmod(0o640)
    if kind == "fetch":
        res = run_module({"src": str(src), "compress": opts["compress"]})
        content = base64.b64decode(res["content"])
        raw = zlib.decompress(content) if opts["compress"] else content
        return {"changed": res.get("changed", False), "raw": raw, "sha1": res["sha1"],
                "sha256": res["sha256"], "mode": res["mode"], "failed": res.get("failed", False)}
    dest = base / "dest.conf"
    checksum = {"sha256": sha256(data), "sha1": hashlib.sha1(data).hexdigest()}[opts["checksum"]]
    if kind == "push_mismatch":
        checksum = "0" * len(checksum)
    if kind == "push_same":
        dest.write_bytes(data)
        dest.chmod(0o640)
    args = {"src": wire(data, opts["compress"]), "dest": str(dest), "compress": opts["compress"],
            "mode": "0o640", opts["checksum"]: checksum}
    res = run_module(args)
    return {"changed": res.get("changed", False), "failed": res.get("failed", False),
            "dest": dest.read_bytes() if dest.exists() else None}


@pytest.mark.parametrize("kind, opts", PARITY_CASES, ids=[f"{k}-{'-'.join(map(str, o.values()))}" for k, o in PARITY_CASES])
def test_parity_with_reference(adhoc, tmp_path, kind, opts):
    import json

    def via(library):
        def run_module(args):
            run = adhoc("bslurp", json.dumps(args), library=library)
            assert run.records, run.stdout + run.stderr
            return run.records[0]["result"]
        return run_module

    ref = parity_scenario(kind, opts, tmp_path / "ref", via(REF_13_LIBRARY))
    ours = parity_scenario(kind, opts, tmp_path / "ours", via(None))
    assert ours == ref
