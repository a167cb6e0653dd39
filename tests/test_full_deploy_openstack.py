"""The OpenStack control plane this project's own roles deploy (full tier:
`make test-full`): site.yml with inventory/all-in-one and Keystone, Glance,
Placement, Nova (fake driver), Neutron (server only), Heat, Cinder (API and
scheduler) and Horizon enabled, on the Kolla-contract images of images/ (built here
into the test engine), through our kolla_docker, kolla_toolbox,
merge_configs, bslurp and kolla_container_facts.

The checks are an operator's: `kolla-ansible post-deploy`'s clouds.yaml and
admin-openrc.sh with python-openstackclient (the one kolla_toolbox carries,
from PyPI) against the VIP, a token, the catalog, an image made here uploaded,
listed active and downloaded byte for byte, Placement answering with a token,
a network and subnet, the compute services up, a server ACTIVE on the fake
driver and deleted, a Heat stack of OS::Heat::RandomString, Cinder's services,
Horizon's login through the VIP; fernet keys rotated;
every container healthy; a second deploy with changed=0; reconfigure after an
override restarting only that service; an upgrade to images tagged as a new
release and the rollback to the old tag, the cloud's data kept through both;
destroy leaving nothing. The tests run
in file order on one deployment."""
import hashlib
import json
import os
import socket
import subprocess
import urllib.request

import pytest

from conftest import ROOT, docker, docker_inspect
from deployment import VIP, Deployment, health, started_at, wait_for
from kolla_images import build, ref

# container -> the image directory it runs
IMAGE_OF = {
    "kolla_toolbox": "kolla-toolbox", "cron": "cron", "haproxy": "haproxy", "mariadb": "mariadb-server",
    "memcached": "memcached", "rabbitmq": "rabbitmq", "keystone": "keystone", "glance_api": "glance-api",
    "placement_api": "placement-api", "nova_api": "nova-api", "nova_metadata": "nova-api",
    "nova_scheduler": "nova-scheduler", "nova_conductor": "nova-conductor", "nova_novncproxy": "nova-novncproxy",
    "nova_compute": "nova-compute", "neutron_server": "neutron-server", "heat_api": "heat-api",
    "heat_api_cfn": "heat-api-cfn", "heat_engine": "heat-engine", "cinder_api": "cinder-api",
    "cinder_scheduler": "cinder-scheduler", "horizon": "horizon",
}
CONTAINERS = list(IMAGE_OF)
VOLUMES = ["mariadb", "rabbitmq", "kolla_logs", "haproxy_socket", "glance", "nova_compute"]
# The host nova-compute registers as (Kolla's `host = ansible_facts.hostname`): this machine's name.
HOSTNAME = socket.gethostname()
# Where the test's clouds.yaml sits inside kolla_toolbox (the client runs there).
CLOUDS = "/var/lib/ansible/.config/openstack/clouds.yaml"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    build(*sorted(set(IMAGE_OF.values())))
    for name in CONTAINERS:
        assert docker_inspect(name) is None, f"a container named {name} already exists; remove it first"
    # The test environment's registry holds 127.0.0.1:5000 in this namespace: keystone listens beside it
    # (haproxy still serves it on the VIP's 5000).
    d = Deployment(tmp_path_factory.mktemp("openstack"), enable=("keystone", "glance", "placement", "nova", "neutron", "heat",
                                                                        "cinder", "horizon"),
                   settings=["keystone_internal_listen_port: 5005"])
    yield d
    d.run("destroy", timeout=900)


def openstack(d, *args, check=True, cloud="kolla-admin"):
    """python-openstackclient in kolla_toolbox with post-deploy's clouds.yaml: parsed JSON for -f json."""
    proc = docker("exec", "-e", f"OS_CLOUD={cloud}", "kolla_toolbox", "openstack", *args, check=False, timeout=300)
    if check:
        assert proc.returncode == 0, f"openstack {' '.join(args)}: {proc.stdout[-2000:]}{proc.stderr[-3000:]}"
    if "json" in args and proc.returncode == 0:
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError as err:
            raise AssertionError(f"openstack {' '.join(args)} printed no JSON ({err}): {proc.stdout[-3000:]!r} "
                                 f"{proc.stderr[-2000:]!r}") from None
    return proc


def test_deploy(deployment):
    rc, out, recap = deployment.run("deploy", timeout=3600)
    assert rc == 0, out[-8000:]
    assert recap["failed"] == 0 and recap["changed"] > 0
    for name in CONTAINERS:
        info = docker_inspect(name)
        assert info and info["State"]["Running"], name
        assert info["Config"]["Image"] == ref(IMAGE_OF[name]), name
    # The bootstrap containers ran and went.
    for name in ("bootstrap_keystone", "bootstrap_glance", "bootstrap_placement", "bootstrap_nova",
                 "bootstrap_nova_cell", "nova_cell0_map", "nova_cell_create", "bootstrap_neutron", "bootstrap_heat", "bootstrap_cinder"):
        assert docker_inspect(name) is None, name
    # The secrets of the deployment never reached the output.
    for key in ("keystone_admin_password", "database_password", "glance_keystone_password",
                "placement_keystone_password", "glance_database_password", "nova_keystone_password",
                "nova_database_password", "nova_api_database_password", "neutron_keystone_password",
                "heat_keystone_password", "heat_domain_admin_password", "cinder_keystone_password",
                "horizon_secret_key"):
        assert deployment.secrets[key] not in out, key


def test_every_container_is_healthy(deployment):
    checked = [n for n in CONTAINERS if n not in ("kolla_toolbox", "cron")]
    wait_for(lambda: all(health(n) == "healthy" for n in checked), timeout=900,
             what=lambda: ", ".join(f"{n}={health(n)}" for n in checked))
    # The APIs' uWSGI workers run as the services' users, as Kolla's images do.
    for name, user in (("keystone", "keystone"), ("glance_api", "glance"), ("placement_api", "placement"),
                       ("nova_api", "nova"), ("nova_metadata", "nova"), ("neutron_server", "neutron"),
                       ("heat_api", "heat"), ("heat_api_cfn", "heat"), ("cinder_api", "cinder"),
                       ("horizon", "horizon")):
        users = set(docker("exec", name, "ps", "-o", "user:16=", "-C", "uwsgi-core").stdout.split())
        assert users == {user}, (name, users)


def test_post_deploy_writes_the_credentials(deployment):
    rc, out, _ = deployment.playbook(ROOT / "playbooks" / "post_deploy.yml", "-e", f"CONFIG_DIR={deployment.base}",
                                     name="post-deploy")
    assert rc == 0, out[-4000:]
    for name in ("admin-openrc.sh", "public-openrc.sh", "clouds.yaml"):
        assert (deployment.base / name).stat().st_mode & 0o777 == 0o600, name
    install_clouds(deployment)


def install_clouds(d):
    """post-deploy's clouds.yaml into kolla_toolbox, where the client runs (again after the toolbox is
    recreated, as an upgrade does)."""
    docker("cp", str(d.base / "clouds.yaml"), f"kolla_toolbox:{CLOUDS}")
    docker("exec", "-u", "root", "kolla_toolbox", "chown", "ansible", CLOUDS)


def test_token_through_the_vip(deployment):
    token = openstack(deployment, "token", "issue", "-f", "json")
    assert token["id"] and token["project_id"] and token["user_id"]
    # The public cloud of clouds.yaml and admin-openrc.sh (sourced) reach the same Keystone.
    assert openstack(deployment, "token", "issue", "-f", "json", cloud="kolla-admin-public")["id"]
    docker("cp", str(deployment.base / "admin-openrc.sh"), "kolla_toolbox:/tmp/admin-openrc.sh")
    docker("exec", "-u", "root", "kolla_toolbox", "chown", "ansible", "/tmp/admin-openrc.sh")
    proc = docker("exec", "kolla_toolbox", "bash", "-c", ". /tmp/admin-openrc.sh && openstack token issue -f value -c id",
                  check=False, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr[-2000:]
    # A wrong password is refused.
    proc = docker("exec", "-e", f"OS_AUTH_URL=http://{VIP}:5000", "-e", "OS_USERNAME=admin", "-e", "OS_PASSWORD=wrong",
                  "-e", "OS_PROJECT_NAME=admin", "-e", "OS_USER_DOMAIN_NAME=Default", "-e", "OS_PROJECT_DOMAIN_NAME=Default",
                  "kolla_toolbox", "openstack", "token", "issue", check=False, timeout=300)
    assert proc.returncode != 0 and "401" in proc.stderr + proc.stdout


def test_endpoints_of_every_enabled_service(deployment):
    endpoints = openstack(deployment, "endpoint", "list", "-f", "json")
    found = {(e["Service Name"], e["Interface"]): e["URL"] for e in endpoints}
    expected = {("keystone", "internal"): f"http://{VIP}:5000", ("keystone", "public"): f"http://{VIP}:5000",
                ("glance", "internal"): f"http://{VIP}:9292", ("glance", "public"): f"http://{VIP}:9292",
                ("placement", "internal"): f"http://{VIP}:8780", ("placement", "public"): f"http://{VIP}:8780",
                ("nova", "internal"): f"http://{VIP}:8774/v2.1", ("nova", "public"): f"http://{VIP}:8774/v2.1",
                ("neutron", "internal"): f"http://{VIP}:9696", ("neutron", "public"): f"http://{VIP}:9696",
                ("heat", "internal"): f"http://{VIP}:8004/v1/%(tenant_id)s",
                ("heat", "public"): f"http://{VIP}:8004/v1/%(tenant_id)s",
                ("heat-cfn", "internal"): f"http://{VIP}:8000/v1", ("heat-cfn", "public"): f"http://{VIP}:8000/v1",
                ("cinderv3", "internal"): f"http://{VIP}:8776/v3/%(tenant_id)s",
                ("cinderv3", "public"): f"http://{VIP}:8776/v3/%(tenant_id)s"}
    assert {k: found.get(k) for k in expected} == expected, found
    users = {u["Name"] for u in openstack(deployment, "user", "list", "-f", "json")}
    assert {"admin", "glance", "placement", "nova", "neutron", "heat", "cinder"} <= users
    roles = openstack(deployment, "role", "assignment", "list", "--names", "--project", "service", "-f", "json")
    assert {(r["User"], r["Role"]) for r in roles} >= {(f"{u}@Default", "admin")
                                                        for u in ("glance", "placement", "nova", "neutron", "heat",
                                                                  "cinder")}


def test_image_upload_list_and_download(deployment):
    # A small image made here: 1 MiB of random bytes, uploaded as raw.
    data = os.urandom(1 << 20)
    path = deployment.base / "test-image.raw"
    path.write_bytes(data)
    docker("cp", str(path), "kolla_toolbox:/tmp/test-image.raw")
    image = openstack(deployment, "image", "create", "--disk-format", "raw", "--container-format", "bare",
                      "--file", "/tmp/test-image.raw", "kolla-rust-test-image", "-f", "json")
    wait_for(lambda: openstack(deployment, "image", "show", image["id"], "-f", "json")["status"] == "active",
             timeout=120, what="the image to be active")
    listed = {i["Name"]: i["Status"] for i in openstack(deployment, "image", "list", "-f", "json")}
    assert listed.get("kolla-rust-test-image") == "active", listed
    docker("exec", "kolla_toolbox", "openstack", "--os-cloud", "kolla-admin", "image", "save", "--file",
           "/tmp/test-image.out", image["id"], timeout=300)
    out = docker("exec", "kolla_toolbox", "sha256sum", "/tmp/test-image.out").stdout.split()[0]
    assert out == hashlib.sha256(data).hexdigest()
    # The file store is glance's named volume.
    files = docker("exec", "glance_api", "ls", "/var/lib/glance/images").stdout.split()
    assert image["id"] in files


def test_placement_answers_with_a_token(deployment):
    token = openstack(deployment, "token", "issue", "-f", "value", "-c", "id").stdout.strip()
    request = urllib.request.Request(f"http://{VIP}:8780/resource_providers",
                                     headers={"X-Auth-Token": token, "OpenStack-API-Version": "placement 1.1"})
    body = json.loads(urllib.request.urlopen(request, timeout=30).read())
    # nova-compute (the fake driver) reported its node.
    assert [p["name"] for p in body["resource_providers"]] == [HOSTNAME], body
    # Without a token keystonemiddleware refuses.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://{VIP}:8780/resource_providers", timeout=30)
    assert err.value.code == 401


def test_network_and_subnet(deployment):
    net = openstack(deployment, "network", "create", "kolla-rust-test-net", "-f", "json")
    sub = openstack(deployment, "subnet", "create", "--network", net["id"], "--subnet-range", "192.0.2.0/24",
                    "kolla-rust-test-subnet", "-f", "json")
    assert sub["cidr"] == "192.0.2.0/24" and sub["network_id"] == net["id"]
    names = {n["Name"] for n in openstack(deployment, "network", "list", "-f", "json")}
    assert "kolla-rust-test-net" in names


def test_compute_services_are_up(deployment):
    services = openstack(deployment, "compute", "service", "list", "-f", "json")
    states = {s["Binary"]: (s["State"], s["Status"]) for s in services}
    for binary in ("nova-conductor", "nova-scheduler", "nova-compute"):
        assert states.get(binary) == ("up", "enabled"), services
    hypervisors = openstack(deployment, "hypervisor", "list", "-f", "json")
    assert [h["Hypervisor Hostname"] for h in hypervisors] == [HOSTNAME], hypervisors


def test_server_on_the_fake_driver(deployment):
    openstack(deployment, "flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1", "kolla-rust-tiny")
    server = openstack(deployment, "server", "create", "--flavor", "kolla-rust-tiny", "--image",
                       "kolla-rust-test-image", "--nic", "none", "--wait", "kolla-rust-test-server", "-f", "json")
    assert server["status"] == "ACTIVE", server
    assert server["OS-EXT-SRV-ATTR:host"] == HOSTNAME
    openstack(deployment, "server", "delete", "--wait", server["id"])
    assert "kolla-rust-test-server" not in openstack(deployment, "server", "list", "-f", "value", "-c", "Name").stdout


RANDOM_STRING_TEMPLATE = """heat_template_version: 2018-08-31
resources:
  secret:
    type: OS::Heat::RandomString
    properties:
      length: 24
outputs:
  value:
    value: {get_attr: [secret, value]}
"""


def test_orchestration_services_and_a_stack(deployment):
    engines = openstack(deployment, "orchestration", "service", "list", "-f", "json")
    assert engines and all(e["Status"] == "up" for e in engines), engines
    path = deployment.base / "random-string.yaml"
    path.write_text(RANDOM_STRING_TEMPLATE)
    docker("cp", str(path), "kolla_toolbox:/tmp/random-string.yaml")
    # --wait prints the stack's events before its own output: the state is read afterwards.
    openstack(deployment, "stack", "create", "-t", "/tmp/random-string.yaml", "--wait", "kolla-rust-stack")
    stack = openstack(deployment, "stack", "show", "kolla-rust-stack", "-f", "json")
    assert stack["stack_status"] == "CREATE_COMPLETE", stack
    outputs = openstack(deployment, "stack", "output", "show", "kolla-rust-stack", "value", "-f", "json")
    assert len(outputs["output_value"]) == 24, outputs
    openstack(deployment, "stack", "delete", "--yes", "--wait", "kolla-rust-stack")


def test_volume_services(deployment):
    services = openstack(deployment, "volume", "service", "list", "-f", "json")
    states = {s["Binary"]: (s["State"], s["Status"]) for s in services}
    # cinder-volume needs a backend (LVM, Ceph): none is configured here, so only the scheduler runs.
    assert states == {"cinder-scheduler": ("up", "enabled")}, services


def test_horizon_login_through_the_vip(deployment):
    """The login page answers 200 on the VIP, and the admin's password logs in (a session, then the
    project overview) while a wrong one does not."""
    import html
    import http.cookiejar
    import re
    import urllib.parse

    def login(password):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"http://{VIP}/auth/login/", timeout=120)
        assert page.status == 200
        body = page.read().decode()
        # Every field of the form as the page fills it (the CSRF token, the hidden region), then ours.
        form = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(
            r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body)}
        assert "csrfmiddlewaretoken" in form, body[-2000:]
        form.update(username="admin", password=password)
        answer = opener.open(urllib.request.Request(
            f"http://{VIP}/auth/login/", data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": f"http://{VIP}/auth/login/"}), timeout=120)
        return answer.geturl(), answer.read().decode()

    url, body = login(deployment.secrets["keystone_admin_password"])
    assert "/auth/login" not in url, body[-2000:]
    assert "Sign Out" in body or "logout" in body, body[-2000:]
    url, body = login("not-the-password")
    assert "/auth/login" in url and "Invalid credentials" in body


def token_valid(d, subject):
    """Keystone's answer to validating token `subject` with a fresh admin token: True (200) or False (404)."""
    admin = openstack(d, "token", "issue", "-f", "value", "-c", "id").stdout.strip()
    request = urllib.request.Request(f"http://{VIP}:5000/v3/auth/tokens",
                                     headers={"X-Auth-Token": admin, "X-Subject-Token": subject})
    try:
        return urllib.request.urlopen(request, timeout=30).status == 200
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return False
        raise


OPEN_TOKEN = """import os, sys
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
keys = sorted(os.listdir('/etc/keystone/fernet-keys'), key=int, reverse=True)
fernet = MultiFernet([Fernet(open('/etc/keystone/fernet-keys/' + k, 'rb').read()) for k in keys])
token = sys.stdin.read().strip()
try:
    fernet.decrypt((token + '=' * (-len(token) % 4)).encode())
except InvalidToken:
    sys.exit(3)
"""


def token_opens_with_keystones_keys(token):
    """Whether the fernet keys installed in the keystone container decrypt the token (keystone strips
    the base64 padding from its tokens; it is put back)."""
    proc = subprocess.run(["docker", "exec", "-i", "-u", "root", "keystone", "python3", "-c", OPEN_TOKEN],
                          input=token, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 3), proc.stderr
    return proc.returncode == 0


def fernet_keys(d):
    return sorted(int(p.name) for p in (d.etc / "keystone" / "fernet-keys").iterdir())


def test_fernet_rotation_keeps_tokens_until_their_key_goes(deployment):
    """reconfigure -e keystone_fernet_rotate=true: the staged key becomes primary, a new one is staged,
    tokens of the previous primary stay valid; the next rotation drops the oldest key (max_active_keys
    3), and the tokens it signed can no longer be opened."""
    old = openstack(deployment, "token", "issue", "-f", "value", "-c", "id").stdout.strip()
    assert fernet_keys(deployment) == [0, 1]
    staged = (deployment.etc / "keystone" / "fernet-keys" / "0").read_text()
    for round_, keys in ((1, [0, 1, 2]), (2, [0, 2, 3])):
        before = started_at("keystone")
        rc, out, recap = deployment.run("reconfigure", "-e", "keystone_fernet_rotate=true", "--tags", "keystone",
                                        timeout=1800)
        assert rc == 0, out[-8000:]
        assert fernet_keys(deployment) == keys, round_
        if round_ == 1:
            # The staged key is the new primary, and the container serves the new set.
            assert (deployment.etc / "keystone" / "fernet-keys" / "2").read_text() == staged
        assert started_at("keystone") != before
        assert docker("exec", "keystone", "ls", "/etc/keystone/fernet-keys").stdout.split() == \
            [str(k) for k in keys]
        wait_for(lambda: health("keystone") == "healthy", timeout=600, what="keystone healthy again")
        # Keystone caches validated tokens (memcached), so its API keeps accepting one whose key went
        # until the cache expires: whether the keys keystone now holds can still open the token is
        # asked of them directly.
        assert token_opens_with_keystones_keys(old) is (round_ == 1), round_
    # A token made now, with the new primary, is valid.
    new = openstack(deployment, "token", "issue", "-f", "value", "-c", "id").stdout.strip()
    assert token_opens_with_keystones_keys(new) and token_valid(deployment, new)


def test_second_deploy_changes_nothing(deployment):
    before = {n: started_at(n) for n in CONTAINERS}
    rc, out, recap = deployment.run("deploy", timeout=1800)
    assert rc == 0, out[-8000:]
    changed = [line for line in out.splitlines() if line.startswith("changed:")]
    assert recap["changed"] == 0, "\n".join(changed) + out[-6000:]
    assert {n: started_at(n) for n in CONTAINERS} == before


def test_reconfigure_restarts_only_the_changed_service(deployment):
    before = {n: started_at(n) for n in CONTAINERS}
    (deployment.custom / "nova.conf").write_text("[DEFAULT]\nreclaim_instance_interval = 3600\n")
    rc, out, recap = deployment.run("reconfigure", timeout=1800)
    assert rc == 0, out[-8000:]
    after = {n: started_at(n) for n in CONTAINERS}
    nova = [n for n in CONTAINERS if n.startswith("nova_")]
    assert [n for n in CONTAINERS if after[n] != before[n]] == nova
    assert "reclaim_instance_interval = 3600" in docker("exec", "nova_api", "cat", "/etc/nova/nova.conf").stdout
    wait_for(lambda: all(health(n) in ("healthy", None) for n in nova), timeout=600, what="nova healthy again")
    # The image made before is still served.
    listed = {i["Name"]: i["Status"] for i in openstack(deployment, "image", "list", "-f", "json")}
    assert listed.get("kolla-rust-test-image") == "active", listed


NEXT = "-next"


def images_of_the_deployment():
    return sorted({ref(image) for image in IMAGE_OF.values()})


def test_upgrade_to_a_new_release_keeps_the_data(deployment):
    """The images tagged as a new release (openstack_tag_suffix): each one a layer of its own on the
    current image, so that every container must move. `upgrade` moves them all, running the services'
    upgrade bootstraps; the image, network and stack of the cloud are still there."""
    for image in images_of_the_deployment():
        proc = subprocess.run(["docker", "build", "-q", "-t", image + NEXT, "--label", "kolla-rust.test-release=next",
                               "-"], input=f"FROM {image}\n", capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
    rc, out, recap = deployment.run("upgrade", "-e", f"openstack_tag_suffix={NEXT}", timeout=3600)
    assert rc == 0, out[-8000:]
    for name in CONTAINERS:
        info = docker_inspect(name)
        assert info["Config"]["Image"] == ref(IMAGE_OF[name]) + NEXT, name
        assert info["Config"]["Labels"].get("kolla-rust.test-release") == "next", name
    checked = [n for n in CONTAINERS if n not in ("kolla_toolbox", "cron")]
    wait_for(lambda: all(health(n) == "healthy" for n in checked), timeout=900,
             what=lambda: ", ".join(f"{n}={health(n)}" for n in checked))
    assert_data_kept(deployment)


def assert_data_kept(d):
    install_clouds(d)
    images = {i["Name"]: i["Status"] for i in openstack(d, "image", "list", "-f", "json")}
    assert images.get("kolla-rust-test-image") == "active", images
    assert "kolla-rust-test-net" in {n["Name"] for n in openstack(d, "network", "list", "-f", "json")}
    assert "kolla-rust-tiny" in {f["Name"] for f in openstack(d, "flavor", "list", "-f", "json")}
    assert token_valid(d, openstack(d, "token", "issue", "-f", "value", "-c", "id").stdout.strip())


def test_deploying_the_old_release_rolls_back(deployment):
    rc, out, recap = deployment.run("deploy", timeout=3600)
    assert rc == 0, out[-8000:]
    for name in CONTAINERS:
        info = docker_inspect(name)
        assert info["Config"]["Image"] == ref(IMAGE_OF[name]), name
        assert "kolla-rust.test-release" not in info["Config"]["Labels"], name
    checked = [n for n in CONTAINERS if n not in ("kolla_toolbox", "cron")]
    wait_for(lambda: all(health(n) == "healthy" for n in checked), timeout=900,
             what=lambda: ", ".join(f"{n}={health(n)}" for n in checked))
    assert_data_kept(deployment)
    for image in images_of_the_deployment():
        docker("rmi", image + NEXT, check=False)


def test_destroy_removes_everything(deployment):
    deployment.destroy_and_check(CONTAINERS, VOLUMES)
