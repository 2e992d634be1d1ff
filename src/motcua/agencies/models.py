"""Administrative units, agencies with their identifier codes, one-stop units and staff roles."""

from __future__ import annotations

import re
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.calendar import WorkingSchedule
from motcua.core.models import TimeStampedModel

# Both official styles (QCVN 102:2016 "000.00.12.H42" and QĐ 20/2020 "H42.14") are opaque strings
# made of upper-case letters, digits and dots, at most 35 characters, with no empty group.
AGENCY_CODE_PATTERN = re.compile(r"^[0-9A-Z]+(?:\.[0-9A-Z]+)*$")
AGENCY_CODE_MAX_LENGTH = 35


def validate_agency_code(value: str) -> None:
    if not value:
        return
    if len(value) > AGENCY_CODE_MAX_LENGTH or not AGENCY_CODE_PATTERN.match(value):
        raise ValidationError(
            _(
                "Mã định danh “%(value)s” không hợp lệ: chỉ gồm chữ in hoa, chữ số và dấu chấm, tối đa 35 ký tự."
            ),
            code="invalid_agency_code",
            params={"value": value},
        )


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class AdministrativeUnit(TimeStampedModel):
    """A province, district or commune-level unit, with its history (merged or abolished units)."""

    class DivisionType(models.TextChoices):
        PROVINCE = "province", _("Tỉnh")
        CITY = "city", _("Thành phố trực thuộc trung ương")
        DISTRICT = "district", _("Huyện")
        TOWN = "town", _("Thị xã")
        PROVINCIAL_CITY = "provincial_city", _("Thành phố thuộc tỉnh")
        URBAN_DISTRICT = "urban_district", _("Quận")
        COMMUNE = "commune", _("Xã")
        WARD = "ward", _("Phường")
        TOWNSHIP = "township", _("Thị trấn")
        SPECIAL_ZONE = "special_zone", _("Đặc khu")

    code = models.CharField(_("mã đơn vị hành chính"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    division_type = models.CharField(_("loại"), max_length=20, choices=DivisionType.choices)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("trực thuộc"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("sáp nhập vào"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Agency(TimeStampedModel):
    """A node of the agency tree: People's Committee, department, vertical agency, one-stop unit, ..."""

    class Kind(models.TextChoices):
        PEOPLE_COMMITTEE = "people_committee", _("Ủy ban nhân dân")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        VERTICAL_AGENCY = "vertical_agency", _("Cơ quan ngành dọc")
        SERVICE_CENTER = "service_center", _("Trung tâm Phục vụ hành chính công")
        RECEPTION_UNIT = "reception_unit", _("Bộ phận Tiếp nhận và Trả kết quả")
        OFFICE = "office", _("Phòng, đơn vị trực thuộc")
        OTHER = "other", _("Khác")

    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    kind = models.CharField(_("loại cơ quan"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("địa bàn"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    code = models.CharField(
        _("mã định danh (QCVN 102:2016)"),
        max_length=AGENCY_CODE_MAX_LENGTH,
        unique=True,
        validators=[validate_agency_code],
        help_text=_("Ví dụ 000.00.12.H42. Dùng làm tiền tố mã hồ sơ."),
    )
    code_qd20 = models.CharField(
        _("mã định danh (QĐ 20/2020)"),
        max_length=AGENCY_CODE_MAX_LENGTH,
        blank=True,
        db_index=True,
        validators=[validate_agency_code],
        help_text=_("Ví dụ H42.14"),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=50, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    valid_from = models.DateField(_("hoạt động từ"), null=True, blank=True)
    valid_to = models.DateField(_("ngừng hoạt động từ"), null=True, blank=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor, seen = self.parent, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": _("Cơ quan cấp trên tạo thành vòng lặp.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class OneStopUnit(TimeStampedModel):
    """A one-stop unit (Trung tâm PVHCC or Bộ phận Một cửa) with its hours and the agencies it receives for."""

    agency = models.OneToOneField(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="one_stop_unit"
    )
    served_agencies = models.ManyToManyField(
        Agency, verbose_name=_("tiếp nhận hồ sơ của"), blank=True, related_name="served_by_one_stop_units"
    )
    morning_start = models.TimeField(_("buổi sáng từ"), default=time(7, 0))
    morning_end = models.TimeField(_("buổi sáng đến"), default=time(11, 30))
    afternoon_start = models.TimeField(_("buổi chiều từ"), default=time(13, 30))
    afternoon_end = models.TimeField(_("buổi chiều đến"), default=time(17, 0))
    paper_cutoff = models.TimeField(
        _("giờ chuyển hồ sơ giấy"),
        default=time(15, 0),
        help_text=_("Hồ sơ giấy tiếp nhận sau giờ này được chuyển vào đầu ngày làm việc tiếp theo."),
    )
    saturday_morning_open = models.BooleanField(_("làm việc sáng thứ Bảy"), default=False)

    class Meta:
        verbose_name = _("bộ phận một cửa")
        verbose_name_plural = _("bộ phận một cửa")

    def __str__(self) -> str:
        return str(self.agency)

    def working_schedule(self) -> WorkingSchedule:
        """This unit's office hours, paper cut-off and Saturday opening for the working-day calendar."""
        return WorkingSchedule(
            morning_start=self.morning_start,
            morning_end=self.morning_end,
            afternoon_start=self.afternoon_start,
            afternoon_end=self.afternoon_end,
            paper_cutoff=self.paper_cutoff,
            saturday_morning=self.saturday_morning_open,
        )

    def clean(self) -> None:
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValidationError(_("Giờ làm việc không hợp lệ: sáng phải kết thúc trước khi chiều bắt đầu."))


class StaffRole(models.TextChoices):
    RECEPTION_OFFICER = "reception_officer", _("Cán bộ tiếp nhận")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo")
    CLERK = "clerk", _("Văn thư")
    SUPERVISOR = "supervisor", _("Giám sát")
    ADMINISTRATOR = "administrator", _("Quản trị")


class StaffMembership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=StaffRole.choices)
    title = models.CharField(_("chức danh"), max_length=100, blank=True)
    is_active = models.BooleanField(_("đang hiệu lực"), default=True)

    class Meta:
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="unique_staff_role_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency}"
