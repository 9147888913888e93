/* petab — the model type of imported PEtab problems: `petab:PATH`. */
#include "petab.h"

static int petab_type_create(model *m, const char *name, char *err, size_t errlen)
{
    return petab_model_create(m, name + sizeof PETAB_PREFIX - 1, err, errlen);
}

const model_type petab_type = {
    PETAB_PREFIX, "petab:PATH (a PEtab problem: its .yaml or folder)",
    "an SBML model with its PEtab parameter, condition, observable and measurement tables",
    1, petab_type_create};
