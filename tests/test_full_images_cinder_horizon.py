"""The cinder images (cinder-base, cinder-api, cinder-scheduler) and horizon
keep Kolla's contract, checked with real containers in the test engine from
config.json files of kolla-ansible 22.2's shape (its templates, filled with
test values): cinder-api's bootstrap makes the schema in a mariadb-server
container and its uWSGI passes kolla-ansible's healthcheck, cinder-scheduler
runs as cinder connected to a rabbitmq container, horizon's bootstrap
migrates its session database and uWSGI serves the login page and the
compressed static files with Keystone out of reach. Full tier only
(`make test-full`): it builds the images itself."""
import json
import time

import pytest

from conftest import docker
from kolla_images import Database, Rabbit, config_dir, kolla_run, module_fixtures, ref, sh, wait_for

PREFIX = "kimg-ch-"
IMAGES = ["cinder-api", "cinder-scheduler", "horizon"]
DB_ROOT_PASSWORD = "kimg-ch-root-pw"
CINDER_DB_PASSWORD = "kimg-ch-cinder-db"
HORIZON_DB_PASSWORD = "kimg-ch-horizon-db"
RABBIT_PASSWORD = "kimg-ch-rabbit-pw"
DB_ALIAS = "kimg-ch-db"
RABBIT_ALIAS = "kimg-ch-rabbit"
# Named in the configuration, never started: the images must do without it.
KEYSTONE_URL = "http://kimg-ch-keystone:5000"


# Builds the images (mariadb-server and rabbitmq come from up.sh's step).
scratch, network = module_fixtures(PREFIX, *IMAGES, "mariadb-server", "rabbitmq")


@pytest.fixture(scope="module")
def database(tmp_path_factory, scratch, network):
    """A bootstrapped mariadb-server with cinder's and horizon's databases and users."""
    db = Database(scratch, tmp_path_factory.mktemp("mariadb"), network, DB_ALIAS, DB_ROOT_PASSWORD)
    db.create("cinder", "cinder", CINDER_DB_PASSWORD)
    db.create("horizon", "horizon", HORIZON_DB_PASSWORD)
    return db


@pytest.fixture(scope="module")
def rabbit(tmp_path_factory, scratch, network):
    return Rabbit(scratch, tmp_path_factory.mktemp("rabbitmq"), network, RABBIT_ALIAS, "openstack", RABBIT_PASSWORD)


def wait_healthy(name, tries=240):
    """Waits for Docker's health status of name to be healthy (the --health-cmd given at run); the last status."""
    status = ""
    for _ in range(tries):
        state = json.loads(docker("inspect", "-f", "{{json .State}}", name).stdout)
        status = state.get("Health", {}).get("Status", "")
        if status == "healthy" or not state["Running"]:
            break
        time.sleep(1)
    return status


def health_args(test):
    """docker run's healthcheck options for kolla-ansible's test command, polled fast."""
    return ["--health-cmd", test, "--health-interval", "2s", "--health-timeout", "30s", "--health-retries", "3"]


def check_configs(name, cfg, source):
    """kolla_set_configs --check as kolla-ansible's compare runs it (root): 0 before, 1 after a change of source."""
    unchanged = docker("exec", "--user", "root", name, "kolla_set_configs", "--check", check=False)
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    path = cfg / source
    original = path.read_text()
    path.write_text(original + "\n# changed by the test\n")
    try:
        changed = docker("exec", "--user", "root", name, "kolla_set_configs", "--check", check=False)
    finally:
        path.write_text(original)
    assert changed.returncode == 1, changed.stdout + changed.stderr


# --- cinder ------------------------------------------------------------------------------

def cinder_conf(service, transport_url, connection=None):
    """kolla-ansible's cinder.conf.j2 for service, without backends, TLS or profiling."""
    connection = connection or f"mysql+pymysql://cinder:{CINDER_DB_PASSWORD}@{DB_ALIAS}:3306/cinder"
    api = service == "cinder-api"
    return f"""[DEFAULT]
debug = False
log_dir = /var/log/kolla/cinder
{"log_file = cinder-api.log" if api else ""}
use_forwarded_for = true
use_stderr = false
my_ip = 127.0.0.1
volume_name_template = volume-%s
glance_api_servers = http://kimg-ch-glance:9292
glance_num_retries = 1
api_paste_config = /etc/cinder/api-paste.ini
auth_strategy = keystone
transport_url = {transport_url}

[oslo_messaging_notifications]
transport_url = {transport_url}
driver = noop

[oslo_messaging_rabbit]
use_queue_manager = true
{"processname = cinder-api" if api else ""}
heartbeat_in_pthread = {api}
rabbit_quorum_queue = true
rabbit_transient_quorum_queue = true

[oslo_middleware]
enable_proxy_headers_parsing = true

[database]
connection = {connection}
connection_recycle_time = 10
max_pool_size = 1
max_retries = -1

[keystone_authtoken]
service_type = volume
service_token_roles_required = true
www_authenticate_uri = {KEYSTONE_URL}
auth_url = {KEYSTONE_URL}
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = cinder
password = kimg-ch-keystone-pw
region_name = RegionOne

[oslo_concurrency]
lock_path = /var/lib/cinder/tmp

[privsep_entrypoint]
helper_command=sudo cinder-rootwrap /etc/cinder/rootwrap.conf privsep-helper --config-file /etc/cinder/cinder.conf

[coordination]
"""


# kolla-ansible's service-uwsgi-config ini as cinder's config.yml fills it (no TLS).
CINDER_UWSGI_INI = """[uwsgi]
add-header = Connection: close
buffer-size = 65535
die-on-term = true
enable-threads = true
exit-on-reload = false
hook-master-start = unix_signal:15 gracefully_kill_them_all
http = 0.0.0.0:8776
http-auto-chunked = true
http-chunked-input = true
http-raw-body = true
lazy-apps = true
logto2 = /var/log/kolla/cinder/cinder-api-uwsgi.log
logfile-chmod = 644
master = true
module = cinder.wsgi.api:application
plugins-dir = /usr/lib/uwsgi/plugins
plugins = python3
processes = 1
socket-timeout = 30
thunder-lock = true
uid = cinder
worker-reload-mercy = 80
static-map = /static=/var/lib/kolla/venv/lib/python3/site-packages/static
"""
CINDER_PERMISSIONS = [{"path": "/var/lib/cinder", "owner": "cinder:cinder", "recurse": True},
                      {"path": "/var/log/kolla/cinder", "owner": "cinder:cinder", "recurse": True}]
# kolla-ansible's cinder-api.json.j2 and cinder-scheduler.json.j2 (no policy file, TLS or CA copy).
CINDER_API_CONFIG = {
    "command": "uwsgi /etc/cinder/cinder-api-uwsgi.ini",
    "config_files": [
        {"source": "/var/lib/kolla/config_files/cinder.conf", "dest": "/etc/cinder/cinder.conf",
         "owner": "cinder", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/cinder-api-uwsgi.ini", "dest": "/etc/cinder/cinder-api-uwsgi.ini",
         "owner": "cinder", "perm": "0600"},
    ],
    "permissions": CINDER_PERMISSIONS,
}
CINDER_SCHEDULER_CONFIG = {
    "command": "cinder-scheduler --config-file /etc/cinder/cinder.conf",
    "config_files": [{"source": "/var/lib/kolla/config_files/cinder.conf", "dest": "/etc/cinder/cinder.conf",
                      "owner": "cinder", "perm": "0600"}],
    "permissions": CINDER_PERMISSIONS,
}


@pytest.fixture(scope="module")
def cinder(tmp_path_factory, scratch, database, rabbit, network):
    """cinder bootstrapped once (db sync); the config directories and the kolla_logs volume the services share."""
    tmp = tmp_path_factory.mktemp("cinder")
    api_cfg = config_dir(tmp, "cinder-api", {
        "config.json": json.dumps(CINDER_API_CONFIG), "cinder.conf": cinder_conf("cinder-api", rabbit.url),
        "cinder-api-uwsgi.ini": CINDER_UWSGI_INI})
    scheduler_cfg = config_dir(tmp, "cinder-scheduler", {
        "config.json": json.dumps(CINDER_SCHEDULER_CONFIG), "cinder.conf": cinder_conf("cinder-scheduler", rabbit.url)})
    logs = scratch.volume("logs")
    mounts = ["--network", network, "-v", f"{logs}:/var/log/kolla"]

    # kolla-ansible's bootstrap_service: a one-off cinder-api container with KOLLA_BOOTSTRAP.
    boot = kolla_run("--rm", "--name", scratch.name("bootstrap-cinder"), *mounts, "-e", "KOLLA_BOOTSTRAP=",
                     "-v", f"{api_cfg}:/var/lib/kolla/config_files:ro", ref("cinder-api"), check=False, timeout=600)
    assert boot.returncode == 0, boot.stdout[-3000:] + boot.stderr[-3000:]
    assert "Running command" not in boot.stdout
    return {"api_cfg": api_cfg, "scheduler_cfg": scheduler_cfg, "mounts": mounts, "logs": logs}


def test_cinder_bootstrap_makes_the_schema_and_runs_again(cinder, database, scratch):
    tables = database.tables("cinder")
    assert tables > 20
    assert database.query("SELECT COUNT(*) FROM cinder.volumes") == "0"
    # kolla-ansible bootstraps again on every upgrade: nothing to do, success.
    again = kolla_run("--rm", "--name", scratch.name("bootstrap-cinder"), *cinder["mounts"], "-e", "KOLLA_BOOTSTRAP=",
                      "-v", f"{cinder['api_cfg']}:/var/lib/kolla/config_files:ro", ref("cinder-api"),
                      check=False, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert database.tables("cinder") == tables
    # What cinder-manage wrote under the shared log volume is cinder's.
    owners = docker("run", "--rm", "--entrypoint", "bash", "-v", f"{cinder['logs']}:/var/log/kolla", ref("cinder-api"),
                    "-c", "stat -c '%U:%G %a' /var/log/kolla/cinder; find /var/log/kolla/cinder -type f -printf '%u %f\\n'",
                    ).stdout.splitlines()
    # Kolla's 0755; the setgid bit a directory inherits from /var/log/kolla stays (chmod keeps it on directories).
    assert owners[0] in ("cinder:kolla 755", "cinder:kolla 2755"), owners
    # cinder-manage logged to the file cinder-api's cinder.conf names (log_file = cinder-api.log), as cinder.
    assert "cinder cinder-api.log" in owners[1:] and all(line.startswith("cinder ") for line in owners[1:]), owners


def test_cinder_bootstrap_without_database_fails_fast(tmp_path, rabbit, network, scratch):
    # Bad input: the [database] connection names a server that is not there. kolla-ansible's
    # max_retries = -1 would make cinder-manage retry forever; the bounded wait ends it.
    unreachable = f"mysql+pymysql://cinder:{CINDER_DB_PASSWORD}@kimg-ch-nodb:3306/cinder"
    cfg = config_dir(tmp_path, "cinder-api", {
        "config.json": json.dumps(CINDER_API_CONFIG),
        "cinder.conf": cinder_conf("cinder-api", rabbit.url, connection=unreachable),
        "cinder-api-uwsgi.ini": CINDER_UWSGI_INI})
    started = time.monotonic()
    boot = kolla_run("--rm", "--name", scratch.name("bootstrap-nodb"), "--network", network, "-e", "KOLLA_BOOTSTRAP=",
                     "-e", "KOLLA_DB_WAIT_SECONDS=3", "-v", f"{cfg}:/var/lib/kolla/config_files:ro", ref("cinder-api"),
                     check=False, timeout=300)
    assert boot.returncode == 1, boot.stdout[-2000:] + boot.stderr[-2000:]
    assert time.monotonic() - started < 240
    message = boot.stderr.strip().splitlines()[-1]
    assert message.startswith("kolla_db_reachable: the database mysql+pymysql://cinder:***@kimg-ch-nodb:3306/cinder "
                              "did not accept a connection within 3 s"), boot.stderr[-2000:]
    assert CINDER_DB_PASSWORD not in boot.stdout + boot.stderr
    assert "Running command" not in boot.stdout


@pytest.fixture(scope="module")
def cinder_api(cinder, scratch):
    name = scratch.name("cinder-api")
    # kolla-ansible's cinder_api healthcheck test, against the address uWSGI listens on here.
    kolla_run("-d", "--name", name, *cinder["mounts"], *health_args("healthcheck_curl http://127.0.0.1:8776/healthcheck"),
              "-v", f"{cinder['api_cfg']}:/var/lib/kolla/config_files:ro", ref("cinder-api"))
    status = wait_healthy(name)
    if status != "healthy":
        log = sh(name, "tail -n 40 /var/log/kolla/cinder/*.log").stdout
        pytest.fail(f"cinder-api is {status or 'not running'}: {docker('logs', name).stderr[-3000:]}{log[-4000:]}")
    return name


def test_cinder_api_serves_under_uwsgi_as_cinder(cinder_api):
    users = sh(cinder_api, "ps -o user= -C uwsgi-core | sort -u", check=True).stdout.split()
    # root starts the container (Kolla's runs as root too); uid = cinder drops the master and its workers.
    assert users == ["cinder"]
    assert sh(cinder_api, "ps -o user= -p 1", check=True).stdout.strip() == "root"
    health = sh(cinder_api, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8776/healthcheck",
                check=True).stdout
    assert health == "200"
    versions = json.loads(sh(cinder_api, "curl -s http://127.0.0.1:8776/", check=True).stdout)
    assert any(v["id"] == "v3.0" for v in versions["versions"]), versions
    # The volume API itself needs a Keystone token: without one keystonemiddleware refuses.
    unauthenticated = sh(cinder_api, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8776/v3/volumes",
                         check=True).stdout
    assert unauthenticated == "401"
    assert sh(cinder_api, "healthcheck_curl http://127.0.0.1:8777/healthcheck").returncode == 1


def test_cinder_api_config_check(cinder_api, cinder):
    check_configs(cinder_api, cinder["api_cfg"], "cinder.conf")


@pytest.fixture(scope="module")
def cinder_scheduler(cinder, scratch):
    name = scratch.name("cinder-scheduler")
    kolla_run("-d", "--name", name, *cinder["mounts"], *health_args("healthcheck_port cinder-scheduler 5672"),
              "-v", f"{cinder['scheduler_cfg']}:/var/lib/kolla/config_files:ro", ref("cinder-scheduler"))
    status = wait_healthy(name)
    if status != "healthy":
        log = sh(name, "tail -n 40 /var/log/kolla/cinder/cinder-scheduler.log").stdout
        pytest.fail(f"cinder-scheduler is {status or 'not running'}: {docker('logs', name).stderr[-3000:]}{log[-4000:]}")
    return name


def test_cinder_scheduler_runs_as_cinder_on_rabbit(cinder_scheduler, database):
    procs = sh(cinder_scheduler, "ps -o user=,args= -e", check=True).stdout.splitlines()
    scheduler = [line for line in procs if "/usr/bin/cinder-scheduler" in line]
    assert scheduler and all(line.split()[0] == "cinder" for line in scheduler), procs
    assert all(line.split()[0] == "cinder" for line in procs if "ps -o" not in line), procs
    # It registered itself in the database, through the connection it also keeps to RabbitMQ.
    registered = wait_for(database.container, f"{database.client} -N -e \"SELECT 1 FROM cinder.services WHERE "
                                              "\\`binary\\` = 'cinder-scheduler' AND NOT deleted\" | grep -q 1")
    assert registered.returncode == 0
    # The healthcheck fails for a port it holds no connection to.
    assert sh(cinder_scheduler, "healthcheck_port cinder-scheduler 5673").returncode == 1


def test_cinder_scheduler_config_check(cinder_scheduler, cinder):
    check_configs(cinder_scheduler, cinder["scheduler_cfg"], "cinder.conf")


# --- horizon -----------------------------------------------------------------------------

# kolla-ansible's _9998-kolla-settings.py.j2 with horizon_backend_database (sessions in MariaDB),
# no TLS, one region, no federation, no custom themes; the security group rules and logging
# tables shortened.
KOLLA_SETTINGS = f"""DEBUG = False
TEMPLATE_DEBUG = DEBUG
COMPRESS_OFFLINE = True
WEBROOT = '/'
ALLOWED_HOSTS = ['*']

SESSION_ENGINE = 'django.contrib.sessions.backends.db'
DATABASES = {{
    'default': {{
        'ENGINE': 'django.db.backends.mysql',
        'NAME': 'horizon',
        'USER': 'horizon',
        'PASSWORD': '{HORIZON_DB_PASSWORD}',
        'HOST': '{DB_ALIAS}',
        'PORT': '3306'
    }}
}}

OPENSTACK_API_VERSIONS = {{
    "identity": 3,
}}

OPENSTACK_KEYSTONE_MULTIDOMAIN_SUPPORT = False
OPENSTACK_KEYSTONE_DOMAIN_DROPDOWN = False
OPENSTACK_KEYSTONE_DOMAIN_CHOICES = (
    ('Default', 'default'),
)

LOCAL_PATH = '/tmp'
SECRET_KEY='kimg-ch-horizon-secret-key'

EMAIL_BACKEND = 'django.core.mail.backends.console.EmailBackend'

OPENSTACK_HOST = "kimg-ch-keystone"
OPENSTACK_KEYSTONE_URL = "{KEYSTONE_URL}/v3"
OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"

OPENSTACK_KEYSTONE_BACKEND = {{
    'name': 'native',
    'can_edit_user': True,
    'can_edit_group': True,
    'can_edit_project': True,
    'can_edit_domain': True,
    'can_edit_role': True,
}}

OPENSTACK_HYPERVISOR_FEATURES = {{
    'can_set_mount_point': False,
    'can_set_password': False,
    'requires_keypair': False,
    'enable_quotas': True
}}

OPENSTACK_CINDER_FEATURES = {{
    'enable_backup': False,
}}

OPENSTACK_HEAT_STACK = {{
    'enable_user_pass': True,
}}

IMAGE_CUSTOM_PROPERTY_TITLES = {{
    "architecture": _("Architecture"),
    "kernel_id": _("Kernel ID"),
    "ramdisk_id": _("Ramdisk ID"),
}}

IMAGE_RESERVED_CUSTOM_PROPERTIES = []
HORIZON_IMAGES_UPLOAD_MODE = 'direct'
OPENSTACK_ENDPOINT_TYPE = "internalURL"
API_RESULT_LIMIT = 1000
API_RESULT_PAGE_SIZE = 20
DROPDOWN_MAX_ITEMS = 30
TIME_ZONE = "UTC"
POLICY_FILES_PATH = '/etc/openstack-dashboard'

LOGGING = {{
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {{
        'console': {{'level': 'INFO', 'class': 'logging.StreamHandler'}},
    }},
    'loggers': {{
        'horizon': {{'handlers': ['console'], 'level': 'DEBUG', 'propagate': False}},
        'openstack_dashboard': {{'handlers': ['console'], 'level': 'DEBUG', 'propagate': False}},
        'openstack_auth': {{'handlers': ['console'], 'level': 'DEBUG', 'propagate': False}},
        'django': {{'handlers': ['console'], 'level': 'DEBUG', 'propagate': False}},
    }},
}}

SECURITY_GROUP_RULES = {{
    'ssh': {{
        'name': 'SSH',
        'ip_protocol': 'tcp',
        'from_port': '22',
        'to_port': '22',
    }},
}}

REST_API_REQUIRED_SETTINGS = [
    'CREATE_IMAGE_DEFAULTS',
    'DEFAULT_BOOT_SOURCE',
    'ENFORCE_PASSWORD_CHECK',
    'LAUNCH_INSTANCE_DEFAULTS',
    'OPENSTACK_HYPERVISOR_FEATURES',
    'OPENSTACK_IMAGE_FORMATS',
    'OPENSTACK_KEYSTONE_BACKEND',
    'OPENSTACK_KEYSTONE_DEFAULT_DOMAIN',
]
"""
# The ini horizon's config.yml renders behind haproxy: listen port 8080, uid horizon, threads 1.
HORIZON_UWSGI_INI = """[uwsgi]
add-header = Connection: close
buffer-size = 65535
die-on-term = true
enable-threads = true
exit-on-reload = false
hook-master-start = unix_signal:15 gracefully_kill_them_all
http = 0.0.0.0:8080
http-auto-chunked = true
http-chunked-input = true
http-raw-body = true
lazy-apps = true
logto2 = /var/log/kolla/horizon/horizon-uwsgi.log
master = true
module = openstack_dashboard.wsgi:application
plugins-dir = /usr/lib/uwsgi/plugins
plugins = python3
processes = 2
threads = 1
socket-timeout = 30
thunder-lock = true
uid = horizon
worker-reload-mercy = 80
static-map = /static=/var/lib/kolla/venv/lib/python3/site-packages/static
"""
# kolla-ansible's horizon.json.j2 without custom policies, TLS, themes or CA copy.
HORIZON_CONFIG = {
    "command": "uwsgi /etc/horizon/horizon-uwsgi.ini",
    "config_files": [
        {"source": "/var/lib/kolla/config_files/horizon-uwsgi.ini", "dest": "/etc/horizon/horizon-uwsgi.ini",
         "owner": "horizon", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/_9998-kolla-settings.py",
         "dest": "/etc/openstack-dashboard/local_settings.d/_9998-kolla-settings.py", "owner": "horizon", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/_9999-custom-settings.py",
         "dest": "/etc/openstack-dashboard/local_settings.d/_9999-custom-settings.py", "owner": "horizon", "perm": "0600"},
    ],
}
# kolla-ansible's environment for the horizon container: heat's plugin on, the others off.
HORIZON_ENV = {f"ENABLE_{name}": "no" for name in (
    "BLAZAR", "CLOUDKITTY", "DESIGNATE", "FWAAS", "IRONIC", "MAGNUM", "MANILA", "MASAKARI", "MISTRAL",
    "NEUTRON_VPNAAS", "OCTAVIA", "TACKER", "TROVE", "WATCHER")} | {"ENABLE_HEAT": "yes", "FORCE_GENERATE": "no"}


@pytest.fixture(scope="module")
def horizon_cfg(tmp_path_factory, database):
    return config_dir(tmp_path_factory.mktemp("horizon"), "horizon", {
        "config.json": json.dumps(HORIZON_CONFIG), "horizon-uwsgi.ini": HORIZON_UWSGI_INI,
        "_9998-kolla-settings.py": KOLLA_SETTINGS, "_9999-custom-settings.py": "# Operator settings go here.\n"})


def horizon_bootstrap(scratch, network, cfg):
    env = [arg for key, value in HORIZON_ENV.items() for arg in ("-e", f"{key}={value}")]
    return kolla_run("--rm", "--name", scratch.name("bootstrap-horizon"), "--network", network, *env,
                     "-e", "KOLLA_BOOTSTRAP=", "-v", f"{cfg}:/var/lib/kolla/config_files:ro", ref("horizon"),
                     check=False, timeout=600)


def test_horizon_bootstrap_migrates_and_runs_again(scratch, network, horizon_cfg, database):
    boot = horizon_bootstrap(scratch, network, horizon_cfg)
    assert boot.returncode == 0, boot.stdout[-3000:] + boot.stderr[-3000:]
    assert "Running command" not in boot.stdout
    tables = database.tables("horizon")
    assert tables > 0
    assert database.query("SELECT COUNT(*) FROM horizon.django_migrations WHERE app = 'sessions'") != "0"
    again = horizon_bootstrap(scratch, network, horizon_cfg)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "No migrations to apply" in again.stdout
    assert database.tables("horizon") == tables


@pytest.fixture(scope="module")
def horizon(scratch, network, horizon_cfg, database):
    # The sessions table the running dashboard writes to comes from the bootstrap (horizon_backend_database).
    boot = horizon_bootstrap(scratch, network, horizon_cfg)
    assert boot.returncode == 0, boot.stdout[-3000:] + boot.stderr[-3000:]
    name = scratch.name("horizon")
    env = [arg for key, value in HORIZON_ENV.items() for arg in ("-e", f"{key}={value}")]
    logs = scratch.volume("horizon-logs")
    # kolla-ansible's horizon healthcheck: healthcheck_curl on the listen port.
    kolla_run("-d", "--name", name, "--network", network, *env, *health_args("healthcheck_curl http://127.0.0.1:8080"),
              "-v", f"{logs}:/var/log/kolla", "-v", f"{horizon_cfg}:/var/lib/kolla/config_files:ro", ref("horizon"))
    # The first start collects and compresses the static files for these settings: minutes here.
    status = wait_healthy(name, tries=600)
    if status != "healthy":
        log = sh(name, "tail -n 40 /var/log/kolla/horizon/*.log").stdout
        pytest.fail(f"horizon is {status or 'not running'}: {docker('logs', name).stdout[-3000:]}"
                    f"{docker('logs', name).stderr[-3000:]}{log[-4000:]}")
    return name


def test_horizon_login_page_and_static_files(horizon):
    page = sh(horizon, "curl -s -w '\\n%{http_code}' http://127.0.0.1:8080/auth/login/", check=True).stdout
    body, status = page.rsplit("\n", 1)
    assert status == "200", body[-2000:]
    assert 'name="csrfmiddlewaretoken"' in body and 'name="password"' in body
    # The compressed bundles COMPRESS_OFFLINE names in the page exist and uWSGI's static-map serves them.
    bundles = [part.split('"')[0] for part in body.split('/static/dashboard/')[1:]
               if part.split('"')[0].endswith((".css", ".js")) and "/" in part.split('"')[0]]
    assert bundles, body[-2000:]
    for bundle in bundles:
        served = sh(horizon, f"curl -s -o /dev/null -w '%{{http_code}} %{{size_download}}' "
                             f"http://127.0.0.1:8080/static/dashboard/{bundle}", check=True).stdout.split()
        assert served[0] == "200" and int(served[1]) > 0, (bundle, served)
    logo = sh(horizon, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/static/dashboard/img/logo.svg",
              check=True).stdout
    assert logo == "200"
    # The root redirects to the login page when no one is logged in.
    root = sh(horizon, "curl -s -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1:8080/",
              check=True).stdout.split()
    assert root[0] == "302" and "/auth/login/" in root[1], root


def test_horizon_runs_uwsgi_as_horizon_with_heat(horizon):
    users = sh(horizon, "ps -o user= -C uwsgi-core | sort -u", check=True).stdout.split()
    assert users == ["horizon"]
    panels = sh(horizon, "ls /var/lib/kolla/venv/lib/python3/site-packages/openstack_dashboard/local/enabled",
                check=True).stdout.split()
    assert "_1620_project_stacks_panel.py" in panels
    assert sh(horizon, "test -f /etc/openstack-dashboard/heat_policy.yaml && "
                       "test -f /etc/openstack-dashboard/default_policies/heat.yaml && "
                       "test -f /etc/openstack-dashboard/nova_policy.yaml").returncode == 0
    owners = sh(horizon, "stat -c '%U:%G %a' /var/log/kolla/horizon", check=True).stdout.strip()
    assert owners in ("horizon:kolla 755", "horizon:kolla 2755")


def test_horizon_config_check_and_restart_keeps_static(horizon, horizon_cfg):
    check_configs(horizon, horizon_cfg, "_9998-kolla-settings.py")
    # Unchanged settings: a restart serves at once, without collecting the static files again.
    docker("restart", horizon, timeout=180)
    assert wait_healthy(horizon) == "healthy"
    assert docker("logs", horizon).stdout.count("static files copied") == 1
