from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from audits.api.urls import router as audits_router
from metrics.api.urls import router as metrics_router
from pilots.api.urls import router as pilots_router
from reports.api.urls import router as reports_router
from suppliers.api.urls import router as suppliers_router

from . import health, views, widgets
from .accounts import views as account_views
from .accounts.forms import UserPasswordResetForm

# One router, so one API root that lists every endpoint of every app.
api_router = DefaultRouter()
for app_router in (
    suppliers_router,
    pilots_router,
    audits_router,
    metrics_router,
    reports_router,
):
    api_router.registry.extend(app_router.registry)
api_patterns = api_router.urls

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=UserPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", include("csrplatform.accounts.urls")),
    path("directory/", include("suppliers.urls")),
    path("pilots/", include("pilots.urls")),
    path("audits/", include("audits.urls")),
    path("metrics/", include("metrics.urls")),
    path("reports/", include("reports.urls")),
    path("inbox/", views.inbox, name="inbox"),
    path("lookup/<slug:name>/", widgets.lookup_view, name="lookup"),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    # The language switcher also saves a signed-in user's preference.
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Last: whatever else is asked under /api/ answers the API's JSON 404, in every mode.
    re_path(r"^api/", views.api_not_found),
]

handler400 = views.bad_request
handler404 = views.page_not_found
