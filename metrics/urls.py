from . import views, views_entry, views_import

app_name = "metrics"
urlpatterns = views.urlpatterns + views_import.urlpatterns + views_entry.urlpatterns
