"""The glance-api and placement-api images of images/ (glance-base, glance-api,
placement-api) keep Kolla's contract, checked with real containers in the test
engine (full tier only: `make test-full`). Each image is started the way
kolla-ansible 22.2.0 starts it: its config.json (the shape of the role's
<service>.json.j2), the service's configuration and kolla-ansible's uWSGI ini,
filled with test values; the bootstrap container (KOLLA_BOOTSTRAP) syncs the
schema into a mariadb-server container, twice; the API then turns healthy under
the healthcheck kolla-ansible's defaults give it, running as Kolla's image does
(glance as glance; placement's uWSGI dropping from root to placement);
`kolla_set_configs --check` tells a current configuration from a changed one.
A bootstrap whose database does not answer fails, saying so, instead of
waiting for ever (kolla-ansible's max_retries = -1)."""
import json
import time
import uuid

import pytest

from conftest import docker
from kolla_images import Database, Scratch, build, config_dir, kolla_run, ref, sh

PREFIX = "kimg-gp-"
DB_ALIAS = "kimg-gp-db"
DB_ROOT_PASSWORD = "kimg-gp-root-pw"
GLANCE_DB_PASSWORD = "kimg-gp-glance-db"
PLACEMENT_DB_PASSWORD = "kimg-gp-placement-db"
GLANCE_ALIAS = "kimg-gp-glance"
PLACEMENT_ALIAS = "kimg-gp-placement"
IMAGES = ["glance-base", "glance-api", "placement-api"]


@pytest.fixture(scope="module")
def scratch():
    """Builds the images (mariadb-server comes from up.sh's step); a second build shows the cached cost."""
    build(*IMAGES, "mariadb-server")
    build(*IMAGES, "mariadb-server")
    for name in IMAGES:
        size = docker("image", "inspect", "-f", "{{.Size}}", ref(name), check=True).stdout.strip()
        print(f"{ref(name)}: {int(size) / 1e6:.0f} MB")
    made = Scratch(PREFIX)
    yield made
    made.close()


@pytest.fixture(scope="module")
def network(scratch):
    return scratch.network()


@pytest.fixture(scope="module")
def logs(scratch):
    """kolla_logs: the one log volume kolla-ansible gives every service."""
    return scratch.volume("logs")


@pytest.fixture(scope="module")
def database(tmp_path_factory, scratch, network):
    """A bootstrapped mariadb-server with glance's and placement's databases and users."""
    db = Database(scratch, tmp_path_factory.mktemp("mariadb"), network, DB_ALIAS, DB_ROOT_PASSWORD)
    db.create("glance", "glance", GLANCE_DB_PASSWORD)
    db.create("placement", "placement", PLACEMENT_DB_PASSWORD)
    # What glance's bootstrap_service.yml sets around the bootstrap container (triggers need it under binlog).
    db.query("SET GLOBAL log_bin_trust_function_creators = 1")
    return db


def uwsgi_ini(project, service, port, module, **extra):
    """kolla-ansible 22.2.0's service-uwsgi-config ini (Debian's plugins-dir, no TLS), for one worker.
    It binds every address of the container, where kolla-ansible binds api_interface_address."""
    options = {
        "add-header": "Connection: close",
        "buffer-size": "65535",
        **({"chunked-input-limit": extra["chunked_input_limit"]} if "chunked_input_limit" in extra else {}),
        "die-on-term": "true",
        "enable-threads": "true",
        "exit-on-reload": "false",
        "hook-master-start": "unix_signal:15 gracefully_kill_them_all",
        "http": f"0.0.0.0:{port}",
        "http-auto-chunked": "true",
        "http-chunked-input": "true",
        "http-raw-body": "true",
        "lazy-apps": "true",
        "logto2": f"/var/log/kolla/{project}/{service}-uwsgi.log",
        **({"logfile-chmod": extra["log_file_chmod"]} if "log_file_chmod" in extra else {}),
        "master": "true",
        "module": module,
        "plugins-dir": "/usr/lib/uwsgi/plugins",
        "plugins": "python3",
        "processes": "1",
        "socket-timeout": "30",
        "thunder-lock": "true",
        "uid": project,
        "worker-reload-mercy": "80",
        "static-map": "/static=/var/lib/kolla/venv/lib/python3/site-packages/static",
    }
    return "[uwsgi]\n" + "".join(f"{key} = {value}\n" for key, value in options.items())


def config_file(name, dest, owner):
    """One config_files entry as kolla-ansible's templates write them (mode 0600)."""
    return {"source": f"/var/lib/kolla/config_files/{name}", "dest": dest, "owner": owner, "perm": "0600"}


def keystone_authtoken(service_type, user):
    """kolla-ansible's [keystone_authtoken] section: keystone need not answer for the checks made here."""
    return f"""[keystone_authtoken]
service_type = {service_type}
www_authenticate_uri = http://kimg-gp-keystone:5000
auth_url = http://kimg-gp-keystone:5000
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = {user}
password = kimg-gp-{user}-ks
region_name = RegionOne
memcache_security_strategy = ENCRYPT
memcache_secret_key = kimg-gp-memcache-secret
memcached_servers = kimg-gp-memcached:11211
"""


def wait_healthy(name, tries=600):
    """Polls the container's Docker health status while it runs and is starting; the last status."""
    status = ""
    for _ in range(tries):
        state, status = docker("inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", name).stdout.split()
        if state != "running":
            return f"{state} ({status})"
        if status != "starting":
            break
        time.sleep(1)
    return status


def health_log(name):
    health = json.loads(docker("inspect", "-f", "{{json .State.Health}}", name).stdout)
    return "\n".join(entry["Output"] for entry in health.get("Log", [])[-3:])


def service_logs(name, image, logs_volume, project):
    """The container's output and the service's log files, for a failure message."""
    tail = docker("run", "--rm", "--entrypoint", "bash", "-v", f"{logs_volume}:/var/log/kolla", ref(image),
                  "-c", f"tail -n 30 /var/log/kolla/{project}/*.log", check=False).stdout
    out = docker("logs", name, check=False)
    return out.stdout[-2000:] + out.stderr[-2000:] + tail[-4000:]


def bootstrap(name, image, mounts, env=()):
    """kolla-ansible's bootstrap_service: the image with KOLLA_BOOTSTRAP (and env), waited on."""
    env_args = [arg for item in ("KOLLA_BOOTSTRAP=", *env) for arg in ("-e", item)]
    return kolla_run("--rm", "--name", f"{PREFIX}{name}-{uuid.uuid4().hex[:6]}", *mounts, *env_args, ref(image),
                     check=False, timeout=600)


def run_api(name, image, mounts, alias, healthcheck):
    """The API container with kolla-ansible's healthcheck test and retries. Its interval is shortened, and
    its start period lengthened: a loaded 2-core machine takes minutes to import the application."""
    kolla_run("-d", "--name", name, "--network-alias", alias, *mounts,
              "--health-cmd", healthcheck, "--health-interval", "2s", "--health-retries", "3",
              "--health-timeout", "30s", "--health-start-period", "600s", ref(image))


def check_configs(name):
    """kolla_set_configs --check as kolla_container's compare_container runs it (as root): (status, output)."""
    proc = docker("exec", "--user", "root", name, "/usr/local/bin/kolla_set_configs", "--check", check=False)
    return proc.returncode, proc.stdout + proc.stderr


def assert_check_follows_source(name, source, dest):
    """--check is 0 while the installed files match their sources, 1 naming the file's dest once its
    source changed, 0 again once the source is back."""
    current = (0, "kolla_set_configs --check: configuration is current\n")
    assert check_configs(name) == current
    original = source.read_text()
    source.write_text(original + "\n# changed by the test\n")
    try:
        assert check_configs(name) == (1, f"kolla_set_configs --check: changed: {dest}\n")
    finally:
        source.write_text(original)
    assert check_configs(name) == current


# --- glance-api ----------------------------------------------------------------------------

GLANCE_CONF = f"""[DEFAULT]
debug = False
log_file = /var/log/kolla/glance/glance-api.log
worker_self_reference_url = http://{GLANCE_ALIAS}:9292
bind_host = 0.0.0.0
bind_port = 9292
workers = 1
enabled_backends = file:file, http:http

[database]
connection = mysql+pymysql://glance:{GLANCE_DB_PASSWORD}@{DB_ALIAS}:3306/glance
connection_recycle_time = 10
max_pool_size = 1
max_retries = -1

{keystone_authtoken("image", "glance")}
[paste_deploy]
flavor = keystone

[glance_store]
default_backend = "file"

[file]
filesystem_store_datadir = /var/lib/glance/images/

[os_glance_tasks_store]
filesystem_store_datadir = /var/lib/glance/tasks_work_dir

[os_glance_staging_store]
filesystem_store_datadir = /var/lib/glance/staging

[oslo_middleware]
enable_proxy_headers_parsing = true

[oslo_concurrency]
lock_path = /var/lib/glance/tmp

[oslo_messaging_notifications]
driver = noop
"""
# kolla-ansible's glance-api.json.j2 with no policy, TLS, Ceph, cache, import or protection files.
GLANCE_CONFIG = {
    "command": "uwsgi /etc/glance/glance-api-uwsgi.ini",
    "config_files": [config_file("glance-api.conf", "/etc/glance/glance-api.conf", "glance"),
                     config_file("glance-api-uwsgi.ini", "/etc/glance/glance-api-uwsgi.ini", "glance")],
    "permissions": [{"path": "/var/lib/glance", "owner": "glance:glance", "recurse": True},
                    {"path": "/var/log/kolla/glance", "owner": "glance:glance", "recurse": True}],
}
GLANCE_HEALTHCHECK = f"healthcheck_curl http://{GLANCE_ALIAS}:9292/healthcheck"


def glance_files(conf=GLANCE_CONF):
    return {"config.json": json.dumps(GLANCE_CONFIG), "glance-api.conf": conf,
            "glance-api-uwsgi.ini": uwsgi_ini("glance", "glance-api", 9292, "glance.wsgi.api:application",
                                              chunked_input_limit="67108864", log_file_chmod="644")}


@pytest.fixture(scope="module")
def glance(tmp_path_factory, scratch, database, network, logs):
    """glance bootstrapped twice, then glance-api running as kimg-gp-glance."""
    cfg = config_dir(tmp_path_factory.mktemp("glance"), "glance-api", glance_files())
    data = scratch.volume("glance")
    mounts = ["--network", network, "-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{data}:/var/lib/glance/",
              "-v", f"{logs}:/var/log/kolla/"]
    runs = [bootstrap("glance-boot", "glance-api", mounts) for _ in range(2)]
    name = f"{PREFIX}glance-{uuid.uuid4().hex[:6]}"
    run_api(name, "glance-api", mounts, GLANCE_ALIAS, GLANCE_HEALTHCHECK)
    return {"container": name, "bootstraps": runs, "config": cfg, "mounts": mounts}


def test_glance_bootstrap_makes_the_schema_twice(glance, database):
    for run in glance["bootstraps"]:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "Running command" not in run.stdout
    assert database.tables("glance") > 10
    # db_load_metadefs: the namespaces of /etc/glance/metadefs, loaded once though the bootstrap ran twice.
    namespaces = int(database.query("SELECT COUNT(*) FROM glance.metadef_namespaces"))
    distinct = int(database.query("SELECT COUNT(DISTINCT namespace) FROM glance.metadef_namespaces"))
    assert namespaces > 10 and namespaces == distinct


def test_glance_api_turns_healthy_as_glance(glance, logs):
    name = glance["container"]
    status = wait_healthy(name)
    assert status == "healthy", f"{status}: {health_log(name)}\n{service_logs(name, 'glance-api', logs, 'glance')}"
    # kolla-ansible's healthcheck as its defaults give it, run by hand too.
    assert sh(name, GLANCE_HEALTHCHECK).returncode == 0
    procs = sh(name, "ps -o user:16=,args= -C uwsgi-core", check=True).stdout.splitlines()
    assert procs and {line.split()[0] for line in procs} == {"glance"}, procs
    assert sh(name, "id -un", check=True).stdout.strip() == "glance"
    # The file store and what glance made beside it belong to glance.
    owners = sh(name, "stat -c '%U:%G %n' /var/lib/glance/images /var/lib/glance/staging /var/log/kolla/glance",
                check=True).stdout.split()
    assert owners[0::2] == ["glance:glance"] * 3, owners
    # The version document without a token, then keystonemiddleware asking for one on the API.
    versions = sh(name, "curl -s http://127.0.0.1:9292/", check=True).stdout
    assert any(v["status"] == "CURRENT" for v in json.loads(versions)["versions"]), versions
    assert sh(name, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9292/v2/images",
              check=True).stdout == "401"
    assert sh(name, "healthcheck_curl http://127.0.0.1:9293/healthcheck").returncode == 1


def test_glance_kolla_set_configs_check(glance):
    assert wait_healthy(glance["container"]) == "healthy"
    assert_check_follows_source(glance["container"], glance["config"] / "glance-api.conf",
                                "/etc/glance/glance-api.conf")


def test_glance_upgrade_phases(glance, database):
    """The rolling upgrade's three containers (KOLLA_UPGRADE with GLANCE_DB_EXPAND, _MIGRATE, _CONTRACT)
    on a current schema: each phase runs and succeeds."""
    before = database.tables("glance")
    run = kolla_run("--rm", "--name", f"{PREFIX}glance-upgrade-{uuid.uuid4().hex[:6]}", *glance["mounts"],
                    "-e", "KOLLA_UPGRADE=", "-e", "GLANCE_DB_EXPAND=", "-e", "GLANCE_DB_MIGRATE=",
                    "-e", "GLANCE_DB_CONTRACT=", ref("glance-api"), check=False, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Running command" not in run.stdout
    assert database.tables("glance") == before


def test_glance_bootstrap_without_database_fails_clearly(tmp_path, network, logs):
    """Bad input: the database refuses connections. The bootstrap gives up after KOLLA_DB_WAIT_SECONDS
    (kolla-ansible's conf alone would retry for ever) with a non-zero status, naming the database without
    its password, before glance-manage runs."""
    unreachable = GLANCE_CONF.replace(f"@{DB_ALIAS}:3306/", "@127.0.0.1:3306/")
    cfg = config_dir(tmp_path, "glance-api", glance_files(unreachable))
    run = bootstrap("glance-nodb", "glance-api",
                    ["--network", network, "-v", f"{cfg}:/var/lib/kolla/config_files:ro",
                     "-v", f"{logs}:/var/log/kolla/"], env=("KOLLA_DB_WAIT_SECONDS=3",))
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    assert "kolla_db_reachable: the database mysql+pymysql://glance:***@127.0.0.1:3306/glance did not " \
           "accept a connection within 3 s: (2003, \"Can't connect to MySQL server on '127.0.0.1'" in run.stderr
    assert GLANCE_DB_PASSWORD not in run.stdout + run.stderr
    assert "Running command" not in run.stdout


# --- placement-api -------------------------------------------------------------------------

PLACEMENT_CONF = f"""[DEFAULT]
debug = False
log_file = /var/log/kolla/placement/placement-api.log
state_path = /var/lib/placement

[oslo_middleware]
enable_proxy_headers_parsing = true

[oslo_concurrency]
lock_path = /var/lib/placement/tmp

[placement_database]
connection = mysql+pymysql://placement:{PLACEMENT_DB_PASSWORD}@{DB_ALIAS}:3306/placement
connection_recycle_time = 10
max_overflow = 1000
max_pool_size = 1
max_retries = -1

[cache]
backend = oslo_cache.memcache_pool
enabled = true
memcache_servers = kimg-gp-memcached:11211

{keystone_authtoken("placement", "placement")}"""
MIGRATE_DB_RC = (f"NOVA_API_DB=nova_api\nNOVA_API_USER=nova_api\nNOVA_API_PASS=kimg-gp-nova-api\n"
                 f"NOVA_API_DB_HOST={DB_ALIAS}\nPLACEMENT_DB=placement\nPLACEMENT_USER=placement\n"
                 f"PLACEMENT_PASS={PLACEMENT_DB_PASSWORD}\nPLACEMENT_DB_HOST={DB_ALIAS}\n")
# kolla-ansible's placement-api.json.j2 with no policy file, TLS or CA certificates.
PLACEMENT_CONFIG = {
    "command": "uwsgi /etc/placement/placement-api-uwsgi.ini",
    "config_files": [config_file("placement.conf", "/etc/placement/placement.conf", "placement"),
                     config_file("placement-api-uwsgi.ini", "/etc/placement/placement-api-uwsgi.ini", "placement"),
                     config_file("migrate-db.rc", "/etc/placement/migrate-db.rc", "placement")],
    "permissions": [{"path": "/var/log/kolla/placement", "owner": "placement:kolla", "recurse": True},
                    {"path": "/var/log/kolla/placement/placement-api.log", "owner": "placement:placement"}],
}
PLACEMENT_HEALTHCHECK = f"healthcheck_curl http://{PLACEMENT_ALIAS}:8780"


def placement_files(conf=PLACEMENT_CONF):
    return {"config.json": json.dumps(PLACEMENT_CONFIG), "placement.conf": conf, "migrate-db.rc": MIGRATE_DB_RC,
            "placement-api-uwsgi.ini": uwsgi_ini("placement", "placement-api", 8780,
                                                 "placement.wsgi.api:application")}


@pytest.fixture(scope="module")
def placement(tmp_path_factory, scratch, database, network, logs):
    """placement bootstrapped twice, then placement-api running as kimg-gp-placement."""
    cfg = config_dir(tmp_path_factory.mktemp("placement"), "placement-api", placement_files())
    mounts = ["--network", network, "-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{logs}:/var/log/kolla/"]
    runs = [bootstrap("placement-boot", "placement-api", mounts) for _ in range(2)]
    name = f"{PREFIX}placement-{uuid.uuid4().hex[:6]}"
    run_api(name, "placement-api", mounts, PLACEMENT_ALIAS, PLACEMENT_HEALTHCHECK)
    return {"container": name, "bootstraps": runs, "config": cfg, "mounts": mounts}


def test_placement_bootstrap_makes_the_schema_twice(placement, database):
    for run in placement["bootstraps"]:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "Running command" not in run.stdout
    assert database.tables("placement") > 5
    assert database.query("SELECT COUNT(*) FROM placement.alembic_version") == "1"


def test_placement_api_turns_healthy_as_placement(placement, logs):
    name = placement["container"]
    status = wait_healthy(name)
    assert status == "healthy", \
        f"{status}: {health_log(name)}\n{service_logs(name, 'placement-api', logs, 'placement')}"
    assert sh(name, PLACEMENT_HEALTHCHECK).returncode == 0
    # Kolla's placement-api runs as root; uWSGI's uid = placement drops the master and its workers.
    procs = sh(name, "ps -o user:16=,args= -C uwsgi-core", check=True).stdout.splitlines()
    assert procs and {line.split()[0] for line in procs} == {"placement"}, procs
    assert sh(name, "ps -o user:16= -p 1", check=True).stdout.strip() == "root"
    owners = sh(name, "stat -c '%U:%G' /var/log/kolla/placement /var/log/kolla/placement/placement-api.log",
                check=True).stdout.split()
    assert owners == ["placement:kolla", "placement:placement"], owners
    root = json.loads(sh(name, "curl -s http://127.0.0.1:8780/", check=True).stdout)
    assert root["versions"][0]["id"] == "v1.0" and root["versions"][0]["status"] == "CURRENT", root
    assert sh(name, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8780/resource_providers",
              check=True).stdout == "401"


def test_placement_kolla_set_configs_check(placement):
    assert wait_healthy(placement["container"]) == "healthy"
    assert_check_follows_source(placement["container"], placement["config"] / "placement.conf",
                                "/etc/placement/placement.conf")


def test_placement_upgrade_and_online_migrations(placement, database):
    """kolla-ansible's upgrade: KOLLA_UPGRADE (db sync) before the new API, KOLLA_OSM after it."""
    before = database.tables("placement")
    for phase in ("KOLLA_UPGRADE", "KOLLA_OSM"):
        run = kolla_run("--rm", "--name", f"{PREFIX}placement-{phase.lower()}-{uuid.uuid4().hex[:6]}",
                        *placement["mounts"], "-e", f"{phase}=", ref("placement-api"), check=False, timeout=600)
        assert run.returncode == 0, phase + run.stdout[-3000:] + run.stderr[-3000:]
        assert "Running command" not in run.stdout
    assert database.tables("placement") == before


def test_placement_bootstrap_without_database_fails_clearly(tmp_path, network, logs):
    """Bad input: the database refuses connections; the bootstrap gives up after KOLLA_DB_WAIT_SECONDS,
    non-zero, naming [placement_database]'s server without its password."""
    unreachable = PLACEMENT_CONF.replace(f"@{DB_ALIAS}:3306/", "@127.0.0.1:3306/")
    cfg = config_dir(tmp_path, "placement-api", placement_files(unreachable))
    run = bootstrap("placement-nodb", "placement-api",
                    ["--network", network, "-v", f"{cfg}:/var/lib/kolla/config_files:ro",
                     "-v", f"{logs}:/var/log/kolla/"],
                    env=("KOLLA_DB_WAIT_SECONDS=3",))
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    assert "kolla_db_reachable: the database mysql+pymysql://placement:***@127.0.0.1:3306/placement did not " \
           "accept a connection within 3 s: (2003, \"Can't connect to MySQL server on '127.0.0.1'" in run.stderr
    assert PLACEMENT_DB_PASSWORD not in run.stdout + run.stderr
