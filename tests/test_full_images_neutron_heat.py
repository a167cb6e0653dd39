"""neutron-server and the heat images (neutron-base, neutron-server, heat-base,
heat-api, heat-api-cfn, heat-engine) keep Kolla's contract, checked with real
containers in the test engine: each starts from a config.json of kolla-ansible
22.2's shape (its templates, filled with test values), bootstraps its schema
in a mariadb-server container the way kolla-ansible's bootstrap_service tasks
do, and reaches the healthy state of kolla-ansible's healthcheck, as the
service user, against a real rabbitmq. Keystone is not needed for any of it:
the APIs answer /healthcheck without a token. Full tier only (`make
test-full`): the images carry Debian's OpenStack packages."""
import json
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import docker
from kolla_images import Database, Rabbit, config_dir, kolla_run, module_fixtures, ref, sh

PREFIX = "kimg-nh-"
IMAGES = ["neutron-server", "heat-api", "heat-api-cfn", "heat-engine"]
DB_ROOT_PASSWORD = "kimg-nh-root-pw"
NEUTRON_DB_PASSWORD = "kimg-nh-neutron-db"
HEAT_DB_PASSWORD = "kimg-nh-heat-db"
RABBIT_PASSWORD = "kimg-nh-rabbit-pw"
DB_HOST = "kimg-nh-db"
RABBIT_HOST = "kimg-nh-rabbit"
# A short bounded wait for the bad-input cases; the images' default is 60 s.
SHORT_DB_WAIT = "3"


# Builds the images (mariadb-server and rabbitmq come from up.sh's step: cached).
scratch, network = module_fixtures(PREFIX, *IMAGES, "mariadb-server", "rabbitmq")


@pytest.fixture(scope="module")
def database(tmp_path_factory, scratch, network):
    """One bootstrapped mariadb-server, with neutron's and heat's databases and users."""
    db = Database(scratch, tmp_path_factory.mktemp("mariadb"), network, DB_HOST, DB_ROOT_PASSWORD)
    db.create("neutron", "neutron", NEUTRON_DB_PASSWORD)
    db.create("heat", "heat", HEAT_DB_PASSWORD)
    return db


@pytest.fixture(scope="module")
def rabbit(tmp_path_factory, scratch, network):
    return Rabbit(scratch, tmp_path_factory.mktemp("rabbitmq"), network, RABBIT_HOST, "openstack", RABBIT_PASSWORD)


@pytest.fixture(scope="module")
def logs(scratch):
    """kolla-ansible's kolla_logs volume, shared by every container here."""
    return scratch.volume("logs")


def uwsgi_ini(port, module, log_dir, service, uid):
    """kolla-ansible's service-uwsgi-config template, without TLS, for the test's one worker."""
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
logto2 = /var/log/kolla/{log_dir}/{service}-uwsgi.log
logfile-chmod = 644
master = true
module = {module}
plugins-dir = /usr/lib/uwsgi/plugins
plugins = python3
processes = 1
socket-timeout = 30
thunder-lock = true
uid = {uid}
worker-reload-mercy = 80
static-map = /static=/var/lib/kolla/venv/lib/python3/site-packages/static
"""


def file_entry(name, dest, owner):
    return {"source": f"/var/lib/kolla/config_files/{name}", "dest": dest, "owner": owner, "perm": "0600"}


def start(name, image, cfg, network, logs, health_cmd, env=()):
    """A service container as kolla-ansible starts it, with its healthcheck run by the engine."""
    env_args = [arg for item in env for arg in ("-e", item)]
    kolla_run("-d", "--name", name, "--network", network, *env_args,
              "-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{logs}:/var/log/kolla",
              "--health-cmd", health_cmd, "--health-interval", "3s", "--health-retries", "3",
              "--health-timeout", "30s", ref(image))
    return name


def wait_healthy(name, logs, log_glob, seconds=900):
    """Polls the engine's health status until healthy; fails with the logs otherwise. The bound is
    generous: on a loaded 2-core machine neutron's worker takes minutes to load ML2."""
    status = ""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = docker("inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", name).stdout.strip()
        if status == "running healthy" or not status.startswith("running"):
            break
        time.sleep(2)
    if status != "running healthy":
        tail = docker("run", "--rm", "--entrypoint", "bash", "-v", f"{logs}:/var/log/kolla", ref("base"),
                      "-c", f"tail -n 40 {log_glob}", check=False).stdout
        health = docker("inspect", "-f", "{{json .State.Health}}", name, check=False).stdout
        out = docker("logs", name, check=False)
        pytest.fail(f"{name}: {status}\n{health[-2000:]}\n{out.stdout[-2000:]}{out.stderr[-2000:]}\n{tail[-4000:]}")


def process_users(container, command):
    """The users of the processes whose command name is command."""
    out = sh(container, f"ps -o user= -C {command}", check=True).stdout.split()
    assert out, f"no {command} process in {container}"
    return set(out)


def bootstrap(image, cfg, network, logs, env=(), timeout=900):
    """kolla-ansible's bootstrap_service: a one-off container with KOLLA_BOOTSTRAP set."""
    env_args = [arg for item in ("KOLLA_BOOTSTRAP=", *env) for arg in ("-e", item)]
    return kolla_run("--rm", "--name", PREFIX + "boot-" + uuid.uuid4().hex[:6], "--network", network, *env_args,
                     "-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{logs}:/var/log/kolla", ref(image),
                     check=False, timeout=timeout)


def check_configs_follow_sources(container, cfg, source):
    """kolla_set_configs --check (what kolla-ansible's check-containers execs as root): current, then
    changed once a source file in the config directory differs from the installed copy."""
    current = docker("exec", "--user", "root", container, "kolla_set_configs", "--check", check=False)
    assert current.returncode == 0, current.stdout + current.stderr
    path = cfg / source
    original = path.read_text()
    path.write_text(original + "\n# changed by the test\n")
    try:
        changed = docker("exec", "--user", "root", container, "kolla_set_configs", "--check", check=False)
    finally:
        path.write_text(original)
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "changed" in changed.stdout and source in changed.stdout


# --- neutron-server ------------------------------------------------------------------------

def neutron_conf(connection):
    # kolla-ansible's neutron.conf for neutron-server with the openvswitch plugin agent (its default).
    return f"""[DEFAULT]
debug = False
log_file = /var/log/kolla/neutron/neutron-server.log
use_stderr = false
bind_host = 0.0.0.0
bind_port = 9696
api_paste_config = /etc/neutron/api-paste.ini
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
state_path = /var/lib/neutron/kolla
interface_driver = openvswitch
core_plugin = ml2
service_plugins = router
transport_url = rabbit://openstack:{RABBIT_PASSWORD}@{RABBIT_HOST}:5672//
ipam_driver = internal

[oslo_middleware]
enable_proxy_headers_parsing = true

[oslo_concurrency]
lock_path = /var/lib/neutron/tmp

[agent]
root_helper = sudo neutron-rootwrap /etc/neutron/rootwrap.conf

[database]
connection = {connection}
connection_recycle_time = 10
max_pool_size = 1
max_retries = -1

[keystone_authtoken]
service_type = network
www_authenticate_uri = http://kimg-nh-keystone:5000
auth_url = http://kimg-nh-keystone:5000
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = neutron
password = kimg-nh-neutron-ks

[oslo_messaging_rabbit]
rabbit_quorum_queue = true
rabbit_transient_quorum_queue = true
"""


ML2_CONF = """[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch,l2population
extension_drivers = port_security

[ml2_type_vlan]
network_vlan_ranges =

[ml2_type_flat]
flat_networks = physnet1

[ml2_type_vxlan]
vni_ranges = 1:1000
"""
# kolla-ansible's neutron-server.json with its defaults (no fwaas, vpnaas, taas, TLS or extra plugins).
NEUTRON_SERVER_CONFIG = {
    "command": "uwsgi /etc/neutron/neutron-server-uwsgi.ini",
    "config_files": [
        file_entry("neutron.conf", "/etc/neutron/neutron.conf", "neutron"),
        file_entry("neutron-server-uwsgi.ini", "/etc/neutron/neutron-server-uwsgi.ini", "neutron"),
        file_entry("ml2_conf.ini", "/etc/neutron/plugins/ml2/ml2_conf.ini", "neutron"),
        file_entry("id_rsa", "/var/lib/neutron/.ssh/id_rsa", "neutron"),
    ],
    "permissions": [{"path": "/var/log/kolla/neutron", "owner": "neutron:neutron", "recurse": True}],
}
# kolla-ansible's neutron_server_healthcheck_test, the API on the container's own address.
NEUTRON_HEALTHCHECK = "healthcheck_curl http://127.0.0.1:9696/healthcheck"


def neutron_config(tmp_path_factory, name, connection):
    key = tmp_path_factory.mktemp("neutron-key") / "id_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return config_dir(tmp_path_factory.mktemp("neutron"), name, {
        "config.json": json.dumps(NEUTRON_SERVER_CONFIG),
        "neutron.conf": neutron_conf(connection),
        "ml2_conf.ini": ML2_CONF,
        "neutron-server-uwsgi.ini": uwsgi_ini(9696, "neutron.wsgi.api:application", "neutron", "neutron-server",
                                              "neutron"),
        "id_rsa": key.read_text(),
    })


NEUTRON_URL = f"mysql+pymysql://neutron:{NEUTRON_DB_PASSWORD}@{DB_HOST}/neutron"


@pytest.fixture(scope="module")
def neutron(services):
    return services["neutron"]


def test_neutron_bootstrap_made_the_schema(neutron, database):
    assert neutron["tables"] > 100, neutron["tables"]
    # The second bootstrap (kolla-ansible reruns it on upgrades) found every head applied.
    assert neutron["tables_again"] == neutron["tables"]
    assert database.query("SELECT COUNT(*) FROM neutron.alembic_version") != "0"


def test_neutron_server_serves_the_api_as_neutron(neutron):
    name = neutron["container"]
    # The uWSGI master and its worker: the container runs as neutron, as Kolla's does.
    assert process_users(name, "uwsgi-core") == {"neutron"}
    versions = json.loads(sh(name, "curl -sf http://127.0.0.1:9696/", check=True).stdout)
    assert [v["id"] for v in versions["versions"]] == ["v2.0"]
    # The v2.0 API (ML2 loaded) asks for a Keystone token: keystonemiddleware answers without Keystone.
    code = sh(name, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9696/v2.0/networks",
              check=True).stdout
    assert code == "401"
    assert sh(name, "healthcheck_curl http://127.0.0.1:9697/healthcheck").returncode == 1
    # What kolla-ansible's other neutron containers and upgrade tasks name, as Kolla's venv has it.
    venv = sh(name, "cd /var/lib/kolla/venv/bin && for c in neutron-db-manage neutron-rpc-server "
                    "neutron-periodic-workers uwsgi; do test -x $c || echo missing $c; done", check=True)
    assert venv.stdout == ""


def test_neutron_kolla_set_configs_check(neutron):
    check_configs_follow_sources(neutron["container"], neutron["cfg"], "ml2_conf.ini")


def test_neutron_bootstrap_without_database_fails_fast(tmp_path_factory, scratch, network, logs):
    """Bad input: the database host does not answer. The bootstrap ends (kolla-ansible's
    max_retries = -1 would retry forever) with a failing status and one line saying which database."""
    cfg = neutron_config(tmp_path_factory, "neutron-nodb",
                         f"mysql+pymysql://neutron:{NEUTRON_DB_PASSWORD}@kimg-nh-nowhere/neutron")
    boot = bootstrap("neutron-server", cfg, network, logs, env=[f"KOLLA_DB_WAIT_SECONDS={SHORT_DB_WAIT}"],
                     timeout=120)
    assert boot.returncode == 1, boot.stdout + boot.stderr
    assert "kolla_db_reachable: the database mysql+pymysql://neutron:***@kimg-nh-nowhere/neutron did not " \
           f"accept a connection within {SHORT_DB_WAIT} s" in boot.stderr
    assert NEUTRON_DB_PASSWORD not in boot.stdout + boot.stderr
    assert "Traceback" not in boot.stderr


# --- heat ----------------------------------------------------------------------------------

def heat_conf(service, connection):
    # kolla-ansible's heat.conf for service, Keystone and memcached pointing at names nobody serves.
    api = service in ("heat-api", "heat-api-cfn")
    return f"""[DEFAULT]
debug = False
log_dir = /var/log/kolla/heat
log_file = $log_dir/{service}.log
heat_metadata_server_url = http://kimg-nh-heat-cfn:8000
heat_waitcondition_server_url = http://kimg-nh-heat-cfn:8000/v1/waitcondition
heat_stack_user_role = heat_stack_user
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = kimg-nh-heat-domain
stack_user_domain_name = heat_user_domain
{"num_engine_workers = 1" if service == "heat-engine" else ""}
transport_url = rabbit://openstack:{RABBIT_PASSWORD}@{RABBIT_HOST}:5672//
region_name_for_services = RegionOne
server_keystone_endpoint_type = public

[database]
connection = {connection}
connection_recycle_time = 10
max_pool_size = 1
max_retries = -1

[keystone_authtoken]
service_type = orchestration
www_authenticate_uri = http://kimg-nh-keystone:5000
auth_url = http://kimg-nh-keystone:5000
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = heat
password = kimg-nh-heat-ks
region_name = RegionOne

[trustee]
auth_url = http://kimg-nh-keystone:5000
auth_type = password
user_domain_id = default
username = heat
password = kimg-nh-heat-ks

[ec2authtoken]
auth_uri = http://kimg-nh-keystone:5000

[oslo_messaging_notifications]
transport_url = rabbit://openstack:{RABBIT_PASSWORD}@{RABBIT_HOST}:5672//
driver = noop

[oslo_messaging_rabbit]
use_queue_manager = true
{f"processname = {service}" if api else ""}
heartbeat_in_pthread = {api}
rabbit_quorum_queue = true
rabbit_transient_quorum_queue = true

[clients]
endpoint_type = internalURL

[oslo_middleware]
enable_proxy_headers_parsing = true

[volumes]
backups_enabled = False

[oslo_concurrency]
lock_path = /var/lib/heat/tmp
"""


HEAT_URL = f"mysql+pymysql://heat:{HEAT_DB_PASSWORD}@{DB_HOST}/heat"
HEAT_PORTS = {"heat-api": 8004, "heat-api-cfn": 8000}
HEAT_MODULES = {"heat-api": "heat.wsgi.api:application", "heat-api-cfn": "heat.wsgi.cfn:application"}


def heat_config(tmp_path_factory, service, connection):
    """The config_files directory of kolla-ansible's heat-api.json, heat-api-cfn.json or heat-engine.json."""
    files = {"heat.conf": heat_conf(service, connection)}
    entries = [file_entry("heat.conf", "/etc/heat/heat.conf", "heat")]
    if service in HEAT_PORTS:
        ini = f"{service}-uwsgi.ini"
        files[ini] = uwsgi_ini(HEAT_PORTS[service], HEAT_MODULES[service], "heat", service, "heat")
        entries.append(file_entry(ini, f"/etc/heat/{ini}", "heat"))
        command = f"uwsgi /etc/heat/{ini}"
    else:
        command = "heat-engine"
    config = {"command": command, "config_files": entries,
              "permissions": [{"path": "/var/log/kolla/heat", "owner": "heat:heat", "recurse": True}]}
    return config_dir(tmp_path_factory.mktemp(service), service, {"config.json": json.dumps(config), **files})


@pytest.fixture(scope="module")
def heat_schema(services):
    return services["heat_bootstrap"]


@pytest.fixture(scope="module")
def heat(services):
    return services["heat"]


def bootstrap_twice(image, cfg, network, logs, database, schema, env=()):
    """kolla-ansible's bootstrap, then again (as on an upgrade): both succeed, the second finds the schema
    complete. The table counts after each, and the first run's output."""
    started = time.monotonic()
    first = bootstrap(image, cfg, network, logs, env=env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Running command" not in first.stdout
    tables = database.tables(schema)
    print(f"{schema} bootstrap: {time.monotonic() - started:.0f} s")
    again = bootstrap(image, cfg, network, logs, env=env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    return {"tables": tables, "tables_again": database.tables(schema), "output": first.stdout}


@pytest.fixture(scope="module")
def services(tmp_path_factory, scratch, database, rabbit, network, logs):
    """Both projects bootstrapped side by side, then neutron-server, heat-api, heat-api-cfn and heat-engine
    started together, each with kolla-ansible's healthcheck, and waited for until healthy: on two shared
    cores the overlap is what keeps this file within its budget."""
    neutron_cfg = neutron_config(tmp_path_factory, "neutron-server", NEUTRON_URL)
    heat_cfgs = {service: heat_config(tmp_path_factory, service, HEAT_URL)
                 for service in ("heat-api", "heat-api-cfn", "heat-engine")}
    with ThreadPoolExecutor(2) as pool:
        neutron_boot = pool.submit(bootstrap_twice, "neutron-server", neutron_cfg, network, logs, database, "neutron",
                                   env=["NEUTRON_BOOTSTRAP_SERVICES="])
        heat_boot = pool.submit(bootstrap_twice, "heat-api", heat_cfgs["heat-api"], network, logs, database, "heat")
        neutron_boot, heat_boot = neutron_boot.result(), heat_boot.result()
    started = time.monotonic()
    neutron = {"container": start(scratch.name("neutron-server"), "neutron-server", neutron_cfg, network, logs,
                                  NEUTRON_HEALTHCHECK), "cfg": neutron_cfg, **neutron_boot}
    heat = {}
    for service, cfg in heat_cfgs.items():
        health = (f"healthcheck_curl http://127.0.0.1:{HEAT_PORTS[service]}/healthcheck" if service in HEAT_PORTS
                  else "healthcheck_port heat-engine 5672")
        heat[service] = {"container": start(scratch.name(service), service, cfg, network, logs, health), "cfg": cfg}
    wait_healthy(neutron["container"], logs, "/var/log/kolla/neutron/*.log")
    for service, running in heat.items():
        wait_healthy(running["container"], logs, f"/var/log/kolla/heat/{service}*.log")
    print(f"neutron-server and heat healthy: {time.monotonic() - started:.0f} s")
    return {"neutron": neutron, "heat_bootstrap": heat_boot, "heat": heat}


def test_heat_bootstrap_made_the_schema(heat_schema, database):
    # heat 24's schema: 16 tables, among them these.
    assert heat_schema["tables"] >= 10, heat_schema["tables"]
    assert database.query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'heat' AND "
                          "TABLE_NAME IN ('stack', 'resource', 'raw_template', 'alembic_version')") == "4"
    assert heat_schema["tables_again"] == heat_schema["tables"]
    assert "OS_AUTH_URL not set" in heat_schema["output"]


@pytest.mark.parametrize("service", ["heat-api", "heat-api-cfn"])
def test_heat_apis_serve_as_heat(heat, service):
    name = heat[service]["container"]
    assert process_users(name, "uwsgi-core") == {"heat"}
    port = HEAT_PORTS[service]
    versions = json.loads(sh(name, f"curl -sf http://127.0.0.1:{port}/", check=True).stdout)
    assert versions["versions"] and versions["versions"][0]["status"] == "CURRENT"


def test_heat_engine_runs_as_heat_on_rabbit(heat):
    name = heat["heat-engine"]["container"]
    assert process_users(name, "heat-engine") == {"heat"}
    # kolla-ansible's healthcheck, run by hand: the engine holds a connection to rabbitmq.
    assert sh(name, "healthcheck_port heat-engine 5672").returncode == 0
    assert sh(name, "healthcheck_port heat-engine 5673").returncode == 1
    # config.json's command, also as Kolla's venv has it.
    assert sh(name, "test -x /var/lib/kolla/venv/bin/heat-engine").returncode == 0


def test_heat_kolla_set_configs_check(heat):
    check_configs_follow_sources(heat["heat-engine"]["container"], heat["heat-engine"]["cfg"], "heat.conf")


def test_heat_bootstrap_with_a_refused_login_fails_at_once(tmp_path_factory, database, network, logs):
    """Bad input: the server answers but refuses heat's password; no wait mends that, so the
    bootstrap fails without waiting, naming the database and MySQL's refusal."""
    cfg = heat_config(tmp_path_factory, "heat-api", f"mysql+pymysql://heat:wrong-pw@{DB_HOST}/heat")
    boot = bootstrap("heat-api", cfg, network, logs, timeout=120)
    assert boot.returncode == 1, boot.stdout + boot.stderr
    assert f"the database mysql+pymysql://heat:***@{DB_HOST}/heat did not accept a connection: " in boot.stderr
    assert "Access denied" in boot.stderr and "wrong-pw" not in boot.stderr
