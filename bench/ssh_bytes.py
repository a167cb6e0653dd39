"""Bytes on the wire and time per task over SSH: a binary module run from the
target's binary cache (plugins/plugin_utils/binary_cache.py), the same binary
copied by every task (ansible-core's normal path), and kolla-ansible 22.2.0's
Python plugin doing the same job.

The job is merge_configs (one templated INI source into one dest): it is the
one plugin that both sides run anywhere, with no Docker daemon or SDK on the
target (kolla-ansible's is a controller action plus ansible.builtin.copy).

Bytes are counted honestly, on the wire: ansible's ssh connects through a TCP
relay on 127.0.0.1 that forwards to a loopback sshd and counts what passes in
each direction (SSH framing, encryption and ansible's default `-C` compression
included). Time is measured on runs that connect to sshd directly. Per task is
(run with N+1 tasks - run with 1 task) / N, so connection set-up, the
playbook's start-up and the cache's one-off first transfer cancel out; the
one-off transfer is reported on its own.

    python bench/ssh_bytes.py [--reps 3] [--tasks 10]

Prints a markdown table on stdout; `rows()` returns it as dicts for bench.py.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "env"))
from sshd import Sshd  # noqa: E402  (tests/env/sshd.py, shared with tests/test_binary_cache.py)
CACHE = Path(os.environ.get("KOLLA_RUST_CACHE", "/var/cache/kolla-rust"))
VENV = Path(os.environ.get("KOLLA_RUST_VENV", CACHE / "venv"))
REF_22 = Path(os.environ.get("KOLLA_RUST_REF", CACHE / "ref")) / "kolla-ansible-22.2.0" / "ansible"


def log(msg):
    print(f"[ssh_bytes] {msg}", file=sys.stderr, flush=True)


class CountingRelay:
    """A TCP relay from a free loopback port to `port`, counting bytes each way."""

    def __init__(self, port):
        self.target = port
        self.sent = self.received = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(client, server, "sent"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, "received"), daemon=True).start()

    def _pipe(self, src, dst, counter):
        try:
            while data := src.recv(1 << 16):
                dst.sendall(data)
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(data))
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def totals(self):
        with self._lock:
            return self.sent, self.received

    def close(self):
        self._listener.close()


class Bench:
    """The contenders, their playbooks and one measured run."""

    def __init__(self, work, sshd, relay):
        self.work, self.sshd, self.relay = work, sshd, relay
        src = work / "source.ini"
        src.write_text("[DEFAULT]\ndebug = {{ 'true' }}\nlog_dir = /var/log/kolla\n"
                       "[database]\nconnection = mysql+pymysql://nova:secret@127.0.0.1/nova\n")
        self.src = src
        cache = str(work / "cache")
        # name: (extra environment, host variables)
        self.contenders = {
            "kolla.rust merge_configs, cached binary": ({}, {"kolla_rust_module_cache_dir": cache}),
            "kolla.rust merge_configs, binary copied per task": ({}, {"kolla_rust_module_cache_dir": ""}),
            "kolla-ansible 22.2.0 merge_configs (Python)": (
                {"ANSIBLE_ACTION_PLUGINS": str(REF_22 / "action_plugins")}, {}),
        }

    def play(self, name, n):
        dest = self.work / f"out-{abs(hash(name))}.conf"
        tasks = [{"name": f"t{i}", "merge_configs": {"sources": [str(self.src)], "dest": str(dest)}}
                 for i in range(n)]
        path = self.work / f"play-{abs(hash(name))}-{n}.yml"
        path.write_text(json.dumps([{"hosts": "all", "gather_facts": False, "tasks": tasks}]))
        return path

    def run(self, name, n, counted):
        """(seconds, bytes sent, bytes received) of one playbook run with n tasks."""
        extra_env, hostvars = self.contenders[name]
        port = self.relay.port if counted else self.sshd.port
        inv = self.sshd.inventory(self.work / "inventory", port=port, **hostvars)
        cp = Path(tempfile.mkdtemp(prefix="cp-", dir=self.work))
        env = dict(os.environ)
        env.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
                   ANSIBLE_PYTHON_INTERPRETER=str(VENV / "bin" / "python"),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0",
                   ANSIBLE_LOCAL_TEMP=str(self.work / "ansible-local"),
                   ANSIBLE_REMOTE_TEMP=str(self.work / "ansible-remote"),
                   ANSIBLE_SSH_CONTROL_PATH_DIR=str(cp),
                   PATH=f"{VENV / 'bin'}:{os.environ.get('PATH', '')}")
        env.update(extra_env)
        before = self.relay.totals()
        t0 = time.perf_counter()
        proc = subprocess.run([str(VENV / "bin" / "ansible-playbook"), "-i", str(inv), str(self.play(name, n))],
                              env=env, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
        # Close the persistent master so its last bytes are this run's.
        for sock in cp.iterdir():
            subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "target"], capture_output=True)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            snapshot = self.relay.totals()
            time.sleep(0.2)
            if self.relay.totals() == snapshot:
                break
        after = self.relay.totals()
        return elapsed, after[0] - before[0], after[1] - before[1]


def rows(reps=3, n=10):
    """Measures every contender; returns the table rows as dicts."""
    work = Path(tempfile.mkdtemp(prefix="kolla-rust-ssh-bytes-"))
    sshd = Sshd(work / "ssh")
    relay = CountingRelay(sshd.port)
    try:
        bench = Bench(work, sshd, relay)
        cached = next(iter(bench.contenders))
        _, cold_sent, _ = bench.run(cached, 1, counted=True)
        _, warm_sent, _ = bench.run(cached, 1, counted=True)
        out = []
        samples = {name: [] for name in bench.contenders}
        names = list(bench.contenders)
        for r in range(reps):
            for name in names[r % len(names):] + names[:r % len(names)]:
                one, big = bench.run(name, 1, False)[0], bench.run(name, n + 1, False)[0]
                samples[name].append((big - one) / n)
                log(f"{name}: {samples[name][-1] * 1000:.1f} ms/task")
        for name in names:
            _, s1, r1 = bench.run(name, 1, True)
            _, sn, rn = bench.run(name, n + 1, True)
            out.append({
                "contender": name,
                "bytes to target per task": round((sn - s1) / n),
                "bytes from target per task": round((rn - r1) / n),
                "ms per task": round(statistics.median(samples[name]) * 1000, 1),
                "one-off first transfer (bytes)": cold_sent - warm_sent if name == cached else "-",
            })
        return out
    finally:
        relay.close()
        sshd.stop()
        shutil.rmtree(work, ignore_errors=True)


def markdown(table):
    keys = list(table[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[k]) for k in keys) + " |" for row in table]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--tasks", type=int, default=10)
    args = p.parse_args()
    print(markdown(rows(args.reps, args.tasks)))
    print(f"\nsshd on 127.0.0.1, ansible-core's ssh connection (ControlPersist, `-C`); bytes counted by a TCP "
          f"relay in front of sshd, both directions; per task = (N+1 tasks - 1 task) / N with N={args.tasks}; "
          f"time: {args.reps} repetitions alternated, medians, direct to sshd.")


if __name__ == "__main__":
    main()
