from . import views, views_import

app_name = "metrics"
urlpatterns = views.urlpatterns + views_import.urlpatterns
