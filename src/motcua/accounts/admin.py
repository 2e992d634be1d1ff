from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class MotcuaUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "kind", "phone", "email", "is_staff", "is_active")
    list_filter = ("kind", "is_staff", "is_active")
    search_fields = ("username", "full_name", "phone", "email", "identity_number")
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Thông tin công dân"), {"fields": ("kind", "full_name", "phone", "identity_number", "address")}),
    )
