"""``motcua api-client create|token|deactivate|list``: manage the partner systems that call the API.

    motcua api-client create --name "Phần mềm quầy" --agency 000.00.01.H42 [--role reception_officer ...]
                             [--action register --action receive ...]
    motcua api-client token --name "Phần mềm quầy"        # a new token; the old one stops working
    motcua api-client deactivate --name "Phần mềm quầy"
    motcua api-client list

``create`` and ``token`` print the token once, on standard output; it cannot be shown again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Agency
from motcua.core.errors import ApplicationError
from motcua.integration.models import ApiClient
from motcua.integration.services import (
    CLIENT_ACTIONS,
    CLIENT_ROLES,
    api_client_create,
    api_client_issue_token,
    api_client_update,
)


class Command(BaseCommand):
    help = gettext_lazy("Quản lý hệ thống kết nối API: tạo, cấp khóa mới, ngừng hoạt động, liệt kê.")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="create|token|deactivate|list"
        )
        create = commands.add_parser("create", help=_("Tạo hệ thống kết nối và in khóa truy cập (một lần)."))
        create.add_argument("--name", required=True, help=_("Tên hệ thống kết nối."))
        create.add_argument(
            "--agency", required=True, metavar="MA_CO_QUAN", help=_("Mã định danh cơ quan (phạm vi hồ sơ).")
        )
        create.add_argument(
            "--role",
            action="append",
            dest="roles",
            choices=[role.value for role in CLIENT_ROLES],
            help=_("Vai trò tại cơ quan (lặp lại được); mặc định reception_officer."),
        )
        create.add_argument(
            "--action",
            action="append",
            dest="actions",
            choices=CLIENT_ACTIONS,
            metavar="THAO_TAC",
            help=_("Thao tác được phép (lặp lại được); mặc định mọi thao tác mà vai trò được phép."),
        )
        create.add_argument("--note", default="", help=_("Ghi chú."))
        token = commands.add_parser("token", help=_("Cấp khóa mới; khóa cũ hết hiệu lực ngay."))
        token.add_argument("--name", required=True)
        deactivate = commands.add_parser(
            "deactivate", help=_("Ngừng hoạt động: khóa không còn được chấp nhận.")
        )
        deactivate.add_argument("--name", required=True)
        commands.add_parser("list", help=_("Liệt kê hệ thống kết nối (không có khóa)."))

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, f"_{subcommand}")(**options)
        except ApplicationError as error:
            raise CommandError(error.message) from error

    def _create(self, *, name, agency, roles, actions, note, **options):
        found = Agency.objects.filter(Q(code=agency) | Q(code_qd20=agency)).first()
        if found is None:
            raise CommandError(_("Không tìm thấy cơ quan có mã “%(code)s”.") % {"code": agency})
        issued = api_client_create(name=name, agency=found, roles=roles, allowed_actions=actions, note=note)
        self._print_token(issued)

    def _token(self, *, name, **options):
        self._print_token(api_client_issue_token(client=self._client(name)))

    def _deactivate(self, *, name, **options):
        client = api_client_update(client=self._client(name), is_active=False)
        self.stdout.write(
            self.style.SUCCESS(_("Đã ngừng hoạt động hệ thống kết nối “%(name)s”.") % {"name": client})
        )

    def _list(self, **options):
        for client in ApiClient.objects.select_related("agency").order_by("name"):
            state = _("đang hoạt động") if client.is_active else _("ngừng hoạt động")
            used = f"{timezone.localtime(client.last_used_at):%d/%m/%Y %H:%M}" if client.last_used_at else "—"
            self.stdout.write(
                f"{client.token_prefix}…  {client.name}  [{client.agency.code}]  {state}  "
                f"{_('dùng lần cuối')}: {used}"
            )

    def _client(self, name: str) -> ApiClient:
        client = ApiClient.objects.filter(name=" ".join(name.split())).first()
        if client is None:
            raise CommandError(_("Không có hệ thống kết nối tên “%(name)s”.") % {"name": name})
        return client

    def _print_token(self, issued) -> None:
        self.stderr.write(
            _("Khóa truy cập của “%(name)s” (chỉ hiển thị lần này, hãy lưu giữ an toàn):")
            % {"name": issued.client}
        )
        self.stdout.write(issued.token)
