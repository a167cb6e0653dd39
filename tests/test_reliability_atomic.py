"""SIGKILL at random moments while a module replaces a large destination:
the destination must always hold either the old or the new content, never a
mix, and the next successful run must leave no temporary file behind."""
import base64
import hashlib
import json
import random
import subprocess
import time
import zlib

import pytest

from conftest import MODULES

KILLS = 25


def bslurp_job(tmp_path):
    new = b"N" * (24 * 1024 * 1024)
    args = {"src": base64.b64encode(zlib.compress(new, 1)).decode(), "dest": str(tmp_path / "dest" / "big"),
            "sha256": hashlib.sha256(new).hexdigest(), "mode": "0644"}
    return args


def merge_configs_job(tmp_path):
    src = tmp_path / "src.ini"
    lines = ["[DEFAULT]"] + [f"key{i} = value-{i}-" + "x" * 40 for i in range(200_000)]
    src.write_text("\n".join(lines) + "\n")
    return {"sources": [str(src)], "dest": str(tmp_path / "dest" / "big")}


JOBS = {"bslurp": bslurp_job, "merge_configs": merge_configs_job}


@pytest.mark.parametrize("name", sorted(JOBS))
def test_sigkill_never_leaves_a_mix(name, tmp_path):
    args = JOBS[name](tmp_path)
    (tmp_path / "dest").mkdir()
    dest = tmp_path / "dest" / "big"
    old = b"O" * (16 * 1024 * 1024)
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps(args))

    # One undisturbed run tells how long a write takes, and what "new" is.
    dest.write_bytes(old)
    t0 = time.perf_counter()
    out = subprocess.run([str(MODULES / name), str(argfile)], capture_output=True, text=True)
    full = time.perf_counter() - t0
    assert json.loads(out.stdout).get("changed") is True, out.stdout[:500]
    new = dest.read_bytes()
    valid = {hashlib.sha256(old).digest(): "old", hashlib.sha256(new).digest(): "new"}

    rng = random.Random(f"sigkill-{name}")
    seen = {"old": 0, "new": 0}
    for _ in range(KILLS):
        dest.write_bytes(old)
        proc = subprocess.Popen([str(MODULES / name), str(argfile)], stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.1))
        proc.kill()
        proc.wait()
        state = valid.get(hashlib.sha256(dest.read_bytes()).digest())
        assert state, "destination holds neither the old nor the new content"
        seen[state] += 1

    # The next successful run cleans up what killed runs left.
    dest.write_bytes(old)
    out = subprocess.run([str(MODULES / name), str(argfile)], capture_output=True, text=True)
    assert json.loads(out.stdout)["changed"] is True
    assert [p.name for p in (tmp_path / "dest").iterdir()] == ["big"], "stray temporary files"
    assert dest.read_bytes() == new
    print(f"\n{name}: {KILLS} kills, destination old {seen['old']}x, new {seen['new']}x, never mixed")
