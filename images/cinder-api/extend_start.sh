# cinder-api's part of kolla_extend_start (sourced by cinder-base's, as root):
# each database phase kolla-ansible runs in a one-off container of this image
# ends it, after the bounded wait for the database. cinder-manage keeps what
# exists, so a second bootstrap changes nothing.
#  - KOLLA_BOOTSTRAP set (even empty): cinder-manage db sync;
#  - KOLLA_OSM set (upgrade): cinder-manage db online_data_migrations.
if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    kolla_db_reachable /etc/cinder/cinder.conf
    cinder_manage db sync
    exit 0
fi
if [[ -n "${KOLLA_OSM+set}" ]]; then
    kolla_db_reachable /etc/cinder/cinder.conf
    cinder_manage db online_data_migrations
    exit 0
fi
