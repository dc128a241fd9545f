from rest_framework.routers import SimpleRouter

from . import views

# The routes only: the one API root lists every app's endpoints (csrplatform/urls.py).
router = SimpleRouter()
router.register("reports", views.ReportViewSet)
