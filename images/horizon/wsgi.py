"""openstack_dashboard.wsgi: the WSGI application kolla-ansible's uWSGI ini
names (module openstack_dashboard.wsgi:application). Horizon's sources have
it; Debian moves it to /usr/share/openstack-dashboard, off the import path."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstack_dashboard.settings")
application = get_wsgi_application()
