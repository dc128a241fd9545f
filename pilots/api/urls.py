from rest_framework.routers import SimpleRouter

from . import views

# The routes only: the one API root lists every app's endpoints (csrplatform/urls.py).
router = SimpleRouter()
router.register("programmes", views.ProgrammeViewSet)
router.register("pilots", views.PilotViewSet)
router.register("participants", views.ParticipantViewSet)
router.register("phases", views.PhaseViewSet)
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("deliverables", views.DeliverableViewSet)
router.register("activities", views.ActivityViewSet)
router.register("scope-changes", views.ScopeChangeViewSet)
router.register("pilot-sites", views.PilotSiteViewSet)
router.register("documents", views.DocumentViewSet)
router.register("comments", views.CommentViewSet)
router.register("programme-funding", views.ProgrammeFundingViewSet)
router.register("budget-lines", views.BudgetLineViewSet)
router.register("spending", views.SpendingViewSet)
router.register("people-reached", views.PeopleReachedViewSet)
