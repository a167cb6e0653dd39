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
keystone-ssh, keystone-fernet), glance-api (file store), placement-api,
nova (api, metadata, scheduler, conductor, novncproxy, and compute on Nova's
fake driver through an operator's config/nova/nova-compute.conf: no libvirt
or nova-ssh image), neutron (server, rpc server, periodic worker; the agents
and openvswitch are disabled: no data-plane image), heat (api, api-cfn,
engine), cinder (api, scheduler; no volume or backup service, no backend)
and horizon, from the Kolla-contract images of images/, named through `docker_registry`,
`docker_namespace` and `openstack_tag` in globals.yml and loaded into each
node's engine as an operator's registry would provide them. Both deploys run
side by side (one node each), so the printed wall times share the machine.

Six settings differ from kolla-ansible's defaults, for this machine, the same
for both runs (GLOBALS and globals_text below): the toolbox, haproxy, nova-api
and nova-compute run unprivileged (`--privileged` cannot start here: the
node's devices cgroup refuses "a *:* rwm"; haproxy binds its ports as root
without it), set in kolla-ansible's own service dicts read from the installed
release (kolla_ansible_nodes.services_dict), containers get this
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
`prechecks` pass, then its admin-openrc.sh gets a token, the catalog lists
every service's endpoints on the VIP, glance stores and lists an image,
placement answers an authenticated request with the fake compute's node, the
compute services are up, a network and subnet are made, a server goes ACTIVE
on the fake driver and is deleted, cinder-scheduler and heat-engine report
up, and Horizon's login page takes the admin's credentials; the containers (image, command,
environment, volumes, labels, restart policy, healthcheck, state), their
systemd units (byte for byte), the rendered /etc/kolla trees (paths, modes,
owners, bytes) and the volumes are the same in both nodes once node names and
addresses are neutral (both use one passwords.yml); a second deploy with ours
changes only what kolla-ansible always reports changed; `reconfigure --tags
nova` after a nova.conf override restarts exactly the nova containers in both
nodes and renders the same trees; `stop` stops every
container through systemd; `destroy` removes the containers, units and volumes.
"""
import difflib
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, docker
from kolla_ansible_nodes import (KA_TREE, KA_VENV, Deployment, Node, end_state, free_addresses, genpwd,
                                 globals_yaml, recap, save_images, services_dict, side_by_side, start_node,
                                 wait_healthy)
from kolla_images import VERSION, build, ref
from test_kolla_ansible_overlay import REPLACED

OVERLAY = ROOT / "bin" / "kolla-rust-overlay"
PREFIX = "kad-"
SIDES = ("stock", "ours")
IMAGES = ("kolla-toolbox", "cron", "memcached", "mariadb-server", "rabbitmq", "haproxy",
          "keystone", "keystone-ssh", "keystone-fernet", "glance-api", "placement-api",
          "nova-api", "nova-conductor", "nova-scheduler", "nova-compute", "nova-novncproxy",
          "neutron-server", "heat-api", "heat-api-cfn", "heat-engine", "cinder-api", "cinder-scheduler",
          "horizon")
CONTAINERS = ("kolla_toolbox", "cron", "memcached", "mariadb", "rabbitmq", "haproxy",
              "keystone", "keystone_ssh", "keystone_fernet", "glance_api", "placement_api",
              "nova_api", "nova_metadata", "nova_scheduler", "nova_conductor", "nova_novncproxy", "nova_compute",
              "neutron_server", "neutron_rpc_server", "neutron_periodic_worker",
              "heat_api", "heat_api_cfn", "heat_engine", "cinder_api", "cinder_scheduler", "horizon")
NOVA = tuple(c for c in CONTAINERS if c.startswith("nova_"))
# Tasks kolla-ansible itself marks `changed_when: true`: changed on every deploy, whoever's plugins run.
ALWAYS_CHANGED = {"keystone : Run fernet key distribution"}
# Nova's fake driver (no libvirt here) through the operator's override file, as kolla-ansible
# documents overrides; FakeDriverWithoutFakeNodes keeps the node's identity in
# /var/lib/nova/compute_id, so nova-compute starts again after a restart.
NOVA_COMPUTE_CONF = "[DEFAULT]\ncompute_driver = fake.FakeDriverWithoutFakeNodes\n"
# What `reconfigure` is given: one more nova.conf option, for every nova service.
NOVA_CONF = "[DEFAULT]\nmax_concurrent_builds = 5\n"
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
enable_openstack_core: true
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
enable_cinder: true
# No volume or backup service here (cinder-volume needs a block backend and --privileged):
# cinder-api and cinder-scheduler only, so the backend precheck is skipped.
skip_cinder_backend_check: true
enable_cinder_backup: false
# Neutron's server and workers only: the agents and openvswitch need the data plane
# (openvswitch, dnsmasq, keepalived, --privileged), which no image here provides.
enable_openvswitch: false
# Nova's compute without libvirt (no nova-libvirt image; the fake driver, config/nova/)
# and without nova-ssh (migration between computes; one compute here).
enable_nova_libvirt_container: false
enable_nova_ssh: false
# The node's /proc/sys is read-only; the VIP is on eth0, so haproxy binds it without sysctls.
set_sysctl: false
# No loadable kernel modules here (no /proc/modules): community.general.modprobe cannot run.
modules: []
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


def globals_text(vip):
    """GLOBALS for a node whose VIP is vip, then kolla-ansible's own service dicts where
    this machine needs a field changed: `--privileged` cannot start here (the node's devices
    cgroup refuses "a *:* rwm"), so the containers that ask for it run without (the toolbox,
    haproxy binding its ports as root, nova-api, nova-compute on the fake driver), and the
    services no image provides are disabled (neutron's agents, cinder-volume, cinder-backup)."""
    return globals_yaml(
        GLOBALS.format(vip=vip, namespace=VERSION["namespace"], tag=VERSION["tag"]),
        services_dict("kolla_toolbox", "kolla_toolbox_services", unprivileged=["kolla-toolbox"]),
        services_dict("loadbalancer", "loadbalancer_services", unprivileged=["haproxy"]),
        services_dict("nova", "nova_services", unprivileged=["nova-api"]),
        services_dict("nova-cell", "nova_cell_services", unprivileged=["nova-compute"]),
        services_dict("neutron", "neutron_services",
                      disabled=["neutron-openvswitch-agent", "neutron-dhcp-agent", "neutron-l3-agent",
                                "neutron-metadata-agent"]),
        services_dict("cinder", "cinder_services", disabled=["cinder-volume", "cinder-backup"]))


def unified(want, got, label):
    """The first lines of a unified diff of two texts, for an assertion message."""
    lines = difflib.unified_diff(want.splitlines(), got.splitlines(), f"stock {label}", f"ours {label}",
                                 lineterm="", n=2)
    return "\n".join(list(lines)[:120])


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    assert (KA_VENV / ".kolla-rust-ready").is_file(), f"no kolla-ansible venv at {KA_VENV}: run tests/env/up.sh"
    build(*IMAGES)
    # A node's dockerd starts in a network namespace that takes this machine's forwarding
    # setting; with it off the node's engine dies under the image load (seen on a fresh machine,
    # where no host dockerd had turned it on). What a host engine sets, set here.
    forward = Path("/proc/sys/net/ipv4/ip_forward")
    if forward.read_text().strip() != "1":
        forward.write_text("1\n")
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
        text = globals_text(vip)
        deployments[side] = Deployment(tmp_path_factory.mktemp(side), node, vip, text, passwords,
                                       overlay if side == "ours" else None,
                                       custom={"nova/nova-compute.conf": NOVA_COMPUTE_CONF})
    side_by_side(*(lambda d=d: d.run("prechecks") for d in deployments.values()))
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
    health = deployed["health"][side]
    assert set(health) >= {"mariadb", "rabbitmq", "haproxy", "keystone", "glance_api", "placement_api",
                           "memcached", "nova_api", "nova_compute", "neutron_server", "heat_api",
                           "cinder_api", "horizon"}, health
    assert set(health.values()) == {"healthy"}, health
    token = deployment.openstack_json("token issue")
    assert token["id"] and token["project_id"], token
    endpoints = deployment.openstack_json("endpoint list")
    found = {(e["Service Type"], e["Interface"]): e["URL"] for e in endpoints}
    vip = deployment.vip
    for service, port in (("identity", 5000), ("image", 9292), ("placement", 8780), ("compute", 8774),
                          ("network", 9696), ("orchestration", 8004), ("cloudformation", 8000),
                          ("volumev3", 8776)):
        for interface in ("internal", "public"):
            assert found.get((service, interface), "").startswith(f"http://{vip}:{port}"), (service, found)
    # Through the VIP (haproxy) into glance's file store and back.
    deployment.node.exec("docker", "exec", "-i", "kolla_toolbox", "sh", "-c", "cat > /tmp/kad.img",
                         input=IMAGE_BYTES)
    image = deployment.openstack_json("image create kad-image --disk-format raw --container-format bare "
                                      "--file /tmp/kad.img")
    assert image["status"] == "active" and image["checksum"] == hashlib.md5(IMAGE_BYTES).hexdigest(), image
    assert {(i["Name"], i["Status"]) for i in deployment.openstack_json("image list")} == {("kad-image", "active")}
    # Placement checks the token with keystone (keystonemiddleware, memcached) before it answers;
    # nova-compute (the fake driver) has reported its node there.
    url = found[("placement", "internal")]
    providers = deployment.openstack(
        f"TOKEN=$(openstack token issue -c id -f value) URL={url}/resource_providers python3 -c '"
        "import os, urllib.request as u; print(u.urlopen(u.Request(os.environ[\"URL\"], headers={"
        "\"X-Auth-Token\": os.environ[\"TOKEN\"], \"OpenStack-API-Version\": \"placement 1.0\"})).read().decode())'")
    assert [p["name"] for p in json.loads(providers)["resource_providers"]] == [deployment.node.name], providers


@pytest.mark.parametrize("side", SIDES)
def test_compute_network_volume_orchestration(deployed, side):
    deployment = deployed["deployments"][side]
    states = {s["Binary"]: (s["State"], s["Status"]) for s in deployment.openstack_json("compute service list")}
    assert states == {b: ("up", "enabled") for b in ("nova-scheduler", "nova-conductor", "nova-compute")}, states
    net = deployment.openstack_json("network create kad-net")
    sub = deployment.openstack_json(f"subnet create --network {net['id']} --subnet-range 192.0.2.0/24 kad-subnet")
    assert sub["cidr"] == "192.0.2.0/24" and sub["network_id"] == net["id"], sub
    deployment.openstack("openstack flavor create --ram 256 --disk 1 --vcpus 1 kad-tiny")
    server = deployment.openstack_json("server create --flavor kad-tiny --image kad-image --nic none --wait kad-server")
    assert server["status"] == "ACTIVE", server
    assert server["OS-EXT-SRV-ATTR:host"] == deployment.node.name, server
    deployment.openstack("openstack server delete --wait kad-server")
    assert deployment.openstack("openstack server list -f value -c Name").strip() == ""
    volumes = {s["Binary"]: s["State"] for s in deployment.openstack_json("volume service list")}
    # No cinder-volume (no backend here): the scheduler alone.
    assert volumes == {"cinder-scheduler": "up"}, volumes
    engines = deployment.openstack_json("orchestration service list")
    assert engines and {e["Binary"] for e in engines} == {"heat-engine"}, engines
    assert all(e["Status"] == "up" for e in engines), engines


# Horizon's login through the VIP, from the node's toolbox: the page, its CSRF token, then the
# admin's credentials; prints where the answer landed and whether it offers to sign out.
HORIZON_LOGIN = r"""
import html, http.cookiejar, os, re, sys, urllib.parse, urllib.request
url = "http://" + sys.argv[1] + "/auth/login/"
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
page = opener.open(url, timeout=120)
body = page.read().decode()
form = {m.group(1): html.unescape(m.group(2))
        for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body)}
form.update(username="admin", password=os.environ["OS_PASSWORD"])
answer = opener.open(urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                            headers={"Referer": url}), timeout=120)
text = answer.read().decode()
print(page.status, "csrfmiddlewaretoken" in form, answer.geturl(), "Sign Out" in text or "logout" in text)
"""


@pytest.mark.parametrize("side", SIDES)
def test_horizon_login(deployed, side):
    deployment = deployed["deployments"][side]
    deployment.node.exec("docker", "exec", "-i", "kolla_toolbox", "sh", "-c", "cat > /tmp/kad-login.py",
                         input=HORIZON_LOGIN.encode())
    status, csrf, landed, signed_in = deployment.openstack(f"python3 /tmp/kad-login.py {deployment.vip}").split()
    assert (status, csrf, signed_in) == ("200", "True", "True"), (status, csrf, landed, signed_in)
    assert "/auth/login" not in landed, landed


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


def started_at(node):
    """{container: when it last started} of every container in node."""
    names = node.exec("docker", "ps", "-aq").stdout.split()
    lines = node.exec("docker", "inspect", "-f", "{{.Name}} {{.State.StartedAt}}", *names).stdout.splitlines()
    return dict(line.lstrip("/").split(" ", 1) for line in lines if line)


def test_reconfigure_restarts_only_nova(deployed):
    """An operator's nova.conf override, then `reconfigure --tags nova` on both nodes: the option is in
    every nova service's rendered nova.conf and exactly the nova containers restarted, in both."""
    deployments = deployed["deployments"]
    before = {s: started_at(d.node) for s, d in deployments.items()}
    for d in deployments.values():
        d.write_custom("nova.conf", NOVA_CONF)
    runs = dict(zip(SIDES, side_by_side(*(lambda d=d: d.run("reconfigure", "--tags", "nova")
                                          for d in deployments.values()))))
    print("reconfigure --tags nova, side by side: " + ", ".join(f"{s} {runs[s].seconds:.0f} s" for s in SIDES))
    for side, d in deployments.items():
        after = started_at(d.node)
        restarted = sorted(name for name in after if after[name] != before[side].get(name))
        assert restarted == sorted(NOVA), (side, restarted)
        for name in NOVA:
            conf = d.node.exec("cat", f"/etc/kolla/{name.replace('_', '-')}/nova.conf").stdout
            assert "max_concurrent_builds = 5" in conf, (side, name)
    assert wait_healthy(deployments["ours"].node).get("nova_compute") == "healthy"
    stock, ours = (end_state(deployments[s].node, deployments[s].vip) for s in SIDES)
    assert ours["tree"] == stock["tree"], unified(stock["tree"], ours["tree"], "/etc/kolla")


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
