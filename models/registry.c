/* registry — every model odegrad knows, by name.  The list itself is models/models.def:
 * adding a model is its file in models/ and one line there. */
#include <stdio.h>
#include <string.h>
#include "registry.h"

#define MODEL(type) extern const model_type type;
#include "models.def"
#undef MODEL

const model_type *const model_types[] = {
#define MODEL(type) &type,
#include "models.def"
#undef MODEL
    NULL,
};

const model_type *model_find_type(const char *name)
{
    for (int i = 0; name && model_types[i]; i++) {
        const model_type *t = model_types[i];
        if (t->family ? strncmp(name, t->name, strlen(t->name)) == 0 : strcmp(name, t->name) == 0)
            return t;
    }
    return NULL;
}

model *model_create(const char *name, char *err, size_t errlen)
{
    const model_type *t = model_find_type(name);
    if (t)
        return model_instantiate(t, name, err, errlen);
    if (err && errlen) {
        char known[512] = "";
        for (int i = 0; model_types[i]; i++) {
            const size_t used = strlen(known);
            if (used < sizeof known)
                snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                         model_types[i]->pattern);
        }
        snprintf(err, errlen, "unknown model '%s'; known models: %s", name ? name : "", known);
    }
    return NULL;
}
