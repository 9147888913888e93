/* rafmekerk — the RAF/MEK/ERK cascade (Fiedler et al. 2016), see rafmekerk.c. */
#ifndef ODEGRAD_RAFMEKERK_H
#define ODEGRAD_RAFMEKERK_H

#include <stddef.h>
#include "model.h"

int rafmekerk_create(model *m, const char *name, char *err, size_t errlen);

/* Parameter indices, in the order of docs/models.md §4. */
enum {
    RAF_KDF_RAF, RAF_KP_RAF, RAF_KDP_PMEK, RAF_KP_PRAF_MEK, RAF_KDP_PERK, RAF_KP_PMEK_ERK,
    RAF_K_PERK_INH, RAF_SUST_RAS_0, RAF_TS_SUST_RAS, RAF_TS_TRANS_RAS, RAF_K_SORA, RAF_K_UO,
    RAF_SCALE, /* 8 scales, one per data column */
    RAF_SIGMA = RAF_SCALE + 8,   /* 8 noise SDs */
    RAF_NP = RAF_SIGMA + 8
};
enum { RAF_PRAF, RAF_PMEK, RAF_PERK, RAF_NX };
enum { RAF_SORA, RAF_UO, RAF_NC };

#endif
