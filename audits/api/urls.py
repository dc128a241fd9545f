from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("standards", views.StandardViewSet)
router.register("clauses", views.ClauseViewSet)
router.register("audits", views.AuditViewSet)
router.register("findings", views.FindingViewSet)
router.register("corrective-actions", views.CorrectiveActionViewSet)
