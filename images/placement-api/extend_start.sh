# Sourced by kolla_start in placement-api, as root (placement-manage itself
# runs as placement, so what it logs stays placement's): the log directory and
# placement-api.log, then the database phases kolla-ansible's placement role
# runs in a one-shot container, each ending it:
#  - KOLLA_BOOTSTRAP set (even empty): placement-manage db sync, then
#    db online_data_migrations;
#  - KOLLA_UPGRADE set: db sync (before the new API starts);
#  - KOLLA_OSM set: db online_data_migrations (after it has).
PLACEMENT_LOG_DIR=/var/log/kolla/placement
mkdir -p "$PLACEMENT_LOG_DIR"
touch "$PLACEMENT_LOG_DIR/placement-api.log"
if [[ "$(id -u)" == 0 ]]; then
    [[ "$(stat -c %U:%G "$PLACEMENT_LOG_DIR")" == placement:kolla ]] || chown -R placement:kolla "$PLACEMENT_LOG_DIR"
    chown placement:placement "$PLACEMENT_LOG_DIR/placement-api.log"
fi
[[ "$(stat -c %a "$PLACEMENT_LOG_DIR")" == 755 ]] || chmod 0755 "$PLACEMENT_LOG_DIR"

placement_manage() {
    local status=0 as=()
    [[ "$(id -u)" != 0 ]] || as=(sudo -H -u placement)
    "${as[@]}" placement-manage "$@" || status=$?
    if (( status != 0 )); then
        echo "placement-api: 'placement-manage $*' failed (exit $status)" >&2
    fi
    return "$status"
}

# Every phase first waits, bounded, for the database (openstack-base's kolla_db_reachable).
if [[ -n "${KOLLA_BOOTSTRAP+set}${KOLLA_UPGRADE+set}${KOLLA_OSM+set}" ]]; then
    kolla_db_reachable --section placement_database /etc/placement/placement.conf
fi

if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    placement_manage db sync && placement_manage db online_data_migrations
    exit $?
fi
if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    placement_manage db sync
    exit $?
fi
if [[ -n "${KOLLA_OSM+set}" ]]; then
    placement_manage db online_data_migrations
    exit $?
fi
