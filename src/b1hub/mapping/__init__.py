"""Field maps, value maps and type conversion between SAP, canonical and Salesforce values."""
