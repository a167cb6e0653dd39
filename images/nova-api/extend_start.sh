# Sourced by nova-base's kolla_extend_start in nova-api (root: every
# nova-manage call runs as nova through as_nova). Each phase ends the
# container with the status of its first failing step:
#  - KOLLA_BOOTSTRAP set (even empty): api_db sync, db sync --local_cell,
#    online_data_migrations;
#  - KOLLA_UPGRADE set (kolla-ansible 22's nova_api_bootstrap uses this one):
#    api_db sync, db sync --local_cell;
#  - KOLLA_OSM set: online_data_migrations;
#  - KOLLA_UPGRADE_CHECK set: nova-status upgrade check.
# --local_cell migrates the [database] connection only (cell0 in
# kolla-ansible's nova.conf for the API); the cells' own databases are their
# conductors' to migrate.
if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    kolla_db_reachable --section api_database --section database /etc/nova/nova.conf \
        && as_nova nova-manage api_db sync \
        && as_nova nova-manage db sync --local_cell \
        && as_nova nova-manage db online_data_migrations
    exit $?
fi
if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    kolla_db_reachable --section api_database --section database /etc/nova/nova.conf \
        && as_nova nova-manage api_db sync \
        && as_nova nova-manage db sync --local_cell
    exit $?
fi
if [[ -n "${KOLLA_OSM+set}" ]]; then
    kolla_db_reachable --section api_database --section database /etc/nova/nova.conf \
        && as_nova nova-manage db online_data_migrations
    exit $?
fi
if [[ -n "${KOLLA_UPGRADE_CHECK+set}" ]]; then
    as_nova nova-status upgrade check
    exit $?
fi
