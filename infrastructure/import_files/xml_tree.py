"""Namespace-agnostic reading of an XML tree, every fault naming the element path."""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from application.imports import ImportFileError

MAX_XML_BYTES = 50 * 1024 * 1024


def safe_parser() -> etree.XMLParser:
    """No entities, no network, no DTD: a statement or an invoice is data, never instructions."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(content: bytes, location: str) -> etree._Element:
    if len(content) > MAX_XML_BYTES:
        raise ImportFileError(location, f"larger than {MAX_XML_BYTES} bytes", rule="import_size")
    try:
        root = etree.fromstring(content, parser=safe_parser())
    except etree.XMLSyntaxError as error:
        raise ImportFileError(
            f"{location}, line {error.lineno}", f"malformed XML: {error.msg}", rule="import_xml"
        ) from error
    if root is None:
        raise ImportFileError(location, "empty XML document", rule="import_xml")
    return root


def _wild(path: str) -> str:
    """``A/B`` -> ``{*}A/{*}B``: the same element whatever the schema version's namespace."""
    return "/".join(f"{{*}}{step}" for step in path.split("/"))


class Element:
    """An element and its path from the root ("Stmt[2]/Ntry[5]"), for error messages."""

    def __init__(self, node: etree._Element, path: str) -> None:
        self.node = node
        self.path = path

    def error(self, relative: str, message: str) -> ImportFileError:
        return ImportFileError(f"{self.path}/{relative}" if relative else self.path, message, rule="import_xml_content")

    def first(self, relative: str) -> etree._Element | None:
        return self.node.find(_wild(relative))

    def all(self, relative: str) -> list[etree._Element]:
        return list(self.node.iterfind(_wild(relative)))

    def children(self, relative: str) -> list[Element]:
        return [Element(node, f"{self.path}/{relative}[{i}]") for i, node in enumerate(self.all(relative), start=1)]

    def child(self, relative: str) -> Element | None:
        node = self.first(relative)
        return None if node is None else Element(node, f"{self.path}/{relative}")

    def optional(self, relative: str) -> str | None:
        node = self.first(relative)
        text = None if node is None else (node.text or "").strip()
        return text or None

    def text(self, relative: str) -> str:
        value = self.optional(relative)
        if value is None:
            raise self.error(relative, "missing or empty")
        return value
