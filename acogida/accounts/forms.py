from django import forms
from django.utils.translation import gettext_lazy as _

from acogida.core import ids


class TrailForm(forms.Form):
    number = forms.CharField(label=_("Registration number"), max_length=20)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        if not ids.is_valid(number):
            raise forms.ValidationError(_("Not a registration number (e.g. K7Q2-M9XD-3F)."))
        return ids.normalize(number)
