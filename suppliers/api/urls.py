from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet)
router.register("suppliers", views.SupplierViewSet)
router.register("facilities", views.FacilityViewSet)
router.register("relationships", views.SupplyRelationshipViewSet)
router.register("clusters", views.ClusterViewSet)
