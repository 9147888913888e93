/* registry — every model odegrad knows, by name.  Adding a model: one file in models/ and one
 * entry here. */
#include "../core/model.h"
#include "freefall.h"

static const model_type freefall_type = {
    "freefall", "freefall", "ball with linear drag, theta = (g, mu); closed-form oracle", 0,
    freefall_create};
static const model_type freefall_x0_type = {
    "freefall-x0", "freefall-x0",
    "ball with linear drag, theta = (g, mu, y0, v0); closed-form oracle", 0, freefall_create};

const model_type *const model_types[] = {
    &freefall_type,
    &freefall_x0_type,
    NULL,
};
