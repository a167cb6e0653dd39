"""glance.wsgi.api: the WSGI entry point kolla-ansible 22's uWSGI ini loads
(`module = glance.wsgi.api:application`). Glance 30 (2025.1, Debian trixie)
has no such module, only the glance-wsgi-api script; this builds the same
application from glance.common.wsgi_app, once per uWSGI worker (lazy-apps)."""
from glance.common import wsgi_app

application = wsgi_app.init_app()
