from rest_framework.routers import SimpleRouter

from . import views

# The routes only: the one API root lists every app's endpoints (csrplatform/urls.py).
router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet)
router.register("suppliers", views.SupplierViewSet)
router.register("facilities", views.FacilityViewSet)
router.register("relationships", views.SupplyRelationshipViewSet)
router.register("clusters", views.ClusterViewSet)
