/* expr_kernel_impl — the pieces of compiled kernels shared between emitting (expr_emit.c),
 * building and caching (expr_kbuild.c), and attaching (expr_kernel.c).  Internal. */
#ifndef ODEGRAD_EXPR_KERNEL_IMPL_H
#define ODEGRAD_EXPR_KERNEL_IMPL_H

#include <stddef.h>

#include "expr_impl.h"
#include "expr_kabi.h"

/* The C source of the sweeps of n programs, without their tables (malloc'd; NULL when out
 * of memory). */
char *expr_emit(expr_prog *const *P, int n, size_t *len);
/* The tables that end the source — odegrad_kernels_0 .. _<n-1>, each naming the key it was
 * built for (malloc'd; NULL when out of memory). */
char *expr_emit_tables(int n, const char *key, size_t *len);

/* A loaded shared object. */
typedef struct {
    void *handle;
    const expr_ktable *table;
} expr_kobject;

enum { KBUILD_OK = 0, KBUILD_NO_COMPILER = 1, KBUILD_FAILED = -1 };
/* Load the kernels of the n programs of source `src` (out[q]: program q's), from the cache,
 * compiling them on a miss or when the entry is corrupt or stale.  Serialised by a lock. */
int expr_kbuild(const char *src, size_t len, int n, expr_kobject *out, char *err, size_t errlen);
void expr_kobject_close(expr_kobject *o);
void expr_kernels_count_fallback(void);

#endif
