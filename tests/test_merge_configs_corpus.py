"""A layered Kolla-style corpus (service template with Jinja, global,
per-service and per-host overrides, two hosts) merged by kolla-ansible 22.2.0's
real action plugin (with its copy) and by ours, through ansible-playbook:
the files must be identical, byte for byte and mode for mode."""
import json
import shutil
from pathlib import Path

import pytest

from conftest import REF_22

CORPUS = Path(__file__).parent / "merge_configs" / "corpus"
HOSTS = ["host1", "host2"]


def files_under(root: Path):
    return {p.relative_to(root): (p.read_bytes(), p.stat().st_mode & 0o7777)
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_corpus(playbook, tmp_path, out: Path, **plugins):
    for host in HOSTS:
        for service in ("nova-api", "nova-scheduler"):
            (out / host / service).mkdir(parents=True, exist_ok=True)
    return playbook((CORPUS / "play.yml").read_text(), "-e", f"corpus={CORPUS}", "-e", f"out={out}",
                    inventory=",".join(HOSTS) + ",", **plugins)


def test_layered_corpus_matches_the_reference(playbook, tmp_path):
    # Found through the playbook directory's templates/ (the search path's second entry).
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "site-extra.j2").write_text(
        "[site]\nregion = {{ inventory_hostname | upper }}\n")

    ref_out, our_out = tmp_path / "ref", tmp_path / "ours"
    ref = run_corpus(playbook, tmp_path, ref_out, action_plugins=REF_22 / "action_plugins")
    assert ref.rc == 0, ref.stdout + ref.stderr
    ours = run_corpus(playbook, tmp_path, our_out)
    assert ours.rc == 0, ours.stdout + ours.stderr

    expected, got = files_under(ref_out), files_under(our_out)
    assert len(expected) == 6
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], f"{name}:\n{expected[name][0].decode()}\n---\n{got[name][0].decode()}"
    assert ours.recap() == ref.recap()

    # What the layers did, so the corpus cannot silently stop exercising them.
    api1 = (our_out / "host1" / "nova-api" / "nova.conf").read_text()
    assert "debug = false\n" in api1 and "my_ip = 10.0.0.11\n" in api1          # per-host wins
    assert "use_forwarded_for = false\nauth_strategy = keystone\n" in api1      # per-service
    assert "osapi_compute_workers = 8\n" in api1                                # per-service file order
    assert "available_filters = custom.filters.MyFilter\n" in api1              # multi-valued replaced
    assert "images_rbd_pool = vms\n                  extra_line_value\n" in api1  # continuation
    assert "[site]\nregion = HOST1\n" in api1
    sched2 = (our_out / "host2" / "nova-scheduler" / "nova.conf").read_text()
    assert "osapi_compute_listen" not in sched2 and "reserved_host_memory_mb = 2048\n" in sched2
    assert "debug = True\n" in sched2 and "[wsgi]" not in sched2

    # Our second run changes nothing; neither does the reference's over our files.
    again = run_corpus(playbook, tmp_path, our_out)
    assert again.rc == 0 and again.recap()["host1"]["changed"] == 0, again.stdout
    over = run_corpus(playbook, tmp_path, our_out, action_plugins=REF_22 / "action_plugins")
    assert over.rc == 0 and over.recap()["host2"]["changed"] == 0, over.stdout
    shutil.rmtree(ref_out)


EDGE_SOURCES = {
    "crlf.conf": b"[DEFAULT]\r\nkey = v1\r\nlist = a\r\n  b\r\n\r\n[x]\rk=1\r",
    "unicode.conf": "o = orphan\n[DEFAULT]\nclé = välue\u00a0\nключ =\u3000значение\n\tпродолжение\n".encode(),
    "later-orphan.conf": b"late = 1\n[x]\nk = 2\nk = 3\n[TEMPORARY_ORPHAN_VARIABLE_SECTION]\nz = 9\n",
    "tabs.conf": b"[t]\nkey\t=\tvalue\t\n\tcont\t\nempty =\nquoted = ' '\n",
}


@pytest.mark.parametrize("whitespace", [True, False])
def test_edge_sources_match_the_reference(playbook, tmp_path, whitespace):
    src = tmp_path / "src"
    src.mkdir()
    for name, data in EDGE_SOURCES.items():
        (src / name).write_bytes(data)
    play = json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "edge", "merge_configs": {
            "sources": [str(src / n) for n in EDGE_SOURCES] + [str(src / "missing.conf")],
            "dest": "{{ out }}/edge.conf", "whitespace": whitespace}},
    ]}])
    for out, plugins in (("ref", {"action_plugins": REF_22 / "action_plugins"}), ("ours", {})):
        (tmp_path / out).mkdir()
        run = playbook(play, "-e", f"out={tmp_path / out}", **plugins)
        assert run.rc == 0, run.stdout + run.stderr
    assert files_under(tmp_path / "ours") == files_under(tmp_path / "ref")
    edge = (tmp_path / "ours" / "edge.conf").read_text()
    assert ("list = a\n       b\n" if whitespace else "list=a\n     b\n") in edge  # CRLF continuation


def test_all_sources_missing_is_an_intended_deviation(playbook, tmp_path):
    """The reference writes an empty dest (and reports changed) when none of the
    sources exists, wiping a service's config on a typo; ours fails naming them
    and writes nothing (docs/reference-behaviour.md, merge_configs)."""
    missing = tmp_path / "src" / "missing.conf"
    play = json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "none", "merge_configs": {"sources": str(missing), "dest": "{{ out }}/none.conf"}},
    ]}])
    for out, plugins in (("ref", {"action_plugins": REF_22 / "action_plugins"}), ("ours", {})):
        (tmp_path / out).mkdir()
        run = playbook(play, "-e", f"out={tmp_path / out}", **plugins)
        if out == "ref":
            assert run.rc == 0 and run.result("none")["changed"] is True, run.stdout + run.stderr
            assert (tmp_path / "ref" / "none.conf").read_bytes() == b""
        else:
            assert run.rc != 0 and str(missing) in run.result("none")["msg"], run.stdout
            assert list((tmp_path / "ours").iterdir()) == []
