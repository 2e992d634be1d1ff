from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from motcua.api.v1 import api

admin.site.site_header = _("Quản trị hệ thống một cửa điện tử")
admin.site.site_title = _("motcua")
admin.site.index_title = _("Quản trị")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("can-bo/", include("motcua.backoffice.urls")),
    path("", include("motcua.portal.urls_accounts")),
    path("", include("motcua.portal.urls_dossiers")),
    path("", include("motcua.portal.urls_feedback")),
    path("", include("motcua.portal.urls_payments")),
    path("", include("motcua.portal.urls_postal")),
    path("", include("motcua.portal.urls_reports")),
    path("", include("motcua.portal.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
