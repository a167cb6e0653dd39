"""The nova images of images/ (nova-base, nova-api, nova-conductor,
nova-scheduler, nova-compute, nova-novncproxy) run kolla-ansible 22.2.0's
config.json and bootstrap commands, checked with real containers in the test
engine: the API database and cell0 migrated by nova-api's bootstrap, cell0
mapped, the cell database migrated by nova-conductor's, cell1 created, then a
conductor, a scheduler and a compute (Nova's fake virt driver: no hypervisor
here; a placement-api with noauth2, since nova-compute reads placement's
version document before it starts) on a rabbitmq register their services,
discover_hosts maps the compute host, and nova-api (uWSGI), the metadata API
and nova-novncproxy answer their kolla-ansible healthchecks. Full tier only
(`make test-full`); the file builds its images itself."""
import json
import time
import uuid

import pytest

from conftest import docker
from kolla_images import Database, Rabbit, config_dir, kolla_run, module_fixtures, ref, sh, wait_for

PREFIX = "kimg-nova-"
PLACEMENT_ALIAS = PREFIX + "placement"
PLACEMENT_DB_PASSWORD = "kimg-nova-placement-db-pw"
NOVA = ["nova-api", "nova-conductor", "nova-scheduler", "nova-compute", "nova-novncproxy"]
DB_ROOT_PASSWORD = "kimg-nova-root-pw"
NOVA_API_DB_PASSWORD = "kimg-nova-api-db-pw"
NOVA_DB_PASSWORD = "kimg-nova-cell-db-pw"
RABBIT_PASSWORD = "kimg-nova-rabbit-pw"
DB_ALIAS = PREFIX + "db"
RABBIT_ALIAS = PREFIX + "rabbit"
COMPUTE_HOST = PREFIX + "compute1"
CELL0_UUID = "00000000-0000-0000-0000-000000000000"


# Builds the nova images, and placement-api, which nova-compute cannot start without.
scratch, network = module_fixtures(PREFIX, *NOVA, "placement-api", "mariadb-server", "rabbitmq")


@pytest.fixture(scope="module")
def database(tmp_path_factory, scratch, network):
    """A mariadb-server with kolla-ansible's nova databases: nova_api (user nova_api), nova_cell0 and nova (nova)."""
    db = Database(scratch, tmp_path_factory.mktemp("mariadb"), network, DB_ALIAS, DB_ROOT_PASSWORD)
    return {"db": db,
            "api": db.create("nova_api", "nova_api", NOVA_API_DB_PASSWORD),
            "cell0": db.create("nova_cell0", "nova", NOVA_DB_PASSWORD),
            "cell1": db.create("nova", "nova", NOVA_DB_PASSWORD),
            "placement": db.create("placement", "placement", PLACEMENT_DB_PASSWORD)}


@pytest.fixture(scope="module")
def rabbit(tmp_path_factory, scratch, network):
    return Rabbit(scratch, tmp_path_factory.mktemp("rabbitmq"), network, RABBIT_ALIAS, "openstack", RABBIT_PASSWORD)


PLACEMENT_CONF = f"""[DEFAULT]
log_file = /var/log/kolla/placement/placement-api.log

[api]
auth_strategy = noauth2

[placement_database]
connection = mysql+pymysql://placement:{PLACEMENT_DB_PASSWORD}@{DB_ALIAS}:3306/placement
max_retries = -1
"""


@pytest.fixture(scope="module")
def placement(tmp_path_factory, scratch, network, logs, database):
    """placement-api (images/placement-api) bootstrapped and serving on 8778 as PLACEMENT_ALIAS: nova-compute's
    report client reads placement's version document at start, and fails without it."""
    ini = uwsgi_ini("placement-api", 8778, "placement.wsgi.api:application").replace(
        "/var/log/kolla/nova/", "/var/log/kolla/placement/").replace("uid = nova", "uid = placement")
    files = {"placement.conf": PLACEMENT_CONF, "placement-api-uwsgi.ini": ini}
    config = {"command": "uwsgi /etc/placement/placement-api-uwsgi.ini",
              "config_files": [{"source": f"/var/lib/kolla/config_files/{name}", "dest": f"/etc/placement/{name}",
                                "owner": "placement", "perm": "0600"} for name in files],
              "permissions": [{"path": "/var/log/kolla/placement", "owner": "placement:kolla", "recurse": True}]}
    cfg = config_dir(tmp_path_factory.mktemp("placement"), "placement-api",
                     {"config.json": json.dumps(config), **files})
    boot = one_shot(scratch, network, logs, "placement-api", cfg, env=["KOLLA_BOOTSTRAP="])
    assert_ok(boot, "placement-api's bootstrap")
    name = run_service(scratch, network, logs, "placement-api", cfg, alias=PLACEMENT_ALIAS)
    up = wait_for(name, "healthcheck_curl http://127.0.0.1:8778 >/dev/null", tries=480)
    assert up.returncode == 0, docker("logs", name, check=False).stderr[-3000:]
    return name


def nova_conf(service, database, transport_url, api_database=None, extra=""):
    """kolla-ansible's nova.conf for service, reduced to what these containers read, with test values."""
    log = (f"log_file = /var/log/kolla/nova/{service}.log" if service in ("nova-api", "nova-metadata")
           else "log_dir = /var/log/kolla/nova")
    api_section = (f"[api_database]\nconnection = {api_database}\nmax_retries = -1\n\n" if api_database else "")
    return f"""[DEFAULT]
debug = False
{log}
state_path = /var/lib/nova
transport_url = {transport_url}
{extra}
[api]
use_forwarded_for = true

[conductor]
workers = 1

[scheduler]
workers = 1

[oslo_concurrency]
lock_path = /var/lib/nova/tmp

[oslo_messaging_notifications]
driver = noop

[database]
connection = {database}
max_retries = -1

{api_section}[keystone_authtoken]
www_authenticate_uri = http://{PREFIX}keystone:5000
auth_url = http://{PREFIX}keystone:5000
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = nova
password = kimg-nova-keystone-pw

[placement]
# placement-api runs with noauth2 (no keystone here): a fixed admin token, its endpoint.
auth_type = admin_token
endpoint = http://{PLACEMENT_ALIAS}:8778
token = admin:admin
region_name = RegionOne

[vnc]
novncproxy_host = 0.0.0.0
novncproxy_port = 6080
server_listen = 127.0.0.1
server_proxyclient_address = 127.0.0.1

[privsep_entrypoint]
helper_command = sudo nova-rootwrap /etc/nova/rootwrap.conf privsep-helper --config-file /etc/nova/nova.conf
"""


def uwsgi_ini(service, port, module):
    """kolla-ansible's service-uwsgi-config ini for a nova API without TLS."""
    return f"""[uwsgi]
add-header = Connection: close
buffer-size = 65535
die-on-term = true
enable-threads = true
exit-on-reload = false
hook-master-start = unix_signal:15 gracefully_kill_them_all
http = 0.0.0.0:{port}
http-auto-chunked = true
http-chunked-input = true
http-raw-body = true
lazy-apps = true
logto2 = /var/log/kolla/nova/{service}-uwsgi.log
logfile-chmod = 644
master = true
module = {module}
plugins-dir = /usr/lib/uwsgi/plugins
plugins = python3
processes = 1
socket-timeout = 30
thunder-lock = true
uid = nova
worker-reload-mercy = 80
static-map = /static=/var/lib/kolla/venv/lib/python3/site-packages/static
"""


def nova_file(name, dest, owner="nova", perm="0600", **more):
    return {"source": f"/var/lib/kolla/config_files/{name}", "dest": dest, "owner": owner, "perm": perm, **more}


LOG_PERMISSIONS = [{"path": "/var/log/kolla/nova", "owner": "nova:nova", "recurse": True}]


def config_json(command, *files, permissions=()):
    """A config.json of kolla-ansible 22.2's nova shape: nova.conf plus files, the log directory nova's."""
    return json.dumps({"command": command,
                       "config_files": [nova_file("nova.conf", "/etc/nova/nova.conf"), *files],
                       "permissions": LOG_PERMISSIONS + list(permissions)})


@pytest.fixture(scope="module")
def configs(tmp_path_factory, database, rabbit):
    """The config_files directories kolla-ansible would write for each nova container, by service name."""
    tmp = tmp_path_factory.mktemp("nova")
    api_conf = nova_conf("nova-api", database["cell0"], rabbit.url, database["api"])
    cell_conf = nova_conf("nova-conductor", database["cell1"], rabbit.url, database["api"])
    compute_conf = nova_conf("nova-compute", database["cell1"], rabbit.url,
                             extra=f"host = {COMPUTE_HOST}\ncompute_driver = fake.FakeDriver\n")
    made = {
        "nova-api-bootstrap": {"config.json": config_json("false"), "nova.conf": api_conf},
        "nova-api": {"config.json": config_json("uwsgi /etc/nova/nova-api-uwsgi.ini", nova_file(
                         "nova-api-uwsgi.ini", "/etc/nova/nova-api-uwsgi.ini")),
                     "nova.conf": api_conf,
                     "nova-api-uwsgi.ini": uwsgi_ini("nova-api", 8774, "nova.wsgi.osapi_compute:application")},
        "nova-metadata": {"config.json": config_json("uwsgi /etc/nova/nova-metadata-uwsgi.ini", nova_file(
                              "nova-metadata-uwsgi.ini", "/etc/nova/nova-metadata-uwsgi.ini")),
                          "nova.conf": nova_conf("nova-metadata", database["cell0"], rabbit.url, database["api"]),
                          "nova-metadata-uwsgi.ini": uwsgi_ini("nova-metadata", 8775,
                                                               "nova.wsgi.metadata:application")},
        "nova-scheduler": {"config.json": config_json("nova-scheduler"),
                           "nova.conf": nova_conf("nova-scheduler", database["cell0"], rabbit.url, database["api"])},
        "nova-cell-bootstrap": {"config.json": config_json("false"), "nova.conf": cell_conf},
        "nova-conductor": {"config.json": config_json("nova-conductor"), "nova.conf": cell_conf},
        "nova-compute": {"config.json": config_json(
                             "nova-compute",
                             nova_file("compute_id", "/var/lib/nova/compute_id"),
                             nova_file("release", "/etc/nova/release", optional=True),
                             nova_file("hostnqn", "/etc/nvme/hostnqn", owner="root", perm="0644"),
                             permissions=[{"path": "/var/lib/nova", "owner": "nova:nova", "recurse": True}]),
                         "nova.conf": compute_conf, "compute_id": str(uuid.uuid4()) + "\n",
                         "hostnqn": "nqn.2014-08.org.nvmexpress:uuid:" + str(uuid.uuid4()) + "\n"},
        "nova-novncproxy": {"config.json": config_json("nova-novncproxy"),
                            "nova.conf": nova_conf("nova-novncproxy", database["cell1"], rabbit.url)},
    }
    return {name: config_dir(tmp, name, files) for name, files in made.items()}


@pytest.fixture(scope="module")
def logs(scratch):
    """kolla-ansible's kolla_logs volume, shared by every nova container here."""
    return scratch.volume("logs")


def one_shot(scratch, network, logs, image, cfg, *args, env=(), timeout=600):
    """A container as kolla-ansible's bootstrap tasks start one (detach: false, oneshot); its result."""
    envs = [arg for item in env for arg in ("-e", item)]
    return kolla_run("--rm", "--name", scratch.name("oneshot"), "--network", network,
                     "-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{logs}:/var/log/kolla", *envs,
                     ref(image), *args, check=False, timeout=timeout)


def kolla_bash(command):
    """The `bash -c 'sudo -E kolla_set_configs && ...'` commands of kolla-ansible's cell tasks."""
    return ["bash", "-c", f"sudo -E kolla_set_configs && sudo -E kolla_copy_cacerts && {command}"]


def assert_ok(result, what):
    assert result.returncode == 0, \
        f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def cells(scratch, network, logs, database, configs):
    """kolla-ansible 22.2's nova and nova-cell bootstrap, in its order: the API databases, cell0's mapping,
    the cell database, cell1; cell1's uuid."""
    started = time.monotonic()
    api = one_shot(scratch, network, logs, "nova-api", configs["nova-api-bootstrap"], env=["KOLLA_UPGRADE="])
    assert_ok(api, "nova-api's bootstrap (KOLLA_UPGRADE: api_db sync, db sync --local_cell)")
    assert "Running command" not in api.stdout
    cell0_url = database["cell0"]
    map0 = one_shot(scratch, network, logs, "nova-api", configs["nova-api-bootstrap"],
                    *kolla_bash(f"nova-manage cell_v2 map_cell0 --database_connection {cell0_url}"))
    assert_ok(map0, "map_cell0")
    cell = one_shot(scratch, network, logs, "nova-conductor", configs["nova-cell-bootstrap"], env=["KOLLA_UPGRADE="])
    assert_ok(cell, "nova-conductor's cell bootstrap (KOLLA_UPGRADE: db sync --local_cell)")
    create = one_shot(scratch, network, logs, "nova-conductor", configs["nova-cell-bootstrap"],
                      *kolla_bash("nova-manage cell_v2 create_cell --name cell1"))
    assert_ok(create, "create_cell")
    print(f"nova bootstrap (api, map_cell0, cell, create_cell): {time.monotonic() - started:.0f} s")
    cell1 = database["db"].query("SELECT uuid FROM nova_api.cell_mappings WHERE name = 'cell1'")
    assert len(cell1) == 36, cell1
    return {"cell1": cell1}


def run_service(scratch, network, logs, image, cfg, *args, alias=None):
    """A service container as kolla-ansible's deploy starts it (the logs volume of the bootstrap shared)."""
    name = scratch.name(image.replace("nova-", ""))
    extra = ["--network-alias", alias] if alias else []
    kolla_run("-d", "--name", name, "--network", network, *extra, "-v", f"{cfg}:/var/lib/kolla/config_files:ro",
              "-v", f"{logs}:/var/log/kolla", *args, ref(image))
    return name


def service_log(container, log):
    """The end of a nova log in container, to explain a failure."""
    return docker("logs", container, check=False).stderr[-2000:] + \
        sh(container, f"tail -n 30 /var/log/kolla/nova/{log}", check=False).stdout[-4000:]


@pytest.fixture(scope="module")
def services(scratch, network, logs, cells, configs, placement):
    """conductor, scheduler, compute (fake driver), nova-api (with kolla-ansible's healthcheck), the metadata API
    and nova-novncproxy, all running."""
    names = {
        "conductor": run_service(scratch, network, logs, "nova-conductor", configs["nova-conductor"]),
        "scheduler": run_service(scratch, network, logs, "nova-scheduler", configs["nova-scheduler"]),
        "compute": run_service(scratch, network, logs, "nova-compute", configs["nova-compute"],
                               "--hostname", COMPUTE_HOST),
        # kolla-ansible's nova_api healthcheck, polled often so the test need not wait for its 30 s interval.
        "api": run_service(scratch, network, logs, "nova-api", configs["nova-api"],
                           "--health-cmd", "healthcheck_curl http://127.0.0.1:8774", "--health-interval", "2s",
                           "--health-retries", "3", "--health-start-period", "300s"),
        "metadata": run_service(scratch, network, logs, "nova-api", configs["nova-metadata"]),
        "novncproxy": run_service(scratch, network, logs, "nova-novncproxy", configs["nova-novncproxy"]),
    }
    return names


def test_bootstrap_made_the_schemas(services, cells, database, network, logs, scratch, configs):
    db = database["db"]
    counts = {name: db.tables(name) for name in ("nova_api", "nova_cell0", "nova")}
    assert all(count > 20 for count in counts.values()), counts
    assert db.query("SELECT COUNT(*) FROM nova_api.cell_mappings WHERE uuid = '%s'" % CELL0_UUID) == "1"
    # Kolla's KOLLA_BOOTSTRAP phases (every sync, then the online migrations) over the migrated databases, as
    # a rerun of deploy does: nothing changes, both succeed.
    for image, cfg, env in (("nova-api", "nova-api-bootstrap", "KOLLA_BOOTSTRAP="),
                            ("nova-conductor", "nova-cell-bootstrap", "KOLLA_BOOTSTRAP=")):
        again = one_shot(scratch, network, logs, image, configs[cfg], env=[env])
        assert_ok(again, f"{image} {env} again")
        assert "Running command" not in again.stdout
    assert {name: db.tables(name) for name in counts} == counts
    map0 = one_shot(scratch, network, logs, "nova-api", configs["nova-api-bootstrap"],
                    *kolla_bash(f"nova-manage cell_v2 map_cell0 --database_connection {database['cell0']}"))
    assert_ok(map0, "map_cell0 again")
    # kolla-ansible's changed_when for map_cell0 keys on this sentence.
    assert "Cell0 is already setup" in map0.stdout


# `binary` is a reserved word: qualified, it needs no backquotes (which the shell would expand).
SERVICES_SQL = ("SELECT s.binary, s.host FROM nova.services s WHERE s.deleted = 0 UNION ALL "
                "SELECT s.binary, s.host FROM nova_cell0.services s WHERE s.deleted = 0")


def test_services_register_and_run_as_nova(services, database):
    db = database["db"]
    # Each service writes its row once it has reached the database (compute through the conductor).
    up = wait_for(db.container, f'{db.client} -N -e "SELECT COUNT(DISTINCT t.binary) FROM ({SERVICES_SQL}) t '
                                "WHERE t.binary IN ('nova-conductor', 'nova-scheduler', 'nova-compute')\" "
                                "| grep -qx 3", tries=600)
    if up.returncode != 0:
        pytest.fail(f"services: {db.query(SERVICES_SQL)}\n" + service_log(services["compute"], "nova-compute.log")
                    + service_log(services["conductor"], "nova-conductor.log")
                    + service_log(services["scheduler"], "nova-scheduler.log"))
    rows = {tuple(line.split("\t")) for line in db.query(SERVICES_SQL).splitlines()}
    assert ("nova-compute", COMPUTE_HOST) in rows, rows
    for role, process in (("conductor", "nova-conductor"), ("scheduler", "nova-scheduler"),
                          ("compute", "nova-compute"), ("novncproxy", "nova-novncproxy")):
        # Anchored: the shell running this has the name in its own command line.
        users = sh(services[role], f"ps -o user= -p $(pgrep -d, -f '^/usr/bin/python3 /usr/bin/{process}')",
                   check=True).stdout.split()
        # Kolla's images for these run as nova (USER nova); so does every one of their processes.
        assert set(users) == {"nova"}, (role, users)
        # kolla-ansible's healthcheck for the RPC services: connected to rabbitmq's 5672.
        if role != "novncproxy":
            health = wait_for(services[role], f"healthcheck_port {process} 5672 >/dev/null", tries=240)
            assert health.returncode == 0, (role, health.stdout)
    assert sh(services["scheduler"], "healthcheck_port nova-scheduler 5673").returncode == 1


def test_discover_hosts_maps_the_compute_host(services, cells, database):
    db = database["db"]
    wait_for(db.container, f'{db.client} -N -e "SELECT s.host FROM nova.services s WHERE s.binary = \'nova-compute\'" '
                           f"| grep -qx {COMPUTE_HOST}", tries=600)
    # kolla-ansible's discover_computes task, in the running conductor.
    found = docker("exec", services["conductor"], "nova-manage", "cell_v2", "discover_hosts", "--by-service",
                   "--cell_uuid", cells["cell1"], "--verbose", check=False, timeout=300)
    assert_ok(found, "discover_hosts")
    mapped = database["db"].query(
        "SELECT h.host FROM nova_api.host_mappings h JOIN nova_api.cell_mappings c ON h.cell_id = c.id "
        f"WHERE c.uuid = '{cells['cell1']}'")
    assert mapped.split() == [COMPUTE_HOST], (mapped, found.stdout)
    hosts = docker("exec", services["conductor"], "nova-manage", "cell_v2", "list_hosts", check=False, timeout=300)
    assert_ok(hosts, "list_hosts")
    assert COMPUTE_HOST in hosts.stdout and cells["cell1"] in hosts.stdout


def wait_healthy(container, tries=300):
    """Polls docker's health state of container until healthy; the last state."""
    state = ""
    for _ in range(tries):
        state = docker("inspect", "-f", "{{.State.Health.Status}}", container).stdout.strip()
        if state in ("healthy", "unhealthy"):
            break
        time.sleep(1)
    return state


def test_api_metadata_and_novncproxy_are_healthy(services):
    api = services["api"]
    state = wait_healthy(api)
    assert state == "healthy", service_log(api, "nova-api-uwsgi.log") + service_log(api, "nova-api.log")
    versions = json.loads(sh(api, "curl -s http://127.0.0.1:8774/", check=True).stdout)
    assert any(v["id"] == "v2.1" for v in versions["versions"]), versions
    # The uWSGI master and its worker have dropped to nova (uid = nova); the container itself is root, as Kolla's.
    users = sh(api, "ps -o user= -C uwsgi-core", check=True).stdout.split()
    assert users and set(users) == {"nova"}, users
    assert sh(api, "id -un", check=True).stdout.strip() == "root"
    # kolla-ansible's healthchecks of nova_metadata and nova_novncproxy.
    metadata = wait_for(services["metadata"], "healthcheck_curl http://127.0.0.1:8775 >/dev/null", tries=480)
    assert metadata.returncode == 0, service_log(services["metadata"], "nova-metadata-uwsgi.log")
    vnc = wait_for(services["novncproxy"], "healthcheck_curl http://127.0.0.1:6080/vnc_lite.html >/dev/null",
                   tries=480)
    assert vnc.returncode == 0, service_log(services["novncproxy"], "nova-novncproxy.log")
    assert sh(api, "healthcheck_curl http://127.0.0.1:8779").returncode == 1


def test_set_configs_check_sees_a_changed_source(services, configs):
    scheduler = services["scheduler"]
    check = ["exec", "--user", "root", scheduler, "/usr/local/bin/kolla_set_configs", "--check"]
    assert_ok(docker(*check, check=False), "kolla_set_configs --check, unchanged")
    source = configs["nova-scheduler"] / "nova.conf"
    original = source.read_text()
    source.write_text(original + "\n[notifications]\nnotify_on_state_change = vm_state\n")
    try:
        changed = docker(*check, check=False)
        assert changed.returncode == 1, changed.stdout + changed.stderr
    finally:
        source.write_text(original)
    assert_ok(docker(*check, check=False), "kolla_set_configs --check, restored")


def test_bootstrap_without_its_database_fails_clearly(scratch, network, logs, tmp_path_factory, rabbit):
    tmp = tmp_path_factory.mktemp("nova-bad")
    unreachable = f"mysql+pymysql://nova:{NOVA_DB_PASSWORD}@{PREFIX}no-such-db/nova"
    cfg = config_dir(tmp, "nova-cell-bootstrap", {
        "config.json": config_json("false"), "nova.conf": nova_conf("nova-conductor", unreachable, rabbit.url)})
    boot = one_shot(scratch, network, logs, "nova-conductor", cfg, env=["KOLLA_BOOTSTRAP=", "KOLLA_DB_WAIT_SECONDS=3"],
                    timeout=300)
    # max_retries = -1 would have nova-manage retry forever: the check ends it, naming the server, not the password.
    assert boot.returncode == 1, boot.stdout[-2000:] + boot.stderr[-2000:]
    assert f"kolla_db_reachable: the database mysql+pymysql://nova:***@{PREFIX}no-such-db/nova did not accept a " \
           "connection within 3 s" in boot.stderr
    assert NOVA_DB_PASSWORD not in boot.stdout + boot.stderr
    assert "Running command" not in boot.stdout
    bad_wait = one_shot(scratch, network, logs, "nova-conductor", cfg,
                        env=["KOLLA_BOOTSTRAP=", "KOLLA_DB_WAIT_SECONDS=soon"])
    assert bad_wait.returncode == 1
    assert "kolla_db_reachable: KOLLA_DB_WAIT_SECONDS must be a whole number of seconds, not 'soon'" in bad_wait.stderr
