/* Native type builtins: is_<type>, type_name and to_number. */
#include "opa.h"

OPA_NATIVE("is_null") opa_value *opa_types_is_null(opa_value *v) { return v ? opa_boolean(v->type == OPA_NULL) : NULL; }
OPA_NATIVE("is_boolean") opa_value *opa_types_is_boolean(opa_value *v) { return v ? opa_boolean(v->type == OPA_BOOLEAN) : NULL; }
OPA_NATIVE("is_number") opa_value *opa_types_is_number(opa_value *v) { return v ? opa_boolean(v->type == OPA_NUMBER) : NULL; }
OPA_NATIVE("is_string") opa_value *opa_types_is_string(opa_value *v) { return v ? opa_boolean(v->type == OPA_STRING) : NULL; }
OPA_NATIVE("is_array") opa_value *opa_types_is_array(opa_value *v) { return v ? opa_boolean(v->type == OPA_ARRAY) : NULL; }
OPA_NATIVE("is_object") opa_value *opa_types_is_object(opa_value *v) { return v ? opa_boolean(v->type == OPA_OBJECT) : NULL; }
OPA_NATIVE("is_set") opa_value *opa_types_is_set(opa_value *v) { return v ? opa_boolean(v->type == OPA_SET) : NULL; }

OPA_NATIVE("type_name") opa_value *opa_types_name(opa_value *v) {
  static const char *const names[] = {"null", "boolean", "number", "string", "array", "object", "set"};
  if (v == NULL || v->type < OPA_NULL || v->type > OPA_SET) return NULL;
  return opa_string_terminated(names[v->type - OPA_NULL]);
}

/* Strings use Go's ParseFloat decimal syntax (sign, optional digits around the point, exponent);
 * hex, inf and nan are refused. */
OPA_NATIVE("to_number") opa_value *opa_to_number(opa_value *v) {
  if (v == NULL) return NULL;
  switch (v->type) {
    case OPA_NULL:
      return opa_number_int(0);
    case OPA_BOOLEAN:
      return opa_number_int(opa_value_boolean(v));
    case OPA_NUMBER:
      return v;
    case OPA_STRING:
      return number_from_text(opa_cast_string(v)->data, opa_cast_string(v)->len, true);
    default:
      return NULL;
  }
}
