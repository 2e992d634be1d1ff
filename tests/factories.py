"""factory_boy factories shared by the whole test suite.

Catalog data is built through the real services (draft, then publish), so a factory never produces a state
the application could not reach. Typical uses::

    agency = AgencyFactory(name="Sở Tư pháp")
    officer = StaffMembershipFactory(agency=agency, role=StaffRole.RECEPTION_OFFICER).user
    version = ProcedureVersionFactory(field__name="Hộ tịch", fee_amount=50000)   # published, one case
    draft = ProcedureVersionFactory(publish=False)
    version = processable_procedure(department)                                     # what dossiers are made of
    package = national_package(code="1.000001", name="Đăng ký khai sinh")          # GoiTinThuTucQG dict
"""

from __future__ import annotations

from copy import deepcopy
from decimal import Decimal
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from motcua.accounts.models import User
from motcua.agencies.models import AdministrativeUnit, Agency, Level, OneStopUnit, StaffMembership, StaffRole
from motcua.catalog.models import (
    CaseComponent,
    Fee,
    ProcedureAgency,
    ProcedureCase,
    ProcedureVersion,
    TimeUnit,
)
from motcua.catalog.models import Field as CatalogField
from motcua.catalog.models import Procedure as CatalogProcedure
from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish

PASSWORD = "mat-khau-thu-nghiem"


@cache
def password_hash() -> str:
    """The hash of ``PASSWORD``, computed once: password hashing is slow on purpose."""
    return make_password(PASSWORD)


def agency_code(n: int, province: str = "H56") -> str:
    """A QCVN 102:2016 style code, distinct for every ``n`` below 10^7: 000.00.01.H56, 000.00.02.H56, ..."""
    return f"{n // 10000 % 1000:03d}.{n // 100 % 100:02d}.{n % 100:02d}.{province}"


class AdministrativeUnitFactory(DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{n + 1:05d}")
    name = factory.Sequence(lambda n: f"Xã Mẫu {n + 1}")
    division_type = AdministrativeUnit.DivisionType.COMMUNE
    level = Level.COMMUNE


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Sở Mẫu {n + 1}")
    kind = Agency.Kind.DEPARTMENT
    level = Level.PROVINCE
    code = factory.Sequence(lambda n: agency_code(n + 1))
    code_qd20 = factory.Sequence(lambda n: f"H56.{n + 1}")


class OneStopUnitFactory(DjangoModelFactory):
    """A one-stop unit with its own agency; ``served_agencies=[...]`` sets the agencies it receives for."""

    class Meta:
        model = OneStopUnit
        skip_postgeneration_save = True

    agency = factory.SubFactory(
        AgencyFactory,
        kind=Agency.Kind.SERVICE_CENTER,
        name=factory.Sequence(lambda n: f"Trung tâm Phục vụ hành chính công số {n + 1}"),
    )

    @factory.post_generation
    def served_agencies(self, create, extracted, **kwargs):
        if create and extracted:
            self.served_agencies.set(extracted)


class UserFactory(DjangoModelFactory):
    """A citizen account; the password is ``PASSWORD``."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"nguoidung{n + 1}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n + 1}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.invalid")
    phone = factory.Sequence(lambda n: f"09{n + 1:08d}")
    kind = User.Kind.CITIZEN
    password = factory.LazyFunction(password_hash)


class StaffUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"canbo{n + 1}")
    full_name = factory.Sequence(lambda n: f"Trần Thị {n + 1}")
    kind = User.Kind.STAFF
    is_staff = True


class SuperuserFactory(StaffUserFactory):
    username = factory.Sequence(lambda n: f"quantri{n + 1}")
    is_superuser = True


class StaffMembershipFactory(DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(StaffUserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = StaffRole.RECEPTION_OFFICER


class FieldFactory(DjangoModelFactory):
    class Meta:
        model = CatalogField
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"G13-LV{n + 1:02d}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n + 1}")


class ProcedureFactory(DjangoModelFactory):
    """A procedure identity without versions; use ``ProcedureVersionFactory`` for content."""

    class Meta:
        model = CatalogProcedure
        django_get_or_create = ("national_code",)

    national_code = factory.Sequence(lambda n: f"1.{n + 1:06d}")
    local_code = factory.LazyAttribute(lambda procedure: f"{procedure.national_code}.000.00.00.H56")


_VERSION_FACTORY_EXTRAS = (
    "cases",
    "components",
    "processing_time",
    "time_unit",
    "fee_amount",
    "publish",
    "effective_from",
)


class ProcedureVersionFactory(DjangoModelFactory):
    """A version made by ``procedure_version_create_draft`` and, unless ``publish=False``, published.

    Besides model fields it takes ``cases`` (case names; default one "Trường hợp chung"), ``components``
    (names added to every case), ``processing_time`` / ``time_unit`` for every case, ``fee_amount`` (one
    lệ phí for every case and channel when not 0), ``publish`` and ``effective_from``.
    """

    class Meta:
        model = ProcedureVersion

    procedure = factory.SubFactory(ProcedureFactory)
    name = factory.Sequence(lambda n: f"Thủ tục mẫu số {n + 1}")
    field = factory.SubFactory(FieldFactory)
    at_province = True
    online_service_level = 4

    cases = ("Trường hợp chung",)
    components = ("Đơn đề nghị", "Bản sao Căn cước")
    processing_time = Decimal(5)
    time_unit = TimeUnit.WORKING_DAYS
    fee_amount = 0
    publish = True
    effective_from = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for name in _VERSION_FACTORY_EXTRAS:
            kwargs.pop(name)
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        extra = {name: kwargs.pop(name) for name in _VERSION_FACTORY_EXTRAS}
        kwargs.pop("number", None)  # the service numbers versions
        version = procedure_version_create_draft(**kwargs)
        for order, case_name in enumerate(extra["cases"], start=1):
            case = ProcedureCase.objects.create(
                version=version,
                order=order,
                name=case_name,
                processing_time=extra["processing_time"],
                time_unit=extra["time_unit"],
            )
            CaseComponent.objects.bulk_create(
                CaseComponent(case=case, order=position, name=name, originals=1)
                for position, name in enumerate(extra["components"], start=1)
            )
        if extra["fee_amount"]:
            Fee.objects.create(
                version=version, kind=Fee.Kind.CHARGE, amount=extra["fee_amount"], description="Lệ phí"
            )
        if extra["publish"]:
            version = procedure_version_publish(version=version, effective_from=extra["effective_from"])
        return version


def processable_procedure(*competent_agencies: Agency, **overrides) -> ProcedureVersion:
    """The published procedure the dossier and back-office tests receive and process.

    "Cấp Phiếu lý lịch tư pháp": one case with two components (the form and a copy of the ID card), 5 working
    days, postal submission and return allowed, and ``competent_agencies`` as its competent agencies.
    ``overrides`` go to ``ProcedureVersionFactory`` (e.g. ``fee_amount=200000``)::

        version = processable_procedure(department, fee_amount=200000)
        case = version.cases.get()
    """
    fields = {
        "name": "Cấp Phiếu lý lịch tư pháp",
        "postal_submission_allowed": True,
        "postal_return_allowed": True,
        "components": ("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "Bản chụp Căn cước"),
        "processing_time": Decimal(5),
    }
    fields.update(overrides)
    version = ProcedureVersionFactory(**fields)
    ProcedureAgency.objects.bulk_create(
        ProcedureAgency(version=version, role=ProcedureAgency.Role.COMPETENT, agency=agency)
        for agency in competent_agencies
    )
    return version


class ProcedureCaseFactory(DjangoModelFactory):
    class Meta:
        model = ProcedureCase

    version = factory.SubFactory(ProcedureVersionFactory, publish=False, cases=())
    name = factory.Sequence(lambda n: f"Trường hợp {n + 1}")
    processing_time = Decimal(5)
    time_unit = TimeUnit.WORKING_DAYS


class CaseComponentFactory(DjangoModelFactory):
    class Meta:
        model = CaseComponent

    case = factory.SubFactory(ProcedureCaseFactory)
    code = factory.Sequence(lambda n: f"GT{n + 1:03d}")
    name = factory.Sequence(lambda n: f"Giấy tờ số {n + 1}")
    originals = 1


class FeeFactory(DjangoModelFactory):
    class Meta:
        model = Fee

    version = factory.SubFactory(ProcedureVersionFactory, publish=False)
    kind = Fee.Kind.CHARGE
    amount = 50000
    description = "Lệ phí"


_BASE_PACKAGE = {
    "ID": "",
    "MaTTHC": "1.000001",
    "TENTTHC": "Thủ tục mẫu",
    "LOAITTHC": "TTHC được luật giao cho địa phương quy định",
    "QUYETDINH": "Quyết định số 1/QĐ-UBND",
    "MOTA": "",
    "TUKHOA": "",
    "TRINHTUTHUCHIEN": [{"TRUONGHOP": "", "TRINHTU": [{"TENTRINHTU": "Nộp hồ sơ tại Bộ phận Một cửa."}]}],
    "CACHTHUCTHUCHIEN": [
        {
            "KENH": "Trực tiếp",
            "THOIGIAN": [
                {
                    "THOIGIANGIAIQUYET": "5",
                    "DONVITINH": "Ngày làm việc",
                    "MOTA": "",
                    "PHILEPHI": [{"MAPHILEPHI": "", "SOTIEN": "50.000", "DONVI": "Đồng", "MOTA": "Lệ phí"}],
                }
            ],
        }
    ],
    "THANHPHANHOSO": [
        {
            "TRUONGHOP": "",
            "GIAYTO": [
                {
                    "MAGIAYTO": "DON",
                    "TENGIAYTO": "Đơn đề nghị",
                    "SOBANCHINH": "1",
                    "SOBANSAO": "0",
                    "TENMAUDON": "",
                    "URL": "",
                    "MA_KQ_THAYTHE": "",
                }
            ],
        }
    ],
    "DOITUONGTHUCHIEN": [{"MADOITUONG": "1", "TENDOITUONG": "Công dân Việt Nam"}],
    "CAPTHUCHIEN": [{"CAPTHUCHIEN": "1", "TENCAP": "Cấp Tỉnh"}],
    "LINHVUCTHUCHIEN": [{"MALINHVUC": "G13-LV99", "TENLINHVUC": "Lĩnh vực mẫu"}],
    "KETQUATHUCHIEN": [{"MAKETQUA": "", "TENKETQUA": "Văn bản trả lời", "TENTEP": "", "URL": ""}],
    "CANCUPHAPLY": [],
    "TTHCLIENQUAN": [],
    "TTHCLIENTHONG": [],
    "COQUANTHUCHIEN": [],
    "COQUANCOTHAMQUYEN": [],
    "COQUANDUOCUYQUYEN": [],
    "COQUANPHOIHOP": [],
}


def national_package(code: str = "1.000001", name: str = "Thủ tục mẫu", **overrides) -> dict:
    """A valid ``GoiTinThuTucQG`` package (one case, one component, 5 working days, 50.000 đồng)."""
    package = deepcopy(_BASE_PACKAGE)
    package.update({"MaTTHC": code, "TENTTHC": name})
    package.update(deepcopy(overrides))
    return package
