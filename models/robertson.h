/* robertson — Robertson's stiff kinetics (see robertson.c). */
#ifndef ODEGRAD_ROBERTSON_H
#define ODEGRAD_ROBERTSON_H

#include <stddef.h>
#include "model.h"

int robertson_create(model *m, const char *name, char *err, size_t errlen);

#endif
