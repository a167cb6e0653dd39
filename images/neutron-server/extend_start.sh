# neutron-server's part of kolla_extend_start (sourced by neutron-base's, as
# neutron): the database phases kolla-ansible runs in a one-off container of
# this image, each ending it with db-manage's status. Both configuration
# files, as the server reads them, so plugin options reach the migrations.
#  - KOLLA_BOOTSTRAP set (even empty): upgrade heads, then
#    `--subproject S upgrade head` for each S in NEUTRON_BOOTSTRAP_SERVICES;
#  - KOLLA_UPGRADE set: upgrade --expand (NEUTRON_DB_EXPAND) or --contract
#    (NEUTRON_DB_CONTRACT), for neutron and each of NEUTRON_ROLLING_UPGRADE_SERVICES.
NEUTRON_CONFIG_FILES=(/etc/neutron/neutron.conf /etc/neutron/plugins/ml2/ml2_conf.ini)

neutron_db_manage() {
    local args=() file
    for file in "${NEUTRON_CONFIG_FILES[@]}"; do
        args+=(--config-file "$file")
    done
    neutron-db-manage "${args[@]}" "$@"
}

if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    kolla_db_reachable "${NEUTRON_CONFIG_FILES[@]}"
    neutron_db_manage upgrade heads
    for service in ${NEUTRON_BOOTSTRAP_SERVICES:-}; do
        neutron_db_manage --subproject "$service" upgrade head
    done
    exit 0
fi

if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    if [[ -n "${NEUTRON_DB_EXPAND+set}" ]]; then
        phase=--expand
    elif [[ -n "${NEUTRON_DB_CONTRACT+set}" ]]; then
        phase=--contract
    else
        echo "KOLLA_UPGRADE needs NEUTRON_DB_EXPAND or NEUTRON_DB_CONTRACT set" >&2
        exit 1
    fi
    kolla_db_reachable "${NEUTRON_CONFIG_FILES[@]}"
    for service in neutron ${NEUTRON_ROLLING_UPGRADE_SERVICES:-}; do
        neutron_db_manage --subproject "$service" upgrade "$phase"
    done
    exit 0
fi
