/* memtrack — exact accounting of the bytes a backend holds, with an optional cap.
 *
 * Backends allocate what grows with the problem (tapes, checkpoints, sensitivity vectors)
 * through a mem_account, which keeps the current and peak byte counts and refuses an
 * allocation that would pass the cap — so a run that would exhaust memory stops early with
 * a clear error instead of being killed. */
#ifndef ODEGRAD_MEMTRACK_H
#define ODEGRAD_MEMTRACK_H

#include <stddef.h>

typedef struct {
    size_t current;   /* bytes held now */
    size_t peak;      /* the most held at any moment */
    size_t cap;       /* 0 = no cap */
    int refused;      /* set once an allocation was refused */
} mem_account;

/* malloc/calloc/free that count.  A NULL return means the cap (or the system) refused;
 * mem_account.refused tells which. */
void *mem_alloc(mem_account *acc, size_t bytes);
void *mem_calloc(mem_account *acc, size_t count, size_t size);
void mem_free(mem_account *acc, void *ptr, size_t bytes);
/* Room for one more element in an array holding `used` of `*cap` elements of `size` bytes: the
 * array itself when it has room, else a copy with twice the capacity (first_cap the first
 * time) and the old one freed — both counted while the copy is made, so the peak is the
 * true one.  NULL when refused; the old array is then untouched. */
void *mem_grow(mem_account *acc, void *arr, size_t size, long used, long *cap, long first_cap);
/* Count bytes held elsewhere (e.g. inside CVODES, by formula); returns 0, or -1 if over cap. */
int mem_charge(mem_account *acc, size_t bytes);
void mem_release(mem_account *acc, size_t bytes);

/* Bytes currently in use by the C heap (glibc mallinfo2), for cross-checks. */
size_t mem_heap_in_use(void);
/* Peak resident set size of this process in bytes (getrusage). */
size_t mem_peak_rss(void);

#endif
