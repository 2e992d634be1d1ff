from django.conf import settings


def site(request):
    return {"province_name": settings.MOTCUA_PROVINCE_NAME, "site_url": settings.SITE_URL}
