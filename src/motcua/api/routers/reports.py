"""Indicators of dossier handling per agency, level, procedure, field and period (public, aggregated figures)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema

from motcua.api.schemas import LevelCode, Problem
from motcua.reports.export import report_to_dict
from motcua.reports.models import Rate
from motcua.reports.selectors import GROUP_BY, report_for

router = Router(tags=["reports"])

GroupByCode = Literal[GROUP_BY]  # type: ignore[valid-type]
RateCode = Literal[tuple(Rate.values)]  # type: ignore[valid-type]


class ReportIndicatorsQuery(Schema):
    period: str = Field(
        ...,
        max_length=30,
        description=(
            "Kỳ báo cáo: năm (2020), quý (2020-Q2), tháng (2020-05) hoặc khoảng ngày tính cả hai đầu "
            "(2020-05-01..2020-06-15)."
        ),
        examples=["2020-Q2"],
    )
    agency: str = Field(
        "",
        max_length=60,
        description="Mã cơ quan (QCVN 102:2016 hoặc QĐ 20/2020); gồm cả các cơ quan trực thuộc. Trống: mọi cơ quan.",
    )
    level: LevelCode | None = Field(None, description="Chỉ tính cơ quan ở cấp này: province, district, commune.")
    procedure: str = Field("", max_length=20, description="Mã thủ tục hành chính quốc gia, ví dụ 1.001193.")
    field: str = Field("", max_length=40, description="Mã lĩnh vực.")
    group_by: GroupByCode | None = Field(
        None, description="Chia số liệu theo agency, level, procedure, field hoặc month (ngoài dòng tổng)."
    )


class ReportPeriodOut(Schema):
    code: str = Field(description="Kỳ báo cáo viết chuẩn.")
    kind: Literal["year", "quarter", "month", "range"] = Field(description="Loại kỳ.")
    first_day: date = Field(description="Ngày đầu kỳ.")
    last_day: date = Field(description="Ngày cuối kỳ (tính cả ngày này).")
    label: str = Field(description="Tên kỳ báo cáo.")


class ReportAgencyOut(Schema):
    code: str
    name: str
    level: LevelCode


class ReportNamedOut(Schema):
    code: str
    name: str


class ReportScopeOut(Schema):
    agency: ReportAgencyOut | None = Field(description="Cơ quan được báo cáo (cùng các cơ quan trực thuộc).")
    level: LevelCode | None
    procedure: ReportNamedOut | None
    field: ReportNamedOut | None


class ReportCountsOut(Schema):
    carried_over: int = Field(description="Hồ sơ đang giải quyết lúc 00:00 ngày đầu kỳ (tồn kỳ trước).")
    received: int = Field(description="Hồ sơ tiếp nhận trong kỳ (mọi kênh).")
    received_direct: int = Field(description="Tiếp nhận trực tiếp.")
    received_online: int = Field(description="Tiếp nhận trực tuyến.")
    received_postal: int = Field(description="Tiếp nhận qua bưu chính công ích.")
    resolved: int = Field(description="Có kết quả trong kỳ (trạng thái 9, 10), kể cả từ chối sau thẩm định.")
    resolved_early: int = Field(description="Có kết quả vào ngày trước ngày hẹn trả.")
    resolved_on_time: int = Field(description="Có kết quả trong ngày hẹn trả, không muộn hơn giờ hẹn.")
    resolved_late: int = Field(description="Có kết quả sau thời điểm hẹn trả.")
    refused: int = Field(description="Trong số đã giải quyết: từ chối giải quyết.")
    withdrawn: int = Field(description="Rút hồ sơ (sau khi tiếp nhận) trong kỳ.")
    stopped: int = Field(description="Dừng xử lý trong kỳ.")
    pending: int = Field(description="Đang giải quyết lúc 00:00 ngày sau ngày cuối kỳ (hoặc cuối ngày hôm nay).")
    pending_in_time: int = Field(description="Đang giải quyết, chưa quá hạn.")
    pending_overdue: int = Field(description="Đang giải quyết, đã quá ngày hẹn trả.")
    not_received: int = Field(description="Không được tiếp nhận (trạng thái 3) trong kỳ.")
    online_resolved: int = Field(description="Hồ sơ trực tuyến có kết quả trong kỳ.")
    online_resolved_in_time: int = Field(description="Hồ sơ trực tuyến có kết quả trước hạn hoặc đúng hạn.")
    online_resolved_late: int = Field(description="Hồ sơ trực tuyến có kết quả quá hạn.")
    online_pending_overdue: int = Field(description="Hồ sơ trực tuyến đang giải quyết quá hạn cuối kỳ.")
    with_obligation: int = Field(description="Trong số tiếp nhận: có nghĩa vụ tài chính.")
    paid_online: int = Field(description="Trong số tiếp nhận: thanh toán trực tuyến.")
    postal_return: int = Field(description="Trong số tiếp nhận: nhận kết quả qua bưu chính công ích.")
    ratings: int = Field(description="Phiếu đánh giá mức độ hài lòng.")
    satisfied: int = Field(description="Phiếu hài lòng hoặc rất hài lòng.")


class ReportCatalogOut(Schema):
    procedures: int = Field(description="Thủ tục thuộc thẩm quyền, có hiệu lực ngày cuối kỳ.")
    online_procedures: int = Field(description="Trong đó: dịch vụ công trực tuyến một phần hoặc toàn trình.")
    partial_online_procedures: int = Field(description="Dịch vụ công trực tuyến một phần (mức độ 3).")
    full_online_procedures: int = Field(description="Dịch vụ công trực tuyến toàn trình (mức độ 4).")
    online_procedures_used: int = Field(description="Dịch vụ công trực tuyến có hồ sơ trực tuyến trong kỳ.")
    fee_procedures: int = Field(description="Thủ tục có phí, lệ phí.")
    fee_procedures_paid_online: int = Field(description="Thủ tục có phí có hồ sơ thanh toán trực tuyến trong kỳ.")
    fee_procedures_payable_online: int = Field(description="Thủ tục có phí cung cấp thanh toán trực tuyến.")


class ReportRateOut(Schema):
    code: RateCode
    label: str
    percent: float | None = Field(description="Tử số / mẫu số × 100, một chữ số thập phân; null khi mẫu số bằng 0.")
    numerator: int
    denominator: int
    target: float | None = Field(description="Chỉ tiêu tối thiểu (%) có hiệu lực ngày cuối kỳ; null nếu không có.")
    target_met: bool | None = Field(description="Đạt chỉ tiêu; null khi không có chỉ tiêu hoặc không có số liệu.")


class Tt01IndicatorOut(Schema):
    number: int = Field(description="Số thứ tự chỉ số (1–9).")
    label: str
    score: float | None = Field(description="Điểm 0–2, một chữ số thập phân; null: thiếu dữ liệu, không tính.")
    basis: int = Field(description="Số hồ sơ, phiếu hoặc phản ánh làm căn cứ.")
    source: Literal["system", "ratings", "petitions", "none"]


class Tt01Out(Schema):
    indicators: list[Tt01IndicatorOut]
    staff_score: float | None = Field(description="Tổng điểm các chỉ số 1, 2, 3, 4, 7 có dữ liệu.")
    staff_max: int
    total: float | None = Field(description="Tổng điểm các chỉ số có dữ liệu.")
    max_available: int = Field(description="Điểm tối đa của các chỉ số có dữ liệu.")
    score_18: float | None = Field(description="Tổng điểm quy về thang 18.")
    band: Literal["excellent", "good", "fair", "average", "weak"] | None
    band_label: str | None = Field(description="Xếp loại: Xuất sắc (≥15), Tốt (≥12), Khá (≥9), Trung bình (≥6), Yếu.")


class D766ComponentOut(Schema):
    code: str
    label: str
    max: float
    score: float | None = Field(description="null: hệ thống chưa có dữ liệu cho thành phần này.")


class D766GroupOut(Schema):
    code: str
    label: str
    max: float
    score: float | None
    components: list[D766ComponentOut]


class D766Out(Schema):
    groups: list[D766GroupOut]
    total: float | None = Field(description="Tổng điểm các thành phần tính được.")
    max_computed: float = Field(description="Điểm tối đa của các thành phần tính được.")


class ReportFiguresOut(Schema):
    key: str = Field(description="Mã của nhóm (mã cơ quan, cấp, mã thủ tục, mã lĩnh vực, kỳ tháng).")
    label: str
    level: LevelCode | None
    rank: int | None = Field(description="Thứ hạng theo điểm TT 01/2018 (chỉ khi nhóm theo cơ quan).")
    counts: ReportCountsOut
    catalog: ReportCatalogOut
    rates: list[ReportRateOut]
    tt01: Tt01Out
    d766: D766Out


class ReportIndicatorsOut(Schema):
    period: ReportPeriodOut
    scope: ReportScopeOut
    group_by: GroupByCode | None
    feedback_available: bool = Field(description="Có số liệu đánh giá, phản ánh kiến nghị từ phân hệ phản hồi.")
    total: ReportFiguresOut
    groups: list[ReportFiguresOut]


@router.get(
    "/indicators",
    response={200: ReportIndicatorsOut, 422: Problem},
    operation_id="report_indicators",
    summary="Chỉ số giải quyết thủ tục hành chính",
    description=(
        "Số hồ sơ tiếp nhận theo kênh, tồn kỳ trước, giải quyết trước hạn, đúng hạn, quá hạn, đang giải quyết "
        "trong hạn và quá hạn; các tỷ lệ (trực tuyến, đúng hạn, bưu chính, thanh toán trực tuyến, hài lòng, thủ "
        "tục trực tuyến) với chỉ tiêu và kết quả đạt; điểm 9 chỉ số theo TT 01/2018 với xếp loại; các nhóm chỉ số "
        "theo QĐ 766/QĐ-TTg. Cùng số liệu với lệnh `motcua report`. Kỳ sai hoặc mã không có trả về 422; kỳ không "
        "có số liệu trả về các số 0."
    ),
)
def report_indicators(request, query: Query[ReportIndicatorsQuery]):
    report = report_for(
        period=query.period,
        agency=query.agency,
        level=query.level or "",
        procedure=query.procedure,
        field=query.field,
        group_by=query.group_by or "",
    )
    return report_to_dict(report)
