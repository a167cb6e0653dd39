# Sourced by kolla_start in keepalived, as root. A pid file left by a killed
# keepalived makes the next one believe it is already running and exit.
rm -f /run/keepalived.pid
