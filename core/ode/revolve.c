/* revolve — binomial and uniform checkpoint schedules, generated one action at a time. */
#include "revolve.h"

#include <limits.h>
#include <stdlib.h>

long revolve_beta(long s, long t)
{
    if (t < 0 || s < 0)
        return 0;
    /* C(s+t, k) with k = min(s, t), by r ← r·(n−k+i)/i, which stays an integer */
    const long k = s < t ? s : t, n = s + t;
    long r = 1;
    for (long i = 1; i <= k; i++) {
        const long f = n - k + i;
        if (r > LONG_MAX / f)
            return LONG_MAX;
        r = r * f / i;
    }
    return r;
}

long revolve_repetitions(long steps, long slots)
{
    long t = 0;
    while (revolve_beta(slots, t) < steps)
        t++;
    return t;
}

long revolve_min_advances(long steps, long slots)
{
    if (steps <= 1)
        return 0;
    const long t = revolve_repetitions(steps, slots);
    return t * steps - revolve_beta(slots + 1, t - 1);
}

static long uniform_segment(long steps, long slots)
{
    return steps <= slots ? 1 : (steps + slots - 1) / slots;
}

long revolve_uniform_advances(long steps, long slots)
{
    if (steps <= 0)
        return 0;
    const long k = uniform_segment(steps, slots);
    return ((steps - 1) / k) * k;   /* up to the start of the last segment */
}

int revolve_init(revolve *r, revolve_kind kind, long steps, long slots)
{
    r->stack = NULL;
    if (steps < 0 || slots < 1)
        return -1;
    r->kind = kind;
    r->steps = steps;
    r->slots = slots;
    r->segment = kind == REVOLVE_UNIFORM ? uniform_segment(steps, slots) : 1;
    const long cap = (slots < steps ? slots : steps) + 1;
    r->stack = malloc(sizeof(long) * (size_t)cap);
    if (!r->stack)
        return -1;
    r->depth = 0;
    r->end = steps;
    r->live = 0;
    r->store_pending = steps > 0;   /* the initial state is the first checkpoint */
    r->advances = 0;
    r->max_depth = 0;
    return 0;
}

void revolve_free(revolve *r)
{
    free(r->stack);
    r->stack = NULL;
}

size_t revolve_bytes(const revolve *r)
{
    const long cap = (r->slots < r->steps ? r->slots : r->steps) + 1;
    return sizeof(long) * (size_t)cap;
}

/* How far to advance from c when reversing L > segment steps with `free_slots` slots
 * not in use (c's own slot excluded). */
static long revolve_split(const revolve *r, long L, long free_slots)
{
    if (r->kind == REVOLVE_UNIFORM)
        return r->segment;
    const long s = free_slots + 1;
    const long t = revolve_repetitions(L, s);
    long m = revolve_beta(s, t - 2);
    const long right = L - revolve_beta(s - 1, t);
    if (right > m)
        m = right;
    return m < 1 ? 1 : m;
}

revolve_op revolve_next(revolve *r, revolve_action *a)
{
    a->from = a->to = 0;
    if (r->store_pending) {
        r->store_pending = 0;
        r->stack[r->depth++] = r->live;
        if (r->depth > r->max_depth)
            r->max_depth = r->depth;
        a->from = r->live;
        return a->op = REVOLVE_STORE;
    }
    if (r->depth > 0 && r->stack[r->depth - 1] == r->end) {
        a->from = r->stack[--r->depth];
        return a->op = REVOLVE_FREE;
    }
    if (r->end == 0)
        return a->op = REVOLVE_DONE;
    if (r->live >= 0 && r->end - r->live <= r->segment) {
        a->from = r->live;
        a->to = r->end;
        r->end = r->live;
        r->live = -1;   /* recording moved it on; it is no longer a known state */
        return a->op = REVOLVE_REVERSE;
    }
    const long c = r->stack[r->depth - 1];
    if (r->live != c) {
        r->live = c;
        a->from = c;
        return a->op = REVOLVE_RESTORE;
    }
    const long m = revolve_split(r, r->end - c, r->slots - r->depth);
    a->from = c;
    a->to = c + m;
    r->live = c + m;
    r->advances += m;
    /* keep the new position only if it will be restored again */
    r->store_pending = r->end - r->live > r->segment;
    return a->op = REVOLVE_ADVANCE;
}
