/* revolve — checkpoint schedules for reversing l time steps with s stored states.
 *
 * A schedule is a sequence of actions on a "live" forward state, a set of stored states
 * (checkpoints) and a reversal front `end` (steps ≥ end are already reversed):
 *   STORE p      copy the live state (at step p) into a checkpoint
 *   RESTORE p    make the checkpoint at p the live state
 *   ADVANCE a b  run steps a … b−1 forward without recording (the live state moves to b)
 *   REVERSE a b  run steps a … b−1 recording them on a tape from the live state at a, then
 *                sweep that tape backwards (end moves to a)
 *   FREE p       the checkpoint at p is no longer needed
 *
 * Binomial (Griewank & Walther, ACM TOMS 26, 2000): REVERSE of one step at a time, the
 * initial state in one of the s checkpoints.  With the repetition number t defined by
 * β(s, t−1) < l ≤ β(s, t), β(s, t) = C(s+t, s), the minimal number of ADVANCE steps is
 *     p(l, s) = t·l − β(s+1, t−1)
 * and this schedule attains it: reversing [c, end) with L = end − c steps and s' free slots
 * (counting c's), it advances to c + m with
 *     m = max(β(s', t−2), L − β(s'−1, t), 1)
 * — the smallest split for which the right part is reversible with s'−1 checkpoints in t
 * repetitions and the left part with s' checkpoints in t−1 (every such m is optimal; the
 * test compares with the exhaustive recursion p(l, s) = min_m [m + p(l−m, s−1) + p(m, s)]).
 * The schedule is generated on the fly, so memory is O(s) for any l.
 *
 * Uniform: a checkpoint every k = ⌈l/s⌉ steps during one forward sweep, then each segment
 * of k steps restored, recorded and reversed: l − (last segment) advances, segments of k. */
#ifndef ODEGRAD_REVOLVE_H
#define ODEGRAD_REVOLVE_H

#include <stddef.h>

typedef enum { REVOLVE_BINOMIAL = 0, REVOLVE_UNIFORM = 1 } revolve_kind;
typedef enum {
    REVOLVE_STORE,
    REVOLVE_RESTORE,
    REVOLVE_ADVANCE,
    REVOLVE_REVERSE,
    REVOLVE_FREE,
    REVOLVE_DONE
} revolve_op;

typedef struct {
    revolve_op op;
    long from, to;   /* STORE/RESTORE/FREE: the position in `from` */
} revolve_action;

typedef struct {
    revolve_kind kind;
    long steps, slots;
    long segment;        /* longest REVERSE (1 for binomial, k for uniform) */
    long *stack;         /* stored positions, bottom first */
    long depth, end, live;
    int store_pending;
    long advances;       /* ADVANCE steps so far */
    long max_depth;      /* most checkpoints held at once */
} revolve;

/* steps ≥ 0, slots ≥ 1.  Returns 0, or -1 (bad arguments or out of memory). */
int revolve_init(revolve *r, revolve_kind kind, long steps, long slots);
void revolve_free(revolve *r);
size_t revolve_bytes(const revolve *r);
revolve_op revolve_next(revolve *r, revolve_action *a);

/* β(s, t) = C(s + t, s) (0 for t < 0), saturating at LONG_MAX. */
long revolve_beta(long s, long t);
/* the repetition number t of (l, s) */
long revolve_repetitions(long steps, long slots);
/* p(l, s), Revolve's minimal number of forward (ADVANCE) steps */
long revolve_min_advances(long steps, long slots);
/* ADVANCE steps of the uniform schedule */
long revolve_uniform_advances(long steps, long slots);

#endif
