from rest_framework.routers import SimpleRouter

from . import views

# The routes only: the one API root lists every app's endpoints (csrplatform/urls.py).
router = SimpleRouter()
router.register("standards", views.StandardViewSet)
router.register("clauses", views.ClauseViewSet)
router.register("audits", views.AuditViewSet)
router.register("findings", views.FindingViewSet)
router.register("corrective-actions", views.CorrectiveActionViewSet)
