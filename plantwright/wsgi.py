import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
application = get_wsgi_application()

# The startup's objects live as long as the process: Django, the URLconf with every view, schema and
# form (~200,000 objects, imported now rather than at the first request). Frozen, the collector's
# full collections no longer walk them: every few dashboards one took 90-110 ms (docs/benchmarks.md).
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
