"""``motcua accounts-purge``: delete old rate-limit events and long-expired one-time codes (daily, by cron)."""

from django.core.management.base import BaseCommand

from motcua.accounts.services import account_records_purge


class Command(BaseCommand):
    help = "Xóa sự kiện giới hạn tần suất cũ hơn 1 ngày và mã xác minh hết hạn quá 30 ngày."

    def handle(self, *args, **options):
        deleted = account_records_purge()
        self.stdout.write(
            f"Đã xóa {deleted['throttle_events']} sự kiện giới hạn tần suất, "
            f"{deleted['verification_codes']} mã xác minh."
        )
