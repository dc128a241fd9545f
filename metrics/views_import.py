"""Bulk import of KPI observations and cost items."""

urlpatterns = []
