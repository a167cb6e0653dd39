# heat-api's part of kolla_extend_start (sourced by heat-base's, as heat):
# kolla-ansible's bootstrap runs a one-off container of this image with
# KOLLA_BOOTSTRAP set (also on upgrade), which heat-manage db_sync's the schema
# and, with the admin credentials kolla-ansible passes (OS_AUTH_URL, OS_* and
# HEAT_DOMAIN_ADMIN_PASSWORD), makes the stack user domain heat.conf names:
# domain heat_user_domain, its admin heat_domain_admin with role admin on it.
# Each step keeps what exists, so a second bootstrap changes nothing.
if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    kolla_db_reachable /etc/heat/heat.conf
    heat-manage db_sync
    if [[ -n "${OS_AUTH_URL:-}" ]]; then
        : "${HEAT_DOMAIN_ADMIN_PASSWORD:?is needed with OS_AUTH_URL to create heat_domain_admin}"
        openstack domain create --or-show heat_user_domain >/dev/null
        openstack user create --or-show --domain heat_user_domain \
            --password "$HEAT_DOMAIN_ADMIN_PASSWORD" heat_domain_admin >/dev/null
        openstack role add --domain heat_user_domain --user-domain heat_user_domain \
            --user heat_domain_admin admin
    else
        echo "OS_AUTH_URL not set: heat_user_domain left to whoever has Keystone"
    fi
    exit 0
fi
