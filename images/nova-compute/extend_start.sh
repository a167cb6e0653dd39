# Sourced by nova-base's kolla_extend_start in nova-compute (as nova, after
# config.json made /var/lib/nova nova's): the instances directory, which a
# fresh nova_compute volume lacks.
mkdir -p /var/lib/nova/instances
