"""``motcua worker``: deliver queued e-mail, SMS and portal messages (the notifications outbox)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from motcua.notifications.wakeup import wake_workers
from motcua.notifications.worker import run_worker


class Command(BaseCommand):
    help = "Gửi các thông báo đang chờ trong hộp thư gửi đi (thư điện tử, SMS, thông báo trên Cổng)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Gửi những thông báo đến hạn rồi dừng.")
        parser.add_argument(
            "--max-seconds", type=float, default=None, help="Dừng sau khoảng thời gian này (giây)."
        )
        parser.add_argument(
            "--poll-seconds", type=float, default=None, help="Thời gian nghỉ giữa hai lần kiểm tra hàng đợi."
        )

    def handle(self, *args, once, max_seconds, poll_seconds, **options):
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()
            wake_workers()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, request_stop)
        try:
            stats = run_worker(once=once, max_seconds=max_seconds, stop=stop, poll_seconds=poll_seconds)
        except KeyboardInterrupt:
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã gửi %(sent)s, hẹn gửi lại %(retried)s, chuyển sang gửi thất bại %(dead)s.")
                % {"sent": stats.sent, "retried": stats.retried, "dead": stats.dead}
            )
        )
