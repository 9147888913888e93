/* registry — every backend, by name.  The list itself is methods/methods.def: adding a
 * backend is its file in methods/ and one line there. */
#include "method.h"

#define METHOD(type) extern const method_type type;
#include "methods.def"
#undef METHOD

const method_type *const method_types[] = {
#define METHOD(type) &type,
#include "methods.def"
#undef METHOD
    NULL,
};
