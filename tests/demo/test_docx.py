"""The tiny .docx writer: a valid Office Open XML package with the form's text."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import pytest

from motcua.demo.docx import (
    DOCUMENT_PART,
    NATIONAL_MOTTO,
    NATIONAL_SLOGAN,
    FormTemplate,
    check_docx,
    render_form,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def paragraphs(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read(DOCUMENT_PART))
    return ["".join(node.text or "" for node in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def test_a_form_is_a_zip_with_the_parts_word_needs():
    data = render_form(FormTemplate(title="Tờ khai đăng ký khai sinh", fields=["Họ và tên"]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        content_types = archive.read("[Content_Types].xml").decode()
    assert names[0] == "[Content_Types].xml"
    assert {"_rels/.rels", DOCUMENT_PART, "word/styles.xml", "word/_rels/document.xml.rels"} <= set(names)
    assert 'PartName="/word/document.xml"' in content_types


def test_the_form_carries_the_motto_title_fields_and_signature():
    form = FormTemplate(
        title="Tờ khai đăng ký kết hôn",
        recipient="Kính gửi: Ủy ban nhân dân phường Thành Sen",
        fields=["Họ, chữ đệm, tên bên nữ", "Họ, chữ đệm, tên bên nam"],
        note="Chúng tôi cam đoan những lời khai trên đây là đúng sự thật.",
    )
    text = paragraphs(render_form(form))
    assert text[:2] == [NATIONAL_MOTTO, NATIONAL_SLOGAN]
    assert "TỜ KHAI ĐĂNG KÝ KẾT HÔN" in text
    assert "Kính gửi: Ủy ban nhân dân phường Thành Sen" in text
    assert "Họ, chữ đệm, tên bên nữ: " in text
    assert "Họ, chữ đệm, tên bên nam: " in text
    assert form.note in text
    assert text[-2:] == ["NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ tên)"]


def test_each_field_line_is_filled_with_a_dotted_tab_to_the_margin():
    data = render_form(FormTemplate(title="Đơn", fields=["Số định danh cá nhân"]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read(DOCUMENT_PART))
    field = next(p for p in root.iter(f"{W}p") if "Số định danh" in "".join(t.text for t in p.iter(f"{W}t")))
    tab_stop = field.find(f"{W}pPr/{W}tabs/{W}tab")
    assert tab_stop.get(f"{W}leader") == "dot"
    assert field.find(f"{W}r/{W}tab") is not None


def test_markup_characters_in_text_are_escaped():
    data = render_form(FormTemplate(title="Đơn A & B <thử>", fields=['Tên "viết tắt" & mã']))
    text = paragraphs(data)
    assert "ĐƠN A & B <THỬ>" in text
    assert 'Tên "viết tắt" & mã: ' in text


def test_rendering_is_deterministic():
    form = FormTemplate(title="Đơn đề nghị", fields=["Họ và tên"])
    assert render_form(form) == render_form(form)


def test_check_docx_rejects_what_is_not_a_word_document():
    with pytest.raises(ValueError):
        check_docx(b"not a zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/other.xml", "<x/>")
    with pytest.raises(ValueError, match="word/document.xml"):
        check_docx(buffer.getvalue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(DOCUMENT_PART, "<w:document>")
    with pytest.raises(ValueError):
        check_docx(buffer.getvalue())
