#!/bin/bash
# /usr/bin/healthcheck.sh [--defaults-file=FILE|--defaults-file FILE] CHECK...
# The checks kolla-ansible's mariadb healthcheck asks for, each exiting 1 on
# failure: --connect (a TCP client connection answers) and --galera_online
# (this node's Galera state is Synced, or replication is off).
# Also --innodb_initialized (InnoDB reports itself ready).
set -o nounset -o pipefail
client=(mariadb --batch --skip-column-names --connect-timeout=10)
checks=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --defaults-file=*) client=(mariadb "--defaults-file=${1#*=}" --batch --skip-column-names --connect-timeout=10) ;;
        --defaults-file) shift; client=(mariadb "--defaults-file=${1:?--defaults-file needs a file}" --batch --skip-column-names --connect-timeout=10) ;;
        --connect|--galera_online|--innodb_initialized) checks+=("${1#--}") ;;
        --su-mysql) ;;  # already user mysql
        *) echo "healthcheck.sh: unknown option $1" >&2; exit 1 ;;
    esac
    shift
done
[[ ${#checks[@]} -gt 0 ]] || checks=(connect)

query() { "${client[@]}" -e "$1"; }

for check in "${checks[@]}"; do
    case $check in
        connect)
            query 'SELECT 1' --protocol=tcp >/dev/null || { echo "healthcheck connect failed"; exit 1; } ;;
        galera_online)
            state=$(query "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE'") \
                || { echo "healthcheck galera_online: no connection"; exit 1; }
            on=$(query 'SELECT @@wsrep_on') || exit 1
            if [[ "$on" == 1 && "$state" != 4 ]]; then
                echo "healthcheck galera_online failed: wsrep_local_state is ${state:-unknown}, not 4 (Synced)"
                exit 1
            fi ;;
        innodb_initialized)
            [[ "$(query "SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'InnoDB' AND SUPPORT IN ('YES', 'DEFAULT')")" == 1 ]] \
                || { echo "healthcheck innodb_initialized failed"; exit 1; } ;;
    esac
done
