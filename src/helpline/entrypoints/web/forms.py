"""Forms on the web pages: the posted fields checked by the use case's own Pydantic command, and every
problem turned into a message shown next to its field, in the user's language.

A view calls `parse_form(Command, fields)`; on errors it renders the form again with `errors` (field name →
message id) and the values the person typed, so nothing they entered is lost. Templates show the fields with
the macros of templates/forms.html."""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from helpline.domain.errors import Conflict, DomainError, IllegalTransition, InvalidInput, NotFound
from helpline.entrypoints.web.rendering import N_

Command = TypeVar("Command", bound=BaseModel)
FormErrors = dict[str, str]
FORM_LEVEL = "__form__"  # an error about the whole form, shown above it

# Pydantic's error types, as a person reads them
MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("This is too long."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "decimal_parsing": N_("Enter a number."),
    "greater_than": N_("This number is too small."),
    "greater_than_equal": N_("This number is too small."),
    "less_than": N_("This number is too large."),
    "less_than_equal": N_("This number is too large."),
    "date_from_datetime_parsing": N_("Enter a date."),
    "date_parsing": N_("Enter a date."),
    "datetime_parsing": N_("Enter a date and time."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "time_parsing": N_("Enter a time."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "bool_parsing": N_("Choose yes or no."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "value_error": N_("This value is not valid."),
    "list_type": N_("Choose one or more options."),
}
INVALID = N_("This value is not valid.")


def form_values(form: FormData, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The posted fields without the CSRF token; blank fields are left out (so "required" is reported and
    optional fields take their defaults); `lists` are multi-valued fields."""
    values: dict[str, Any] = {}
    for key in form:
        if key == "csrf":
            continue
        if key in lists:
            values[key] = [str(v) for v in form.getlist(key) if str(v).strip()]
        elif isinstance(raw := form.get(key), str) and raw.strip():
            values[key] = raw.strip()
    return values


def parse_form(command: type[Command], values: Mapping[str, Any]) -> tuple[Command | None, FormErrors]:
    try:
        return command.model_validate(dict(values)), {}
    except ValidationError as invalid:
        return None, validation_errors(invalid)


def validation_errors(invalid: ValidationError) -> FormErrors:
    errors: FormErrors = {}
    for problem in invalid.errors():
        location = [str(part) for part in problem["loc"] if not isinstance(part, int)]
        field = location[0] if location else FORM_LEVEL
        errors.setdefault(field, MESSAGES.get(problem["type"], INVALID))
    return errors


def domain_error(error: DomainError, field: str = FORM_LEVEL) -> FormErrors:
    """A use case refused the change: the message goes next to `field` (or above the form)."""
    if isinstance(error, NotFound):
        return {field: N_("This record does not exist (any more).")}
    if isinstance(error, IllegalTransition):
        return {field: N_("This cannot be done in the current state; the page has been refreshed.")}
    if isinstance(error, Conflict):
        return {field: N_("This conflicts with an existing record.")}
    if isinstance(error, InvalidInput):
        return {field: INVALID}
    raise error
