"""Configuration generation for several hosts: the groups of inventory/multinode
with every host reached locally, each with its own node_config_directory, so
placement (which host gets which container), per-host overrides and the
distribution of keystone's fernet keys by bslurp are checked on real files."""
import configparser
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, VENV, ansible_env

HOSTS = {"control": ["ctl1", "ctl2"], "network": ["net1"], "compute": ["cmp1"], "storage": ["sto1"],
         "monitoring": ["mon1"]}


def inventory(base: Path) -> Path:
    """inventory/multinode's service groups, with our local hosts in the top-level groups."""
    text = (ROOT / "inventory" / "multinode").read_text()
    children = text[text.index("# Services run on these groups"):]
    # The shipped multinode file names its single database host; here it is ctl1.
    children = children.replace("[mariadb]\ncontrol01\n", "[mariadb]\nctl1\n")
    lines = []
    for group, hosts in HOSTS.items():
        lines.append(f"[{group}]")
        lines += [f"{h} ansible_connection=local node_config_directory={base / h}" for h in hosts]
        lines.append("")
    lines += ["[deployment]", "ctl1", ""]
    path = base / "inventory"
    path.write_text("\n".join(lines) + children)
    return path


@pytest.fixture(scope="module")
def multinode(tmp_path_factory):
    base = tmp_path_factory.mktemp("multinode")
    custom = base / "custom"
    (custom / "nova" / "cmp1").mkdir(parents=True)
    (custom / "nova" / "cmp1" / "nova.conf").write_text("[libvirt]\nvirt_type = qemu\n")
    globals_file = base / "globals.yml"
    globals_file.write_text(f"network_interface: lo\nkolla_internal_vip_address: 127.0.0.10\n"
                            f"node_custom_config: {custom}\nenable_cinder: true\n"
                            # The agents', libvirt's and cinder-volume's placement too (no images of them here).
                            "neutron_plugin_agent: openvswitch\nnova_compute_virt_driver: libvirt\n"
                            "enable_cinder_backend_lvm: true\n")
    passwords = base / "passwords.yml"
    subprocess.run([str(ROOT / "bin" / "kolla-genpwd"), "-p", str(passwords)], check=True, capture_output=True)
    cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", str(inventory(base)), str(ROOT / "site.yml"),
           "-e", f"@{globals_file}", "-e", f"@{passwords}", "-e", "kolla_action=config"]
    run_dir = base / "run"
    run_dir.mkdir()
    proc = subprocess.run(cmd, env=ansible_env(run_dir), cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-6000:]
    return base


def dirs(base, host):
    d = base / host
    return {p.name for p in d.iterdir()} if d.exists() else set()


def test_containers_land_on_their_groups(multinode):
    ctl, net, cmp_, sto = (dirs(multinode, h) for h in ("ctl1", "net1", "cmp1", "sto1"))
    assert {"keystone", "nova-api", "nova-scheduler", "neutron-server", "heat-engine", "mariadb",
            "rabbitmq", "memcached", "horizon", "cinder-api"} <= ctl
    assert not {"nova-compute", "neutron-l3-agent", "haproxy"} & ctl
    assert {"haproxy", "keepalived", "neutron-l3-agent", "neutron-dhcp-agent", "neutron-openvswitch-agent",
            "openvswitch-vswitchd"} <= net
    assert not {"nova-api", "mariadb"} & net
    assert {"nova-compute", "nova-libvirt", "neutron-openvswitch-agent", "openvswitch-db-server"} <= cmp_
    assert not {"nova-api", "neutron-server", "keystone", "haproxy"} & cmp_
    assert {"cinder-volume"} <= sto and "cinder-api" not in sto
    # One database server in this collection: ctl2 has none.
    assert "mariadb" not in dirs(multinode, "ctl2")


def test_haproxy_balances_over_every_control_host(multinode):
    text = (multinode / "net1" / "haproxy" / "services.d" / "nova-api.cfg").read_text()
    assert "server ctl1 " in text and "server ctl2 " in text
    keepalived = (multinode / "net1" / "keepalived" / "keepalived.conf").read_text()
    assert "virtual_ipaddress" in keepalived and "127.0.0.10 dev lo" in keepalived


def test_per_host_override_reaches_only_that_host(multinode):
    def virt_type(host):
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        parser.read(multinode / host / "nova-compute" / "nova.conf")
        return parser.get("libvirt", "virt_type")

    assert virt_type("cmp1") == "qemu"
    # The same file on a control host has no [libvirt] section at all.
    assert "[libvirt]" not in (multinode / "ctl1" / "nova-api" / "nova.conf").read_text()


def test_fernet_keys_are_copied_from_the_first_keystone_host(multinode):
    for key in ("0", "1"):
        first = (multinode / "ctl1" / "keystone" / "fernet-keys" / key).read_bytes()
        second = (multinode / "ctl2" / "keystone" / "fernet-keys" / key).read_bytes()
        assert first == second and len(first) == 44
        assert os.stat(multinode / "ctl2" / "keystone" / "fernet-keys" / key).st_mode & 0o777 == 0o600
