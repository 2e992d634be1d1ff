"""Log filter that keeps passwords, tokens and secrets out of every log line."""

from __future__ import annotations

import logging
import re

_SECRET_PAIR = re.compile(
    r"(?i)(password|passwd|pwd|secret|token|api[_-]?key|authorization|signature|checksum|otp|"
    r"vnp_securehash|csrfmiddlewaretoken|sessionid)(\"?\s*[:=]\s*\"?|'\s*:\s*')([^\s\"'&,;}]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._\-+/=]{8,}")


def redact(text: str) -> str:
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} ***", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
