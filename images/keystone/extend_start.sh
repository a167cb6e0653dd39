# Sourced by kolla_start in keystone, as root (keystone-manage itself runs as
# keystone, so what it writes is keystone's): the log directory, then the
# database phases, each ending the container:
#  - KOLLA_BOOTSTRAP set (even empty): keystone-manage db_sync;
#  - KOLLA_UPGRADE set: db_sync --expand, then --migrate;
#  - KOLLA_FINISH_UPGRADE set: db_sync --contract.
# EXTRA_KEYSTONE_MANAGE_ARGS go before the subcommand (--config-file ...).
KEYSTONE_LOG_DIR=/var/log/kolla/keystone
mkdir -p "$KEYSTONE_LOG_DIR"
touch "$KEYSTONE_LOG_DIR/keystone.log"
if [[ "$(id -u)" == 0 ]]; then
    chown keystone:kolla "$KEYSTONE_LOG_DIR"
    chown keystone:keystone "$KEYSTONE_LOG_DIR/keystone.log"
fi
[[ "$(stat -c %a "$KEYSTONE_LOG_DIR")" == 755 ]] || chmod 0755 "$KEYSTONE_LOG_DIR"

keystone_manage() {
    # shellcheck disable=SC2086  # the extra arguments are a list
    if [[ "$(id -u)" == 0 ]]; then
        sudo -H -u keystone keystone-manage ${EXTRA_KEYSTONE_MANAGE_ARGS:-} "$@"
    else
        keystone-manage ${EXTRA_KEYSTONE_MANAGE_ARGS:-} "$@"
    fi
}

# Every phase first waits, bounded, for the database (openstack-base's kolla_db_reachable).
if [[ -n "${KOLLA_UPGRADE+set}${KOLLA_FINISH_UPGRADE+set}${KOLLA_BOOTSTRAP+set}" ]]; then
    kolla_db_reachable /etc/keystone/keystone.conf
fi
if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    keystone_manage db_sync --expand && keystone_manage db_sync --migrate
    exit $?
fi
if [[ -n "${KOLLA_FINISH_UPGRADE+set}" ]]; then
    keystone_manage db_sync --contract
    exit $?
fi
if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    keystone_manage db_sync
    exit $?
fi
