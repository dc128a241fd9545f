"""Pages of costs, benefits and KPIs."""

urlpatterns = []
