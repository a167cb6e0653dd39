#!/bin/sh
# Packages' maintainer scripts must not start services while an image is
# built: the container's command starts them, as Kolla's images expect.
exit 101
