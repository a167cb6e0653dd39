"""The collection as users get it: `ansible-galaxy collection build`, then
`install`, then a playbook outside the repository using FQCNs."""
import base64
import os
import subprocess
import tarfile

import pytest

from conftest import ROOT, VENV, ansible_env, _run


def galaxy(*args, cwd=ROOT):
    proc = subprocess.run([str(VENV / "bin" / "ansible-galaxy"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("collection")
    galaxy("collection", "build", "--force", "--output-path", str(work), ".")
    tarball = next(work.glob("kolla-rust-*.tar.gz"))
    galaxy("collection", "install", "--force", "-p", str(work / "collections"), str(tarball))
    return work, tarball


def test_tarball_ships_binaries_docs_and_no_sources(installed):
    _, tarball = installed
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        modules = {n for n in names if n.startswith("plugins/modules/")}
        assert {"plugins/modules/bslurp", "plugins/modules/bslurp.yml"} <= modules
        member = tar.getmember("plugins/modules/bslurp")
        assert member.mode & 0o111, "module binary must stay executable"
    assert not any(n.startswith(("modules/", "target/", "tests/")) for n in names)


def test_installed_docs_and_fqcn_playbook_outside_repo(installed, tmp_path):
    work, _ = installed
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "ansible.cfg").write_text("[defaults]\n")
    env = ansible_env(tmp_path, extra={
        "ANSIBLE_CONFIG": str(outside / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(work / "collections"),
    })
    doc = subprocess.run([str(VENV / "bin" / "ansible-doc"), "kolla.rust.bslurp"], cwd=outside,
                         env=env, capture_output=True, text=True)
    assert doc.returncode == 0, doc.stderr
    assert "kolla.rust.bslurp" in doc.stdout and "sha256" in doc.stdout

    data = tmp_path / "payload"
    data.write_bytes(b"from the installed collection\n")
    (outside / "play.yml").write_text(f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Fetch through the FQCN
      kolla.rust.bslurp:
        src: {data}
      register: blob
    - name: Push through the FQCN
      kolla.rust.bslurp:
        src: "{{{{ blob.content }}}}"
        dest: {tmp_path}/copy
        sha256: "{{{{ blob.sha256 }}}}"
""")
    run = _run([str(VENV / "bin" / "ansible-playbook"), "-i", "localhost,", "-c", "local", "play.yml"],
               env, outside, 300)
    assert run.rc == 0, run.stdout + run.stderr
    assert (tmp_path / "copy").read_bytes() == data.read_bytes()
    fetched = run.result("Fetch through the FQCN")
    assert base64.b64decode(fetched["content"])  # compressed payload present
    assert not os.path.exists(outside / "plugins"), "nothing may come from the repository"
