"""Process templates: allotments within the legal time, parallel groups, online variant, admin editing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from factories import SuperuserFactory

from motcua.agencies.models import StaffRole
from motcua.catalog.models import ProcedureCase, TimeUnit
from motcua.core.errors import ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.models import ProcessTemplate
from motcua.dossiers.process import legal_hours_of, total_allotment
from motcua.dossiers.selectors import process_template_for

pytestmark = pytest.mark.django_db

Step = services.ProcessStepData


def _steps(*spec):
    return [
        Step(f"Bước {i}", role, Decimal(hours), group, uses_competent_agency=True)
        for i, (group, hours, role) in enumerate(spec, start=1)
    ]


def test_total_is_the_sum_of_each_parallel_groups_longest_step():
    assert total_allotment([(1, 16), (2, 8), (2, 20), (3, 4)]) == Decimal(40)
    assert total_allotment([]) == 0


def test_legal_hours(world):
    case = world.case
    assert legal_hours_of(case) == Decimal(40)
    case.online_processing_time = Decimal(3)
    assert legal_hours_of(case, online=True) == Decimal(24)
    case.time_unit = TimeUnit.WORKING_HOURS
    assert legal_hours_of(case) == Decimal(5)


def test_a_template_within_the_time_limit_is_accepted(world):
    template = services.process_template_create(
        case=world.case,
        name="Quy trình",
        steps=_steps(
            (1, 16, StaffRole.SPECIALIST),
            (2, 8, StaffRole.SPECIALIST),
            (2, 20, StaffRole.SPECIALIST),
            (3, 4, StaffRole.LEADER),
        ),
    )
    assert template.steps.count() == 4


def test_a_template_over_the_time_limit_is_refused_whole(world):
    with pytest.raises(ValidationFailed) as raised:
        services.process_template_create(
            case=world.case,
            name="Quy trình quá hạn",
            steps=_steps(
                (1, 16, StaffRole.SPECIALIST), (2, 30, StaffRole.SPECIALIST), (3, 4, StaffRole.LEADER)
            ),
        )
    assert "50 giờ làm việc" in raised.value.message
    assert "40 giờ làm việc" in raised.value.message
    assert not ProcessTemplate.objects.exists()


def test_other_template_rules(world):
    with pytest.raises(ValidationFailed):  # leaders only
        services.process_template_create(case=world.case, name="x", steps=_steps((1, 4, StaffRole.LEADER)))
    with pytest.raises(ValidationFailed):  # a step needs an agency or the competent-agency flag
        services.process_template_create(
            case=world.case, name="x", steps=[Step("Bước", StaffRole.SPECIALIST, Decimal(4))]
        )
    with pytest.raises(ValidationFailed):  # one lead
        services.process_template_create(
            case=world.case,
            name="x",
            steps=[
                Step("A", StaffRole.SPECIALIST, Decimal(4), 1, uses_competent_agency=True, is_lead=True),
                Step("B", StaffRole.SPECIALIST, Decimal(4), 1, agency=world.other_department, is_lead=True),
            ],
        )


def test_online_dossiers_use_the_online_template_when_there_is_one(world):
    ProcedureCase.objects.filter(pk=world.case.pk).update(online_processing_time=Decimal(2))
    world.case.refresh_from_db()
    general = services.process_template_create(
        case=world.case, name="Chung", steps=_steps((1, 32, StaffRole.SPECIALIST))
    )
    with pytest.raises(ValidationFailed):  # 2 online days = 16 hours
        services.process_template_create(
            case=world.case, name="Trực tuyến", for_online=True, steps=_steps((1, 24, StaffRole.SPECIALIST))
        )
    online = services.process_template_create(
        case=world.case, name="Trực tuyến", for_online=True, steps=_steps((1, 12, StaffRole.SPECIALIST))
    )
    assert process_template_for(world.case, "online") == online
    assert process_template_for(world.case, "direct") == general
    dossier = world.received_online()
    assert dossier.due_at.day == 4  # 2 working days from Monday
    assert dossier.process_template == online
    assert dossier.steps.get(stage=1).allotted_hours == Decimal(12)


def test_a_template_edited_later_does_not_change_a_received_dossier(world):
    template = services.process_template_create(
        case=world.case,
        name="Quy trình",
        steps=_steps((1, 16, StaffRole.SPECIALIST), (2, 8, StaffRole.SPECIALIST)),
    )
    dossier = world.received_online()
    template.steps.filter(parallel_group=2).update(hours=Decimal(2), name="Đổi tên")
    assert dossier.steps.get(stage=2).name == "Bước 2"
    assert dossier.steps.get(stage=2).allotted_hours == Decimal(8)


def _admin_post(client, world, steps):
    data = {
        "case": world.case.pk,
        "name": "Quy trình qua trang quản trị",
        "is_active": "on",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, (group, hours, role) in enumerate(steps):
        data.update(
            {
                f"steps-{i}-parallel_group": group,
                f"steps-{i}-order": i + 1,
                f"steps-{i}-name": f"Bước {i + 1}",
                f"steps-{i}-uses_competent_agency": "on",
                f"steps-{i}-role": role,
                f"steps-{i}-hours": hours,
            }
        )
    return client.post("/admin/dossiers/processtemplate/add/", data)


def test_the_admin_refuses_an_over_long_template(client, world):
    client.force_login(SuperuserFactory())
    response = _admin_post(client, world, [(1, 30, "specialist"), (2, 20, "leader")])
    assert response.status_code == 200
    assert "vượt quá thời hạn giải quyết" in response.content.decode()
    assert not ProcessTemplate.objects.exists()
    response = _admin_post(client, world, [(1, 30, "specialist"), (2, 8, "leader")])
    assert response.status_code == 302
    assert ProcessTemplate.objects.get().steps.count() == 2
