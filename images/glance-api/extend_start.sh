# Sourced by kolla_start in glance-api, as glance (the image's user): the log
# directory, then the database phases kolla-ansible's glance role runs in a
# one-shot container, each ending it:
#  - KOLLA_BOOTSTRAP set (even empty): glance-manage db_sync, then
#    db_load_metadefs (the metadata definitions of /etc/glance/metadefs);
#  - KOLLA_UPGRADE set: the rolling upgrade's `glance-manage db expand`,
#    `db migrate` and `db contract`, for each of GLANCE_DB_EXPAND,
#    GLANCE_DB_MIGRATE and GLANCE_DB_CONTRACT that is set.
GLANCE_LOG_DIR=/var/log/kolla/glance
mkdir -p "$GLANCE_LOG_DIR"
[[ "$(stat -c %a "$GLANCE_LOG_DIR")" == 755 ]] || chmod 0755 "$GLANCE_LOG_DIR"

glance_manage() {
    local status=0
    glance-manage "$@" || status=$?
    if (( status != 0 )); then
        echo "glance-api: 'glance-manage $*' failed (exit $status)" >&2
    fi
    return "$status"
}

# Every phase first waits, bounded, for the database (openstack-base's kolla_db_reachable).
if [[ -n "${KOLLA_BOOTSTRAP+set}${KOLLA_UPGRADE+set}" ]]; then
    kolla_db_reachable /etc/glance/glance-api.conf
fi
if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    glance_manage db_sync && glance_manage db_load_metadefs
    exit $?
fi
if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    if [[ -n "${GLANCE_DB_EXPAND+set}" ]]; then
        glance_manage db expand || exit $?
    fi
    if [[ -n "${GLANCE_DB_MIGRATE+set}" ]]; then
        glance_manage db migrate || exit $?
    fi
    if [[ -n "${GLANCE_DB_CONTRACT+set}" ]]; then
        glance_manage db contract || exit $?
    fi
    exit 0
fi
