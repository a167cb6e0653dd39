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

# kolla-ansible's placement.conf retries the database forever (max_retries =
# -1): right for the API outliving a database restart, wrong for a one-shot
# container kolla-ansible waits on. oslo.config takes OS_<GROUP>__<OPTION> from
# the environment before the files, so these phases give up on a database that
# does not answer after 10 tries 3 s apart, unless the environment says otherwise.
placement_manage() {
    local status=0 as=()
    [[ "$(id -u)" != 0 ]] || as=(sudo -H -u placement)
    "${as[@]}" env OS_PLACEMENT_DATABASE__MAX_RETRIES="${OS_PLACEMENT_DATABASE__MAX_RETRIES:-10}" \
        OS_PLACEMENT_DATABASE__RETRY_INTERVAL="${OS_PLACEMENT_DATABASE__RETRY_INTERVAL:-3}" \
        placement-manage "$@" || status=$?
    if (( status != 0 )); then
        echo "placement-api: 'placement-manage $*' failed (exit $status); when the database does not answer," \
             "check [placement_database] connection in /etc/placement/placement.conf and that the database is up" >&2
    fi
    return "$status"
}

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
