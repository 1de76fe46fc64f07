"""The Salesforce sandbox: OAuth and SOAP login, REST, SOQL, Collections, Bulk API 2.0."""
