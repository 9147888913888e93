/* cvadj — CVODES's checkpoint storage: the number of checkpoints is exactly steps/Nd, their
 * bytes grow with it, and the byte count of cvckpt.c agrees with the heap growth that glibc
 * (mallinfo2) sees during the forward pass, for Hermite and polynomial interpolation, with
 * and without a running-cost quadrature. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cvckpt.h"
#include "memtrack.h"
#include "check.h"
#include "registry.h"

/* glibc keeps up to 7 freed chunks per small size in a per-thread cache and counts them as in
 * use; an allocation served from there does not move mallinfo2.  Taking every cached chunk
 * (holding 8 blocks of each cached size) makes the heap growth count every new block. */
#define TCACHE_SIZES 65
#define TCACHE_DEPTH 8
static void *drained[TCACHE_SIZES * TCACHE_DEPTH];
static int ndrained;

static void drain_thread_cache(void)
{
    for (int size = 0; size < TCACHE_SIZES; size++)
        for (int i = 0; i < TCACHE_DEPTH; i++)
            drained[ndrained++] = malloc((size_t)(16 * size + 8));
}

static void release_drained(void)
{
    while (ndrained > 0)
        free(drained[--ndrained]);
}

/* Under AddressSanitizer, malloc is not glibc's and mallinfo2 does not see it. */
static int heap_visible;

static void probe_heap(void)
{
    const size_t before = mem_heap_in_use();
    void *block = malloc(100000);
    heap_visible = mem_heap_in_use() >= before + 100000;
    free(block);
    if (!heap_visible)
        printf("note: mallinfo2 does not see this allocator (sanitizer build?): heap "
               "cross-check skipped\n");
}

/* one recorded forward pass; returns the per-checkpoint bytes */
static double record(const char *name, long nd, cv_interp interp)
{
    char err[256];
    model *m = check_model_create(name);
    double theta[3];
    model_nominal(m, theta);
    model_ctx *ctx = model_ctx_new(m, theta, err, sizeof err);
    cv_settings s = {"test", CV_FAMILY_BDF, 1e-10, 1e-10, 100000, CV_LINSOL_AUTO};
    eval_counts counts = {0, 0, 0, 0, 0};
    cv_forward_options fo = {CV_SENS_NONE, 0, nd, interp, &counts, NULL};
    cv_solver *cv = cv_forward_new(ctx, &s, &fo, err, sizeof err);
    CHECK(cv != NULL, "%s", err);
    drain_thread_cache();
    const size_t before = mem_heap_in_use();
    int status = cv_forward_run(cv, cv_obs_ignore, NULL, err, sizeof err);
    const size_t after = mem_heap_in_use();
    release_drained();
    CHECK(status == 0, "%s", err);
    cv_checkpoint_stats st;
    CHECK(cv_checkpoint_stats_get(cv, &st) == 0, "no checkpoint statistics");
    const long steps = cv_steps(cv);
    const double heap = (double)(after - before);
    const double counted = (double)(st.checkpoint_bytes + st.interp_bytes);
    const double per = (double)st.checkpoint_bytes / (double)(st.checkpoints + 1);
    printf("%-14s nd %3ld %-10s steps %4ld checkpoints %3ld  heap growth %7.0f  counted %7.0f "
           "(%+.2f%%)  per checkpoint %.0f  payload %zu  index %zu\n",
           name, nd, interp == CV_INTERP_HERMITE ? "hermite" : "polynomial", steps,
           st.checkpoints, heap, counted, 100.0 * (counted - heap) / heap, per, st.payload_bytes,
           st.index_bytes);
    /* CVODES makes a checkpoint every time the step count reaches a multiple of Nd */
    CHECK(st.checkpoints == steps / nd, "%ld checkpoints for %ld steps at Nd = %ld",
          st.checkpoints, steps, nd);
    /* what we count is what the allocator handed out, up to the few bytes it adds when it
     * gives a whole free chunk whose remainder would be too small to split off */
    if (heap_visible)
        CHECK(fabs(counted - heap) <= 0.03 * heap, "counted %.0f bytes, heap grew by %.0f",
              counted, heap);
    CHECK(st.payload_bytes > 0 && st.payload_bytes < st.checkpoint_bytes + st.interp_bytes,
          "payload %zu bytes", st.payload_bytes);
    cv_free(cv);
    model_ctx_free(ctx);
    model_destroy(m);
    return per;
}

int main(void)
{
    probe_heap();
    const long nds[] = {2, 5, 10, 20, 50};
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < 5; i++) {
        double per = record("freefall", nds[i], CV_INTERP_HERMITE);
        lo = fmin(lo, per);
        hi = fmax(hi, per);
    }
    /* bytes per checkpoint do not depend on Nd, so the total scales as steps/Nd */
    CHECK(hi <= 1.6 * lo, "bytes per checkpoint vary from %.0f to %.0f with Nd", lo, hi);
    record("freefall", 10, CV_INTERP_POLYNOMIAL);
    record("robertson", 20, CV_INTERP_HERMITE);
    record("robertson-asa", 50, CV_INTERP_POLYNOMIAL);   /* quadrature kept in checkpoints */
    return check_finish("core/test_cvadj");
}
