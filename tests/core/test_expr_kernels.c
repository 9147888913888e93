/* test_expr_kernels — compiled kernels against the interpreter, and the kernel cache.
 *
 * Random graphs using every operation (the generator of test_expr, scalar and vector nodes,
 * broadcasting, gather, concat, sum, matvec, a time input) are evaluated in every mode —
 * value, the reuse of parameter-only values, J·v along x, p and both, vᵀJ into x, p and
 * both, tangent-over-adjoint, tangent-over-tangent, both dense Jacobians — once through
 * generated, compiled C and once through the interpreter; every product must agree to 1e-14
 * relative (the generated code does the same arithmetic in the same order).  Then the cache:
 * loading a program again runs no compiler; a damaged or truncated cache file is found,
 * rebuilt (with a notice) and gives the same numbers; with no compiler on PATH a program
 * stays interpreted, with the same numbers. */
#include "expr.h"
#include "expr_kernel.h"
#include "expr_kernel_impl.h"
#include "check.h"

#include <unistd.h>

#define NX 4
#define NP 5
#define NC 1
#define VLEN 3
#define NOUT 6
#define NGRAPHS 16

#include "randgraph.h"

/* ---- every product of one program, into one array --------------------------------------------- */

enum { NPROD = NOUT * 6 + (NX + NP) * 12 + NOUT * (NX + NP) };

static int products(const expr_prog *P, expr_work *W, int seed, double *out)
{
    rng r = {(unsigned long long)seed * 7919 + 1};
    double x[NX], p[NP], c[NC] = {0.4}, dx[NX], dp[NP], dx2[NX], dp2[NP], w[NOUT], dw[NOUT];
    for (int i = 0; i < NX; i++) x[i] = uniform(&r, -1, 1), dx[i] = uniform(&r, -1, 1), dx2[i] = uniform(&r, -1, 1);
    for (int i = 0; i < NP; i++) p[i] = uniform(&r, -1, 1), dp[i] = uniform(&r, -1, 1), dp2[i] = uniform(&r, -1, 1);
    for (int i = 0; i < NOUT; i++) w[i] = uniform(&r, -1, 1), dw[i] = uniform(&r, -1, 1);
    expr_args a = {0.9, x, p, c, NULL, 0};
    expr_args reuse = {0.9, x, p, c, NULL, 17};
    double *o = out;
    expr_eval(P, W, &a, o), o += NOUT;
    expr_eval(P, W, &reuse, o);            /* fills the parameter-only values */
    x[0] += 0.125;
    expr_eval(P, W, &reuse, o), o += NOUT; /* reuses them */
    x[0] -= 0.125;
    expr_jvp(P, W, &a, dx, NULL, NULL, o), o += NOUT;
    expr_jvp(P, W, &a, NULL, dp, NULL, o), o += NOUT;
    expr_jvp(P, W, &a, dx, dp, o, o + NOUT), o += 2 * NOUT;
    expr_vjp(P, W, &a, w, NULL, o, NULL), o += NX;
    expr_vjp(P, W, &a, w, NULL, NULL, o), o += NP;
    expr_vjp(P, W, &a, w, NULL, o, o + NX), o += NX + NP;
    expr_vjp_jvp(P, W, &a, w, dw, dx2, dp2, o, o + NX, o + NX + NP, o + 2 * NX + NP);
    o += 2 * (NX + NP);
    expr_vjp_jvp(P, W, &a, w, NULL, dx2, NULL, NULL, NULL, o, NULL), o += NX;
    expr_vjp_jvp(P, W, &a, w, NULL, NULL, dp2, NULL, NULL, NULL, o), o += NP;
    expr_hvv(P, W, &a, dx, dp, dx2, dp2, dx2, NULL, NULL, o), o += NOUT;
    expr_hvv(P, W, &a, dx, NULL, dx2, NULL, NULL, NULL, NULL, o), o += NOUT;   /* not counted */
    expr_jac_x(P, W, &a, o), o += NOUT * NX;
    expr_jac_p(P, W, &a, o), o += NOUT * NP;
    return (int)(o - out);
}

static expr_prog *graph_prog(int seed)
{
    expr_graph *g = expr_graph_new(NX, NP, NC, 0);
    expr_prog *P = expr_compile(g, random_graph(g, (unsigned long long)seed));
    expr_graph_free(g);
    return P;
}

/* every product of program P (seed's graph) through both kinds */
static void compare_kinds(expr_prog *P, int seed)
{
    CHECK(expr_prog_select_kernels(P, 1), "seed %d: no compiled kernels", seed);
    expr_work *W = expr_work_new(P);
    double compiled[NPROD + 64], interpreted[NPROD + 64];
    const int n = products(P, W, seed, compiled);
    CHECK(!expr_prog_select_kernels(P, 0), "seed %d: interpreter not selected", seed);
    products(P, W, seed, interpreted);
    for (int i = 0; i < n; i++)
        CHECK(check_rel_diff(compiled[i], interpreted[i]) <= 1e-14 && isfinite(compiled[i]),
              "seed %d: product %d: compiled %.17g, interpreted %.17g", seed, i, compiled[i],
              interpreted[i]);
    expr_work_free(W);
}

/* NGRAPHS random graphs, their kernels compiled into one object */
static void test_graphs(void)
{
    expr_prog *P[NGRAPHS];
    for (int k = 0; k < NGRAPHS; k++) {
        P[k] = graph_prog(k + 1);
        CHECK(P[k] != NULL, "seed %d: compile", k + 1);
        if (!P[k])
            return;
    }
    char err[600];
    const int rc = expr_progs_compile_kernels(P, NGRAPHS, err, sizeof err);
    CHECK(rc == 0, "compiled kernels: %s", rc ? err : "");
    for (int k = 0; k < NGRAPHS && rc == 0; k++)
        compare_kinds(P[k], k + 1);
    for (int k = 0; k < NGRAPHS; k++)
        expr_prog_free(P[k]);
}

/* ---- the generated code's shape -------------------------------------------------------------------- */

/* the text of generated function `name` (up to the next function), or "" */
static void function_text(const char *src, const char *name, char *out, size_t n)
{
    char head[96];
    snprintf(head, sizeof head, "static void %s(kctx *K){", name);
    const char *a = strstr(src, head), *e = a ? strstr(a + 1, "\nstatic void ") : NULL;
    const char *e2 = a ? strstr(a + 1, "\n__attribute__") : NULL;
    if (!e || (e2 && e2 < e))
        e = e2;
    snprintf(out, n, "%.*s", a ? (int)(e ? e - a : (long)strlen(a)) : 0, a ? a : "");
}

static int occurrences(const char *s, const char *what)
{
    int k = 0;
    for (const char *q = strstr(s, what); q; q = strstr(q + 1, what))
        k++;
    return k;
}

/* Element-wise nodes of one length, gathers among them, run as one loop; in the evaluation
 * alone, the values nothing else reads stay local (vector and scalar), in the sweeps that
 * feed derivatives every value is stored.  The products agree with the interpreter's. */
static void test_fused_loops(void)
{
    expr_graph *g = expr_graph_new(NX, NP, NC, 0);
    static const int around[NOUT] = {1, 2, 0, 0, 2, 1}, spread[NOUT] = {0, 1, 2, 0, 1, 2};
    expr x = expr_states(g, 0, 3);
    expr base = expr_gather(g, x, NOUT, spread), next = expr_gather(g, x, NOUT, around);
    expr y = expr_mul(g, expr_exp(g, expr_scale(g, expr_add(g, base, next), 0.5)),
                      expr_tanh(g, base));
    expr s = expr_shift(g, expr_scale(g, expr_sin(g, expr_state(g, 3)), 2.0), 1.0);
    expr out = expr_mul(g, expr_mul(g, y, s), expr_param(g, 0));
    expr_prog *P = expr_compile(g, out);
    expr_graph_free(g);
    CHECK(P != NULL, "fused: compile");
    if (!P)
        return;
    size_t len = 0;
    char *src = expr_emit(&P, 1, &len);
    CHECK(src != NULL, "fused: emit");
    static char eval[20000], values[20000];
    function_text(src ? src : "", "q0_eval_all", eval, sizeof eval);
    function_text(src ? src : "", "q0_values_all", values, sizeof values);
    /* seven vector nodes in three loops: x copied (the gathers read it); both gathers, add,
     * scale, exp, tanh and y; after the scalars, y·s and the output */
    CHECK(occurrences(values, "for(") == 3 && occurrences(eval, "for(") == 3,
          "fused: loops %d (values), %d (evaluation), expected 3:\n%s", occurrences(values, "for("),
          occurrences(eval, "for("), values);
    CHECK(occurrences(values, "const double t") == 0, "fused: a local in the stored sweep");
    /* local: the gathers, tanh, add, scale, exp and y·s (7; y is read by the next loop), and
     * x[3], its sine and its scaling (3; s itself is read by a vector node) */
    CHECK(occurrences(eval, "const double t") == 10,
          "fused: %d locals in the evaluation, expected 10:\n%s",
          occurrences(eval, "const double t"), eval);
    free(src);
    char err[600];
    const int rc = expr_progs_compile_kernels(&P, 1, err, sizeof err);
    CHECK(rc == 0, "fused: compiled kernels: %s", rc ? err : "");
    if (rc == 0)
        compare_kinds(P, 99);
    expr_prog_free(P);
}

/* ---- the cache ------------------------------------------------------------------------------------ */

/* products of seed's program with kernels as ODEGRAD_KERNELS says, into out */
static int use_and_evaluate(int seed, double *out, int *compiled)
{
    expr_prog *P = graph_prog(seed);
    char err[600];
    CHECK(expr_prog_use_kernels(P, "test", err, sizeof err) == 0, "use kernels: %s", err);
    *compiled = expr_prog_kernels_compiled(P);
    expr_work *W = expr_work_new(P);
    const int n = products(P, W, seed, out);
    expr_work_free(W);
    expr_prog_free(P);
    return n;
}

/* the one cache file in dir */
static int cache_file(const char *dir, char *path, size_t n)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/k-*.so", dir);
    FILE *f = popen(cmd, "r");
    int found = 0;
    if (f) {
        found = fgets(path, (int)n, f) != NULL;
        pclose(f);
    }
    if (found)
        path[strcspn(path, "\n")] = '\0';
    return found;
}

static void damage(const char *path, int truncate_it)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL, "open %s", path);
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    if (truncate_it) {
        fclose(f);
        CHECK(truncate(path, size / 2) == 0, "truncate %s", path);
        return;
    }
    fseek(f, size / 3, SEEK_SET);
    const int byte = fgetc(f);
    fseek(f, size / 3, SEEK_SET);
    fputc(byte ^ 0x5a, f);
    fclose(f);
}

static void test_cache(const char *dir)
{
    const int seed = 7;
    double ref[NPROD + 64], got[NPROD + 64];
    int compiled;
    /* the reference: interpreted */
    setenv("ODEGRAD_KERNELS", "interpreted", 1);
    const int n = use_and_evaluate(seed, ref, &compiled);
    CHECK(!compiled, "ODEGRAD_KERNELS=interpreted gave compiled kernels");
    setenv("ODEGRAD_KERNELS", "compiled", 1);

    expr_kernel_stats s0, s1, s2, s3, s4;
    expr_kernels_stats(&s0);
    use_and_evaluate(seed, got, &compiled);   /* cold: compiles */
    expr_kernels_stats(&s1);
    CHECK(compiled && s1.compiler_runs == s0.compiler_runs + 1,
          "cold run: compiled %d, compiler runs %ld -> %ld", compiled, s0.compiler_runs,
          s1.compiler_runs);
    use_and_evaluate(seed, got, &compiled);   /* warm: loads */
    expr_kernels_stats(&s2);
    CHECK(compiled && s2.compiler_runs == s1.compiler_runs && s2.cache_loads == s1.cache_loads + 1,
          "second run: compiler runs %ld -> %ld, cache loads %ld -> %ld", s1.compiler_runs,
          s2.compiler_runs, s1.cache_loads, s2.cache_loads);
    for (int i = 0; i < n; i++)
        CHECK(check_rel_diff(got[i], ref[i]) <= 1e-14, "cached: product %d", i);

    /* a flipped byte, then a truncated file: each found, rebuilt, same numbers */
    for (int trunc = 0; trunc < 2; trunc++) {
        char path[600];
        CHECK(cache_file(dir, path, sizeof path), "no cache file in %s", dir);
        damage(path, trunc);
        expr_kernels_stats(&s3);
        use_and_evaluate(seed, got, &compiled);
        expr_kernels_stats(&s4);
        CHECK(compiled && s4.rebuilds == s3.rebuilds + 1 &&
                  s4.compiler_runs == s3.compiler_runs + 1,
              "%s cache file: compiled %d, rebuilds %ld -> %ld, compiler runs %ld -> %ld",
              trunc ? "truncated" : "damaged", compiled, s3.rebuilds, s4.rebuilds,
              s3.compiler_runs, s4.compiler_runs);
        for (int i = 0; i < n; i++)
            CHECK(check_rel_diff(got[i], ref[i]) <= 1e-14, "rebuilt: product %d", i);
    }

    /* no compiler on PATH, nothing cached for this program: interpreted, same numbers */
    setenv("PATH", "/nonexistent", 1);
    unsetenv("ODEGRAD_CC");
    expr_kernels_stats(&s3);
    use_and_evaluate(seed + 1000, got, &compiled);
    use_and_evaluate(seed, got, &compiled);
    expr_kernels_stats(&s4);
    CHECK(!compiled && s4.fallbacks == s3.fallbacks + 2 && s4.compiler_runs == s3.compiler_runs,
          "no compiler: compiled %d, fallbacks %ld -> %ld", compiled, s3.fallbacks,
          s4.fallbacks);
    for (int i = 0; i < n; i++)
        CHECK(got[i] == ref[i], "interpreted after fallback: product %d", i);
}

int main(void)
{
    char dir[] = "/tmp/odegrad-kcache-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("ODEGRAD_KERNEL_CACHE", dir, 1);
    setenv("ODEGRAD_KERNELS", "compiled", 1);
    test_graphs();
    test_fused_loops();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir %s", dir, dir);
    CHECK(system(cmd) == 0, "%s", cmd);
    test_cache(dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    /* PATH is gone: remove by absolute path */
    snprintf(cmd, sizeof cmd, "/bin/rm -rf %s", dir);
    CHECK(system(cmd) == 0, "%s", cmd);
    return check_finish("core/test_expr_kernels");
}
