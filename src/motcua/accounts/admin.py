from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class MotcuaUserAdmin(UserAdmin):
    list_display = (
        "username",
        "full_name",
        "kind",
        "phone",
        "email",
        "is_vneid_verified",
        "is_staff",
        "is_active",
    )
    list_filter = ("kind", "is_staff", "is_active", ("vneid_verified_at", admin.EmptyFieldListFilter))
    search_fields = ("username", "full_name", "phone", "email", "identity_number", "organisation_name")
    readonly_fields = (
        "phone_verified_at",
        "email_verified_at",
        "vneid_verified_at",
        "vneid_subject",
        "vneid_tech_id",
        "vneid_assurance_level",
    )
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Thông tin công dân, doanh nghiệp"),
            {
                "fields": (
                    "kind",
                    "full_name",
                    "organisation_name",
                    "identity_number",
                    "birth_date",
                    "sex",
                    "address",
                    "phone",
                    "phone_verified_at",
                    "email_verified_at",
                )
            },
        ),
        (
            _("Xác thực với Cổng Dịch vụ công quốc gia / VNeID"),
            {"fields": ("vneid_verified_at", "vneid_subject", "vneid_tech_id", "vneid_assurance_level")},
        ),
    )

    @admin.display(boolean=True, description=_("VNeID"), ordering="vneid_verified_at")
    def is_vneid_verified(self, user: User) -> bool:
        return user.is_vneid_verified
