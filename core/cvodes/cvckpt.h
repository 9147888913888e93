/* cvckpt — what the checkpoints of a CVODES forward solve hold (cv_forward_options
 * checkpoint_steps > 0, recorded for a backward problem, cvbwd.h), in bytes. */
#ifndef ODEGRAD_CVCKPT_H
#define ODEGRAD_CVCKPT_H

#include <stddef.h>
#include "cvwrap.h"

/* Bytes on the heap held by CVODES's adjoint storage, from the checkpoint list that CVODES
 * reports (CVodeGetAdjCheckPointsInfo: each record's BDF order q) and the layout of CVODES
 * 6.4.1 (docs/cvodes.md §5): a checkpoint keeps q+1 Nordsieck vectors (+1 if q < qmax; the t0
 * checkpoint keeps 2), times (1 + stored sensitivities), plus the running-cost quadrature's
 * when it is error-controlled; the interpolation buffer keeps Nd+1 points of 2 (Hermite) or 1
 * (polynomial) vectors.  Each vector is counted with its serial N_Vector headers, each record
 * with its struct, each block with the allocator's chunk header — so the total is comparable
 * with the heap (mallinfo2) and is checked against it in tests/core/test_cvadj.c. */
typedef struct {
    long checkpoints;           /* ncheck (not counting the t0 one) */
    long vectors;               /* N_Vectors held by checkpoints and interpolation data */
    size_t checkpoint_bytes;    /* all checkpoints, t0 included */
    size_t interp_bytes;        /* interpolation points, their records, the work vector */
    size_t index_bytes;         /* the index of interpolation points (made by CVodeAdjInit) */
    size_t payload_bytes;       /* realtype words only, ×8: the docs/cvodes.md §5 formula */
} cv_checkpoint_stats;

/* After the forward pass (before the backward pass changes the list). */
int cv_checkpoint_stats_get(cv_solver *cv, cv_checkpoint_stats *st);

#endif
