"""REST API v1 (django-ninja). Errors are problem+json (RFC 9457)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from motcua import __version__
from motcua.core.errors import ApplicationError

api = NinjaAPI(
    title="motcua API",
    version="1",
    description="API của hệ thống một cửa điện tử motcua. Lỗi trả về theo chuẩn application/problem+json.",
    urls_namespace="api-v1",
)

PROBLEM_JSON = "application/problem+json"


def problem(
    request: HttpRequest, *, status: int, title: str, detail: str, code: str, **extra
) -> JsonResponse:
    body = {
        "type": f"https://motcua.invalid/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    return JsonResponse(
        body, status=status, content_type=PROBLEM_JSON, json_dumps_params={"ensure_ascii": False}
    )


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return problem(
        request, status=exc.status, title=exc.message, detail=exc.message, code=exc.code, **exc.extra
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = [
        {"field": ".".join(str(p) for p in err.get("loc", [])[1:]) or None, "message": err.get("msg", "")}
        for err in exc.errors
    ]
    return problem(
        request,
        status=422,
        title="Dữ liệu không hợp lệ",
        detail="Yêu cầu có tham số không hợp lệ.",
        code="validation_failed",
        errors=errors,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem(request, status=exc.status_code, title=str(exc), detail=str(exc), code="http_error")


from motcua.api.routers.agencies import router as agencies_router  # noqa: E402
from motcua.api.routers.calendar import router as calendar_router  # noqa: E402
from motcua.api.routers.catalog import router as catalog_router  # noqa: E402

api.add_router("/procedures", catalog_router)
api.add_router("/agencies", agencies_router)
api.add_router("/calendar", calendar_router)


@api.get("/health", tags=["system"], summary="Tình trạng hệ thống")
def health(request):
    return {"status": "ok", "version": __version__}
