"""Plain forms of our own admin pages, dressed in the admin theme's widgets."""

from __future__ import annotations

from django import forms
from unfold import widgets as unfold_widgets

# The theme's widget for each of Django's plain widgets our forms use.
THEMED = {
    forms.TextInput: unfold_widgets.UnfoldAdminTextInputWidget,
    forms.EmailInput: unfold_widgets.UnfoldAdminEmailInputWidget,
    forms.NumberInput: unfold_widgets.UnfoldAdminIntegerFieldWidget,
    forms.Textarea: unfold_widgets.UnfoldAdminTextareaWidget,
    forms.Select: unfold_widgets.UnfoldAdminSelectWidget,
    forms.CheckboxInput: unfold_widgets.UnfoldBooleanWidget,
    forms.CheckboxSelectMultiple: unfold_widgets.UnfoldAdminCheckboxSelectMultipleWidget,
    forms.ClearableFileInput: unfold_widgets.UnfoldAdminFileFieldWidget,
    forms.FileInput: unfold_widgets.UnfoldAdminFileFieldWidget,
}


class ThemedFieldsMixin:
    """Render a form's fields with the theme's widgets (their attributes and choices kept)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            themed = THEMED.get(type(field.widget))
            if themed is not None:
                replacement = themed(attrs=dict(field.widget.attrs))
                if hasattr(field.widget, "choices"):
                    replacement.choices = field.widget.choices
                field.widget = replacement


class ThemedForm(ThemedFieldsMixin, forms.Form):
    """A plain form of our own admin pages, in the theme's widgets."""
