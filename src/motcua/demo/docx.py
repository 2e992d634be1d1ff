"""A tiny writer for Word (.docx) application forms, written with zipfile only.

A .docx file is a zip of XML parts (Office Open XML, ECMA-376). A form needs four parts: the content
types, the package relationships, the document and its styles. The layout follows Vietnamese
administrative documents: Times New Roman 13 pt, the national motto centred at the top, the title in
bold capitals, then labelled lines filled with dots for the applicant to complete by hand. The text is
document content, not interface text: official forms are in Vietnamese whatever the reader's language.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

NATIONAL_MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_SLOGAN = "Độc lập - Tự do - Hạnh phúc"

DOCUMENT_PART = "word/document.xml"

# A4 portrait with the margins of ND 30/2020 (top/bottom 20 mm, left 30 mm, right 15 mm), in twentieths of
# a point; the text column is what remains, and the dotted lines run to its right edge.
_PAGE_WIDTH, _PAGE_HEIGHT = 11906, 16838
_MARGIN_TOP, _MARGIN_BOTTOM, _MARGIN_LEFT, _MARGIN_RIGHT = 1134, 1134, 1701, 850
_TEXT_WIDTH = _PAGE_WIDTH - _MARGIN_LEFT - _MARGIN_RIGHT

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

_PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""

_DOCUMENT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""

_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{_W}">
<w:docDefaults>
<w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/><w:sz w:val="26"/><w:szCs w:val="26"/><w:lang w:val="vi-VN"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:before="0" w:after="80" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="240" w:after="240"/><w:jc w:val="center"/></w:pPr><w:rPr><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>
</w:styles>"""

_CORE_PROPERTIES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>{title}</dc:title><dc:creator>motcua</dc:creator><dc:language>vi-VN</dc:language>
</cp:coreProperties>"""

# A fixed timestamp keeps the archive identical from one run to the next for identical content.
_ZIP_TIMESTAMP = (2025, 7, 1, 0, 0, 0)


@dataclass
class FormTemplate:
    """An application form: its title, addressee, lines to fill in and the signature block."""

    title: str
    recipient: str = ""
    fields: list[str] = field(default_factory=list)
    note: str = ""
    signer: str = "NGƯỜI YÊU CẦU"
    signature_hint: str = "(Ký, ghi rõ họ tên)"


def _run(
    text: str, *, bold: bool = False, italic: bool = False, underline: bool = False, size: int = 0
) -> str:
    # Child order is fixed by the schema (CT_RPr): b, i, ..., sz, szCs, ..., u.
    props = []
    if bold:
        props.append("<w:b/>")
    if italic:
        props.append("<w:i/>")
    if size:
        props.append(f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>')
    if underline:
        props.append('<w:u w:val="single"/>')
    rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _tab() -> str:
    return "<w:r><w:tab/></w:r>"


def _paragraph(
    runs: str, *, align: str = "", style: str = "", dotted_tab: bool = False, indent_left: int = 0
) -> str:
    # Child order is fixed by the schema (CT_PPr): pStyle, tabs, ind, jc.
    props = []
    if style:
        props.append(f'<w:pStyle w:val="{style}"/>')
    if dotted_tab:
        props.append(f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{_TEXT_WIDTH}"/></w:tabs>')
    if indent_left:
        props.append(f'<w:ind w:left="{indent_left}"/>')
    if align:
        props.append(f'<w:jc w:val="{align}"/>')
    ppr = f"<w:pPr>{''.join(props)}</w:pPr>" if props else ""
    return f"<w:p>{ppr}{runs}</w:p>"


def _document_xml(form: FormTemplate) -> str:
    body = [
        _paragraph(_run(NATIONAL_MOTTO, bold=True), align="center"),
        _paragraph(_run(NATIONAL_SLOGAN, bold=True, underline=True), align="center"),
        _paragraph("", align="center"),
        _paragraph(_run(form.title.upper(), bold=True), style="Title"),
    ]
    if form.recipient:
        body.append(_paragraph(_run(form.recipient), align="center"))
        body.append(_paragraph(""))
    for label in form.fields:
        # "Họ và tên: ........" – the dotted leader of a right tab fills the line to the margin.
        body.append(_paragraph(_run(f"{label}: ") + _tab(), dotted_tab=True))
    if form.note:
        body.append(_paragraph(_run(form.note, italic=True), align="both"))
    body.append(_paragraph(""))
    # Place, date and signature are centred in the right half of the page, as on official forms.
    half = _TEXT_WIDTH // 2
    body.append(
        _paragraph(_run("……………, ngày …… tháng …… năm ……", italic=True), align="center", indent_left=half)
    )
    body.append(_paragraph(_run(form.signer, bold=True), align="center", indent_left=half))
    body.append(_paragraph(_run(form.signature_hint, italic=True), align="center", indent_left=half))
    section = (
        f'<w:sectPr><w:pgSz w:w="{_PAGE_WIDTH}" w:h="{_PAGE_HEIGHT}"/>'
        f'<w:pgMar w:top="{_MARGIN_TOP}" w:right="{_MARGIN_RIGHT}" w:bottom="{_MARGIN_BOTTOM}" '
        f'w:left="{_MARGIN_LEFT}" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_W}"><w:body>{"".join(body)}{section}</w:body></w:document>'
    )


def _write(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode("utf-8"))


def render_form(form: FormTemplate) -> bytes:
    """The .docx bytes of ``form``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # [Content_Types].xml first, as Word and the ECMA-376 packaging conventions expect.
        _write(archive, "[Content_Types].xml", _CONTENT_TYPES)
        _write(archive, "_rels/.rels", _PACKAGE_RELS)
        _write(archive, DOCUMENT_PART, _document_xml(form))
        _write(archive, "word/_rels/document.xml.rels", _DOCUMENT_RELS)
        _write(archive, "word/styles.xml", _STYLES)
        _write(archive, "docProps/core.xml", _CORE_PROPERTIES.format(title=escape(form.title)))
    data = buffer.getvalue()
    check_docx(data)
    return data


def check_docx(data: bytes) -> None:
    """Raise ``ValueError`` unless ``data`` is a readable zip holding a well-formed word/document.xml."""
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            broken = archive.testzip()
            if broken is not None:
                raise ValueError(f"corrupt member {broken}")
            if DOCUMENT_PART not in archive.namelist():
                raise ValueError(f"{DOCUMENT_PART} missing")
            ElementTree.fromstring(archive.read(DOCUMENT_PART))
    except (zipfile.BadZipFile, ElementTree.ParseError) as error:
        raise ValueError(str(error)) from error
