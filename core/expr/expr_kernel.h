/* expr_kernel — compiled kernels: every sweep of a program as generated, compiled C.
 *
 * The interpreter (expr_eval.c) dispatches on an opcode per node.  For the same program,
 * expr_prog_use_kernels() writes each sweep (values, tangent, adjoint, tangent-over-adjoint,
 * tangent-over-tangent — and with them the dense and sparse Jacobians, which are built from
 * those sweeps) as plain C with the offsets and constants written in, compiles it with the
 * system's C compiler into a shared object, and loads it; from then on the sweeps of that
 * program run the compiled code.  The generated code performs the interpreter's arithmetic in
 * the interpreter's order, so the two kinds agree to rounding.
 *
 * Shared objects are cached by a hash of the generated source, the compiler and its flags, in
 *   $ODEGRAD_KERNEL_CACHE, else the build tree's kernel-cache/ (set when odegrad is built),
 *   else $XDG_CACHE_HOME/odegrad (~/.cache/odegrad),
 * so a model's second run loads its kernels without compiling.  Each cache file carries a
 * checksum of its bytes and the key it was built for; a file that fails either check is
 * rebuilt with a one-line notice.
 *
 * The kind is chosen by ODEGRAD_KERNELS=compiled|interpreted (the command's --kernels sets
 * it); the default is compiled.  The compiler is $ODEGRAD_CC, else `cc` on PATH; when there is
 * none, the process says so once on stderr and keeps the interpreter, with the same results.
 * Loading is serialised by a lock; the generated code keeps no state, so a program with
 * compiled kernels may be evaluated by many threads at once, each with its own expr_work. */
#ifndef ODEGRAD_EXPR_KERNEL_H
#define ODEGRAD_EXPR_KERNEL_H

#include <stddef.h>

#include "expr.h"

enum { EXPR_KERNELS_COMPILED, EXPR_KERNELS_INTERPRETED };
enum { EXPR_KERNELS_MAX_BATCH = 256 };

/* "compiled" / "interpreted" → the kind; -1 for anything else */
int expr_kernels_parse(const char *name);
/* The kind asked for by ODEGRAD_KERNELS (compiled when unset); -1 when it names no kind. */
int expr_kernels_requested(void);

/* Give P the kernels of the requested kind; `label` names the program in notices.  Returns 0
 * (P then runs compiled code, or — after a one-line notice on stderr — the interpreter when
 * no compiler is present or the build failed); -1 with a message in err when ODEGRAD_KERNELS
 * names no kind. */
int expr_prog_use_kernels(expr_prog *P, const char *label, char *err, size_t errlen);

/* The same for n programs (NULL entries skipped) compiled into one object: one compiler run
 * for all the programs of a model.  At most EXPR_KERNELS_MAX_BATCH programs. */
int expr_progs_use_kernels(expr_prog *const *P, int n, const char *label, char *err,
                           size_t errlen);

/* Compile (or load from the cache) the kernels whatever ODEGRAD_KERNELS says.  0: attached and
 * active; 1: no compiler (the programs stay interpreted); -1: failed, message in err. */
int expr_prog_compile_kernels(expr_prog *P, char *err, size_t errlen);
int expr_progs_compile_kernels(expr_prog *const *P, int n, char *err, size_t errlen);

/* Run P's sweeps through its compiled kernels (compiled ≠ 0, when it has them) or through the
 * interpreter; returns 1 when compiled kernels are now in use.  For comparing the two kinds
 * on one program: not safe while another thread evaluates P. */
int expr_prog_select_kernels(expr_prog *P, int compiled);
int expr_prog_kernels_compiled(const expr_prog *P);

/* Counts and times since the process started, for reports and for tests. */
typedef struct {
    long compiler_runs;     /* objects compiled (cache misses, rebuilds included) */
    long cache_loads;       /* objects loaded from the cache without compiling */
    long rebuilds;          /* cache entries found corrupt or stale and rebuilt */
    long fallbacks;         /* requests left interpreted for want of a compiler or a build */
    double compile_seconds; /* wall time in the compiler */
    double total_seconds;   /* wall time preparing kernels: checking, compiling, loading */
} expr_kernel_stats;
void expr_kernels_stats(expr_kernel_stats *s);

/* where the cache lives (for messages); writes the path into buf */
void expr_kernels_cache_dir(char *buf, size_t n);

#endif
