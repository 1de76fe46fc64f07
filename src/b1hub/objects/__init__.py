"""One module per synced object: its SAP entity, Salesforce sObject, keys and default map."""
