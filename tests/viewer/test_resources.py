"""Desktop integration files: icon, .desktop entry, shared-mime-info definition (no Qt)."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RES = ROOT / "resources"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def test_icon_is_svg_and_packaged_copy_matches():
    root = ET.parse(RES / "tracy.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (ROOT / "viewer" / "resources" / "tracy.svg").read_bytes() == (RES / "tracy.svg").read_bytes()


def test_desktop_entry():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(RES / "tracy-view.desktop")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application"
    assert d["Exec"] == "tracy-view %F"
    assert d["Icon"] == "tracy"
    assert d["MimeType"] == "application/x-tracy;"
    assert d["Categories"] == "Development;Debugger;"


def test_mime_type_matches_by_magic_first():
    root = ET.parse(RES / "tracy-mime.xml").getroot()
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    assert mime.get("type") == "application/x-tracy"
    magic = mime.find(f"{MIME_NS}magic")
    assert int(magic.get("priority")) >= 80
    match = magic.find(f"{MIME_NS}match")
    assert (match.get("type"), match.get("offset")) == ("string", "0")
    assert match.get("value").encode().decode("unicode_escape").encode("latin-1") == b"\x89TRACY\r\n\x1a\n"
    glob = mime.find(f"{MIME_NS}glob")
    assert glob.get("pattern") == "*.tracy"
    assert int(glob.get("weight")) < 50  # default weight is 50: ours yields to content detection
