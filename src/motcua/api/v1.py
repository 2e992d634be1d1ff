"""REST API v1 (django-ninja). Every error answers application/problem+json (RFC 9457), mapped here only."""

from __future__ import annotations

import logging
import re
from functools import wraps
from inspect import iscoroutinefunction

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Swagger
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from motcua import __version__
from motcua.api.schemas import HealthOut
from motcua.core.errors import ApplicationError

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Short summaries of each kind of problem (the problem's "title"); "detail" says what happened this time.
TITLES = {
    400: gettext_lazy("Yêu cầu không hợp lệ"),
    401: gettext_lazy("Chưa xác thực"),
    403: gettext_lazy("Không có quyền truy cập"),
    404: gettext_lazy("Không tìm thấy"),
    405: gettext_lazy("Phương thức không được hỗ trợ"),
    409: gettext_lazy("Xung đột dữ liệu"),
    422: gettext_lazy("Dữ liệu không hợp lệ"),
    429: gettext_lazy("Quá nhiều yêu cầu"),
    500: gettext_lazy("Lỗi hệ thống"),
}


def problem(request: HttpRequest, *, status: int, detail: str, code: str, **extra) -> JsonResponse:
    body = {
        "type": f"https://motcua.invalid/problems/{code}",
        "title": str(TITLES.get(status, TITLES[400])),
        "status": status,
        "detail": detail,
        "instance": request.path,
        "code": code,
        **extra,
    }
    return JsonResponse(
        body, status=status, content_type=PROBLEM_JSON, json_dumps_params={"ensure_ascii": False}
    )


class MotcuaAPI(NinjaAPI):
    """NinjaAPI whose own URL patterns also answer problem+json: a wrong method (405), an unknown path (404)."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        wrapped = [
            URLPattern(
                pattern.pattern,
                _unknown_path if pattern.name == "api-root" else _problem_for_wrong_method(pattern.callback),
                pattern.default_args,
                pattern.name,
            )
            for pattern in patterns
        ]
        wrapped.append(re_path(r"^.*$", _unknown_path, name="unknown-path"))
        return wrapped, app_name, namespace

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, with error responses typed application/problem+json and described in Vietnamese."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    response["description"] = RESPONSE_DESCRIPTIONS.get(str(status), response["description"])
                    content = response.get("content", {})
                    body = content.get("application/json", {})
                    if body.get("schema", {}).get("$ref", "").endswith("/Problem"):
                        content[PROBLEM_JSON] = content.pop("application/json")
        return schema


# Documentation of each response status in the OpenAPI document (fixed text, so the document is stable).
RESPONSE_DESCRIPTIONS = {
    "200": "Thành công.",
    "201": "Đã tạo.",
    "401": "Chưa xác thực: thiếu, sai hoặc đã thu hồi khóa truy cập (problem+json).",
    "403": "Không có quyền thực hiện (problem+json).",
    "404": "Không tìm thấy (problem+json).",
    "409": "Xung đột với trạng thái hiện tại của hồ sơ (problem+json).",
    "422": "Tham số không hợp lệ (problem+json, có danh sách lỗi theo từng tham số).",
    "429": "Quá nhiều yêu cầu; chờ số giây trong tiêu đề Retry-After (problem+json).",
}


def _unknown_path(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return problem(
        request,
        status=404,
        detail=_("Không có địa chỉ API này. Xem các địa chỉ hiện có tại /api/v1/docs."),
        code="not_found",
    )


def _method_not_allowed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.status_code != 405 or response.get("Content-Type", "").startswith(PROBLEM_JSON):
        return response
    answer = problem(
        request,
        status=405,
        detail=_("Địa chỉ này không nhận phương thức %(method)s; chỉ nhận %(allowed)s.")
        % {"method": request.method, "allowed": response.get("Allow", "")},
        code="method_not_allowed",
    )
    answer["Allow"] = response.get("Allow", "")
    return answer


def _problem_for_wrong_method(view):
    """Ninja answers a wrong method with a bare text 405 from outside its exception handlers."""
    if iscoroutinefunction(view):

        @wraps(view)
        async def async_wrapper(request, *args, **kwargs):
            return _method_not_allowed(request, await view(request, *args, **kwargs))

        return async_wrapper

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return _method_not_allowed(request, view(request, *args, **kwargs))

    return wrapper


api = MotcuaAPI(
    title="motcua API",
    version="1",
    description=(
        "API của hệ thống một cửa điện tử motcua: danh mục thủ tục hành chính, cơ quan, lịch làm việc. "
        "Các địa chỉ công khai không cần xác thực. Danh sách được phân trang bằng `page` và `page_size`; "
        "kết quả có dạng {count, page, page_size, pages, items}. Lỗi trả về theo chuẩn "
        "application/problem+json (RFC 9457)."
    ),
    urls_namespace="api-v1",
    # Swagger UI from ninja's bundled static files (ninja is an installed app), never a CDN; the online
    # validator badge is turned off so the page makes no request to an outside host.
    docs=Swagger(settings={"validatorUrl": None}),
    openapi_extra={
        "tags": [
            {"name": "catalog", "description": "Danh mục thủ tục hành chính (TTHC) đang áp dụng."},
            {"name": "agencies", "description": "Cơ quan, đơn vị và bộ phận một cửa."},
            {
                "name": "dossiers",
                "description": (
                    "Hồ sơ: nộp, xem, liệt kê và thao tác theo quy trình. Xác thực bằng khóa truy cập "
                    "(Authorization: Bearer) của hệ thống kết nối, hoặc phiên đăng nhập."
                ),
            },
            {"name": "lookup", "description": "Tra cứu công khai tiến độ hồ sơ theo mã, không cần xác thực."},
            {"name": "system", "description": "Tình trạng hệ thống."},
        ]
    },
)


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return problem(request, status=exc.status, detail=exc.message, code=exc.code, **exc.extra)


# Vietnamese messages for the pydantic error types a query or body can produce.
VALIDATION_MESSAGES = {
    "missing": gettext_lazy("Thiếu giá trị bắt buộc."),
    "int_parsing": gettext_lazy("Phải là một số nguyên."),
    "int_type": gettext_lazy("Phải là một số nguyên."),
    "int_from_float": gettext_lazy("Phải là một số nguyên."),
    "float_parsing": gettext_lazy("Phải là một số."),
    "bool_parsing": gettext_lazy("Phải là true hoặc false."),
    "bool_type": gettext_lazy("Phải là true hoặc false."),
    "greater_than_equal": gettext_lazy("Phải lớn hơn hoặc bằng %(ge)s."),
    "greater_than": gettext_lazy("Phải lớn hơn %(gt)s."),
    "less_than_equal": gettext_lazy("Phải nhỏ hơn hoặc bằng %(le)s."),
    "less_than": gettext_lazy("Phải nhỏ hơn %(lt)s."),
    "string_too_long": gettext_lazy("Dài tối đa %(max_length)s ký tự."),
    "string_too_short": gettext_lazy("Cần ít nhất %(min_length)s ký tự."),
    "string_type": gettext_lazy("Phải là một chuỗi ký tự."),
    "literal_error": gettext_lazy("Giá trị “%(input)s” không hợp lệ; chọn một trong: %(expected)s."),
    "enum": gettext_lazy("Giá trị “%(input)s” không hợp lệ; chọn một trong: %(expected)s."),
    "date_parsing": gettext_lazy("Phải là ngày dạng YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_lazy("Phải là ngày dạng YYYY-MM-DD."),
    "datetime_parsing": gettext_lazy("Phải là thời điểm dạng ISO 8601, ví dụ 2026-02-13T16:10:00+07:00."),
    "datetime_from_date_parsing": gettext_lazy(
        "Phải là thời điểm dạng ISO 8601, ví dụ 2026-02-13T16:10:00+07:00."
    ),
    "decimal_parsing": gettext_lazy("Phải là một số."),
    "json_invalid": gettext_lazy("Nội dung JSON không hợp lệ."),
}
# Ninja names each operation's parameter groups internally; they are not what a client sent.
_PARAMETER_SOURCES = {"query", "path", "body", "header", "cookie", "form", "file"}
_QUOTED = re.compile(r"'([^']*)'")


def _validation_item(request: HttpRequest, error: dict) -> dict:
    loc = [str(part) for part in error.get("loc", ())]
    source = loc.pop(0) if loc and loc[0] in _PARAMETER_SOURCES else ""
    field = loc[-1] if loc else None
    context = dict(error.get("ctx") or {})
    if "expected" in context:
        context["expected"] = ", ".join(_QUOTED.findall(str(context["expected"]))) or context["expected"]
    # Ninja drops the rejected value from its errors; a query parameter's is still on the request.
    context["input"] = request.GET.get(field, "")[:60] if source == "query" and field else ""
    template = VALIDATION_MESSAGES.get(error.get("type", ""))
    try:
        message = str(template) % context if template else _("Giá trị không hợp lệ.")
    except (KeyError, TypeError, ValueError):
        message = _("Giá trị không hợp lệ.")
    return {"field": field, "message": message}


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = [_validation_item(request, error) for error in exc.errors]
    details = " ".join(
        f"{item['field']}: {item['message']}" if item["field"] else item["message"] for item in errors
    )
    return problem(
        request,
        status=422,
        detail=_("Yêu cầu có tham số không hợp lệ. %(details)s") % {"details": details},
        code="validation_failed",
        errors=errors,
    )


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    return problem(request, status=404, detail=_("Không tìm thấy tài nguyên được yêu cầu."), code="not_found")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem(request, status=exc.status_code, detail=str(exc), code="http_error")


@api.exception_handler(Exception)
def _unexpected_error(request, exc: Exception):
    if settings.DEBUG:
        raise exc
    logger.exception("Unhandled error in API request %s %s", request.method, request.path)
    # Lets error reporters (and the test client) see the exception as Django's own handler would.
    got_request_exception.send(sender=None, request=request)
    return problem(
        request,
        status=500,
        detail=_("Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau."),
        code="server_error",
    )


from motcua.api.routers.agencies import router as agencies_router  # noqa: E402
from motcua.api.routers.calendar import router as calendar_router  # noqa: E402
from motcua.api.routers.catalog import router as catalog_router  # noqa: E402
from motcua.api.routers.dossiers import router as dossiers_router  # noqa: E402
from motcua.api.routers.lookup import router as lookup_router  # noqa: E402
from motcua.api.routers.payments import router as payments_router  # noqa: E402
from motcua.api.routers.postal import router as postal_router  # noqa: E402
from motcua.api.routers.reports import router as reports_router  # noqa: E402

api.add_router("/procedures", catalog_router)
api.add_router("/agencies", agencies_router)
api.add_router("/calendar", calendar_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/lookup", lookup_router)
api.add_router("/payments", payments_router)
api.add_router("/postal", postal_router)
api.add_router("/reports", reports_router)


@api.get("/health", response=HealthOut, tags=["system"], operation_id="health", summary="Tình trạng hệ thống")
def health(request):
    return {"status": "ok", "version": __version__}
