/* registry — every built-in model by name: the one place a model name is looked up. */
#ifndef ODEGRAD_MODELS_REGISTRY_H
#define ODEGRAD_MODELS_REGISTRY_H

#include <stddef.h>
#include "model.h"

extern const model_type *const model_types[];   /* NULL-terminated, in models.def's order */

/* The type that answers to name (exact, or a family's prefix), or NULL. */
const model_type *model_find_type(const char *name);
/* Look a model up by name, create and finish it.  NULL with a one-line message on failure
 * ("unknown model 'x'; known models: ..." for a name no type answers to). */
model *model_create(const char *name, char *err, size_t errlen);

#endif
