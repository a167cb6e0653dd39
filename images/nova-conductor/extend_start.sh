# Sourced by nova-base's kolla_extend_start in nova-conductor (as nova). Each
# phase ends the container with the status of its first failing step:
#  - KOLLA_BOOTSTRAP set (even empty): db sync --local_cell, then
#    online_data_migrations;
#  - KOLLA_UPGRADE set (kolla-ansible 22's nova_cell_bootstrap uses this
#    one): db sync --local_cell;
#  - KOLLA_OSM set: online_data_migrations.
if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    kolla_db_reachable /etc/nova/nova.conf \
        && as_nova nova-manage db sync --local_cell \
        && as_nova nova-manage db online_data_migrations
    exit $?
fi
if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    kolla_db_reachable /etc/nova/nova.conf \
        && as_nova nova-manage db sync --local_cell
    exit $?
fi
if [[ -n "${KOLLA_OSM+set}" ]]; then
    kolla_db_reachable /etc/nova/nova.conf \
        && as_nova nova-manage db online_data_migrations
    exit $?
fi
