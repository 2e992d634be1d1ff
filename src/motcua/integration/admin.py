"""Admin for API clients. A token is shown once, on the page that follows its creation; never again."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.dossiers.workflow import TRANSITIONS

from .models import ApiClient
from .services import (
    CLIENT_ACTIONS,
    CLIENT_ROLES,
    IssuedToken,
    api_client_create,
    api_client_issue_token,
    api_client_update,
)

TOKEN_TEMPLATE = "admin/integration/apiclient/token.html"


class ApiClientForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("vai trò"),
        choices=[(role.value, role.label) for role in CLIENT_ROLES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Vai trò của hệ thống tại cơ quan, như vai trò của một cán bộ."),
    )
    allowed_actions = forms.MultipleChoiceField(
        label=_("thao tác được phép"),
        choices=[(name, f"{TRANSITIONS[name].label} ({name})") for name in CLIENT_ACTIONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Để trống khi tạo mới: hệ thống được các thao tác mà vai trò đã chọn được phép theo quy trình. "
            "Quy tắc của quy trình (trạng thái, vai trò, cơ quan) vẫn luôn được kiểm tra."
        ),
    )

    class Meta:
        model = ApiClient
        fields = ("name", "agency", "roles", "allowed_actions", "is_active", "note")


def _show_tokens(request, issued: list[IssuedToken]) -> TemplateResponse:
    response = TemplateResponse(
        request,
        TOKEN_TEMPLATE,
        {
            **admin.site.each_context(request),
            "title": _("Khóa truy cập API"),
            "issued": issued,
            "opts": ApiClient._meta,
        },
    )
    response["Cache-Control"] = "no-store"  # the page holds a secret: no copy in any cache
    return response


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "agency", "token_prefix", "is_active", "token_issued_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "token_prefix", "agency__name", "agency__code")
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    readonly_fields = ("token_prefix", "token_issued_at", "last_used_at", "account")
    actions = ("issue_token",)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            api_client_update(
                client=obj,
                name=data["name"],
                agency=data["agency"],
                roles=data["roles"],
                allowed_actions=data["allowed_actions"],
                is_active=data["is_active"],
                note=data["note"],
            )
            return
        issued = api_client_create(
            name=data["name"],
            agency=data["agency"],
            roles=data["roles"],
            allowed_actions=data["allowed_actions"] or None,
            note=data["note"],
        )
        if not data["is_active"]:
            issued = IssuedToken(
                client=api_client_update(client=issued.client, is_active=False), token=issued.token
            )
        for model_field in ApiClient._meta.concrete_fields:  # the admin goes on with the created row
            setattr(obj, model_field.attname, getattr(issued.client, model_field.attname))
        obj._state.adding = False
        request._motcua_issued_tokens = [issued]

    def response_add(self, request, obj, post_url_continue=None):
        issued = getattr(request, "_motcua_issued_tokens", None)
        if issued:
            return _show_tokens(request, issued)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Cấp khóa truy cập mới (khóa cũ hết hiệu lực ngay)"))
    def issue_token(self, request, queryset):
        issued = [api_client_issue_token(client=client) for client in queryset.order_by("name")]
        self.message_user(
            request,
            ngettext(
                "Đã cấp khóa mới cho %(count)d hệ thống.",
                "Đã cấp khóa mới cho %(count)d hệ thống.",
                len(issued),
            )
            % {"count": len(issued)},
            messages.SUCCESS,
        )
        return _show_tokens(request, issued)
