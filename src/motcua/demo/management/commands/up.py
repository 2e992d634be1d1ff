"""``motcua up``: migrate, load the demo province if the database is empty, and serve.

It lives in the demo app because it orchestrates every other app (the demo loader, the outbox worker).
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Chuẩn bị cơ sở dữ liệu, nạp tỉnh mẫu (nếu còn trống) và chạy máy chủ tại 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-demo", action="store_true", help="Không nạp dữ liệu tỉnh mẫu.")
        parser.add_argument("--no-serve", action="store_true", help="Chỉ chuẩn bị, không chạy máy chủ.")

    def handle(self, *args, **options):
        for directory in (settings.VAR_DIR, settings.MEDIA_ROOT, settings.STATIC_ROOT):
            directory.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS("Cơ sở dữ liệu đã sẵn sàng."))
        if not options["no_demo"]:
            call_command("load-demo", if_empty=True)
        if options["no_serve"]:
            return
        if settings.MOTCUA_WORKER_IN_PROCESS:
            from motcua.notifications.worker import start_worker_thread

            start_worker_thread()
            self.stdout.write("Tiến trình gửi thông báo đang chạy nền.")
        self._start_oidc_sandbox(options["addrport"])
        self._start_payment_sandbox(options["addrport"])
        self._start_postal_sandbox(options["addrport"])
        self.stdout.write(f"Mở trình duyệt tại http://{options['addrport']}/  (Ctrl+C để dừng)")
        call_command("runserver", options["addrport"], use_reloader=False)

    def _start_oidc_sandbox(self, addrport: str) -> None:
        """Serve the sandbox VNeID provider when the settings point at it (the embedded default)."""
        if not (
            settings.MOTCUA_OIDC_ENABLED
            and settings.MOTCUA_OIDC_DISCOVERY_URL.startswith("http://127.0.0.1:8090/")
        ):
            return
        from motcua.sandbox.oidc import OidcSandbox

        try:
            OidcSandbox(port=8090, redirect_uris=[f"http://{addrport}/dang-nhap/vneid/xong/"]).start()
        except OSError as exc:
            self.stderr.write(f"Không khởi động được máy chủ VNeID thử nghiệm ở cổng 8090: {exc}")
            return
        self.stdout.write("Máy chủ đăng nhập VNeID thử nghiệm: http://127.0.0.1:8090/")

    def _start_payment_sandbox(self, addrport: str) -> None:
        """Serve the sandbox payment server (PayGov- and VNPay-style) when the settings point at it."""
        port = settings.MOTCUA_PAYMENT_SANDBOX_PORT
        local = f"http://127.0.0.1:{port}/"
        if not (
            settings.MOTCUA_PAYGOV_URL.startswith(local)
            or settings.MOTCUA_VNPAY_PAYMENT_URL.startswith(local)
        ):
            return
        from motcua.sandbox.payment import PaymentSandbox

        site = f"http://{addrport}"
        if not settings.MOTCUA_PAYMENT_RETURN_URL:  # send the citizen back to this server
            settings.MOTCUA_PAYMENT_RETURN_URL = f"{site}/thanh-toan/ket-qua/"
        try:
            PaymentSandbox(
                port=port,
                paygov_partner_code=settings.MOTCUA_PAYGOV_PARTNER_CODE,
                paygov_token=settings.MOTCUA_PAYGOV_TOKEN,
                paygov_secret=settings.MOTCUA_PAYGOV_SECRET,
                paygov_callback_url=f"{site}/api/v1/payments/paygov/callback",
                paygov_return_url=f"{site}/thanh-toan/ket-qua/",
                vnpay_tmn_code=settings.MOTCUA_VNPAY_TMN_CODE,
                vnpay_secret=settings.MOTCUA_VNPAY_HASH_SECRET,
                vnpay_ipn_url=f"{site}/api/v1/payments/vnpay/ipn",
            ).start()
        except OSError as exc:
            self.stderr.write(f"Không khởi động được máy chủ thanh toán thử nghiệm ở cổng {port}: {exc}")
            return
        self.stdout.write(f"Máy chủ thanh toán thử nghiệm (PayGov, VNPay): {local}")

    def _start_postal_sandbox(self, addrport: str) -> None:
        """Serve the sandbox postal operator when the settings point at it (the embedded default); its
        shipments are kept in ``var/postal-sandbox.json`` across restarts."""
        from urllib.parse import urlsplit

        url = urlsplit(settings.MOTCUA_POSTAL_URL)
        if settings.MOTCUA_POSTAL_PROVIDER != "sandbox" or url.hostname != "127.0.0.1" or not url.port:
            return
        from motcua.sandbox.post import PostSandbox

        if not settings.MOTCUA_POSTAL_WEBHOOK_URL:  # tracking webhooks come back to this server
            settings.MOTCUA_POSTAL_WEBHOOK_URL = f"http://{addrport}/api/v1/postal/webhook"
        try:
            PostSandbox(
                port=url.port,
                api_key=settings.MOTCUA_POSTAL_API_KEY,
                webhook_secret=settings.MOTCUA_POSTAL_WEBHOOK_SECRET,
                state_path=settings.VAR_DIR / "postal-sandbox.json",
            ).start()
        except OSError as exc:
            self.stderr.write(f"Không khởi động được máy chủ bưu chính thử nghiệm ở cổng {url.port}: {exc}")
            return
        self.stdout.write(f"Máy chủ bưu chính thử nghiệm: http://127.0.0.1:{url.port}/orders")
