"""Hostile inputs: files made to break a document pipeline, each named for what it tries.

Each generator returns ``(file name, bytes)``; ``size`` scales the inputs that have a size (a
dense PDF page's lines, a long line's repeats, a nesting depth), so that the same input at 10x
its size shows whether the work stays linear. ``bench.fuzz --hostile`` runs them all and
times each at two sizes; the tests run them among good files and expect one record each.

    python -m bench.hostile OUT_DIR [--size N]   # write them all to OUT_DIR
"""

from __future__ import annotations

import argparse
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types '
    'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def _docx(document: str, styles: str | None = None, entity: bool = False) -> bytes:
    """A minimal DOCX (content types and a document part, styles when given)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", document)
        if styles is not None:
            archive.writestr("word/styles.xml", styles)
    return out.getvalue()


def _body(inner: str, doctype: str = "") -> str:
    document = f'<w:document xmlns:w="{W}"><w:body>{inner}</w:body></w:document>'
    return f'<?xml version="1.0"?>{doctype}{document}'


def _p(text: str, properties: str = "") -> str:
    return f"<w:p>{properties}<w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_style_without_type(size: int) -> tuple[str, bytes]:
    """A style with no ``w:type`` and no id, as real files have (python-docx raised KeyError)."""
    styles = (
        f'<w:styles xmlns:w="{W}"><w:style><w:name w:val="Orphan"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Loop1"><w:name w:val="Loop1"/>'
        '<w:basedOn w:val="Loop2"/></w:style><w:style w:type="paragraph" w:styleId="Loop2">'
        '<w:name w:val="Loop2"/><w:basedOn w:val="Loop1"/></w:style></w:styles>'
    )
    style = '<w:pPr><w:pStyle w:val="Loop1"/></w:pPr>'
    body = _body(_p("A paragraph in a style based on itself.", style) + _p("A plain one."))
    return "style-without-type.docx", _docx(body, styles)


def docx_bad_list_level(size: int) -> tuple[str, bytes]:
    """A list level that is not a number, and one of a hundred million."""
    item = '<w:pPr><w:numPr><w:ilvl w:val="{}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
    body = _p("Level x.", item.format("x")) + _p("Deep.", item.format(100_000_000))
    return "bad-list-level.docx", _docx(_body(body))


def docx_without_body(size: int) -> tuple[str, bytes]:
    return "no-body.docx", _docx(f'<?xml version="1.0"?><w:document xmlns:w="{W}"/>')


def docx_wrong_root(size: int) -> tuple[str, bytes]:
    return "wrong-root.docx", _docx("<html><body><p>Not a Word document.</p></body></html>")


def docx_entity(size: int) -> tuple[str, bytes]:
    """An external entity (XXE): it is not resolved, and the text around it is kept."""
    doctype = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = _body(_p("Before &xxe; after."), doctype)
    return "entity.docx", _docx(body)


def _zip_with_member(name: str, data: bytes, method: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


def _set_flag(archive: bytes, name: bytes, flag: int = 0, method: int | None = None) -> bytes:
    """Set a general-purpose flag bit (or the compression method) of ``name``'s headers."""
    out = bytearray(archive)
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        for match in re.finditer(re.escape(signature), archive):
            start = match.start()
            if archive[start + name_at : start + name_at + len(name)] != name:
                continue
            flags = struct.unpack_from("<H", out, start + flag_at)[0]
            struct.pack_into("<H", out, start + flag_at, flags | flag)
            if method is not None:
                struct.pack_into("<H", out, start + flag_at + 2, method)
    return bytes(out)


def zip_encrypted_member(size: int) -> tuple[str, bytes]:
    """A DOCX whose document part says it is encrypted (zipfile: RuntimeError)."""
    data = _zip_with_member("word/document.xml", _body(_p("secret")).encode())
    return "encrypted-member.docx", _set_flag(data, b"word/document.xml", flag=0x1)


def zip_unknown_method(size: int) -> tuple[str, bytes]:
    """A member compressed with method 98 (PPMd), which zipfile cannot read."""
    data = _zip_with_member("word/document.xml", _body(_p("x")).encode())
    return "method-98.docx", _set_flag(data, b"word/document.xml", method=98)


def zip_corrupt_deflate(size: int) -> tuple[str, bytes]:
    """A deflated member whose stream is garbage (zlib.error)."""
    data = bytearray(_zip_with_member("word/document.xml", b"x" * 2000, zipfile.ZIP_DEFLATED))
    at = data.find(b"word/document.xml") + len("word/document.xml")
    data[at : at + 12] = b"\xff" * 12
    return "corrupt-deflate.docx", bytes(data)


def _raw_zip(members: list[tuple[str, bytes, int]]) -> bytes:
    """A ZIP archive of deflated ``(name, data, stated size)`` members, whose central
    directory states the sizes given (the truth or not)."""
    body, central = b"", b""
    for name, data, stated in members:
        encoded = name.encode()
        stream = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = stream.compress(data) + stream.flush()
        crc = zlib.crc32(data)
        fields = (20, 0, 8, 0, 0, crc, len(packed), stated, len(encoded), 0)
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields)
        central += (
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, len(body)) + encoded
        )
        body += local + encoded + packed
    count = len(members)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(body), 0)
    return body + central + end


def zip_understated_bomb(size: int) -> tuple[str, bytes]:
    """A DOCX whose document part inflates to ``size`` MiB x 50 while its central directory
    says 100 bytes."""
    document = b"<w:p>" + b"a" * (size * 50 << 20)
    members = [
        ("[Content_Types].xml", CONTENT_TYPES.encode(), len(CONTENT_TYPES)),
        ("word/document.xml", document, 100),
    ]
    return "understated-bomb.docx", _raw_zip(members)


def zip_mimetype_bomb(size: int) -> tuple[str, bytes]:
    """An HWPX whose ``mimetype`` member inflates to ``size`` MiB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"application/hwp+zip" + b"\0" * (size << 20))
    return "mimetype-bomb.hwpx", out.getvalue()


def hwpx_backslashes(size: int) -> tuple[str, bytes]:
    """An HWPX whose entry names use backslashes."""
    hp = "http://www.hancom.co.kr/hwpml/2011/paragraph"
    section = (
        f'<hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" xmlns:hp="{hp}">'
        "<hp:p><hp:run><hp:t>백슬래시 항목 이름의 문서입니다.</hp:t></hp:run></hp:p></hs:sec>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        archive.writestr("Contents\\section0.xml", section)
    return "backslashes.hwpx", out.getvalue()


def encrypted_office(size: int) -> tuple[str, bytes]:
    """An OLE2 container holding an ``EncryptedPackage``: a password-protected Word file."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return "protected.docx", header + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512


def html_charset_undefined(size: int) -> tuple[str, bytes]:
    page = (
        '<html><head><meta charset="undefined"></head><body><p>Plain words here.</p></body></html>'
    )
    return "charset-undefined.html", page.encode()


def html_utf7(size: int) -> tuple[str, bytes]:
    """A page that declares UTF-7 and holds a sequence that decodes to a lone surrogate."""
    page = (
        '<html><head><meta charset="utf-7"></head><body><p>A +2ADYAA- paragraph.</p></body></html>'
    )
    return "utf-7.html", page.encode()


def html_deep(size: int) -> tuple[str, bytes]:
    """Text before, inside and after ``size`` x 1,000 nested elements."""
    depth = size * 1000
    page = (
        "<html><body><p>The paragraph before the nesting has words enough to count.</p>"
        + "<div>" * depth
        + "<p>The paragraph inside the nesting is what a parser may drop.</p>"
        + "</div>" * depth
        + "<p>The paragraph after the nesting has words enough to count too.</p></body></html>"
    )
    return "deep.html", page.encode()


def html_bylines(size: int) -> tuple[str, bytes]:
    """A page whose elements name their authors everywhere: ``size`` x 2,000 comments with a
    long ``comment-author`` line each, and 250 nested ``author`` elements around ``size`` x
    20,000 empty ones (each a byline candidate holding most of the page)."""
    comments = "".join(
        f"<li class='comment'><p class='author'>{f'Reader number {k} ' * 10}</p><p>Thanks.</p></li>"
        for k in range(size * 2000)
    )
    page = (
        "<html><body><h1>A headline over many bylines</h1>"
        + "<div class='author'>" * 250
        + "<span></span>" * (size * 20_000)
        + "</div>" * 250
        + "<p>The article's one paragraph has words enough to count as running text.</p>"
        + f"<ol class='comments'>{comments}</ol></body></html>"
    )
    return "bylines.html", page.encode()


def long_line(size: int) -> tuple[str, bytes]:
    """A line of ``size`` x 100,000 dated list markers: a sentence at every full stop."""
    return "long-line.txt", ("2021. 5. " * (size * 100_000)).encode()


def long_list(size: int) -> tuple[str, bytes]:
    """A list of ``size`` x 5,000 short numbered items, one run: rules that look at a line's
    whole run (menus, breadcrumbs) once per item would be quadratic."""
    items = (f"{i % 99 + 1}. Item {i}" for i in range(size * 5000))
    return "long-list.txt", "\n".join(["1. Home", *items]).encode()


def html_short_sections(size: int) -> tuple[str, bytes]:
    """``size`` x 5,000 headings, each over one short paragraph: segments too short to vouch
    for their own language, which take it from their neighbours."""
    sections = "".join(f"<h3>Heading {i}</h3><p>Short note {i}.</p>" for i in range(size * 5000))
    page = (
        "<html><head><title>Sections</title></head><body><article><h1>Sections</h1>"
        "<p>The government announced a plan today for the parks of the city.</p>"
        f"{sections}</article></body></html>"
    )
    return "short-sections.html", page.encode()


def pdf_dense_page(size: int) -> tuple[str, bytes]:
    """One page of ``size`` x 1,000 tiny lines of text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    lines = size * 1000
    step = (A4[1] - 40) / lines
    for i in range(lines):
        page.setFont("Helvetica", 1)
        page.drawString(20, A4[1] - 20 - i * step, f"line {i} of a dense page with words")
    page.save()
    return "dense-page.pdf", out.getvalue()


GENERATORS: tuple[Callable[[int], tuple[str, bytes]], ...] = (
    docx_style_without_type,
    docx_bad_list_level,
    docx_without_body,
    docx_wrong_root,
    docx_entity,
    zip_encrypted_member,
    zip_unknown_method,
    zip_corrupt_deflate,
    zip_understated_bomb,
    zip_mimetype_bomb,
    hwpx_backslashes,
    encrypted_office,
    html_charset_undefined,
    html_utf7,
    html_deep,
    html_bylines,
    long_line,
    long_list,
    html_short_sections,
    pdf_dense_page,
)
SIZED = (
    zip_understated_bomb,
    zip_mimetype_bomb,
    html_deep,
    html_bylines,
    long_line,
    long_list,
    html_short_sections,
    pdf_dense_page,
)
"""The generators whose size grows with ``size`` (timed at two sizes by bench.fuzz)."""
BAD_NAME = b"caf\xe9-latin1-name.txt"
"""A file name that is not UTF-8 (write it with :func:`write_all`)."""


def write_all(folder: Path, size: int = 1) -> list[str]:
    """Every hostile input in ``folder``, and a text file whose name is not UTF-8; their
    names (as Python lists a folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for generator in GENERATORS:
        name, data = generator(size)
        (folder / name).write_bytes(data)
        names.append(name)
    with open(bytes(folder) + b"/" + BAD_NAME, "wb") as handle:
        handle.write(b"A text whose file name is not UTF-8.\n")
    names.append(BAD_NAME.decode("utf-8", "surrogateescape"))
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=1)
    args = parser.parse_args(argv)
    for name in write_all(args.out, args.size):
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
