"""kolla-ansible 22.2.0's own `deploy`, unmodified, with its stock Python plugins
and through bin/kolla-rust-overlay with ours, each into a systemd test node of
its own (systemd as PID 1 and its own dockerd, tests/env/nodes), and the end
states compared.

kolla-ansible runs as an operator runs it (its venv from PyPI, `kolla-ansible
deploy -i INVENTORY --configdir DIR`, plus `-p OVERLAY/site.yml` for ours),
reaching the node through the community.docker.docker connection
(tests/kolla_ansible_nodes.py). Services, through kolla-ansible's own roles:
common (kolla-toolbox and cron; fluentd is disabled: no Debian package and
RubyGems is not reachable here, images/README.md), memcached, mariadb (a
single-node Galera cluster bootstrapped by the role), rabbitmq, haproxy (with
keepalived off the VIP is a second address on the node's eth0, where
keepalived would put it; proxysql off, for want of an image: haproxy fronts
the database on the VIP, kolla-ansible's `enable_external_mariadb_load_balancer`
pointed at the mariadb group), keystone (keystone,
keystone-ssh, keystone-fernet), glance-api (file store) and placement-api,
from the Kolla-contract images of images/, named through `docker_registry`,
`docker_namespace` and `openstack_tag` in globals.yml and loaded into each
node's engine as an operator's registry would provide them. Both deploys run
side by side (one node each), so the printed wall times share the machine.

Six settings differ from kolla-ansible's defaults, for this machine, the same
for both runs (GLOBALS below): the toolbox and haproxy run unprivileged
(`--privileged` cannot start here: the node's devices cgroup refuses "a *:* rwm";
haproxy binds its ports as root without it), containers get this
machine's open-files limit (20000; 1048576 cannot be set without
CAP_SYS_RESOURCE) and haproxy's maxconn is 9000 (40000 needs 80036 descriptors),
`set_sysctl: false` (the node's /proc/sys is read-only;
haproxy needs no non-local bind since the VIP is on eth0), `modules: []` (this
kernel has no loadable modules, no /proc/modules, so community.general.modprobe
fails whatever it loads; loadbalancer's ip_vs is keepalived's), and the node's
root mount is made shared, as a real host's is, for the toolbox's
`/run:/run:shared`.

Checked: both deploys succeed and run the same tasks with the same outcome and
`changed`; every kolla_container, kolla_container_facts, kolla_toolbox and
merge_configs task of the overlay run resolved to our files (a callback asks
Ansible's plugin loader); after `kolla-ansible post-deploy`, in both nodes,
its admin-openrc.sh gets a token, the catalog lists identity, image and
placement endpoints on the VIP, glance stores and lists an image and placement
answers an authenticated request; the containers (image, command,
environment, volumes, labels, restart policy, healthcheck, state), their
systemd units (byte for byte), the rendered /etc/kolla trees (paths, modes,
owners, bytes) and the volumes are the same in both nodes once node names and
addresses are neutral (both use one passwords.yml); a second deploy with ours
changes only what kolla-ansible always reports changed; `stop` stops every
container through systemd; `destroy` removes the containers, units and volumes.
"""
import difflib
import hashlib
import json
import subprocess

import pytest

from conftest import ROOT, docker
from kolla_ansible_nodes import (KA_TREE, KA_VENV, Deployment, Node, end_state, free_addresses, genpwd,
                                 recap, save_images, side_by_side, start_node, wait_healthy)
from kolla_images import VERSION, build, ref
from test_kolla_ansible_overlay import REPLACED

OVERLAY = ROOT / "bin" / "kolla-rust-overlay"
PREFIX = "kad-"
SIDES = ("stock", "ours")
IMAGES = ("kolla-toolbox", "cron", "memcached", "mariadb-server", "rabbitmq", "haproxy",
          "keystone", "keystone-ssh", "keystone-fernet", "glance-api", "placement-api")
CONTAINERS = ("kolla_toolbox", "cron", "memcached", "mariadb", "rabbitmq", "haproxy",
              "keystone", "keystone_ssh", "keystone_fernet", "glance_api", "placement_api")
# Tasks kolla-ansible itself marks `changed_when: true`: changed on every deploy, whoever's plugins run.
ALWAYS_CHANGED = {"keystone : Run fernet key distribution"}
IMAGE_BYTES = b"kolla.rust image upload\n" * 4096

GLOBALS = """\
---
kolla_base_distro: debian
docker_registry: ""
docker_namespace: "{namespace}"
openstack_tag: "{tag}"
network_interface: eth0
neutron_external_interface: eth0
kolla_internal_vip_address: {vip}
enable_openstack_core: false
enable_haproxy: true
enable_keepalived: false
enable_proxysql: false
enable_mariadb: true
# 22.2 puts the database behind proxysql, which no image here provides: haproxy
# fronts it on the VIP instead, as before proxysql (its members: the mariadb group).
enable_external_mariadb_load_balancer: true
enable_rabbitmq: true
enable_memcached: true
enable_fluentd: false
enable_keystone: true
enable_glance: true
enable_placement: true
# The node's /proc/sys is read-only; the VIP is on eth0, so haproxy binds it without sysctls.
set_sysctl: false
# No loadable kernel modules here (no /proc/modules): community.general.modprobe cannot run.
modules: []
# --privileged cannot start on these machines: the toolbox and haproxy run unprivileged
# (kolla-ansible's own dicts, with only `privileged` changed).
loadbalancer_services:
  haproxy:
    container_name: haproxy
    group: loadbalancer
    enabled: true
    image: "{{{{ haproxy_image_full }}}}"
    privileged: false
    volumes: "{{{{ haproxy_default_volumes + haproxy_extra_volumes }}}}"
    dimensions: "{{{{ haproxy_dimensions }}}}"
    healthcheck: "{{{{ haproxy_healthcheck }}}}"
  proxysql:
    container_name: proxysql
    group: loadbalancer
    enabled: "{{{{ enable_proxysql | bool }}}}"
    image: "{{{{ proxysql_image_full }}}}"
    privileged: false
    volumes: "{{{{ proxysql_default_volumes + proxysql_extra_volumes }}}}"
    dimensions: "{{{{ proxysql_dimensions }}}}"
    healthcheck: "{{{{ proxysql_healthcheck }}}}"
  keepalived:
    container_name: keepalived
    group: loadbalancer
    enabled: "{{{{ enable_keepalived | bool }}}}"
    image: "{{{{ keepalived_image_full }}}}"
    privileged: true
    volumes: "{{{{ keepalived_default_volumes + keepalived_extra_volumes }}}}"
    dimensions: "{{{{ keepalived_dimensions }}}}"
  haproxy-ssh:
    container_name: haproxy_ssh
    group: loadbalancer
    enabled: "{{{{ enable_letsencrypt | bool }}}}"
    image: "{{{{ haproxy_ssh_image_full }}}}"
    volumes: "{{{{ haproxy_ssh_default_volumes }}}}"
    dimensions: "{{{{ haproxy_ssh_dimensions }}}}"
    healthcheck: "{{{{ haproxy_ssh_healthcheck }}}}"
kolla_toolbox_services:
  kolla-toolbox:
    container_name: kolla_toolbox
    group: kolla_toolbox
    enabled: true
    image: "{{{{ kolla_toolbox_image_full }}}}"
    environment:
      ANSIBLE_NOCOLOR: "1"
      ANSIBLE_LIBRARY: "/usr/share/ansible"
      REQUESTS_CA_BUNDLE: "{{{{ openstack_cacert }}}}"
    privileged: false
    volumes: "{{{{ kolla_toolbox_default_volumes + kolla_toolbox_extra_volumes + lookup('vars', 'run_default_volumes_' + kolla_container_engine) }}}}"
    dimensions: "{{{{ kolla_toolbox_dimensions }}}}"
# haproxy wants 2 descriptors a connection: 40000 (kolla-ansible's default) cannot
# start under this machine's 20000 ("Cannot raise FD limit to 80036").
haproxy_max_connections: 9000
haproxy_defaults_max_connections: 9000
# This machine's hard open-files limit; containers cannot raise theirs above it.
default_container_dimensions_docker:
  ulimits:
    nofile:
      soft: 20000
      hard: 20000
"""


def unified(want, got, label):
    """The first lines of a unified diff of two texts, for an assertion message."""
    lines = difflib.unified_diff(want.splitlines(), got.splitlines(), f"stock {label}", f"ours {label}",
                                 lineterm="", n=2)
    return "\n".join(list(lines)[:120])


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    assert (KA_VENV / ".kolla-rust-ready").is_file(), f"no kolla-ansible venv at {KA_VENV}: run tests/env/up.sh"
    build(*IMAGES)
    network = PREFIX + "net"
    for side in SIDES:
        Node(PREFIX + side).remove()
    docker("network", "rm", network, check=False)
    docker("network", "create", network)
    archive = tmp_path_factory.mktemp("images") / "images.tar"
    try:
        vips = free_addresses(network, len(SIDES))
        try:
            save_images(archive, [ref(image) for image in IMAGES])
            started = side_by_side(*(lambda side=side, vip=vip: start_node(PREFIX + side, network, archive, vip)
                                     for side, vip in zip(SIDES, vips)))
        finally:
            # Gigabytes: never left in pytest's kept temporary directories.
            archive.unlink(missing_ok=True)
        yield {side: (node, vip) for side, node, vip in zip(SIDES, started, vips)}
    finally:
        for side in SIDES:
            Node(PREFIX + side).remove()
        docker("network", "rm", network, check=False)


@pytest.fixture(scope="module")
def deployed(nodes, tmp_path_factory):
    overlay = tmp_path_factory.mktemp("overlay") / "out"
    proc = subprocess.run([str(OVERLAY), str(KA_TREE), str(overlay)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    passwords = genpwd(tmp_path_factory.mktemp("passwords") / "passwords.yml")
    deployments = {}
    for side in SIDES:
        node, vip = nodes[side]
        text = GLOBALS.format(vip=vip, namespace=VERSION["namespace"], tag=VERSION["tag"])
        deployments[side] = Deployment(tmp_path_factory.mktemp(side), node, vip, text, passwords,
                                       overlay if side == "ours" else None)
    first = dict(zip(SIDES, side_by_side(*(lambda d=d: d.run("deploy") for d in deployments.values()))))
    print("first deploy, side by side: " + ", ".join(f"{s} {first[s].seconds:.0f} s" for s in SIDES))
    health = dict(zip(SIDES, side_by_side(*(lambda d=d: wait_healthy(d.node) for d in deployments.values()))))
    for deployment in deployments.values():
        deployment.run("post-deploy", playbook="post-deploy.yml")
    return {"deployments": deployments, "first": first, "health": health, "overlay": overlay}


def test_overlay_deploy_ran_our_modules(deployed):
    overlay = deployed["overlay"]
    used = [r for r in deployed["first"]["ours"].records if r["action"] in REPLACED]
    # No role here renders with merge_yaml; every other plugin we replace is called.
    assert {r["action"] for r in used} == set(REPLACED) - {"merge_yaml"}, used
    for record in used:
        assert record["module"] == str(overlay / "library" / record["action"]), record
    stock = [r for r in deployed["first"]["stock"].records if r["action"] in REPLACED]
    assert stock and all(str(KA_TREE) in (r["module"] or "") for r in stock)


def test_first_deploys_run_the_same_tasks(deployed):
    def outcomes(side):
        return "\n".join(f"{r['task']} [{r['action']}] {r['status']} changed={r['changed']}"
                         for r in deployed["first"][side].records)

    stock, ours = outcomes("stock"), outcomes("ours")
    assert ours == stock, unified(stock, ours, "tasks")
    recaps = {s: recap(deployed["first"][s].output, deployed["deployments"][s].node.name) for s in SIDES}
    assert recaps["stock"]["failed"] == recaps["ours"]["failed"] == 0
    assert recaps["ours"] == recaps["stock"]


@pytest.mark.parametrize("side", SIDES)
def test_openstack_answers(deployed, side):
    deployment = deployed["deployments"][side]
    assert set(deployed["health"][side]) >= {"mariadb", "rabbitmq", "haproxy", "keystone", "glance_api",
                                             "placement_api", "memcached"}
    assert set(deployed["health"][side].values()) == {"healthy"}, deployed["health"][side]
    token = deployment.openstack_json("token issue")
    assert token["id"] and token["project_id"], token
    endpoints = deployment.openstack_json("endpoint list")
    found = {(e["Service Type"], e["Interface"]): e["URL"] for e in endpoints}
    vip = deployment.vip
    for service, port in (("identity", 5000), ("image", 9292), ("placement", 8780)):
        for interface in ("internal", "public"):
            assert found.get((service, interface), "").startswith(f"http://{vip}:{port}"), (service, found)
    # Through the VIP (haproxy) into glance's file store and back.
    deployment.node.exec("docker", "exec", "-i", "kolla_toolbox", "sh", "-c", "cat > /tmp/kad.img",
                         input=IMAGE_BYTES)
    image = deployment.openstack_json("image create kad-image --disk-format raw --container-format bare "
                                      "--file /tmp/kad.img")
    assert image["status"] == "active" and image["checksum"] == hashlib.md5(IMAGE_BYTES).hexdigest(), image
    assert {(i["Name"], i["Status"]) for i in deployment.openstack_json("image list")} == {("kad-image", "active")}
    # Placement checks the token with keystone (keystonemiddleware, memcached) before it answers.
    url = found[("placement", "internal")]
    providers = deployment.openstack(
        f"TOKEN=$(openstack token issue -c id -f value) URL={url}/resource_providers python3 -c '"
        "import os, urllib.request as u; print(u.urlopen(u.Request(os.environ[\"URL\"], headers={"
        "\"X-Auth-Token\": os.environ[\"TOKEN\"], \"OpenStack-API-Version\": \"placement 1.0\"})).read().decode())'")
    assert json.loads(providers) == {"resource_providers": []}, providers


def test_end_states_match(deployed):
    stock, ours = (end_state(deployed["deployments"][s].node, deployed["deployments"][s].vip) for s in SIDES)
    assert sorted(ours["containers"]) == sorted(stock["containers"]) == sorted(CONTAINERS)
    for name in CONTAINERS:
        assert ours["containers"][name] == stock["containers"][name], name
        assert ours["containers"][name]["status"] == "running", name
    assert ours["units"] == stock["units"], unified(stock["units"], ours["units"], "units")
    assert "kolla-keystone-container.service active enabled" in ours["units"]
    assert ours["tree"] == stock["tree"], unified(stock["tree"], ours["tree"], "/etc/kolla")
    assert ours["volumes"] == stock["volumes"]
    assert {"mariadb", "rabbitmq", "keystone_fernet_tokens", "glance"} <= set(ours["volumes"])


def test_second_deploy_changes_nothing_of_its_own(deployed):
    ours = deployed["deployments"]["ours"]
    run = ours.run("deploy")
    changed = [r["task"] for r in run.records if r["changed"]]
    assert set(changed) <= ALWAYS_CHANGED, changed
    assert recap(run.output, ours.node.name)["changed"] == len(changed)


def test_stop_then_destroy(deployed):
    ours = deployed["deployments"]["ours"]
    node = ours.node
    ours.run("stop", "--yes-i-really-really-mean-it")
    states = node.exec("docker", "inspect", "-f", "{{.Name}} {{.State.Status}}", *CONTAINERS).stdout.split("\n")
    assert [s for s in states if s and not s.endswith(" exited")] == []
    units = [f"kolla-{name}-container.service" for name in CONTAINERS]
    active = node.exec("systemctl", "is-active", *units, check=False).stdout.split()
    assert active == ["inactive"] * len(units), dict(zip(units, active))
    # `destroy` runs kolla-ansible's destroy.yml, not site.yml: through the overlay, its copy.
    ours.run("destroy", "--yes-i-really-really-mean-it", playbook="destroy.yml")
    assert node.exec("docker", "ps", "-aq").stdout.strip() == ""
    assert node.exec("sh", "-c", "ls /etc/systemd/system/kolla-*.service 2>/dev/null", check=False).stdout == ""
    assert node.exec("docker", "volume", "ls", "-q").stdout.strip() == ""
