"""The business objects: create, read, update, delete and actions on the store.

Version-agnostic: documents go in and out as stored (dates ``YYYY-MM-DD``); the HTTP
layer renders them per version.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from typing import Any

import orjson

from b1hub.sandbox.service_layer import collections, documents
from b1hub.sandbox.service_layer.query import FilterCompiler, Sql, parse_orderby
from b1hub.sandbox.service_layer.schema import ENTITIES, Entity, Field
from b1hub.sandbox.service_layer.store import Store
from b1hub.sandbox.service_layer.udfs import Udf, check_definition, udf_from_row
from b1hub.sandbox.service_layer.validate import Doc, clean_header, clean_lines
from b1hub.sandbox.service_layer.wire import MSG_NOT_FOUND, SLError

CODE_UNDEFINED = {"BusinessPartners": "OCRD.CardCode", "Items": "OITM.ItemCode"}
DOCUMENT_SETS = ("Quotations", "Orders")


def now() -> tuple[str, str]:
    """Server clock (UTC), second precision, split the SAP way into date and time."""
    moment = dt.datetime.now(dt.UTC)
    return moment.date().isoformat(), moment.strftime("%H:%M:%S")


def missing(key: Any) -> SLError:
    return SLError(404, -2028, f"Entity with value('{key}') does not exist")


def etag(doc: Doc) -> str:
    return 'W/"' + hashlib.sha1(orjson.dumps(doc)).hexdigest().upper() + '"'


class Service:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._udfs: dict[str, dict[str, Udf]] | None = None

    # -- user-defined fields -------------------------------------------------------
    def forget_udfs(self) -> None:
        self._udfs = None

    def udfs(self, table: str | None) -> dict[str, Udf]:
        if table is None:
            return {}
        if self._udfs is None:
            by_table: dict[str, dict[str, Udf]] = {}
            rows = self.store.select("UserFieldsMD", None, Sql("key ASC"), None, 0)
            for row in rows:
                from b1hub.sandbox.service_layer.schema import udf_tables_sharing

                for shared in udf_tables_sharing(row["TableName"]):
                    udf = udf_from_row(row)
                    by_table.setdefault(shared, {})[udf.name] = udf
            self._udfs = by_table
        return self._udfs.get(table, {})

    def udf_fields(self, table: str | None) -> dict[str, Field]:
        return {name: udf.field for name, udf in self.udfs(table).items()}

    # -- reads ---------------------------------------------------------------------
    def get(self, entity: Entity, key: Any) -> Doc:
        doc = self.store.get(entity.set_name, key)
        if doc is None:
            raise SLError(404, -2028, MSG_NOT_FOUND)
        return doc

    def where(self, entity: Entity, filter_text: str | None) -> Sql | None:
        if not filter_text:
            return None
        return FilterCompiler(entity, self.udf_fields(entity.udf_table)).compile(filter_text)

    def query(self, entity: Entity, where: Sql | None, orderby: str | None,
              limit: int | None, offset: int) -> list[Doc]:
        order = parse_orderby(entity, self.udf_fields(entity.udf_table), orderby)
        return self.store.select(entity.set_name, where, order, limit, offset)

    # -- writes --------------------------------------------------------------------
    def create(self, entity: Entity, body: Any) -> tuple[Any, Doc]:
        if entity.set_name == "UserFieldsMD":
            return self._create_udf(body)
        header = clean_header(entity, self.udfs(entity.udf_table), body)
        if entity.auto_key:
            key: Any = self.store.next_number(entity.set_name)
        else:
            key = header.get(entity.key)
            if key in (None, ""):
                target = CODE_UNDEFINED.get(entity.set_name, entity.key)
                raise SLError(400, -5002, f"Code undefined  [{target}]")
            if self.store.exists(entity.set_name, key):
                raise self._duplicate(entity, key)
        header[entity.key] = key
        for name in entity.indexed:
            header.setdefault(name, entity.fields[name].default)
        date, time = now()
        for name, value in (("CreateDate", date), ("CreateTime", time), ("CreationDate", date),
                            ("UpdateDate", date), ("UpdateTime", time)):
            if name in entity.fields:
                header[name] = value
        doc = self._with_collections(entity, header, {}, body, replace=True)
        self._derive(entity, doc, created=True)
        self.store.insert(entity.set_name, key, doc)
        return key, doc

    def update(self, entity: Entity, key: Any, body: Any, replace: bool) -> Doc:
        stored = self.store.get(entity.set_name, key)
        if stored is None:
            raise missing(key)
        if entity.set_name == "UserFieldsMD":
            raise SLError(400, -5006, "The requested action is not supported for this object.")
        header = clean_header(entity, self.udfs(entity.udf_table), body)
        header.pop(entity.key, None)
        if entity.set_name == "SalesOpportunities":
            self._check_open_for_lines(stored, header, body)
        doc = self._with_collections(entity, {**stored, **header}, stored, body, replace)
        date, time = now()
        if "UpdateDate" in entity.fields:
            doc["UpdateDate"], doc["UpdateTime"] = date, time
        self._derive(entity, doc, created=False)
        self.store.replace(entity.set_name, key, doc)
        return doc

    def delete(self, entity: Entity, key: Any) -> None:
        if not entity.deletable:
            raise SLError(400, -5006, "The requested action is not supported for this object.")
        if entity.set_name == "BusinessPartners" and self.store.exists(entity.set_name, key):
            for doc_set in DOCUMENT_SETS:
                linked = Sql("json_extract(doc, '$.CardCode') = ?", (key,))
                if self.store.count(doc_set, linked):
                    raise SLError(400, -5002, "Business partner has open documents; "
                                              "it cannot be removed")
        if not self.store.delete(entity.set_name, key):
            raise missing(key)
        if entity.set_name == "UserFieldsMD":
            self.forget_udfs()

    def action(self, entity: Entity, key: Any, action: str) -> None:
        if action not in entity.actions:
            raise SLError(400, -1000, f"Invalid action '{action}'")
        doc = self.store.get(entity.set_name, key)
        if doc is None:
            raise missing(key)
        documents.apply_action(entity.set_name, doc, action)
        date, time = now()
        doc["UpdateDate"], doc["UpdateTime"] = date, time
        if entity.set_name == "SalesOpportunities":
            doc["ClosingDate"] = date
        self.store.replace(entity.set_name, key, doc)

    # -- helpers ---------------------------------------------------------------------
    def _duplicate(self, entity: Entity, key: Any) -> SLError:
        if entity.set_name == "BusinessPartners":
            return SLError(400, -10, f"1320000140 - Business partner code '{key}' already "
                                     "assigned to a business partner; enter a unique "
                                     "business partner code")
        return SLError(400, -10, f"1470000113 - {entity.type_name} '{key}' already exists")

    def _with_collections(self, entity: Entity, doc: Doc, stored: Doc, body: Any,
                          replace: bool) -> Doc:
        date, time = now()
        for name, coll in entity.collections.items():
            if name not in body:
                continue
            sent = clean_lines(coll, self.udfs(coll.udf_table), body[name])
            doc[name] = collections.merge(
                name, coll, stored.get(name, []), sent, replace,
                functools.partial(self._new_line_key, name, coll.key or ""),
                {"UpdateDate": date, "UpdateTime": time},
            )
        return doc

    def _new_line_key(self, name: str, key: str, lines: list[Doc]) -> int:
        if name == "ContactEmployees":
            return self.store.next_number("ContactEmployees")
        return collections.next_line_number(lines, key)

    def _check_open_for_lines(self, stored: Doc, header: Doc, body: Any) -> None:
        status = header.get("Status", stored.get("Status", "sos_Open"))
        lines = body.get("SalesOpportunitiesLines") or []
        if status != "sos_Open" and any(line.get("LineNum") is None for line in lines):
            raise SLError(400, -1029, "[SalesOpportunitiesLines.SequenceNo] "
                                      "Field cannot be updated")

    def _derive(self, entity: Entity, doc: Doc, created: bool) -> None:
        """Fields the server maintains itself, recomputed on every write."""
        key = doc[entity.key]
        if entity.set_name == "BusinessPartners":
            for line in doc.get("ContactEmployees", []):
                line["CardCode"] = key
            for line in doc.get("BPAddresses", []):
                line["BPCode"] = key
            contacts = doc.get("ContactEmployees", [])
            if contacts and not doc.get("ContactPerson"):
                doc["ContactPerson"] = contacts[0].get("Name")
        elif entity.set_name == "Items":
            self._complete_prices(doc)
        elif entity.set_name in DOCUMENT_SETS:
            self._derive_document(entity, doc, created)
        elif entity.set_name == "SalesOpportunities":
            bp = self.store.get("BusinessPartners", doc.get("CardCode"))
            if bp is None:
                raise SLError(400, -10, f"Invalid BP code '{doc.get('CardCode')}'")
            doc.setdefault("CustomerName", bp.get("CardName"))
            stages = {s["SequenceNo"]: float(s.get("ClosingPercentage") or 0.0)
                      for s in self.store.select("SalesStages", None, Sql("key"), None, 0)}
            documents.compute_opportunity(doc, stages)

    def _complete_prices(self, doc: Doc) -> None:
        """Every price list appears on an item; an unpriced one is 0.0 with no currency."""
        prices = {p["PriceList"]: p for p in doc.get("ItemPrices", [])}
        lists = self.store.select("PriceLists", None, Sql("key"), None, 0)
        doc["ItemPrices"] = [
            prices.get(pl["PriceListNo"]) or {
                "PriceList": pl["PriceListNo"], "Price": 0.0, "Currency": None,
                "BasePriceList": pl["PriceListNo"], "Factor": 1.0, "UoMPrices": []}
            for pl in lists
        ]

    def _derive_document(self, entity: Entity, doc: Doc, created: bool) -> None:
        bp = self.store.get("BusinessPartners", doc.get("CardCode"))
        if bp is None:
            raise SLError(400, -10, f"Invalid BP code '{doc.get('CardCode')}'")
        if created:
            doc["DocNum"] = self.store.next_number(f"DocNum:{entity.set_name}")
            doc["DocumentStatus"], doc["Cancelled"] = "bost_Open", "tNO"
            doc.setdefault("CardName", bp.get("CardName"))
            doc.setdefault("DocDate", doc["CreationDate"])
            doc.setdefault("DocDueDate", doc["DocDate"])
            doc.setdefault("TaxDate", doc["DocDate"])
            doc.setdefault("DocCurrency", bp.get("Currency") or "USD")
        for number, line in enumerate(doc.get("DocumentLines", [])):
            line.setdefault("LineNum", number)
            line.setdefault("LineStatus", doc.get("DocumentStatus", "bost_Open"))
        documents.compute_document(
            doc, lambda code: self.store.get("Items", code), int(bp.get("PriceListNum") or 1),
            lambda code: self.store.get("AdditionalExpenses", code))

    def _create_udf(self, body: Any) -> tuple[Any, Doc]:
        entity = ENTITIES["UserFieldsMD"]
        header = clean_header(entity, {}, body)
        if "ValidValuesMD" in body:
            header["ValidValuesMD"] = clean_lines(
                entity.collections["ValidValuesMD"], {}, body["ValidValuesMD"])
        existing = self.store.select("UserFieldsMD", None, Sql("key"), None, 0)
        check_definition(header, existing)
        table = header["TableName"]
        field_id = 1 + max((int(row["FieldID"]) for row in existing
                            if row.get("TableName") == table), default=-1)
        header["FieldID"] = field_id
        header.setdefault("Type", "db_Alpha")
        header.setdefault("Size", 10)
        header.setdefault("EditSize", header["Size"])
        key = f"{table}:{field_id:05d}"
        self.store.insert("UserFieldsMD", key, header)
        self.forget_udfs()
        return key, header
