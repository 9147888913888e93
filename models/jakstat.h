/* jakstat — JAK2/STAT5 signalling (Swameye et al. 2003), see jakstat.c. */
#ifndef ODEGRAD_JAKSTAT_H
#define ODEGRAD_JAKSTAT_H

#include <stddef.h>
#include "model.h"

int jakstat_create(model *m, const char *name, char *err, size_t errlen);

/* Compartment volumes (fixed constants of the model). */
#define JAKSTAT_OMEGA_CYT 1.4
#define JAKSTAT_OMEGA_NUC 0.45
/* Node times (minutes) of the input spline. */
#define JAKSTAT_NSPLINE 5
extern const double jakstat_spline_times[JAKSTAT_NSPLINE];

/* Parameter indices, in the order of docs/models.md §3. */
enum {
    JAKSTAT_P1, JAKSTAT_P2, JAKSTAT_P3, JAKSTAT_P4, JAKSTAT_INIT_STAT,
    JAKSTAT_SP1, /* .. JAKSTAT_SP1 + 4 */
    JAKSTAT_OFFSET_TSTAT = JAKSTAT_SP1 + JAKSTAT_NSPLINE, JAKSTAT_OFFSET_PSTAT,
    JAKSTAT_SCALE_TSTAT, JAKSTAT_SCALE_PSTAT,
    JAKSTAT_SIGMA_PSTAT, JAKSTAT_SIGMA_TSTAT, JAKSTAT_SIGMA_PEPOR,
    JAKSTAT_NP
};

/* State indices. */
enum {
    JAKSTAT_STAT, JAKSTAT_PSTAT, JAKSTAT_PSTAT_PSTAT, JAKSTAT_NPSTAT_NPSTAT, JAKSTAT_NSTAT1,
    JAKSTAT_NX = JAKSTAT_NSTAT1 + 5
};

#endif
