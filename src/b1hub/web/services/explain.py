"""Remote error codes in plain words, next to the remote system's own message."""

from __future__ import annotations

PLAIN: dict[str, str] = {
    "INVALID_EMAIL_ADDRESS": "The e-mail address is not valid in Salesforce. Correct it in "
                             "the source record, then retry.",
    "REQUIRED_FIELD_MISSING": "A field Salesforce requires is empty. Fill it in the source "
                              "record, then retry.",
    "STRING_TOO_LONG": "A value is longer than the target field allows. Shorten it, then retry.",
    "DUPLICATE_VALUE": "Another record already has this unique value (often the external "
                       "id). Check for a duplicate, then retry.",
    "DUPLICATES_DETECTED": "A Salesforce duplicate rule blocked the record as a likely "
                           "duplicate. Merge or adjust the data, then retry.",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": "A Salesforce validation rule refused the record; "
                                         "its message says which value to change.",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": "A value is not in the target picklist. Map or "
                                               "correct it, then retry.",
    "ENTITY_IS_DELETED": "The target record was deleted in Salesforce.",
    "UNABLE_TO_LOCK_ROW": "Salesforce was busy with the same record; a retry usually works.",
    "STANDARD_PRICE_NOT_DEFINED": "The product has no standard price in this currency yet.",
    "REQUEST_LIMIT_EXCEEDED": "The Salesforce org's daily API allowance is used up; runs "
                              "resume when it resets.",
    "-10": "SAP Business One refused the record (a value is not valid for the field).",
    "-5002": "SAP Business One refused the record: a value is too long or of the wrong type.",
    "-2028": "SAP Business One could not find the referenced record.",
}


def plain_words(code: str | None) -> str | None:
    return PLAIN.get(code or "")
