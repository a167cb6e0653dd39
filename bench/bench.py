"""Side-by-side benchmarks: our binaries, kolla-ansible's Python plugins and
the do-nothing module floor, measured in one run, contenders alternated,
medians and ratios. Writes BENCHMARKS.md at the repository root (or --out).

Per-task cost is (playbook wall time - the same playbook with `debug` tasks) / N,
so the playbook's fixed start-up cancels out.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("KOLLA_RUST_CACHE", "/var/cache/kolla-rust"))
VENV = Path(os.environ.get("KOLLA_RUST_VENV", CACHE / "venv"))
REF = Path(os.environ.get("KOLLA_RUST_REF", CACHE / "ref"))
REF_15 = REF / "kolla-ansible-15.6.0" / "ansible"
REF_22 = REF / "kolla-ansible-22.2.0" / "ansible"
REF_13_LIBRARY = REF / "kolla-ansible-13.8.0" / "library-py3"
NOOP = ROOT / "target" / "x86_64-unknown-linux-gnu" / "release" / "bench_noop"
OURS = ROOT / "plugins" / "modules"
# The repository bench/run.sh copied ROOT from: the images scenario hashes its
# images/ against the engine's images, as `make images` would.
SOURCE = Path(os.environ.get("KOLLA_RUST_BENCH_SOURCE", ROOT))
WORK = Path(tempfile.mkdtemp(prefix="kolla-rust-bench-"))
IMAGE = "kolla-test/service:latest"
BUSY_CMD = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1; done'"


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --- running playbooks -------------------------------------------------------

def env_for(library=None, module_utils=None, action_plugins=None):
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_PYTHON_INTERPRETER=str(VENV / "bin" / "python"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        ANSIBLE_LOCAL_TEMP=str(WORK / "ansible-local"),
        PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}",
    )
    if library:
        env["ANSIBLE_LIBRARY"] = str(library)
        if Path(library).is_relative_to(REF):
            # The reference's Docker SDK clients default to the machine's socket:
            # tests/env/refsite points them at the engine DOCKER_HOST names.
            env["PYTHONPATH"] = str(ROOT / "tests" / "env" / "refsite")
    if module_utils:
        env["ANSIBLE_MODULE_UTILS"] = str(module_utils)
    if action_plugins:
        env["ANSIBLE_ACTION_PLUGINS"] = str(action_plugins)
    return env


def write_play(name, tasks, hosts="localhost"):
    path = WORK / f"{name}.yml"
    path.write_text(json.dumps([{"hosts": hosts, "gather_facts": False, "tasks": tasks}]))
    return path


def play_seconds(path, env, inventory="localhost,", extra=()):
    t0 = time.perf_counter()
    proc = subprocess.run([str(VENV / "bin" / "ansible-playbook"), "-i", inventory, "-c", "local",
                           str(path), *extra], env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def alternate(contenders, reps):
    """contenders: {name: callable() -> seconds}; runs them in rotating order, returns medians."""
    samples = {k: [] for k in contenders}
    names = list(contenders)
    for r in range(reps):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            samples[name].append(contenders[name]())
    return {k: statistics.median(v) for k, v in samples.items()}, samples


# --- scenarios ---------------------------------------------------------------

RESULTS = []   # (section, rows: list of dicts, notes)


def floor(n, reps):
    lib = WORK / "floor-lib"
    lib.mkdir(exist_ok=True)
    shutil.copy(NOOP, lib / "noop")
    debug = write_play("floor-debug", [{"name": f"d{i}", "debug": {"msg": "x"}} for i in range(n)])
    noop = write_play("floor-noop", [{"name": f"n{i}", "noop": {}} for i in range(n)])
    ping = write_play("floor-ping", [{"name": f"p{i}", "ping": {}} for i in range(n)])
    env = env_for(library=lib)
    med, _ = alternate({
        "debug": lambda: play_seconds(debug, env),
        "noop": lambda: play_seconds(noop, env),
        "ping": lambda: play_seconds(ping, env),
    }, reps)
    per_noop = (med["noop"] - med["debug"]) / n
    per_ping = (med["ping"] - med["debug"]) / n
    RESULTS.append(("Floor: a do-nothing binary module", [
        {"contender": "do-nothing Rust binary module", "per task (ms)": per_noop * 1000, "ratio to floor": 1.0},
        {"contender": "Python `ping` module", "per task (ms)": per_ping * 1000, "ratio to floor": per_ping / per_noop},
        {"contender": "`debug` task (its whole playbook / N)", "per task (ms)": med["debug"] * 1000 / n, "ratio to floor": None},
    ], f"N={n} tasks per playbook, {reps} repetitions, medians."))
    return med["debug"], per_noop


def docker(*args):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True)


def kolla_docker_scenarios(n, reps, debug_seconds, per_floor):
    names = [f"kdbench_{i}" for i in range(n)]
    start = [{"name": f"s{i}", "kolla_docker": {
        "action": "start_container", "name": c, "image": IMAGE, "command": BUSY_CMD,
        "environment": {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"}, "graceful_timeout": 5,
        "volumes": ["/etc/localtime:/etc/localtime:ro", f"{c}_data:/var/lib/data"]}}
        for i, c in enumerate(names)]
    compare = [{"name": f"c{i}", "kolla_docker": {**t["kolla_docker"], "action": "compare_container"}}
               for i, t in enumerate(start)]
    cycle = []
    for i, t in enumerate(start[: max(1, n // 4)]):
        args = dict(t["kolla_docker"], name=f"kdbench_cycle_{i}")
        cycle.append({"name": f"start{i}", "kolla_docker": args})
        cycle.append({"name": f"stop{i}", "kolla_docker": {"action": "stop_container", "name": args["name"], "graceful_timeout": 5}})
        cycle.append({"name": f"rm{i}", "kolla_docker": {"action": "remove_container", "name": args["name"]}})
    p_start, p_compare, p_cycle = (write_play("kd-start", start), write_play("kd-compare", compare),
                                   write_play("kd-cycle", cycle))
    ours = env_for()
    ref = env_for(library=REF_15 / "library", module_utils=REF_15 / "module_utils")
    play_seconds(p_start, ours)  # create the containers once
    for scenario, path, tasks in [("start_container, running and unchanged (re-deploy)", p_start, n),
                                  ("compare_container, unchanged", p_compare, n),
                                  ("create/start/stop/remove cycle (per task)", p_cycle, len(cycle))]:
        med, _ = alternate({"ours": lambda p=path: play_seconds(p, ours),
                            "reference": lambda p=path: play_seconds(p, ref)}, reps)
        o = (med["ours"] - debug_seconds * tasks / n) / tasks
        r = (med["reference"] - debug_seconds * tasks / n) / tasks
        RESULTS.append((f"kolla_docker: {scenario}", [
            {"contender": "ours", "per task (ms)": o * 1000, "ratio to floor": o / per_floor, "speed-up vs reference": r / o},
            {"contender": "kolla-ansible 15.6.0", "per task (ms)": r * 1000, "ratio to floor": r / per_floor, "speed-up vs reference": 1.0},
        ], f"{tasks} tasks per playbook, {reps} repetitions, medians; floor = {per_floor*1000:.1f} ms/task."))
    for c in names:
        subprocess.run(["docker", "rm", "-f", c], capture_output=True)
        subprocess.run(["docker", "volume", "rm", f"{c}_data"], capture_output=True)


def collections_path():
    """Where PyPI's `ansible` bundle (community.docker's docker connection) is installed."""
    for path in (os.environ.get("KOLLA_RUST_COLLECTIONS"), str(CACHE / "collections")):
        if path and (Path(path) / "ansible_collections" / "community" / "docker").is_dir():
            return path
    raise RuntimeError("community.docker is missing: run tests/env/up.sh")


def kolla_container_scenarios(n, reps):
    """kolla_container (22.2 arguments) in a systemd test node, where 22.2.0's
    Python module can run (it needs systemd over D-Bus): start_container on
    running, unchanged containers and compare_container, ours vs 22.2.0, both
    through the community.docker.docker connection; the per-task cost subtracts
    a `debug` playbook over the same connection."""
    sys.path.insert(0, str(ROOT / "tests" / "env" / "nodes"))
    from node import Node  # noqa: E402  (tests/env/nodes/node.py)

    with Node.start() as node:
        node.load_image(IMAGE)
        inventory = WORK / "node-inventory"
        inventory.write_text(f"{node.name} ansible_connection=community.docker.docker "
                             "ansible_python_interpreter=/usr/bin/python3\n")
        names = [f"kcbench_{i}" for i in range(n)]
        start = [{"name": f"s{i}", "kolla_container": {
            "action": "start_container", "container_engine": "docker", "name": c, "image": IMAGE,
            "command": BUSY_CMD, "environment": {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"},
            "graceful_timeout": 5, "restart_policy": "unless-stopped",
            "volumes": ["/etc/localtime:/etc/localtime:ro", f"{c}_data:/var/lib/data"]}}
            for i, c in enumerate(names)]
        compare = [{"name": f"c{i}", "kolla_container": {**t["kolla_container"], "action": "compare_container"}}
                   for i, t in enumerate(start)]
        debug = [{"name": f"d{i}", "debug": {"msg": "x"}} for i in range(n)]
        plays = {k: write_play(f"kc-{k}", v, hosts="all")
                 for k, v in (("start", start), ("compare", compare), ("debug", debug))}
        collections = collections_path()
        coll = f"{collections}:{ROOT / 'target' / 'collections'}"
        ours = env_for()
        ours["ANSIBLE_COLLECTIONS_PATH"] = coll
        ref = env_for(library=REF_22 / "library", module_utils=REF_22 / "module_utils")
        ref["ANSIBLE_COLLECTIONS_PATH"] = coll

        def run(path, env):
            t0 = time.perf_counter()
            proc = subprocess.run([str(VENV / "bin" / "ansible-playbook"), "-i", str(inventory), str(path)],
                                  env=env, cwd=ROOT, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"{path.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
            return time.perf_counter() - t0
        # Created once by 22.2.0, so both contenders then see containers and
        # units they both consider unchanged (a rerun of either reports changed=0).
        run(plays["start"], ref)
        run(plays["start"], ours)
        med_debug, _ = alternate({"debug": lambda: run(plays["debug"], ours)}, reps)
        base = med_debug["debug"]
        for scenario, key in (("start_container, running and unchanged (re-deploy)", "start"),
                              ("compare_container, unchanged", "compare")):
            med, _ = alternate({"ours": lambda k=key: run(plays[k], ours),
                                "reference": lambda k=key: run(plays[k], ref)}, reps)
            o = (med["ours"] - base) / n
            r = (med["reference"] - base) / n
            RESULTS.append((f"kolla_container (22.2 arguments, systemd node): {scenario}", [
                {"contender": "ours", "per task (ms)": o * 1000, "speed-up vs reference": r / o},
                {"contender": "kolla-ansible 22.2.0", "per task (ms)": r * 1000, "speed-up vs reference": 1.0},
            ], f"{n} tasks per playbook in one systemd node over the community.docker.docker connection, "
               f"{reps} repetitions, medians; per task = (playbook - same playbook of `debug` tasks, "
               f"{base:.2f} s) / {n}."))
        # A recreate through systemd: every run changes one environment value of
        # a few containers, so each task stops the unit, recreates the container
        # and starts the unit again; 22.2 waits in 5 s polls, ours follows systemd.
        k = max(1, n // 10)
        counter = iter(range(10**6))

        def recreate(env):
            gen = next(counter)
            tasks = [{"name": f"r{i}", "kolla_container": {
                **start[i]["kolla_container"], "client_timeout": 12, "restart_retries": 2,
                "environment": {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS", "BENCH_GEN": str(gen)}}}
                for i in range(k)]
            return run(write_play(f"kc-recreate-{gen}", tasks, hosts="all"), env)
        med, _ = alternate({"ours": lambda: recreate(ours), "reference": lambda: recreate(ref)}, reps)
        o = (med["ours"] - base * k / n) / k
        r = (med["reference"] - base * k / n) / k
        RESULTS.append(("kolla_container (22.2 arguments, systemd node): recreate through the systemd unit", [
            {"contender": "ours", "per task (ms)": o * 1000, "speed-up vs reference": r / o},
            {"contender": "kolla-ansible 22.2.0", "per task (ms)": r * 1000, "speed-up vs reference": 1.0},
        ], f"{k} containers recreated per playbook (an environment value changes each run), "
           f"client_timeout 12, restart_retries 2 (as tests/test_kolla_container_systemd.py), {reps} repetitions, medians."))


def facts_scenario(n, reps, debug_seconds, per_floor):
    """kolla_container_facts get_containers (22.2's action) on the engine with a
    few containers, ours vs 22.2.0's Python module (docker SDK)."""
    names = [f"kcfbench_{i}" for i in range(5)]
    for c in names:
        subprocess.run(["docker", "rm", "-f", c], capture_output=True)
        docker("run", "-d", "--name", c, IMAGE, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
    try:
        tasks = [{"name": f"f{i}", "kolla_container_facts": {
            "action": "get_containers", "container_engine": "docker", "name": names}} for i in range(n)]
        path = write_play("kcf", tasks)
        ours = env_for()
        ref = env_for(library=REF_22 / "library", module_utils=REF_22 / "module_utils")
        med, _ = alternate({"ours": lambda: play_seconds(path, ours),
                            "reference": lambda: play_seconds(path, ref)}, reps)
        o = (med["ours"] - debug_seconds) / n
        r = (med["reference"] - debug_seconds) / n
        RESULTS.append(("kolla_container_facts: get_containers of 5 running containers", [
            {"contender": "ours", "per task (ms)": o * 1000, "ratio to floor": o / per_floor, "speed-up vs reference": r / o},
            {"contender": "kolla-ansible 22.2.0", "per task (ms)": r * 1000, "ratio to floor": r / per_floor, "speed-up vs reference": 1.0},
        ], f"{n} tasks per playbook, {reps} repetitions, medians; floor = {per_floor*1000:.1f} ms/task."))
    finally:
        for c in names:
            subprocess.run(["docker", "rm", "-f", c], capture_output=True)


def merge_configs_scenario(n, reps, debug_seconds, per_floor):
    data = ROOT / "bench" / "data"
    out_ours, out_ref = WORK / "mc-ours", WORK / "mc-ref"
    for d in (out_ours, out_ref):
        d.mkdir(exist_ok=True)

    def tasks(out):
        return [{"name": f"m{i}", "merge_configs": {
            "sources": [str(data / "service.conf.j2"), str(data / "global.conf"),
                        str(data / "service.conf"), str(data / "host" / "service.conf")],
            "dest": str(out / f"svc{i}.conf"), "mode": "0640"}} for i in range(n)]
    vars_ = {"database_password": "bench-password", "vip": "127.0.0.1", "workers": 4}
    p_ours = WORK / "mc-ours.yml"
    p_ref = WORK / "mc-ref.yml"
    for p, out in ((p_ours, out_ours), (p_ref, out_ref)):
        p.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "vars": vars_, "tasks": tasks(out)}]))
    ours = env_for()
    ref = env_for(action_plugins=REF_22 / "action_plugins")
    med, _ = alternate({"ours": lambda: play_seconds(p_ours, ours),
                        "reference": lambda: play_seconds(p_ref, ref)}, reps)
    identical = all((out_ours / f"svc{i}.conf").read_bytes() == (out_ref / f"svc{i}.conf").read_bytes()
                    for i in range(n))
    o = (med["ours"] - debug_seconds) / n
    r = (med["reference"] - debug_seconds) / n
    RESULTS.append(("merge_configs: layered template + global + service + host overrides", [
        {"contender": "ours (action plugin + Rust module)", "per task (ms)": o * 1000, "ratio to floor": o / per_floor, "speed-up vs reference": r / o},
        {"contender": "kolla-ansible 22.2.0 (action plugin + copy)", "per task (ms)": r * 1000, "ratio to floor": r / per_floor, "speed-up vs reference": 1.0},
    ], f"{n} tasks, {reps} repetitions, medians; outputs byte-identical: {'yes' if identical else 'NO'}."))


def merge_yaml_scenario(n, reps, debug_seconds, per_floor):
    data = ROOT / "bench" / "data" / "merge_yaml"
    out_ours, out_ref = WORK / "my-ours", WORK / "my-ref"
    for d in (out_ours, out_ref):
        d.mkdir(exist_ok=True)

    def tasks(out):
        return [{"name": f"y{i}", "merge_yaml": {
            "sources": [str(data / "prometheus.yml.j2"), str(data / "override.yml"), str(data / "host.yml")],
            "dest": str(out / f"prometheus{i}.yml"), "mode": "0640", "extend_lists": True}} for i in range(n)]
    vars_ = {"scrape_interval": "60s", "region": "RegionOne",
             "jobs": [f"job{j}" for j in range(12)], "hosts": [f"10.0.0.{h}" for h in range(1, 4)]}
    p_ours, p_ref = WORK / "my-ours.yml", WORK / "my-ref.yml"
    for p, out in ((p_ours, out_ours), (p_ref, out_ref)):
        p.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "vars": vars_, "tasks": tasks(out)}]))
    ours = env_for()
    ref = env_for(action_plugins=REF_22 / "action_plugins")
    med, _ = alternate({"ours": lambda: play_seconds(p_ours, ours),
                        "reference": lambda: play_seconds(p_ref, ref)}, reps)
    identical = all((out_ours / f"prometheus{i}.yml").read_bytes() == (out_ref / f"prometheus{i}.yml").read_bytes()
                    for i in range(n))
    o = (med["ours"] - debug_seconds) / n
    r = (med["reference"] - debug_seconds) / n
    RESULTS.append(("merge_yaml: prometheus-style template + two overrides, extend_lists", [
        {"contender": "ours (action plugin + Rust module)", "per task (ms)": o * 1000, "ratio to floor": o / per_floor, "speed-up vs reference": r / o},
        {"contender": "kolla-ansible 22.2.0 (action plugin + copy)", "per task (ms)": r * 1000, "ratio to floor": r / per_floor, "speed-up vs reference": 1.0},
    ], f"{n} tasks, {reps} repetitions, medians; outputs byte-identical: {'yes' if identical else 'NO'}."))


KT_LABEL = "bench-kt=1"
KT_NET = "bench-kt-net"
KT_DB = "bench-kt-mariadb"
KT_TOOLBOX = "kolla_toolbox"  # the one name both modules look for
KT_TOOLBOX_IMAGE = "openstack.kolla/kolla-toolbox:2026.1-debian-trixie"
KT_DB_IMAGE = "openstack.kolla/mariadb-server:2026.1-debian-trixie"


def kt_remove():
    """Removes what kolla_toolbox_scenario made (the toolbox only when it carries our label)."""
    label = subprocess.run(["docker", "inspect", "-f", '{{index .Config.Labels "bench-kt"}}', KT_TOOLBOX],
                           capture_output=True, text=True)
    if label.returncode == 0 and label.stdout.strip() == "1":
        subprocess.run(["docker", "rm", "-f", KT_TOOLBOX], capture_output=True)
    subprocess.run(["docker", "rm", "-f", KT_DB], capture_output=True)
    subprocess.run(["docker", "network", "rm", KT_NET], capture_output=True)


def kt_wait(what, *cmd):
    for _ in range(240):
        if subprocess.run(["docker", *cmd], capture_output=True).returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not come up: docker {' '.join(cmd)}")


def kt_lab(password):
    """mariadb and an idle kolla_toolbox on a network of their own, as tests/test_kolla_toolbox.py
    starts them (no loopback port bound); a database that every measured task finds unchanged."""
    existing = subprocess.run(["docker", "inspect", "-f", '{{index .Config.Labels "bench-kt"}}', KT_TOOLBOX],
                              capture_output=True, text=True)
    if existing.returncode == 0 and existing.stdout.strip() != "1":
        raise RuntimeError("a kolla_toolbox container the bench did not create exists in the test engine "
                           "(tests/test_kolla_toolbox.py running?): the modules can only use that name")
    kt_remove()
    docker("network", "create", "--label", KT_LABEL, KT_NET)
    # mariadbd's --init-file runs one statement per line.
    init = (f"echo \"CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '{password}';\" > /tmp/init.sql; "
            "echo \"GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;\" >> /tmp/init.sql; "
            "echo \"CREATE DATABASE IF NOT EXISTS bench_kt;\" >> /tmp/init.sql; ")
    docker("run", "-d", "--name", KT_DB, "--label", KT_LABEL, "--network", KT_NET, "--user", "root",
           "--entrypoint", "sh", KT_DB_IMAGE, "-c",
           f"install -d -o mysql -g mysql /run/mysqld; {init}"
           "mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null && "
           "exec mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=0.0.0.0 --init-file=/tmp/init.sql")
    docker("run", "-d", "--name", KT_TOOLBOX, "--label", KT_LABEL, "--network", KT_NET, "--user", "root",
           "--entrypoint", "sh", KT_TOOLBOX_IMAGE, "-c",
           "if [ -f /usr/local/bin/kolla_extend_start ]; then bash -c '. /usr/local/bin/kolla_extend_start'; fi; "
           "trap 'exit 0' TERM; while :; do sleep 1; done")
    kt_wait("mariadb", "exec", KT_DB, "sh", "-c", "mariadb -N -e 'SHOW DATABASES' | grep -qx bench_kt")


def kt_runner_seconds(module_args):
    """Seconds of `ansible-runner run` alone (docker exec into the toolbox) on the one-task
    playbook our module hands it: the part of ours that is the toolbox's own Python."""
    pdd = f"/var/lib/ansible/bench_kt.{os.urandom(4).hex()}"
    book = json.dumps([{"name": "kolla_toolbox", "hosts": "localhost", "gather_facts": False,
                        "tasks": [{"name": "kolla_toolbox task", "mysql_db": module_args}]}])
    hosts = (f"localhost ansible_connection=local ansible_remote_tmp={pdd}/tmp ansible_local_tmp={pdd}/tmp "
             f"ansible_python_interpreter=/opt/ansible/bin/python3\n")
    docker("exec", "-u", "root", KT_TOOLBOX, "sh", "-c",
           f"mkdir -p -m 0700 {pdd}/tmp {pdd}/inventory {pdd}/project && chown -R ansible: {pdd}")
    for rel, text in (("inventory/hosts", hosts), ("project/main.json", book)):
        subprocess.run(["docker", "exec", "-i", "-u", "ansible", KT_TOOLBOX, "sh", "-c", f"cat > {pdd}/{rel}"],
                       input=text, text=True, check=True)
    try:
        t0 = time.perf_counter()
        proc = docker("exec", "-u", "ansible", "-e", "HOME=/var/lib/ansible", KT_TOOLBOX,
                      "/opt/ansible/bin/ansible-runner", "run", pdd, "--playbook", "main.json", "--json")
        took = time.perf_counter() - t0
    finally:
        docker("exec", "-u", "root", KT_TOOLBOX, "rm", "-rf", pdd)
    if '"event": "runner_on_ok"' not in proc.stdout or '"changed": true' in proc.stdout:
        raise RuntimeError(f"ansible-runner's task did not end ok and unchanged:\n{proc.stdout[-2000:]}")
    return took


def kolla_toolbox_scenario(n, reps, debug_seconds, per_floor):
    """kolla_toolbox mysql_db on an existing database (changed: false), ours vs
    22.2.0's Python module, against a real toolbox and mariadb; plus ansible-runner
    alone on the same inner task, the share of ours that is not ours to speed up."""
    password = f"bench-kt-{os.urandom(6).hex()}"
    k = max(1, n // 2)  # each task starts ansible-runner in the toolbox: ~seconds, not ms
    args = {"login_host": KT_DB, "login_user": "root", "login_password": password, "name": "bench_kt"}
    tasks = [{"name": f"kt{i}", "kolla_toolbox": {"container_engine": "docker", "module_name": "mysql_db",
                                                   "module_args": args}} for i in range(k)]
    path = write_play("kt", tasks)
    ours = env_for()
    ref = env_for(library=REF_22 / "library", module_utils=REF_22 / "module_utils")
    kt_lab(password)
    try:
        for env in (ours, ref):  # both must see the database as it is: fail here, not in a figure
            out = subprocess.run([str(VENV / "bin" / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                                  str(write_play("kt-check", tasks[:1]))], env=env, cwd=ROOT,
                                 capture_output=True, text=True)
            if out.returncode != 0 or "changed=0" not in out.stdout:
                raise RuntimeError(f"kolla_toolbox check run failed or changed:\n{out.stdout[-3000:]}")
        med, _ = alternate({"ours": lambda: play_seconds(path, ours), "reference": lambda: play_seconds(path, ref),
                            # as many runner runs as the playbooks have tasks: a mean like theirs
                            "runner": lambda: sum(kt_runner_seconds(args) for _ in range(k))}, reps)
    finally:
        kt_remove()
    o = (med["ours"] - debug_seconds * k / n) / k
    r = (med["reference"] - debug_seconds * k / n) / k
    runner = med["runner"] / k
    RESULTS.append(("kolla_toolbox: mysql_db on an existing database (unchanged)", [
        {"contender": "ours", "per task (ms)": o * 1000, "ratio to floor": o / per_floor,
         "speed-up vs reference": r / o},
        {"contender": "kolla-ansible 22.2.0", "per task (ms)": r * 1000, "ratio to floor": r / per_floor,
         "speed-up vs reference": 1.0},
        {"contender": "of which ansible-runner in the toolbox (docker exec, alone)", "per task (ms)": runner * 1000,
         "ratio to floor": runner / per_floor, "share of ours": runner / o},
    ], f"{k} tasks per playbook (and {k} runs of ansible-runner alone) against a real {KT_TOOLBOX_IMAGE} "
       f"and mariadb container, {reps} repetitions, "
       f"alternated, medians; floor = {per_floor*1000:.1f} ms/task. Ours total {o:.2f} s per task, of which "
       f"ansible-runner {runner:.2f} s ({runner / o:.0%}): the inner task's own Python run, which both modules "
       "start in the toolbox."))


def measure_child(cmd):
    t0 = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, dict(os.environ), file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, str(WORK / "child.out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - t0
    out = (WORK / "child.out").read_text()
    if status != 0 or '"failed": true' in out:
        raise RuntimeError(f"{cmd} failed: {out[-500:]}")
    return elapsed, usage.ru_maxrss / 1024, out


def bslurp_scenarios(reps):
    rows = []
    for size_mib in (1, 64):
        src = WORK / f"blob{size_mib}"
        # Half random, half repetitive: compressible like real keys and configs are not, but not trivially.
        src.write_bytes((os.urandom(512 * 1024) + b"kolla " * 87381)[: 1024 * 1024] * size_mib)
        fetch_args = {"src": str(src)}
        ours_fetch = WORK / "ours-fetch.json"
        ref_fetch = WORK / "ref-fetch.json"
        ours_fetch.write_text(json.dumps(fetch_args))
        ref_fetch.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": fetch_args}))
        _, _, fetched = measure_child([str(OURS / "bslurp"), str(ours_fetch)])
        blob = json.loads(fetched)
        push_args = {"src": blob["content"], "dest": str(WORK / f"pushed{size_mib}"), "sha256": blob["sha256"],
                     "mode": blob["mode"]}
        ours_push = WORK / "ours-push.json"
        ref_push = WORK / "ref-push.json"
        ours_push.write_text(json.dumps(push_args))
        ref_push.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": push_args}))
        py = str(VENV / "bin" / "python")
        ref_mod = str(REF_13_LIBRARY / "bslurp.py")

        def push(cmd):
            (WORK / f"pushed{size_mib}").unlink(missing_ok=True)
            return measure_child(cmd)

        for op, ours_cmd, ref_cmd, fn in [
            ("fetch", [str(OURS / "bslurp"), str(ours_fetch)], [py, ref_mod, str(ref_fetch)], measure_child),
            ("push", [str(OURS / "bslurp"), str(ours_push)], [py, ref_mod, str(ref_push)], push),
        ]:
            samples = {"ours": [], "reference": []}
            for r in range(reps):
                for name, cmd in (("ours", ours_cmd), ("reference", ref_cmd))[:: 1 if r % 2 == 0 else -1]:
                    samples[name].append(fn(cmd)[:2])
            med = {k: (statistics.median(s[0] for s in v), max(s[1] for s in v)) for k, v in samples.items()}
            rows.append({"contender": f"{op} {size_mib} MiB", "ours (ms)": med["ours"][0] * 1000,
                         "reference (ms)": med["reference"][0] * 1000,
                         "speed-up vs reference": med["reference"][0] / med["ours"][0],
                         "ours peak RSS (MiB)": med["ours"][1], "reference peak RSS (MiB)": med["reference"][1]})
    RESULTS.append(("bslurp: the module process alone (args file in, JSON out)", rows,
                    f"{reps} repetitions, alternating, medians; peak RSS is the maximum seen."))


def ssh_copy(reps, debug_seconds, per_floor, n):
    sys.path.insert(0, str(ROOT / "tests" / "env"))
    from sshd import Sshd  # noqa: E402  (tests/env/sshd.py, shared with the tests)

    sshd = Sshd(WORK / "ssh")
    ssh = sshd.ssh_command()
    try:
        def timed(cmd, stdin_path=None, env=None):
            t0 = time.perf_counter()
            with open(stdin_path or os.devnull, "rb") as f:
                subprocess.run(cmd, stdin=f, check=True, capture_output=True, env=env, cwd=ROOT)
            return time.perf_counter() - t0
        binaries = [p for p in sorted(OURS.iterdir()) if not p.suffix and os.access(p, os.X_OK)]
        contenders = {"ssh true": lambda: timed(ssh + ["true"])}
        for b in binaries:
            contenders[b.name] = lambda b=b: timed(ssh + [f"cat > /tmp/kolla-rust-bench-{b.name}"], b)
        med, _ = alternate(contenders, reps)
        rows = [{"contender": b.name, "bytes": b.stat().st_size,
                 "copy over SSH (ms)": (med[b.name] - med["ssh true"]) * 1000} for b in binaries]
        # The whole per-task cost of a binary module over SSH, against the local floor.
        lib = WORK / "floor-lib"
        play = write_play("ssh-noop", [{"name": f"n{i}", "noop": {}} for i in range(n)])
        inv = sshd.inventory(WORK / "ssh-inventory")
        env = env_for(library=lib)
        t = statistics.median(
            timed([str(VENV / "bin" / "ansible-playbook"), "-i", str(inv), str(play)], env=env) for _ in range(reps))
        per_ssh = (t - debug_seconds) / n
        rows.append({"contender": f"do-nothing module per task over SSH (N={n})",
                     "copy over SSH (ms)": per_ssh * 1000, "ratio to local floor": per_ssh / per_floor})
        RESULTS.append(("Binary sizes and the cost of copying them to a target over SSH (127.0.0.1)", rows,
                        f"sshd on loopback (tests/env/sshd.py); copy = `ssh host 'cat > file' < binary` "
                        f"minus `ssh host true`; {reps} repetitions, medians."))
    finally:
        sshd.stop()
        for b in OURS.iterdir():
            Path(f"/tmp/kolla-rust-bench-{b.name}").unlink(missing_ok=True)


def reference_collection(base):
    """A kolla.rust collection whose modules are kolla-ansible's Python plugins and whose roles and
    playbooks are ours: site.yml's tasks, which call kolla.rust.* by full name, then run the
    reference (ANSIBLE_LIBRARY cannot stand in for a collection's module). kolla_docker and
    kolla_container_facts are 15.6.0's (what the roles' arguments are), kolla_toolbox 22.2.0's,
    merge_configs 22.2.0's action plugin, bslurp 13.8.0's (its last release; keystone's fernet keys
    go through it on all-in-one too). ansible-core wants a
    module of merge_configs' name to exist: our binary stands in as that name and is never run by
    22.2.0's plugin, which merges in Python and hands the result to `copy`."""
    top = base / "ref-collections"
    coll = top / "ansible_collections" / "kolla" / "rust"
    (coll / "plugins" / "modules").mkdir(parents=True)
    (coll / "plugins" / "action").mkdir()
    for name in ("galaxy.yml", "meta", "roles", "playbooks"):
        (coll / name).symlink_to(ROOT / name)
    for name in ("kolla_docker", "kolla_container_facts"):
        (coll / "plugins" / "modules" / f"{name}.py").symlink_to(REF_15 / "library" / f"{name}.py")
    (coll / "plugins" / "modules" / "kolla_toolbox.py").symlink_to(REF_22 / "library" / "kolla_toolbox.py")
    (coll / "plugins" / "modules" / "bslurp.py").symlink_to(REF_13_LIBRARY / "bslurp.py")
    (coll / "plugins" / "modules" / "merge_configs").symlink_to(OURS / "merge_configs")
    (coll / "plugins" / "action" / "merge_configs.py").symlink_to(REF_22 / "action_plugins" / "merge_configs.py")
    return top


def by_module(path):
    """The task_times callback's records: {module: (tasks, seconds)}, slowest first."""
    out = {}
    for r in json.loads(Path(path).read_text()):
        name = r["action"].rsplit(".", 1)[-1]
        n, secs = out.get(name, (0, 0.0))
        out[name] = (n + 1, secs + r["seconds"])
    return dict(sorted(out.items(), key=lambda kv: -kv[1][1]))


def control_plane_deploy(reps):
    """The embedded default's control plane (etc/kolla/globals.yml: Keystone, Glance, Placement,
    Nova, Neutron, Heat, Cinder, Horizon on the infrastructure services) by site.yml: the first
    deploy from nothing and the unchanged re-deploy, ours vs the same roles with kolla-ansible's
    Python plugins (reference_collection), with each task's time by module (bench/callback_plugins)."""
    base = WORK / "deploy"
    base.mkdir()
    globals_ = base / "globals.yml"
    # The test environment's registry holds 127.0.0.1:5000 where the bench runs: keystone listens beside it.
    globals_.write_text((ROOT / "etc" / "kolla" / "globals.yml").read_text()
                        + f"node_config_directory: {base / 'etc'}\nnode_custom_config: {base / 'config'}\n"
                        + "docker_graceful_timeout: 20\nkeystone_internal_listen_port: 5005\n")
    passwords = base / "passwords.yml"
    subprocess.run([str(VENV / "bin" / "python"), str(ROOT / "bin" / "kolla-genpwd"), "-p", str(passwords)],
                   check=True, capture_output=True)
    ref_collections = reference_collection(base)
    runs = {}

    def run(action, contender, label=None):
        env = env_for()
        env.update(ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "bench" / "callback_plugins"),
                   ANSIBLE_CALLBACKS_ENABLED="task_times",
                   KOLLA_RUST_TASK_TIMES=str(base / f"{label or action}-{contender}.json"))
        if contender == "reference":
            env["ANSIBLE_COLLECTIONS_PATH"] = str(ref_collections)
            env["ANSIBLE_MODULE_UTILS"] = f"{REF_15 / 'module_utils'}:{REF_22 / 'module_utils'}"
            env["PYTHONPATH"] = str(ROOT / "tests" / "env" / "refsite")
        # The test engine's containers share its network namespace: the controller's waits (keystone's
        # port, haproxy on the VIP) must look there too, as the tests do. nsenter, not `ip netns exec`,
        # which remounts /sys (tests/env/up.sh).
        cmd = ["nsenter", f"--net=/run/netns/{os.environ.get('KOLLA_RUST_NETNS', 'kolla-rust-test')}",
               str(VENV / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventory" / "all-in-one"),
               str(ROOT / "site.yml"), "-e", f"@{globals_}", "-e", f"@{passwords}", "-e", f"kolla_action={action}"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{action} ({contender}) failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-3000:]}")
        recap = [l for l in proc.stdout.splitlines() if " : ok=" in l][-1].split(" : ", 1)[1].split()
        if label:
            runs[(label, contender)] = {"seconds": took, "recap": dict(x.split("=") for x in recap),
                                        "modules": by_module(base / f"{label}-{contender}.json")}
        return took

    run("destroy", "ours")
    try:
        # The reference first: a failure of kolla-ansible's plugins on these roles shows early.
        for contender in ("reference", "ours"):
            run("deploy", contender, "first")
            for rep in range(reps):
                run("deploy", contender, f"again{rep}")
            run("destroy", contender)
    finally:
        run("destroy", "ours")
    rows = []
    for label, what in (("first", "first deploy"), ("again", "unchanged re-deploy")):
        keys = [k for k in runs if k[0].startswith(label)]
        med = {c: statistics.median(runs[k]["seconds"] for k in keys if k[1] == c) for c in ("ours", "reference")}
        for c in ("ours", "reference"):
            last = runs[[k for k in keys if k[1] == c][-1]]
            rows.append({"run": what, "contender": "ours" if c == "ours" else "same roles, kolla-ansible plugins",
                         "whole run (s)": med[c], "speed-up vs reference": med["reference"] / med[c],
                         "tasks run": int(last["recap"]["ok"]), "skipped": int(last["recap"]["skipped"]),
                         "changed": int(last["recap"]["changed"])})
    RESULTS.append(("All-in-one control plane: `site.yml` deploy of the embedded default", rows,
                    f"First deploy once per contender, from nothing (destroy before each); the unchanged re-deploy "
                    f"{reps} times after it, median. Both contenders run the same roles and playbooks."))
    for label, what in (("first", "first deploy"), ("again0", "unchanged re-deploy")):
        mods = {c: runs[(label, c)]["modules"] for c in ("ours", "reference")}
        names = list(dict.fromkeys(list(mods["ours"]) + list(mods["reference"])))
        table = []
        for name in names:
            o, r = mods["ours"].get(name, (0, 0.0)), mods["reference"].get(name, (0, 0.0))
            table.append({"module": name, "tasks": o[0], "ours (s)": o[1], "reference (s)": r[1],
                          "ours per task (s)": o[1] / o[0] if o[0] else None,
                          "reference per task (s)": r[1] / r[0] if r[0] else None})
        RESULTS.append((f"Where the time goes: {what}, seconds by module (task_times callback)", table,
                        "Each task's wall time from its start to its result, handlers included, summed by module; "
                        "skipped tasks count with their (near-zero) time."))


def image_rows():
    """Every image images/build.sh knows: its size, the part its own layers add
    to its parent's, and its last build's cost as build.sh logged it."""
    images = SOURCE / "images"
    version = dict(l.split("=", 1) for l in (images / "VERSION").read_text().split() if "=" in l)
    ref = lambda n: f"{version['namespace']}/{n}:{version['tag']}"  # noqa: E731
    parent = {d.name: (d / "parent").read_text().strip() for d in sorted(images.iterdir())
              if (d / "Dockerfile").is_file()}
    last = {}
    log = Path(os.environ.get("KOLLA_RUST_CACHE", "/var/cache/kolla-rust")) / "images" / "build-times.log"
    if log.exists():
        for line in log.read_text().splitlines():
            when, name, seconds, load = line.split()
            last[name] = (int(seconds), float(load), when)

    def size(name):
        out = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", ref(name)],
                             capture_output=True, text=True)
        return int(out.stdout) if out.returncode == 0 else None
    rows = []
    for name, up in parent.items():
        total = size(name)
        if total is None:
            continue
        below = size(up) if up != "root" else None
        seconds, load, when = last.get(name, (None, None, None))
        rows.append({"image": name, "on": up, "MiB": total / 2**20,
                     "own layers (MiB)": (total - below) / 2**20 if below is not None else None,
                     "last build (s)": seconds, "load then": load, "built": when})
    return rows


def images_scenario(reps):
    """Sizes and build costs of the Kolla-contract images in the engine, and a
    rebuild with nothing changed (each image's recipe hashed, found current)."""
    built = [r["image"] for r in image_rows()]
    if not built:
        raise RuntimeError("no image of images/ is in the engine: run `make images` or tests/env/up.sh first")
    cmd = ["bash", str(SOURCE / "images" / "build.sh"), *built]

    def cached():
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or "building" in proc.stdout + proc.stderr:
            raise RuntimeError(f"images/build.sh rebuilt or failed; not a cached run:\n{proc.stderr[-2000:]}")
        return time.perf_counter() - t0
    med, _ = alternate({"cached": cached}, reps)
    RESULTS.append(("Images: every image, rebuilt with nothing changed", [
        {"contender": f"images/build.sh of {len(built)} images", "whole run (s)": med["cached"]}],
        f"{reps} repetitions, median: each image's inputs hashed and compared with its recipe label."))
    RESULTS.append(("Images: sizes and last build", image_rows(),
                    "Size as the engine reports it (shared layers counted in each image); own layers = the "
                    "image minus its parent; last build = the seconds images/build.sh logged for it "
                    "(its apt/pip steps included) and the load average then, `-` where no build was logged."))


def sizes():
    rows = []
    for p in sorted(OURS.iterdir()):
        if p.suffix or not os.access(p, os.X_OK):
            continue
        rows.append({"contender": p.name, "bytes": p.stat().st_size, "MiB": p.stat().st_size / 2**20})
    RESULTS.append(("Binary sizes (static, stripped)", rows, "As installed in plugins/modules/ by `make build`."))


# --- report ------------------------------------------------------------------

def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    dv = subprocess.run(["docker", "version", "-f", "{{.Server.Version}} (API {{.Server.APIVersion}})"],
                        capture_output=True, text=True).stdout.strip()
    av = subprocess.run([str(VENV / "bin" / "ansible"), "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return (f"{os.cpu_count()} x {cpu}, {int(mem) // 1024 // 1024} GiB RAM, Linux {platform.release()}, "
            f"Docker {dv}, {av}, Python {platform.python_version()}")


def report(command, out):
    lines = ["# Benchmarks", "",
             "Generated by the command below; every figure on this page comes from one run of it.", "",
             "```", command, "```", "", f"Machine: {machine()}", "",
             "Ratios first; absolute times are context for this machine only. Per-task costs subtract "
             "the same playbook made of `debug` tasks, so Ansible's start-up cancels out.", ""]
    for title, rows, note in RESULTS:
        lines += [f"## {title}", ""]
        cols = list(dict.fromkeys(k for r in rows for k in r))
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for r in rows:
            lines.append("| " + " | ".join(fmt(r.get(c)) for c in cols) + " |")
        lines += ["", note, ""]
    out.write_text("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--tasks", type=int, default=20)
    ap.add_argument("--only", action="append", help="floor, kolla_docker, kolla_container, facts, "
                    "kolla_toolbox, merge_configs, merge_yaml, bslurp, sizes, images, ssh, ssh_bytes, deploy")
    # bench/run.sh runs a copy of the tree (see there) and names the repository's page here.
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("KOLLA_RUST_BENCH_OUT", ROOT / "BENCHMARKS.md")),
                    help="where the report goes (default BENCHMARKS.md; give another path for partial runs)")
    args = ap.parse_args()
    want = set(args.only or ["floor", "kolla_docker", "kolla_container", "facts", "kolla_toolbox",
                             "merge_configs", "merge_yaml", "bslurp", "sizes", "images", "deploy", "ssh", "ssh_bytes"])
    debug_s, per_floor = floor(args.tasks, args.reps)
    if "kolla_docker" in want:
        log("kolla_docker")
        kolla_docker_scenarios(args.tasks, args.reps, debug_s, per_floor)
    if "kolla_container" in want:
        log("kolla_container")
        kolla_container_scenarios(args.tasks, args.reps)
    if "facts" in want:
        log("facts")
        facts_scenario(args.tasks, args.reps, debug_s, per_floor)
    if "kolla_toolbox" in want:
        log("kolla_toolbox")
        kolla_toolbox_scenario(args.tasks, args.reps, debug_s, per_floor)
    if "merge_configs" in want:
        log("merge_configs")
        merge_configs_scenario(args.tasks, args.reps, debug_s, per_floor)
    if "merge_yaml" in want:
        log("merge_yaml")
        merge_yaml_scenario(args.tasks, args.reps, debug_s, per_floor)
    if "bslurp" in want:
        log("bslurp")
        bslurp_scenarios(args.reps)
    if "sizes" in want:
        sizes()
    if "images" in want:
        log("images")
        images_scenario(args.reps)
    if "deploy" in want:
        log("deploy")
        control_plane_deploy(max(1, args.reps // 3))
    if "ssh" in want:
        log("ssh")
        ssh_copy(args.reps, debug_s, per_floor, args.tasks)
    if "ssh_bytes" in want:
        log("ssh_bytes")
        sys.path.insert(0, str(ROOT / "bench"))
        import ssh_bytes  # noqa: E402  (bench/ssh_bytes.py)
        RESULTS.append(("Over SSH: bytes and time per task, binary kept on the target vs copied per task (merge_configs)",
                        ssh_bytes.rows(reps=max(3, args.reps // 2), n=10),
                        "Bytes counted on the wire by a TCP relay in front of a loopback sshd (SSH framing and "
                        "ansible's -C compression included); per task = (11-task playbook - 1-task playbook) / 10; "
                        "the Python contender is kolla-ansible 22.2.0's merge_configs action."))
    report("bash bench/run.sh " + " ".join(sys.argv[1:]), args.out)
    shutil.rmtree(WORK, ignore_errors=True)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
