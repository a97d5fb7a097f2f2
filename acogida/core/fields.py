"""Model fields that never reach the database in clear."""

import json

from django.db import models

from .crypto import key_ring


class EncryptedTextField(models.TextField):
    """Text stored with AES-GCM. Not searchable by design: keep search to non-sensitive columns."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return key_ring().decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return key_ring().encrypt(value)


class EncryptedJSONField(models.TextField):
    """A JSON value (list or dict) stored encrypted; empty means ``default`` in clear."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return self.get_default()
        return json.loads(key_ring().decrypt(value))

    def to_python(self, value):
        if isinstance(value, str) and value:
            return json.loads(value)
        return value

    def get_prep_value(self, value):
        if value is None:
            return value
        if not value:
            return ""
        return key_ring().encrypt(json.dumps(value, sort_keys=True, ensure_ascii=False))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
