/* cvckpt — the bytes held by CVODES's adjoint storage (checkpoints, interpolation data, their
 * index), an upper bound charged while the forward pass records them, and the exact figure
 * read afterwards.  See cvckpt.h. */
#include "cvckpt.h"
#include "cvwrap_impl.h"

#include <stdlib.h>
#include <string.h>

/* The layout of CVODES 6.4.1's adjoint storage (src/cvodes/cvodea.c, cvodes_impl.h), measured
 * on LP64 Linux: these records are private to CVODES, so their sizes are facts of the version
 * in use rather than something a header can tell us. */
static const struct {
    size_t checkpoint_record;   /* struct CkpntMemRec */
    size_t point_record;        /* struct DtpntMemRec: one per interpolation point */
    size_t hermite_record;      /* struct HermiteDataMemRec */
    size_t polynomial_record;   /* struct PolynomialDataMemRec */
    int bdf_qmax, adams_qmax;   /* default maximum orders */
    size_t chunk_header, chunk_align, chunk_min;   /* glibc malloc on 64-bit */
} cv_adj_layout = {824, 16, 32, 24, 5, 12, 8, 16, 32};

/* heap bytes of one malloc(request), as glibc's mallinfo2 counts them */
static size_t cv_heap_chunk(size_t request)
{
    size_t c = (request + cv_adj_layout.chunk_header + cv_adj_layout.chunk_align - 1) &
               ~(cv_adj_layout.chunk_align - 1);
    return c < cv_adj_layout.chunk_min ? cv_adj_layout.chunk_min : c;
}

/* one serial N_Vector of length len made by N_VClone: the vector, its ops table, its content
 * and its data are four blocks */
static size_t cv_vector_heap(long len)
{
    return cv_heap_chunk(sizeof(struct _generic_N_Vector)) +
           cv_heap_chunk(sizeof(struct _generic_N_Vector_Ops)) +
           cv_heap_chunk(sizeof(struct _N_VectorContent_Serial)) +
           (len > 0 ? cv_heap_chunk((size_t)len * sizeof(sunrealtype)) : 0);
}

static size_t cv_vector_array_heap(int count, long len)
{
    return cv_heap_chunk((size_t)count * sizeof(N_Vector)) + (size_t)count * cv_vector_heap(len);
}

/* what one checkpoint holding `nvec` Nordsieck columns stores, with its record */
typedef struct {
    int nx, nq, ns;     /* state, quadratures kept (0 if not), sensitivities kept (0 if not) */
    int nqs;            /* quadrature sensitivities kept (ns or 0) */
} cv_ckpt_shape;

static size_t cv_ckpt_heap(const cv_ckpt_shape *sh, int nvec)
{
    size_t per = cv_vector_heap(sh->nx);
    if (sh->nq)
        per += cv_vector_heap(sh->nq);
    if (sh->ns) {
        per += cv_vector_array_heap(sh->ns, sh->nx);
        if (sh->nqs)
            per += cv_vector_array_heap(sh->nqs, sh->nq);
    }
    return cv_heap_chunk(cv_adj_layout.checkpoint_record) + (size_t)nvec * per;
}

/* the t0 checkpoint keeps two state columns but one of everything else (CVAckpntInit) */
static size_t cv_ckpt0_heap(const cv_ckpt_shape *sh)
{
    size_t bytes = cv_heap_chunk(cv_adj_layout.checkpoint_record) + 2 * cv_vector_heap(sh->nx);
    if (sh->nq)
        bytes += cv_vector_heap(sh->nq);
    if (sh->ns) {
        bytes += cv_vector_array_heap(sh->ns, sh->nx);
        if (sh->nqs)
            bytes += cv_vector_array_heap(sh->nqs, sh->nq);
    }
    return bytes;
}

static cv_ckpt_shape cv_shape(const cv_solver *cv)
{
    cv_ckpt_shape sh;
    const int sens = cv->sens != CV_SENS_NONE;
    sh.nx = cv->n;
    sh.nq = cv->nq;           /* the running-cost quadrature is always error-controlled */
    sh.nqs = sens && cv->qS ? cv->ns : 0;   /* its sensitivities only if integrated */
    sh.ns = sens ? cv->ns : 0;
    return sh;
}

/* the index of Nd+1 point records, made by CVodeAdjInit */
static size_t cv_index_heap(const cv_solver *cv)
{
    const long points = cv->checkpoint_steps + 1;
    return (size_t)points * cv_heap_chunk(cv_adj_layout.point_record) +
           cv_heap_chunk((size_t)points * sizeof(void *));
}

/* interpolation storage, made at the first CVodeF step: the work vector and Nd+1 points */
static size_t cv_interp_heap(const cv_solver *cv, long *vectors)
{
    const cv_ckpt_shape sh = cv_shape(cv);
    const long points = cv->checkpoint_steps + 1;
    const int hermite = cv->interp != CV_INTERP_POLYNOMIAL;
    size_t per = cv_heap_chunk(hermite ? cv_adj_layout.hermite_record
                                       : cv_adj_layout.polynomial_record) +
                 (size_t)(hermite ? 2 : 1) * cv_vector_heap(sh.nx);
    if (sh.ns)
        per += (size_t)(hermite ? 2 : 1) * cv_vector_array_heap(sh.ns, sh.nx);
    size_t bytes = cv_vector_heap(sh.nx) + (sh.ns ? cv_vector_array_heap(sh.ns, sh.nx) : 0);
    bytes += (size_t)points * per;
    *vectors = 1 + points * (hermite ? 2 : 1);
    return bytes;
}

static int cv_qmax(const cv_solver *cv)
{
    return cv->settings.family == CV_FAMILY_ADAMS ? cv_adj_layout.adams_qmax
                                                  : cv_adj_layout.bdf_qmax;
}

/* An upper bound of the bytes held after the checkpoints made so far (every checkpoint at
 * the maximum order): charged during the forward pass so that a cap stops it in time. */
size_t cv_checkpoint_charge_bound(const cv_solver *cv)
{
    const cv_ckpt_shape sh = cv_shape(cv);
    long vectors;
    return cv_index_heap(cv) + cv_interp_heap(cv, &vectors) + cv_ckpt0_heap(&sh) +
           (size_t)cv->ncheck * cv_ckpt_heap(&sh, cv_qmax(cv) + 1);
}

int cv_checkpoint_stats_get(cv_solver *cv, cv_checkpoint_stats *st)
{
    memset(st, 0, sizeof *st);
    if (cv->checkpoint_steps <= 0)
        return 0;
    const cv_ckpt_shape sh = cv_shape(cv);
    const int qmax = cv_qmax(cv);
    const long words_per_column = (long)sh.nx * (1 + sh.ns) + (long)sh.nq * (1 + sh.nqs);
    CVadjCheckPointRec *rec = calloc((size_t)cv->ncheck + 1, sizeof *rec);
    if (!rec)
        return -1;
    if (CVodeGetAdjCheckPointsInfo(cv->mem, rec) != CV_SUCCESS) {
        free(rec);
        return -1;
    }
    long interp_vectors;
    st->checkpoints = cv->ncheck;
    st->interp_bytes = cv_interp_heap(cv, &interp_vectors);
    st->index_bytes = cv_index_heap(cv);
    long columns = 0;
    /* records come newest first; the last one is the t0 checkpoint, which keeps 2 columns */
    for (int i = 0; i <= cv->ncheck; i++) {
        if (i == cv->ncheck) {
            st->checkpoint_bytes += cv_ckpt0_heap(&sh);
            columns += 2;
            continue;
        }
        const int nvec = rec[i].order + 1 + (rec[i].order < qmax);
        st->checkpoint_bytes += cv_ckpt_heap(&sh, nvec);
        columns += nvec;
    }
    free(rec);
    st->vectors = columns + interp_vectors;
    st->payload_bytes = (size_t)(columns * words_per_column) * sizeof(sunrealtype);
    {
        const int hermite = cv->interp != CV_INTERP_POLYNOMIAL;
        st->payload_bytes += (size_t)((cv->checkpoint_steps + 1) * (hermite ? 2 : 1) * sh.nx *
                                      (1 + sh.ns)) * sizeof(sunrealtype);
    }
    return 0;
}
