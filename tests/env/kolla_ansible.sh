#!/usr/bin/env bash
# kolla-ansible 22.2.0 as an operator installs it (`pip install kolla-ansible`),
# for the tests that run kolla-ansible's own playbooks through bin/kolla-rust-overlay.
#
#   bash tests/env/kolla_ansible.sh
#
# Creates $KOLLA_RUST_CACHE/kolla-ansible-22.2.0-venv once; later runs see its
# ready marker and return at once. `kolla-ansible install-deps` would fetch the
# collections of kolla-ansible's requirements*.yml from Galaxy and opendev.org,
# neither reachable here: PyPI's `ansible` bundle (the pin up.sh installs into
# $KOLLA_RUST_CACHE/collections) stands in, put on the venv's sys.path by a .pth
# file, where ansible-core finds collections as it does for a `pip install
# ansible`. The requirements the bundle cannot meet are printed (and kept in
# the venv's collections-check.txt); a bundled collection outside the version
# range kolla-ansible asks for is an error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${KOLLA_RUST_CACHE:-/var/cache/kolla-rust}
# shellcheck source=tests/env/lib.sh
. "$ROOT/tests/env/lib.sh"

KOLLA_ANSIBLE_VERSION=22.2.0
# The newest ansible-core kolla-ansible 22.2.0 accepts (>=2.19,!=2.19.0,<2.21)
# on this Python (3.11: 2.20 needs 3.12), pinned so every run tests the same one.
ANSIBLE_CORE_PIN=ansible-core==2.19.14
COLLECTIONS_PIN=ansible==12.3.0
KA_VENV=$CACHE/kolla-ansible-$KOLLA_ANSIBLE_VERSION-venv
STAMP="kolla-ansible==$KOLLA_ANSIBLE_VERSION $ANSIBLE_CORE_PIN collections:$COLLECTIONS_PIN"
mkdir -p "$CACHE"

exec 8>"$CACHE/.kolla-ansible.lock"
flock 8

[ "$(cat "$KA_VENV/.kolla-rust-ready" 2>/dev/null)" = "$STAMP" ] && exit 0

# The same bundle, installed the same way, as up.sh's: whichever runs first installs it.
if [ "$(cat "$CACHE/collections/.pin" 2>/dev/null)" != "$COLLECTIONS_PIN" ]; then
    ensure_venv
    say "installing Ansible collections ($COLLECTIONS_PIN) into $CACHE/collections"
    rm -rf "$CACHE/collections"
    "$VENV/bin/pip" install -q --no-deps --target "$CACHE/collections" "$COLLECTIONS_PIN"
    echo "$COLLECTIONS_PIN" > "$CACHE/collections/.pin"
fi

# A venv cannot be moved (its scripts name its path), so it is built in place;
# the marker, written last, is what says it is complete.
say "creating $KA_VENV (kolla-ansible $KOLLA_ANSIBLE_VERSION, $ANSIBLE_CORE_PIN)"
rm -rf "$KA_VENV"
python3 -m venv "$KA_VENV"
"$KA_VENV/bin/pip" install -q --upgrade pip
"$KA_VENV/bin/pip" install -q "kolla-ansible==$KOLLA_ANSIBLE_VERSION" "$ANSIBLE_CORE_PIN"
site=$("$KA_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$CACHE/collections" > "$site/kolla-rust-collections.pth"

# Every collection kolla-ansible's install-deps would install, against the bundle.
"$KA_VENV/bin/python" - "$KA_VENV/share/kolla-ansible" "$CACHE/collections/ansible_collections" \
    > "$KA_VENV/collections-check.txt" <<'PY'
import json, os, sys
import yaml
from ansible.module_utils.compat.version import LooseVersion

share, bundle = sys.argv[1:3]
bad = []
for req in ("requirements.yml", "requirements-core.yml"):
    with open(os.path.join(share, req)) as f:
        for c in yaml.safe_load(f)["collections"]:
            name, want = c["name"], str(c.get("version", "*"))
            if c.get("type") == "git" or "/" in name:
                print(f"missing {name} ({req}, git {want}): not in the bundle")
                continue
            manifest = os.path.join(bundle, *name.split("."), "MANIFEST.json")
            if not os.path.isfile(manifest):
                print(f"missing {name} ({req}, {want}): not in the bundle")
                continue
            with open(manifest) as f:
                have = json.load(f)["collection_info"]["version"]
            ok = not want.startswith("<") or LooseVersion(have) < LooseVersion(want[1:])
            print(f"{'ok' if ok else 'WRONG'} {name} {have} ({req}: {want})")
            if not ok:
                bad.append(f"{name} {have} is not {want}")
if bad:
    sys.exit("the bundle's collections do not match kolla-ansible's requirements: " + "; ".join(bad))
PY
grep '^missing' "$KA_VENV/collections-check.txt" | sed 's/^/[env] kolla-ansible /' >&2 || true
echo "$STAMP" > "$KA_VENV/.kolla-rust-ready"
say "kolla-ansible $KOLLA_ANSIBLE_VERSION ready in $KA_VENV"
