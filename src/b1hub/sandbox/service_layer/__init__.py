"""The SAP Business One Service Layer sandbox (``/b1s/v1`` and ``/b1s/v2``)."""
