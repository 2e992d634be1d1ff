"""Targets in the admin; the aggregate upkeep commands."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from factories import SuperuserFactory

from motcua.reports.models import DailyCounter, Target

pytestmark = pytest.mark.django_db


def test_targets_are_listed_and_added_in_the_admin(client):
    client.force_login(SuperuserFactory())
    listing = client.get(reverse("admin:reports_target_changelist"))
    assert listing.status_code == 200
    assert "Tỷ lệ hồ sơ tiếp nhận trực tuyến" in listing.content.decode()
    response = client.post(
        reverse("admin:reports_target_add"),
        {
            "rate": "on_time_rate",
            "level": "commune",
            "minimum": "95",
            "effective_from": "01/01/2026",
            "effective_to": "",
            "source": "Kế hoạch của tỉnh",
            "confidence": "implementation",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get(rate="on_time_rate")
    assert (target.level, float(target.minimum), target.effective_from) == ("commune", 95.0, date(2026, 1, 1))


def test_check_and_rebuild_aggregates(history):
    out = io.StringIO()
    call_command("report", "check-aggregates", stdout=out)
    assert "khớp" in out.getvalue()
    DailyCounter.objects.filter(received__gt=0).update(received=99)
    with pytest.raises(CommandError) as caught:
        call_command("report", "check-aggregates", stdout=io.StringIO())
    assert caught.value.returncode == 2
    out = io.StringIO()
    call_command("report", "rebuild-aggregates", stdout=out, stderr=io.StringIO())
    assert "Đã tính lại số liệu tổng hợp của 12 hồ sơ." in out.getvalue()
    call_command("report", "check-aggregates", stdout=io.StringIO())
