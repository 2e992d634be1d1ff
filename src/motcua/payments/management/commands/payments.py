"""``motcua payments``: the payment jobs by hand.

motcua payments reconcile --date 01/03/2026 [--provider paygov]   reconcile one day (default: yesterday)
motcua payments check-pending [--older-than 0]                    query transactions left pending
motcua payments store-receipts                                     keep the PDFs of new receipts
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.payments import services
from motcua.payments.models import Provider
from motcua.payments.selectors import enabled_providers


def _day(text: str):
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError as error:
        raise CommandError(f"Ngày phải có dạng dd/mm/yyyy, ví dụ 01/03/2026 (nhận được “{text}”).") from error


class Command(BaseCommand):
    help = "Đối soát giao dịch, tra cứu giao dịch đang chờ và lưu biên lai thanh toán."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reconcile = sub.add_parser("reconcile", help="Đối soát giao dịch của một ngày với cổng thanh toán.")
        reconcile.add_argument("--date", help="Ngày giao dịch dd/mm/yyyy (mặc định: hôm qua).")
        reconcile.add_argument(
            "--provider", choices=Provider.values, help="Cổng thanh toán (mặc định: mọi cổng)."
        )
        pending = sub.add_parser("check-pending", help="Tra cứu các giao dịch chưa có kết quả.")
        pending.add_argument(
            "--older-than", type=float, default=None, help="Chỉ giao dịch khởi tạo trước N giây."
        )
        sub.add_parser("store-receipts", help="Lưu tệp PDF của các biên lai mới.")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "reconcile":
            return self._reconcile(options)
        if action == "check-pending":
            summary = services.payment_check_pending(older_than_seconds=options["older_than"], limit=10_000)
            self.stdout.write(
                f"Đã tra cứu {summary.checked} giao dịch: {summary.succeeded} thành công, {summary.failed} thất "
                f"bại, {summary.still_pending} còn chờ, {summary.errors} không tra cứu được."
            )
            return None
        stored = services.receipts_store_pending(limit=10_000)
        self.stdout.write(f"Đã lưu {stored} biên lai.")
        return None

    def _reconcile(self, options) -> None:
        day = _day(options["date"]) if options["date"] else timezone.localdate() - timedelta(days=1)
        providers = [options["provider"]] if options["provider"] else [c.code for c in enabled_providers()]
        failed = False
        for code in providers:
            run = services.reconciliation_run(day=day, provider=code)
            self.stdout.write(
                f"{Provider(code).label} – ngày {day:%d/%m/%Y}: {run.get_outcome_display()}. "
                f"Cổng: {run.provider_count} giao dịch thành công, {run.provider_total:,} đ; "
                f"hệ thống: {run.our_count} giao dịch, {run.our_total:,} đ; {run.mismatch_count} chênh lệch.".replace(
                    ",", "."
                )
            )
            for mismatch in run.mismatches.order_by("id"):
                state = "đã tự xử lý" if mismatch.auto_resolved else "cần xử lý"
                self.stdout.write(f"  - {mismatch.reference}: {mismatch.get_kind_display()} ({state})")
            if run.error:
                self.stderr.write(f"  Lỗi: {run.error}")
            failed = failed or run.outcome == run.Outcome.FAILED
        if failed:
            raise CommandError("Không lấy được dữ liệu đối soát của cổng thanh toán.")
