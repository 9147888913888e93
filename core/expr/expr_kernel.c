/* expr_kernel — choosing a program's kernels and attaching compiled ones (see expr_kernel.h).
 *
 * Emitting is expr_emit.c, compiling and caching expr_kbuild.c; this file decides which kind
 * a program gets, says once per process when it cannot have the compiled kind, and owns the
 * loaded object's lifetime (released with the program). */
#include "expr_kernel.h"
#include "expr_kernel_impl.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int said_no_compiler;

int expr_kernels_parse(const char *name)
{
    if (name && strcmp(name, "compiled") == 0)
        return EXPR_KERNELS_COMPILED;
    if (name && strcmp(name, "interpreted") == 0)
        return EXPR_KERNELS_INTERPRETED;
    return -1;
}

int expr_kernels_requested(void)
{
    const char *env = getenv("ODEGRAD_KERNELS");
    return env && env[0] ? expr_kernels_parse(env) : EXPR_KERNELS_COMPILED;
}

int expr_progs_compile_kernels(expr_prog *const *P, int n, char *err, size_t errlen)
{
    expr_prog *todo[EXPR_KERNELS_MAX_BATCH];
    int m = 0;
    for (int q = 0; q < n; q++) {
        if (!P[q])
            continue;
        if (P[q]->kernel_table)
            P[q]->kernels = P[q]->kernel_table;
        else if (m < (int)(sizeof todo / sizeof *todo))
            todo[m++] = P[q];
        else {
            snprintf(err, errlen, "more than %d programs in one kernel object",
                     (int)(sizeof todo / sizeof *todo));
            return KBUILD_FAILED;
        }
    }
    if (!m)
        return 0;
    size_t len = 0;
    char *src = expr_emit(todo, m, &len);
    expr_kobject o[EXPR_KERNELS_MAX_BATCH];
    if (!src) {
        snprintf(err, errlen, "out of memory writing the kernels");
        return KBUILD_FAILED;
    }
    const int rc = expr_kbuild(src, len, m, o, err, errlen);
    free(src);
    if (rc != KBUILD_OK)
        return rc;
    for (int q = 0; q < m; q++) {
        todo[q]->kernel_handle = o[q].handle;
        todo[q]->kernel_table = o[q].table;
        todo[q]->kernels = o[q].table;
    }
    return 0;
}

int expr_prog_compile_kernels(expr_prog *P, char *err, size_t errlen)
{
    return expr_progs_compile_kernels(&P, 1, err, errlen);
}

int expr_progs_use_kernels(expr_prog *const *P, int n, const char *label, char *err,
                           size_t errlen)
{
    const int kind = expr_kernels_requested();
    if (kind < 0) {
        snprintf(err, errlen, "ODEGRAD_KERNELS is '%s'; expected compiled or interpreted",
                 getenv("ODEGRAD_KERNELS"));
        return -1;
    }
    if (kind == EXPR_KERNELS_INTERPRETED) {
        for (int q = 0; q < n; q++)
            if (P[q])
                expr_prog_select_kernels(P[q], 0);
        return 0;
    }
    if (atomic_load(&said_no_compiler)) {
        expr_kernels_count_fallback();
        return 0;
    }
    char why[600];
    const int rc = expr_progs_compile_kernels(P, n, why, sizeof why);
    if (rc == KBUILD_OK)
        return 0;
    expr_kernels_count_fallback();
    if (rc == KBUILD_NO_COMPILER) {
        if (!atomic_exchange(&said_no_compiler, 1))
            fprintf(stderr, "odegrad: %s; model kernels are interpreted\n", why);
    } else {
        fprintf(stderr, "odegrad: %s: %s; its kernels are interpreted\n", label, why);
    }
    return 0;
}

int expr_prog_use_kernels(expr_prog *P, const char *label, char *err, size_t errlen)
{
    return expr_progs_use_kernels(&P, 1, label, err, errlen);
}

int expr_prog_select_kernels(expr_prog *P, int compiled)
{
    P->kernels = compiled ? P->kernel_table : NULL;
    return P->kernels != NULL;
}

int expr_prog_kernels_compiled(const expr_prog *P)
{
    return P->kernels != NULL;
}

void expr_kernels_release(expr_prog *P)
{
    expr_kobject o = {P->kernel_handle, P->kernel_table};
    expr_kobject_close(&o);
    P->kernel_handle = NULL;
    P->kernel_table = NULL;
    P->kernels = NULL;
}
